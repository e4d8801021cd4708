package githttp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the limits on git requests.
const (
	// DefaultMaxRequests is how many git requests run at once in all; each
	// runs git http-backend and up to two git processes under it.
	DefaultMaxRequests = 16
	// DefaultMaxPerClient is how many of them one client address may run.
	DefaultMaxPerClient = 4
	// DefaultMinRate is the slowest a request's body may arrive, and its
	// answer be taken, on average, in bytes a second, once Grace is over.
	DefaultMinRate = 16 << 10
	// DefaultGrace is how long a request may go before its pace counts.
	DefaultGrace = time.Minute
	// DefaultMaxDuration is the longest any git request may take: a clone or
	// a 50 MB push over a slow link.
	DefaultMaxDuration = 30 * time.Minute
)

// Refusals counts git requests refused, by reason.
type Refusals struct {
	// Busy: DefaultMaxRequests (or MaxRequests) were running.
	Busy uint64
	// ClientBusy: the client's own requests were at MaxPerClient.
	ClientBusy uint64
	// Slow: a body that trickled in, or an answer taken too slowly, below
	// MinRate; git was stopped.
	Slow uint64
	// TooLarge: a push over MaxPush.
	TooLarge uint64
}

// limiter counts the git requests running, in all and per client.
type limiter struct {
	mu        sync.Mutex
	total     int
	perClient map[string]int

	busy, clientBusy, slow, tooLarge atomic.Uint64
}

// errBusy and errClientBusy are the two reasons a request is not started.
var (
	errBusy       = errors.New("githttp: at the limit of git requests")
	errClientBusy = errors.New("githttp: at the limit of git requests for one client")
)

// acquire takes a place for a request from client, or refuses.
func (l *limiter) acquire(client string, maxTotal, maxClient int) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.perClient[client] >= maxClient:
		l.clientBusy.Add(1)
		return nil, errClientBusy
	case l.total >= maxTotal:
		l.busy.Add(1)
		return nil, errBusy
	}
	if l.perClient == nil {
		l.perClient = map[string]int{}
	}
	l.total++
	l.perClient[client]++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.total--
		if l.perClient[client]--; l.perClient[client] == 0 {
			delete(l.perClient, client)
		}
	}, nil
}

// running is how many git requests are running now.
func (l *limiter) running() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// refuseBusy answers a request the limits turned away: 503, with words git
// shows the person ("remote: praxis: ...") and when to try again.
func refuseBusy(w http.ResponseWriter, err error, maxClient int) {
	w.Header().Set("Retry-After", "60")
	msg := "praxis: the server is busy with other git requests; try again in a minute"
	if errors.Is(err, errClientBusy) {
		msg = fmt.Sprintf("praxis: your address has as many git requests running as it may (%d); try again when they finish", maxClient)
	}
	http.Error(w, msg, http.StatusServiceUnavailable)
}

// clientAddress is the host part of a request's remote address.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// pace holds a git request to a minimum pace, so that a client cannot keep
// git processes alive by trickling its request or taking the answer a byte
// at a time: after grace, the body must have arrived, and the answer been
// taken, at rate bytes a second on average (each direction timed from its
// first byte), and nothing goes on past end. It moves the connection's read
// and write deadlines before each read and write.
type pace struct {
	rc    *http.ResponseController
	grace time.Duration
	rate  int64
	end   time.Time
	slow  atomic.Bool
}

// deadline is when n bytes must have moved, counting from start.
func (p *pace) deadline(start time.Time, n int64) time.Time {
	d := start.Add(p.grace + time.Duration(float64(n)/float64(p.rate)*float64(time.Second)))
	if d.After(p.end) {
		return p.end
	}
	return d
}

// timedOut notes a deadline that passed.
func (p *pace) timedOut(err error) {
	var netErr net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		p.slow.Store(true)
	}
}

// pacedBody is a request body read at the pace.
type pacedBody struct {
	io.ReadCloser
	pace  *pace
	start time.Time
	n     int64
}

func (b *pacedBody) Read(buf []byte) (int, error) {
	_ = b.pace.rc.SetReadDeadline(b.pace.deadline(b.start, b.n+int64(len(buf))))
	n, err := b.ReadCloser.Read(buf)
	b.n += int64(n)
	if err != nil {
		b.pace.timedOut(err)
	}
	return n, err
}

// pacedWriter is a response written at the pace.
type pacedWriter struct {
	http.ResponseWriter
	pace  *pace
	start time.Time
	n     int64
}

func (w *pacedWriter) Write(buf []byte) (int, error) {
	if w.start.IsZero() {
		w.start = time.Now()
	}
	_ = w.pace.rc.SetWriteDeadline(w.pace.deadline(w.start, w.n+int64(len(buf))))
	n, err := w.ResponseWriter.Write(buf)
	w.n += int64(n)
	if err != nil {
		w.pace.timedOut(err)
	}
	return n, err
}

// Unwrap gives the response writer below, for http.ResponseController.
func (w *pacedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
