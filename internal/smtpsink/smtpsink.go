// Package smtpsink is a real SMTP server for tests (go-smtp,
// github.com/emersion/go-smtp), on 127.0.0.1, that keeps every message it
// accepts. It can refuse the first deliveries for a while (to test
// retries), hold its reply to DATA after keeping a message (to stop a
// sender between the server's acceptance and the sender hearing of it), and
// it counts messages by Message-ID, so a test sees a message delivered
// twice. Tests only.
package smtpsink

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	netmail "net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the sink accepted.
type Message struct {
	From      string
	To        []string
	Data      []byte
	MessageID string
	Header    netmail.Header
	// Body is the message after its header, as sent (encoded).
	Body []byte
}

// Sink is a running SMTP server. It is safe for concurrent use.
type Sink struct {
	ln     net.Listener
	server *smtp.Server

	mu       sync.Mutex
	messages []Message
	refuse   int            // how many more deliveries to refuse with 451
	reject   int            // how many more deliveries to refuse with 550
	hold     chan struct{}  // when set, DATA's reply waits until it is closed
	held     chan struct{}  // signalled when a message is kept and its reply held
	stall    chan struct{}  // when set, MAIL FROM is answered only once it is closed
	stalled  chan struct{}  // signalled when a MAIL FROM waits for its answer
	arrived  chan struct{}  // signalled on every message kept
	seen     map[string]int // Message-ID → times received
}

// Start runs a sink until the test ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Sink{ln: ln, seen: map[string]int{}, arrived: make(chan struct{}, 1024), held: make(chan struct{}, 16), stalled: make(chan struct{}, 16)}
	s.server = smtp.NewServer(s)
	s.server.Domain = "sink.test"
	s.server.ReadTimeout = 30 * time.Second
	s.server.WriteTimeout = 30 * time.Second
	s.server.MaxMessageBytes = 10 << 20
	s.server.ErrorLog = log.New(io.Discard, "", 0)
	go s.server.Serve(ln)
	t.Cleanup(func() {
		s.Release()
		s.server.Close()
	})
	return s
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// RefuseNext makes the next n deliveries fail with 451 (try again later).
func (s *Sink) RefuseNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = n
}

// RejectNext makes the next n deliveries fail for good (550: no such
// mailbox), as a server does for an address that does not exist.
func (s *Sink) RejectNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = n
}

// HoldReplies makes the sink keep each message it is sent and then hold
// its reply (250) until Release: the sender waits as if the server were
// slow, though the message is delivered.
func (s *Sink) HoldReplies() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		s.hold = make(chan struct{})
	}
}

// Held returns a channel told each time a message is kept and its reply
// held.
func (s *Sink) Held() <-chan struct{} { return s.held }

// StallMail makes the sink wait before it answers MAIL FROM: the sender
// has begun but sent nothing of the message. A sender that goes away
// meanwhile delivered nothing.
func (s *Sink) StallMail() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stall == nil {
		s.stall = make(chan struct{})
	}
}

// Stalled returns a channel told each time a MAIL FROM waits.
func (s *Sink) Stalled() <-chan struct{} { return s.stalled }

// Release sends the held replies, answers the stalled MAIL FROMs, and
// holds and stalls no more.
func (s *Sink) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
	if s.stall != nil {
		close(s.stall)
		s.stall = nil
	}
}

// Messages returns every message accepted, in order.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Distinct returns how many different Message-IDs arrived; Duplicates the
// Message-IDs that arrived more than once, with how often.
func (s *Sink) Distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

// Duplicates returns the Message-IDs that arrived more than once, with how
// often each did.
func (s *Sink) Duplicates() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for id, n := range s.seen {
		if n > 1 {
			out[id] = n
		}
	}
	return out
}

// Wait waits until at least n messages have arrived, or fails the test.
func (s *Sink) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if got := s.Messages(); len(got) >= n {
			return got
		}
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("%d messages arrived in %s, want %d", len(s.Messages()), timeout, n)
			return nil
		}
	}
}

// NewSession implements smtp.Backend.
func (s *Sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{sink: s}, nil }

type session struct {
	sink *Sink
	from string
	to   []string
}

func (c *session) Mail(from string, _ *smtp.MailOptions) error {
	c.sink.mu.Lock()
	stall := c.sink.stall
	c.sink.mu.Unlock()
	if stall != nil {
		select {
		case c.sink.stalled <- struct{}{}:
		default:
		}
		<-stall
	}
	c.sink.mu.Lock()
	defer c.sink.mu.Unlock()
	if c.sink.refuse > 0 {
		c.sink.refuse--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	if c.sink.reject > 0 {
		c.sink.reject--
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	c.from = from
	return nil
}

func (c *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.to = append(c.to, to)
	return nil
}

func (c *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg := Message{From: c.from, To: append([]string(nil), c.to...), Data: data}
	if parsed, err := netmail.ReadMessage(bytes.NewReader(data)); err == nil {
		msg.Header = parsed.Header
		msg.MessageID = parsed.Header.Get("Message-Id")
		msg.Body, _ = io.ReadAll(parsed.Body)
	} else {
		return errors.New("the message cannot be read: " + err.Error())
	}
	c.sink.mu.Lock()
	c.sink.messages = append(c.sink.messages, msg)
	c.sink.seen[msg.MessageID]++
	hold := c.sink.hold
	c.sink.mu.Unlock()
	select {
	case c.sink.arrived <- struct{}{}:
	default:
	}
	if hold != nil {
		select {
		case c.sink.held <- struct{}{}:
		default:
		}
		<-hold
	}
	return nil
}

func (c *session) Reset() { c.from, c.to = "", nil }

func (c *session) Logout() error { return nil }
