package mail

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// fakeOptions choose how a fakeServer behaves.
type fakeOptions struct {
	startTLS    bool   // offer STARTTLS (with the test certificate)
	implicitTLS bool   // speak TLS from the first byte
	silent      bool   // accept connections but never say a word
	rejectRcpt  string // answer 550 to RCPT TO for this address
	busyRcpt    string // answer 451 (try again later) to RCPT TO for this address
}

// session is what a fakeServer received on one connection.
type session struct {
	commands    []string // every command line, without CRLF
	mailFrom    string
	rcptTo      []string
	data        string // the message after DATA, dot-unstuffed, CRLF kept
	bareLF      bool   // a line of the message ended in LF without CR
	auth        string // the decoded AUTH PLAIN response
	authOverTLS bool
	startedTLS  bool
}

// fakeServer is an in-process SMTP server on 127.0.0.1 that speaks just enough
// SMTP for net/smtp and records each session. It serves one connection at a
// time, so sessions arrive in the order clients connected.
type fakeServer struct {
	opts      fakeOptions
	ln        net.Listener
	addr      string
	tlsConfig *tls.Config
	roots     *x509.CertPool
	sessions  chan *session

	mu    sync.Mutex
	conns []net.Conn
}

func newFakeServer(t *testing.T, opts fakeOptions) *fakeServer {
	t.Helper()
	cert, roots := testCertificate(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{
		opts:      opts,
		addr:      ln.Addr().String(),
		tlsConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		roots:     roots,
		sessions:  make(chan *session, 16),
	}
	if opts.implicitTLS {
		ln = tls.NewListener(ln, f.tlsConfig)
	}
	f.ln = ln
	go f.serve()
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, conn := range f.conns {
			conn.Close()
		}
	})
	return f
}

func (f *fakeServer) serve() {
	for {
		conn, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, conn)
		f.mu.Unlock()
		if f.opts.silent {
			continue
		}
		f.sessions <- f.handle(conn)
	}
}

func (f *fakeServer) handle(conn net.Conn) *session {
	defer conn.Close()
	// No test may hang on a client that stops talking.
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	s := &session{}
	_, isTLS := conn.(*tls.Conn)
	r := bufio.NewReader(conn)
	reply := func(lines ...string) {
		for _, line := range lines {
			io.WriteString(conn, line+"\r\n")
		}
	}

	reply("220 fake.test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return s
		}
		line = strings.TrimRight(line, "\r\n")
		s.commands = append(s.commands, line)
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			lines := []string{"250-fake.test"}
			if f.opts.startTLS && !isTLS {
				lines = append(lines, "250-STARTTLS")
			}
			reply(append(lines, "250-AUTH PLAIN", "250 HELP")...)
		case "STARTTLS":
			reply("220 2.0.0 Ready to start TLS")
			tlsConn := tls.Server(conn, f.tlsConfig)
			if err := tlsConn.Handshake(); err != nil {
				return s
			}
			conn, r, isTLS, s.startedTLS = tlsConn, bufio.NewReader(tlsConn), true, true
		case "AUTH":
			mechanism, initial, _ := strings.Cut(arg, " ")
			decoded, err := base64.StdEncoding.DecodeString(initial)
			if !strings.EqualFold(mechanism, "PLAIN") || err != nil {
				reply("501 5.5.4 Malformed AUTH")
				continue
			}
			s.auth, s.authOverTLS = string(decoded), isTLS
			reply("235 2.7.0 Authentication successful")
		case "MAIL":
			s.mailFrom = angleAddress(arg)
			reply("250 2.1.0 OK")
		case "RCPT":
			rcpt := angleAddress(arg)
			if rcpt == f.opts.rejectRcpt {
				reply("550 5.1.1 No such user")
				continue
			}
			if rcpt == f.opts.busyRcpt {
				reply("451 4.3.0 Try again later")
				continue
			}
			s.rcptTo = append(s.rcptTo, rcpt)
			reply("250 2.1.5 OK")
		case "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			var data strings.Builder
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return s
				}
				if line == ".\r\n" {
					break
				}
				if !strings.HasSuffix(line, "\r\n") {
					s.bareLF = true
				}
				data.WriteString(strings.TrimPrefix(line, "."))
			}
			s.data = data.String()
			reply("250 2.0.0 OK queued")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return s
		default:
			reply("502 5.5.2 Command not recognised")
		}
	}
}

