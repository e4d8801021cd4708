// Package mail sends email through an SMTP server with go-mail
// (github.com/wneessen/go-mail): one-time password-reset links and
// invitations, notifications and workshop emails, each a plain-text part
// with, when given, an HTML alternative, and any attached files (a workshop's
// calendar entry). Without a configuration the Sender is nil and every
// send reports praxis.ENOTIMPLEMENTED, so the rest of praxis works without
// mail.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	gomail "github.com/wneessen/go-mail"
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
	Username string // optional; credentials are only sent over TLS (STARTTLS or implicit TLS on port 465)
	Password string
	// TLS is one of "starttls", "tls" or "none". "starttls" upgrades the
	// connection when the server offers it and refuses to send credentials
	// without it; "tls" is implicit TLS (port 465); "none" is a plain connection,
	// only for localhost relays and tests, and cannot carry credentials. Empty
	// means "tls" when the port is 465 and "starttls" otherwise.
	TLS     string
	Timeout time.Duration // whole send, default 30s
}

// Message is one email to one person.
type Message struct {
	To, Subject string
	// Body is the plain-text part.
	Body string
	// HTML, when not empty, is an alternative part for mail programs that
	// show HTML.
	HTML string
	// MessageID, when not empty, is the message's Message-ID (without the
	// angle brackets; its domain is the From address's): the same for every
	// attempt to send the same message, so that a copy sent twice can be
	// recognised. Empty means a random one.
	MessageID string
	// Unsubscribe, when not empty, is a URL that stops these emails with
	// one POST (RFC 8058): it goes in List-Unsubscribe, with
	// List-Unsubscribe-Post.
	Unsubscribe string
	// Bulk marks an automatic message that is not a direct answer to the
	// person (notifications, digests): Auto-Submitted: auto-generated, so
	// mail programs send no vacation replies to it.
	Bulk bool
	// Attachments are files sent with the message, after its text (a
	// calendar entry for a workshop).
	Attachments []Attachment
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
	host     string
	port     int
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
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || portText == "" {
		return nil, fmt.Errorf("mail: address %q is not host:port", cfg.Addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("mail: address %q has no port number", cfg.Addr)
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
		if port == 465 {
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
		host:      host,
		port:      port,
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

// Domain is the domain of the From address: Message-IDs end in it.
func (s *Sender) Domain() string {
	if s == nil {
		return "localhost"
	}
	return s.domain
}

// Send delivers m to its single recipient, within the configured timeout and
// ctx. It returns praxis.ENOTIMPLEMENTED when s is nil, praxis.EINVALID when
// the recipient is not one valid address or To or Subject contains a line
// break, and a wrapped error when the SMTP conversation fails (Permanent
// tells a refusal that trying again cannot change).
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
	if strings.ContainsAny(m.MessageID+m.Unsubscribe, "\r\n<> ") {
		return praxis.Errorf(praxis.EINVALID, "A Message-ID or unsubscribe link cannot contain spaces, angle brackets or line breaks.")
	}
	for _, a := range m.Attachments {
		if strings.ContainsAny(a.Name+a.ContentType, "\r\n\"") {
			return praxis.Errorf(praxis.EINVALID, "An attachment's name or type cannot contain a line break or a quotation mark.")
		}
	}
	msg, err := s.compose(to, m)
	if err != nil {
		return fmt.Errorf("mail: compose message to %s: %w", to.Address, err)
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	client, err := s.client(ctx)
	if err != nil {
		return fmt.Errorf("mail: send to %s: %w", to.Address, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		// A cancelled or expired ctx shows as an i/o error; name the ctx
		// error too so callers can tell it with errors.Is.
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("mail: send to %s: %w: %w", to.Address, ctxErr, err)
		}
		return fmt.Errorf("mail: send to %s: %w", to.Address, err)
	}
	return nil
}

// Permanent reports whether a failed send was refused for good (the server
// answered 5xx, as to an unknown recipient): trying again would only be
// refused again.
func Permanent(err error) bool {
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		return !sendErr.IsTemp() && sendErr.ErrorCode() >= 500
	}
	return false
}

// client returns a go-mail client for one connection, with praxis's rules:
// credentials only over TLS, STARTTLS required when there are credentials
// and used when offered otherwise. The connection ends when ctx does, at
// whatever point of the conversation.
func (s *Sender) client(ctx context.Context) (*gomail.Client, error) {
	tlsConfig := s.tlsConfig.Clone()
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		// ctx (bounded by s.timeout) ends the send; go-mail's own timeout
		// is only a backstop, later, so the error names ctx's.
		gomail.WithTimeout(s.timeout + 5*time.Second),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithHELO(heloName(s.domain)),
		// One message per connection: no NOOP to check it, no RSET after.
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
		// go-mail bounds the dial by ctx but the conversation only by its
		// timeout: closing the connection when ctx ends stops a read or
		// write in progress at once.
		gomail.WithDialContextFunc(func(dialCtx context.Context, network, address string) (net.Conn, error) {
			var conn net.Conn
			var err error
			if s.tlsMode == TLSImplicit {
				conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(dialCtx, network, address)
			} else {
				conn, err = (&net.Dialer{}).DialContext(dialCtx, network, address)
			}
			if err != nil {
				return nil, err
			}
			context.AfterFunc(ctx, func() { conn.Close() })
			return conn, nil
		}),
	}
	switch {
	case s.tlsMode == TLSImplicit:
		// The dialer speaks TLS from the first byte; go-mail then finds the
		// connection encrypted (and never tries STARTTLS on it).
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case s.tlsMode == TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case s.username != "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.username != "" {
		// The strongest mechanism the server offers; go-mail refuses the
		// plain-text ones (PLAIN, LOGIN) over a connection without TLS.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.username), gomail.WithPassword(s.password))
	}
	return gomail.NewClient(s.host, opts...)
}

// heloName is the name praxis gives the server in EHLO: its sending domain.
func heloName(domain string) string {
	if domain == "" {
		return "localhost"
	}
	return domain
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

// compose builds the message: UTF-8, quoted-printable, a plain-text part and
// an HTML alternative when there is one.
func (s *Sender) compose(to *netmail.Address, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP), gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDateWithValue(time.Now())
	id := m.MessageID
	if id == "" {
		random := make([]byte, 16)
		if _, err := rand.Read(random); err != nil {
			return nil, err
		}
		id = hex.EncodeToString(random)
	}
	if !strings.Contains(id, "@") {
		id += "@" + s.domain
	}
	msg.SetMessageIDWithValue(id)
	if m.Unsubscribe != "" {
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	if m.Bulk {
		msg.SetGenHeaderPreformatted("Auto-Submitted", "auto-generated")
		msg.SetGenHeaderPreformatted(gomail.HeaderXAutoResponseSuppress, "All")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		// In base64, after the text (and its HTML alternative). go-mail
		// writes the type's header as given, with the file's name after
		// it: folded at each parameter, its lines stay within 78
		// characters (Send refused line breaks in the type itself).
		contentType := strings.ReplaceAll(a.ContentType, "; ", ";\r\n ")
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(contentType)),
			gomail.WithFileEncoding(gomail.EncodingB64))
	}
	return msg, nil
}
