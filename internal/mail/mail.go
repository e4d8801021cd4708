// Package mail sends plain-text email through an SMTP server with net/smtp.
// praxis uses it for one-time password-reset links and invitations when an
// operator configures SMTP; without a configuration the Sender is nil and every
// send reports praxis.ENOTIMPLEMENTED, so the rest of praxis works without mail.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// TLS modes for Config.TLS.
const (
	// TLSStartTLS upgrades the connection when the server offers STARTTLS and
	// refuses to send credentials when it does not.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte, usually on port 465.
	TLSImplicit = "tls"
	// TLSNone never uses TLS and never authenticates: only for a relay on
	// localhost and for tests.
	TLSNone = "none"
)

// DefaultTimeout bounds a whole send when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config is how to reach an SMTP server. Addr "" means mail is not configured.
type Config struct {
	Addr     string // host:port, e.g. smtp.example.org:587
	From     string // "praxis <praxis@example.org>" or a bare address
	Username string // optional; PLAIN auth is only used over TLS (STARTTLS or implicit TLS on port 465)
	Password string
	// TLS is one of "starttls", "tls" or "none". "starttls" upgrades the
	// connection when the server offers it and refuses to send credentials
	// without it; "tls" is implicit TLS (port 465); "none" is a plain connection,
	// only for localhost relays and tests, and cannot carry credentials. Empty
	// means "tls" when the port is 465 and "starttls" otherwise.
	TLS     string
	Timeout time.Duration // whole send, default 30s
}

// Message is one plain-text email, with files attached when Attachments
// holds any.
type Message struct {
	To, Subject, Body string
	Attachments       []Attachment
}

// Attachment is a file sent with a message, such as a calendar entry
// (text/calendar) for a workshop.
type Attachment struct {
	// Name is the file's name as the recipient sees it.
	Name string
	// ContentType is its MIME type, parameters included
	// ("text/calendar; charset=utf-8; method=PUBLISH").
	ContentType string
	Data        []byte
}

// Sender sends mail. A nil *Sender (from New with an empty Addr) reports
// Enabled() == false and Send returns an error with code praxis.ENOTIMPLEMENTED.
// A Sender is safe for concurrent use: each Send opens its own connection.
type Sender struct {
	addr     string
	host     string
	from     *netmail.Address
	domain   string // of the From address, for Message-IDs
	username string
	password string
	tlsMode  string
	timeout  time.Duration
	// tlsConfig is cloned for every connection; tests replace its RootCAs.
	tlsConfig *tls.Config
}

// New returns a Sender for cfg, or (nil, nil) when cfg.Addr is empty. It
// returns an error when Addr is not host:port, From is not an email address,
// TLS is not a known mode, or credentials are configured with TLS "none".
func New(cfg Config) (*Sender, error) {
	if cfg.Addr == "" {
		return nil, nil
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("mail: address %q is not host:port", cfg.Addr)
	}
	if strings.ContainsAny(cfg.From, "\r\n") {
		return nil, fmt.Errorf("mail: from address %q contains a line break", cfg.From)
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", cfg.From, err)
	}
	at := strings.LastIndexByte(from.Address, '@')
	if at < 0 {
		return nil, fmt.Errorf("mail: from address %q has no domain", cfg.From)
	}

	tlsMode := cfg.TLS
	if tlsMode == "" {
		tlsMode = TLSStartTLS
		if port == "465" {
			tlsMode = TLSImplicit
		}
	}
	switch tlsMode {
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if cfg.Username != "" {
			return nil, errors.New(`mail: refusing to send credentials without TLS: set TLS to "starttls" or "tls", or drop the username`)
		}
	default:
		return nil, fmt.Errorf(`mail: TLS mode %q is not "starttls", "tls" or "none"`, cfg.TLS)
	}

	timeout := cfg.Timeout
	switch {
	case timeout < 0:
		return nil, fmt.Errorf("mail: timeout %s is negative", timeout)
	case timeout == 0:
		timeout = DefaultTimeout
	}

	return &Sender{
		addr:      cfg.Addr,
		host:      host,
		from:      from,
		domain:    from.Address[at+1:],
		username:  cfg.Username,
		password:  cfg.Password,
		tlsMode:   tlsMode,
		timeout:   timeout,
		tlsConfig: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12},
	}, nil
}

// Enabled reports whether mail is configured, so callers can hide features
// such as "email me a reset link" on an instance without SMTP.
func (s *Sender) Enabled() bool {
	return s != nil
}

// Send delivers m to its single recipient, within the configured timeout and
// ctx. It returns praxis.ENOTIMPLEMENTED when s is nil, praxis.EINVALID when
// the recipient is not one valid address or To or Subject contains a line
// break, and a wrapped error when the SMTP conversation fails.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if s == nil {
		return praxis.Errorf(praxis.ENOTIMPLEMENTED, "Email is not configured on this server.")
	}
	to, err := parseRecipient(m.To)
	if err != nil {
		return err
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return praxis.Errorf(praxis.EINVALID, "An email subject cannot contain a line break.")
	}
	for _, a := range m.Attachments {
		if strings.ContainsAny(a.Name+a.ContentType, "\r\n\"") {
			return praxis.Errorf(praxis.EINVALID, "An attachment's name or type cannot contain a line break or a quotation mark.")
		}
	}
	msg, err := s.compose(to, m.Subject, m.Body, m.Attachments)
	if err != nil {
		return fmt.Errorf("mail: compose message to %s: %w", to.Address, err)
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.deliver(ctx, to.Address, msg); err != nil {
		// The connection's deadline turns a cancelled or expired ctx into an i/o
		// error; name the ctx error too so callers can tell it with errors.Is.
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("mail: send to %s: %w: %w", to.Address, ctxErr, err)
		}
		return fmt.Errorf("mail: send to %s: %w", to.Address, err)
	}
	return nil
}