// next returns the next finished session.
func (f *fakeServer) next(t *testing.T) *session {
	t.Helper()
	select {
	case s := <-f.sessions:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("fake SMTP server received no session")
		return nil
	}
}

// angleAddress returns the address inside <> in "FROM:<a@b> BODY=8BITMIME".
func angleAddress(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// testCertificate returns a self-signed certificate for 127.0.0.1 and a pool
// that trusts it.
func testCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, roots
}

// newTestSender returns a Sender for srv that trusts its certificate.
func newTestSender(t *testing.T, srv *fakeServer, cfg Config) *Sender {
	t.Helper()
	cfg.Addr = srv.addr
	if cfg.From == "" {
		cfg.From = "praxis <praxis@example.org>"
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.tlsConfig.RootCAs = srv.roots
	return s
}

// readMessage parses what the server received after DATA.
func readMessage(t *testing.T, sess *session) *netmail.Message {
	t.Helper()
	if sess.bareLF {
		t.Errorf("message has a line ending in a bare LF:\n%s", sess.data)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(sess.data))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, sess.data)
	}
	return msg
}

func TestSend(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{})
	sender := newTestSender(t, srv, Config{TLS: TLSNone})
	body := "Croeso – ŵ ŷ\n" +
		"Zażółć gęślą jaźń\n" +
		".a line that starts with a dot\n" +
		strings.Repeat("A long line that quoted-printable must wrap with soft breaks. ", 3) + "\n" +
		"https://praxis.example.org/reset?token=abc=def\n"

	before := time.Now().Add(-time.Second)
	err := sender.Send(context.Background(), Message{
		To:      "Ffion Jones <ffion@example.net>",
		Subject: "Reset your password",
		Body:    body,
	})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	after := time.Now().Add(time.Second)
	sess := srv.next(t)

	if sess.mailFrom != "praxis@example.org" {
		t.Errorf("MAIL FROM = %q, want %q", sess.mailFrom, "praxis@example.org")
	}
	if diff := cmp.Diff([]string{"ffion@example.net"}, sess.rcptTo); diff != "" {
		t.Errorf("RCPT TO (-want +got):\n%s", diff)
	}
	for i, line := range strings.Split(sess.data, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters long: %q", i+1, len(line), line)
		}
		for _, c := range []byte(line) {
			if c > 127 {
				t.Errorf("line %d has a non-ASCII byte: %q", i+1, line)
				break
			}
		}
	}

	msg := readMessage(t, sess)
	for name, want := range map[string]string{
		"From":                      `"praxis" <praxis@example.org>`,
		"To":                        `"Ffion Jones" <ffion@example.net>`,
		"Subject":                   "Reset your password",
		"Mime-Version":              "1.0",
		"Content-Transfer-Encoding": "quoted-printable",
	} {
		if got := msg.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if media, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type")); err != nil || media != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type = %q, want text/plain in UTF-8", msg.Header.Get("Content-Type"))
	}
	if msg.Header.Get("List-Unsubscribe") != "" || msg.Header.Get("Auto-Submitted") != "" {
		t.Errorf("a direct message has notification headers: %v", msg.Header)
	}
	date, err := msg.Header.Date()
	if err != nil {
		t.Errorf("Date: %v", err)
	} else if date.Before(before) || date.After(after) {
		t.Errorf("Date = %v, want between %v and %v", date, before, after)
	}
	messageID := msg.Header.Get("Message-Id")
	if !regexp.MustCompile(`^<[0-9a-f]{32}@example\.org>$`).MatchString(messageID) {
		t.Errorf("Message-ID = %q, want <32 hex digits@example.org>", messageID)
	}

	decoded, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	if want := strings.ReplaceAll(body, "\n", "\r\n"); string(decoded) != want {
		t.Errorf("body = %q, want %q", decoded, want)
	}

	if err := sender.Send(context.Background(), Message{To: "ffion@example.net", Subject: "Again"}); err != nil {
		t.Fatalf("second Send: %v", err)
	}
	if again := readMessage(t, srv.next(t)).Header.Get("Message-Id"); again == messageID {
		t.Errorf("second Message-ID = %q, the same as the first", again)
	}
}

