// Package account owns people's accounts: sign-up under the instance's policy,
// passwords (argon2id), server-side sessions, API tokens, invitations and reset
// links, profiles with per-field visibility, trainings and the audit log. Who
// may do what is the policy in internal/access, which every method that acts
// for someone checks.
//
// Secrets (session cookies, tokens, links) are random, shown once, and stored
// only as SHA-256 hashes; passwords only as argon2id hashes.
package account

import (
	"context"
	"log/slog"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/mail"
)

// Lifetimes of secrets.
const (
	SessionIdle      = 14 * 24 * time.Hour // a session unused this long expires
	SessionMax       = 90 * 24 * time.Hour // no session lives longer than this
	sessionTouchStep = time.Hour           // how often use of a session is written down
	tokenTouchStep   = time.Minute
	ResetLifetime    = 72 * time.Hour
	InviteLifetime   = 14 * 24 * time.Hour
)

// ModuleExists reports whether a module slug names a module on main; the
// catalog provides it, so that trainings name real modules.
type ModuleExists func(ctx context.Context, slug string) bool

// Config holds what the account service needs.
type Config struct {
	DB     *db.DB
	Mail   *mail.Sender // nil when the instance sends no mail
	Logger *slog.Logger
	// BaseURL is the public address of praxis, used in links sent by email,
	// such as "https://praxis.example.org". Empty means links are relative.
	BaseURL string
	Modules ModuleExists
	// Now returns the time; tests set it. Nil means time.Now.
	Now func() time.Time
	// Hashing is the cost of password hashes; the zero value means praxis's
	// parameters. Only tests set it.
	Hashing Hashing
}

// Service is the account service. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	mail    *mail.Sender
	log     *slog.Logger
	baseURL string
	modules ModuleExists
	now     func() time.Time
	limits  *Limits
	hashing Hashing
	// dummyHash is verified against when an email has no account.
	dummyHash string
}

// New returns the account service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Modules == nil {
		cfg.Modules = func(context.Context, string) bool { return true }
	}
	hashing := cfg.Hashing.orDefault()
	return &Service{
		db: cfg.DB, mail: cfg.Mail, log: cfg.Logger, baseURL: cfg.BaseURL,
		modules: cfg.Modules, now: cfg.Now, limits: NewLimits(),
		hashing: hashing, dummyHash: hashing.dummy(),
	}
}

// MailEnabled reports whether the instance can send email.
func (s *Service) MailEnabled() bool { return s.mail.Enabled() }

// link makes an absolute link when a base URL is known.
func (s *Service) link(path string) string { return s.baseURL + path }