// parseRecipient returns the one address in to, or an EINVALID error.
func parseRecipient(to string) (*netmail.Address, error) {
	if strings.ContainsAny(to, "\r\n") {
		return nil, praxis.Errorf(praxis.EINVALID, "An email address cannot contain a line break.")
	}
	addr, err := netmail.ParseAddress(to)
	if err != nil {
		return nil, praxis.Errorf(praxis.EINVALID, "%q is not an email address.", to)
	}
	return addr, nil
}

// compose returns the RFC 5322 message, with CRLF line endings and the body
// in quoted-printable UTF-8; with attachments, a multipart/mixed message of
// the body and each file in base64.
func (s *Sender) compose(to *netmail.Address, subject, body string, attachments []Attachment) ([]byte, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	encodedSubject := mime.QEncoding.Encode("utf-8", subject)
	if encodedSubject != subject {
		// Fold between encoded-words so a long non-ASCII subject keeps its
		// lines short; whitespace between encoded-words is not part of the text.
		encodedSubject = strings.ReplaceAll(encodedSubject, "?= =?", "?=\r\n =?")
	}

	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteString("\r\n")
	}
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", encodedSubject)
	header("Date", time.Now().UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@"+s.domain+">")
	header("MIME-Version", "1.0")
	if len(attachments) == 0 {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQuotedPrintable(&b, body); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	parts := multipart.NewWriter(&b)
	// Header lines are folded to stay within 78 characters.
	header("Content-Type", "multipart/mixed;\r\n boundary=\""+parts.Boundary()+`"`)
	b.WriteString("\r\n")
	text, err := parts.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return nil, err
	}
	var textBody bytes.Buffer
	if err := writeQuotedPrintable(&textBody, body); err != nil {
		return nil, err
	}
	if _, err := text.Write(textBody.Bytes()); err != nil {
		return nil, err
	}
	for _, a := range attachments {
		name := mime.QEncoding.Encode("utf-8", a.Name)
		part, err := parts.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {a.ContentType + ";\r\n name=\"" + name + `"`},
			"Content-Transfer-Encoding": {"base64"},
			"Content-Disposition":       {`attachment; filename="` + name + `"`},
		})
		if err != nil {
			return nil, err
		}
		encoded := base64.StdEncoding.EncodeToString(a.Data)
		for len(encoded) > 76 {
			if _, err := io.WriteString(part, encoded[:76]+"\r\n"); err != nil {
				return nil, err
			}
			encoded = encoded[76:]
		}
		if _, err := io.WriteString(part, encoded+"\r\n"); err != nil {
			return nil, err
		}
	}
	if err := parts.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}

// writeQuotedPrintable writes body in quoted-printable, ending with CRLF. The
// writer turns every "\n" or "\r\n" into CRLF and keeps lines within 76
// characters.
func writeQuotedPrintable(b *bytes.Buffer, body string) error {
	qp := quotedprintable.NewWriter(b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return nil
}

// deliver runs one SMTP conversation that hands msg to the server for rcpt.
func (s *Sender) deliver(ctx context.Context, rcpt string, msg []byte) error {
	conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// When ctx ends, by its deadline or by cancellation, move the connection's
	// deadline into the past so that any read or write in progress fails at
	// once. Setting ctx's deadline on the connection in advance would race with
	// ctx's own timer, and Send could not then report context.DeadlineExceeded.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	client, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return err
	}
	defer client.Close()

	if s.tlsMode == TLSStartTLS {
		if ok, _ := client.Extension("STARTTLS"); ok {
			if err := client.StartTLS(s.tlsConfig.Clone()); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		}
	}
	if s.username != "" {
		// net/smtp's PlainAuth would also send credentials in clear to a
		// localhost server; praxis never does.
		if _, ok := client.TLSConnectionState(); !ok {
			return errors.New("server does not offer STARTTLS: refusing to send credentials over a plain connection")
		}
		if ok, _ := client.Extension("AUTH"); !ok {
			return errors.New("server does not offer AUTH but a username is configured")
		}
		if err := client.Auth(smtp.PlainAuth("", s.username, s.password, s.host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}

	if err := client.Mail(s.from.Address); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := client.Rcpt(rcpt); err != nil {
		return fmt.Errorf("rcpt to: %w", err)
	}
	w, err := client.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	// The server has accepted the message; a failed QUIT must not make the
	// caller send it again.
	_ = client.Quit()
	return nil
}

// dial connects to the server, in TLS from the start in TLSImplicit mode.
func (s *Sender) dial(ctx context.Context) (net.Conn, error) {
	dialer := &net.Dialer{}
	if s.tlsMode == TLSImplicit {
		tlsDialer := &tls.Dialer{NetDialer: dialer, Config: s.tlsConfig.Clone()}
		return tlsDialer.DialContext(ctx, "tcp", s.addr)
	}
	return dialer.DialContext(ctx, "tcp", s.addr)
}