func TestSendEncodesNonASCIISubject(t *testing.T) {
	tests := []struct {
		name    string
		subject string
	}{
		{"welsh", "Croeso – ŵ ŷ"},
		{"polish, long enough to fold", "Zażółć gęślą jaźń: zaproszenie do współpracy nad modułem „Źródła”"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, fakeOptions{})
			sender := newTestSender(t, srv, Config{TLS: TLSNone})
			if err := sender.Send(context.Background(), Message{To: "a@example.net", Subject: tt.subject, Body: "hi"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			sess := srv.next(t)
			for i, line := range strings.Split(sess.data, "\r\n") {
				if len(line) > 78 {
					t.Errorf("line %d is %d characters long: %q", i+1, len(line), line)
				}
			}
			raw := readMessage(t, sess).Header.Get("Subject")
			if !strings.HasPrefix(strings.ToLower(raw), "=?utf-8?q?") {
				t.Errorf("raw Subject = %q, want an RFC 2047 Q-encoded word", raw)
			}
			for _, c := range []byte(raw) {
				if c > 127 {
					t.Fatalf("raw Subject = %q has a non-ASCII byte", raw)
				}
			}
			got, err := new(mime.WordDecoder).DecodeHeader(raw)
			if err != nil {
				t.Fatalf("DecodeHeader(%q): %v", raw, err)
			}
			if got != tt.subject {
				t.Errorf("decoded Subject = %q, want %q", got, tt.subject)
			}
		})
	}
}

func TestSendRefusesHeaderInjection(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{})
	sender := newTestSender(t, srv, Config{TLS: TLSNone})
	tests := []struct {
		name string
		msg  Message
	}{
		{"CRLF in To", Message{To: "victim@example.net\r\nBcc: everyone@example.net", Subject: "Hi"}},
		{"LF in To", Message{To: "victim@example.net\nBcc: everyone@example.net", Subject: "Hi"}},
		{"CR in To", Message{To: "victim@example.net\rBcc: everyone@example.net", Subject: "Hi"}},
		{"CRLF in Subject", Message{To: "victim@example.net", Subject: "Hi\r\nBcc: everyone@example.net"}},
		{"LF in Subject", Message{To: "victim@example.net", Subject: "Hi\nBcc: everyone@example.net"}},
		{"two recipients", Message{To: "victim@example.net, everyone@example.net", Subject: "Hi"}},
		{"not an address", Message{To: "victim", Subject: "Hi"}},
		{"empty To", Message{To: "", Subject: "Hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sender.Send(context.Background(), tt.msg)
			if code := praxis.ErrorCode(err); code != praxis.EINVALID {
				t.Fatalf("Send error = %v (code %q), want code %q", err, code, praxis.EINVALID)
			}
		})
	}

	// The server handles connections in order, so had any refused message
	// been sent, its session would come first.
	if err := sender.Send(context.Background(), Message{To: "fine@example.net", Subject: "Hi"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if diff := cmp.Diff([]string{"fine@example.net"}, srv.next(t).rcptTo); diff != "" {
		t.Errorf("first session RCPT TO (-want +got):\n%s", diff)
	}
	select {
	case extra := <-srv.sessions:
		t.Errorf("unexpected extra session: %q", extra.commands)
	default:
	}
}

func TestDisabledSender(t *testing.T) {
	sender, err := New(Config{From: "praxis@example.org"})
	if err != nil {
		t.Fatalf("New with empty Addr: %v", err)
	}
	if sender != nil {
		t.Fatalf("New with empty Addr = %+v, want nil", sender)
	}
	if sender.Enabled() {
		t.Error("Enabled() = true for a nil Sender, want false")
	}
	err = sender.Send(context.Background(), Message{To: "a@example.net", Subject: "Hi", Body: "hi"})
	if code := praxis.ErrorCode(err); code != praxis.ENOTIMPLEMENTED {
		t.Errorf("Send error = %v (code %q), want code %q", err, code, praxis.ENOTIMPLEMENTED)
	}

	enabled, err := New(Config{Addr: "smtp.example.org:587", From: "praxis@example.org"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if !enabled.Enabled() {
		t.Error("Enabled() = false for a configured Sender, want true")
	}
}

func TestSendAuthenticatesOnlyOverTLS(t *testing.T) {
	tests := []struct {
		name string
		opts fakeOptions
		tls  string
	}{
		{"starttls", fakeOptions{startTLS: true}, TLSStartTLS},
		{"implicit tls", fakeOptions{implicitTLS: true}, TLSImplicit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, tt.opts)
			sender := newTestSender(t, srv, Config{TLS: tt.tls, Username: "praxis", Password: "s3cret"})
			if err := sender.Send(context.Background(), Message{To: "a@example.net", Subject: "Hi", Body: "hi"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			sess := srv.next(t)
			if want := "\x00praxis\x00s3cret"; sess.auth != want {
				t.Errorf("AUTH PLAIN response = %q, want %q", sess.auth, want)
			}
			if !sess.authOverTLS {
				t.Error("AUTH arrived over a plain connection")
			}
			if tt.opts.startTLS && !sess.startedTLS {
				t.Error("client did not issue STARTTLS")
			}
			if diff := cmp.Diff([]string{"a@example.net"}, sess.rcptTo); diff != "" {
				t.Errorf("RCPT TO (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendRefusesCredentialsWithoutSTARTTLS(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{startTLS: false})
	sender := newTestSender(t, srv, Config{TLS: TLSStartTLS, Username: "praxis", Password: "s3cret"})
	err := sender.Send(context.Background(), Message{To: "a@example.net", Subject: "Hi", Body: "hi"})
	if err == nil {
		t.Fatal("Send over a server without STARTTLS succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "mail: send to a@example.net:") {
		t.Errorf("Send error = %q, want it to name the recipient", err)
	}
	sess := srv.next(t)
	for _, command := range sess.commands {
		verb, _, _ := strings.Cut(command, " ")
		if verb := strings.ToUpper(verb); verb == "AUTH" || verb == "MAIL" {
			t.Errorf("server received %q, want the client to stop before it", command)
		}
		if strings.Contains(command, "s3cret") || strings.Contains(command, base64.StdEncoding.EncodeToString([]byte("\x00praxis\x00s3cret"))) {
			t.Errorf("server received the password in %q", command)
		}
	}
}

func TestSendWithoutCredentialsFallsBackToPlain(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{startTLS: false})
	sender := newTestSender(t, srv, Config{TLS: TLSStartTLS})
	if err := sender.Send(context.Background(), Message{To: "a@example.net", Subject: "Hi", Body: "hi"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if diff := cmp.Diff([]string{"a@example.net"}, srv.next(t).rcptTo); diff != "" {
		t.Errorf("RCPT TO (-want +got):\n%s", diff)
	}
}

func TestSendWrapsServerRejection(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{rejectRcpt: "nobody@example.net"})
	sender := newTestSender(t, srv, Config{TLS: TLSNone})
	err := sender.Send(context.Background(), Message{To: "nobody@example.net", Subject: "Hi", Body: "hi"})
	if err == nil {
		t.Fatal("Send to a rejected recipient succeeded, want an error")
	}
	if want := "mail: send to nobody@example.net: "; !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "550") {
		t.Errorf("Send error = %q, want it to start %q and give the server's 550 reply", err, want)
	}
	if !Permanent(err) {
		t.Errorf("Permanent(%v) = false, want true for a 550", err)
	}
	if code := praxis.ErrorCode(err); code != praxis.EINTERNAL {
		t.Errorf("ErrorCode = %q, want %q", code, praxis.EINTERNAL)
	}
	if sess := srv.next(t); sess.data != "" {
		t.Errorf("server received a message after rejecting the recipient:\n%s", sess.data)
	}
}

func TestSendGivesUpOnASilentServer(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		ctx     func() (context.Context, context.CancelFunc)
		want    error
	}{
		{
			name:    "configured timeout",
			timeout: 200 * time.Millisecond,
			ctx:     func() (context.Context, context.CancelFunc) { return context.Background(), func() {} },
			want:    context.DeadlineExceeded,
		},
		{
			name: "ctx deadline",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 200*time.Millisecond)
			},
			want: context.DeadlineExceeded,
		},
		{
			name: "ctx cancelled",
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(200*time.Millisecond, cancel)
				return ctx, cancel
			},
			want: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, fakeOptions{silent: true})
			sender := newTestSender(t, srv, Config{TLS: TLSNone, Timeout: tt.timeout})
			ctx, cancel := tt.ctx()
			defer cancel()

			done := make(chan error, 1)
			go func() {
				done <- sender.Send(ctx, Message{To: "a@example.net", Subject: "Hi", Body: "hi"})
			}()
			// Far beyond the 200ms the send is given and far below the 30s
			// default, so only a Send that ignores its limit fails here.
			select {
			case err := <-done:
				if !errors.Is(err, tt.want) {
					t.Errorf("Send error = %v, want %v", err, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Send to a silent server did not return within 10s")
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
		wantTLS string
	}{
		{"submission port", Config{Addr: "smtp.example.org:587", From: "praxis <praxis@example.org>"}, false, TLSStartTLS},
		{"port 465 defaults to implicit TLS", Config{Addr: "smtp.example.org:465", From: "praxis@example.org"}, false, TLSImplicit},
		{"explicit none", Config{Addr: "localhost:25", From: "praxis@example.org", TLS: TLSNone}, false, TLSNone},
		{"credentials over starttls", Config{Addr: "smtp.example.org:587", From: "praxis@example.org", Username: "u", Password: "p"}, false, TLSStartTLS},
		{"no port", Config{Addr: "smtp.example.org", From: "praxis@example.org"}, true, ""},
		{"no host", Config{Addr: ":587", From: "praxis@example.org"}, true, ""},
		{"empty From", Config{Addr: "smtp.example.org:587"}, true, ""},
		{"From not an address", Config{Addr: "smtp.example.org:587", From: "praxis"}, true, ""},
		{"From with a line break", Config{Addr: "smtp.example.org:587", From: "praxis@example.org\r\nBcc: x@example.net"}, true, ""},
		{"unknown TLS mode", Config{Addr: "smtp.example.org:587", From: "praxis@example.org", TLS: "ssl"}, true, ""},
		{"credentials without TLS", Config{Addr: "localhost:25", From: "praxis@example.org", TLS: TLSNone, Username: "u", Password: "p"}, true, ""},
		{"negative timeout", Config{Addr: "smtp.example.org:587", From: "praxis@example.org", Timeout: -time.Second}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sender, err := New(tt.cfg)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("New(%+v) = %+v, want an error", tt.cfg, sender)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%+v): %v", tt.cfg, err)
			}
			if sender.tlsMode != tt.wantTLS {
				t.Errorf("TLS mode = %q, want %q", sender.tlsMode, tt.wantTLS)
			}
			if sender.timeout != DefaultTimeout {
				t.Errorf("timeout = %v, want %v", sender.timeout, DefaultTimeout)
			}
		})
	}
}

func TestSendNotificationWithHTMLAndUnsubscribe(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{})
	sender := newTestSender(t, srv, Config{TLS: TLSNone})
	m := Message{
		To:          "ffion@example.net",
		Subject:     "Ana commented on “Stigma”",
		Body:        "Ana commented.\nhttps://praxis.example.org/proposals/1\n",
		HTML:        `<p>Ana commented. <a href="https://praxis.example.org/proposals/1">Open it</a></p>`,
		MessageID:   "praxis.e12.u34",
		Unsubscribe: "https://praxis.example.org/unsubscribe/abc.def",
		Bulk:        true,
	}
	for range 2 {
		if err := sender.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	for range 2 {
		msg := readMessage(t, srv.next(t))
		for name, want := range map[string]string{
			"Message-Id":            "<praxis.e12.u34@example.org>",
			"List-Unsubscribe":      "<https://praxis.example.org/unsubscribe/abc.def>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"Auto-Submitted":        "auto-generated",
		} {
			if got := msg.Header.Get(name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		media, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil || media != "multipart/alternative" {
			t.Fatalf("Content-Type = %q, want multipart/alternative", msg.Header.Get("Content-Type"))
		}
		parts := multipart.NewReader(msg.Body, params["boundary"])
		var types []string
		for {
			part, err := parts.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			partType, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			types = append(types, partType)
			body, _ := io.ReadAll(quotedprintable.NewReader(part))
			if !strings.Contains(string(body), "https://praxis.example.org/proposals/1") {
				t.Errorf("%s part lacks the link: %q", partType, body)
			}
		}
		if diff := cmp.Diff([]string{"text/plain", "text/html"}, types); diff != "" {
			t.Errorf("parts (-want +got):\n%s", diff)
		}
	}
}

func TestSendTellsPermanentFromTemporaryRefusals(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{busyRcpt: "busy@example.net"})
	sender := newTestSender(t, srv, Config{TLS: TLSNone})
	err := sender.Send(context.Background(), Message{To: "busy@example.net", Subject: "Hi", Body: "hi"})
	if err == nil {
		t.Fatal("Send to a busy recipient succeeded, want an error")
	}
	if Permanent(err) {
		t.Errorf("Permanent(%v) = true for a 451, want false: it may work later", err)
	}
	if Permanent(errors.New("connection refused")) {
		t.Error("Permanent(connection refused) = true, want false")
	}
}

func TestSendWithAttachment(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{})
	sender := newTestSender(t, srv, Config{TLS: TLSNone})
	calendar := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + strings.Repeat("X-LONG:"+strings.Repeat("é", 60)+"\r\n", 3) + "END:VCALENDAR\r\n"
	err := sender.Send(context.Background(), Message{
		To: "ffion@example.net", Subject: "Your place", Body: "See you there.\n",
		Attachments: []Attachment{{Name: "workshop.ics", ContentType: "text/calendar; charset=utf-8; method=PUBLISH", Data: []byte(calendar)}},
	})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	sess := srv.next(t)
	for i, line := range strings.Split(sess.data, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters long: %q", i+1, len(line), line)
		}
	}
	msg := readMessage(t, sess)
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/mixed" {
		t.Fatalf("Content-Type = %q (%v), want multipart/mixed", msg.Header.Get("Content-Type"), err)
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	text, err := parts.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := io.ReadAll(text); string(body) != "See you there.\r\n" { // the reader decodes quoted-printable
		t.Errorf("text part = %q", body)
	}
	file, err := parts.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if file.FileName() != "workshop.ics" || !strings.HasPrefix(file.Header.Get("Content-Type"), "text/calendar; charset=utf-8; method=PUBLISH") {
		t.Errorf("attachment %q of type %q", file.FileName(), file.Header.Get("Content-Type"))
	}
	data, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, file))
	if err != nil || string(data) != calendar {
		t.Errorf("attachment = %q (%v), want the calendar back byte for byte", data, err)
	}
	if _, err := parts.NextPart(); err != io.EOF {
		t.Errorf("a third part: %v", err)
	}
	if err := sender.Send(context.Background(), Message{To: "ffion@example.net", Subject: "x",
		Attachments: []Attachment{{Name: "a\r\nBcc: evil@example.com", ContentType: "text/plain"}}}); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("an attachment name with a line break: %v, want EINVALID", err)
	}
}
