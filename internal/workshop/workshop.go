// Package workshop is the work before a workshop: a local group requests
// one, coordinators match trained facilitators who are free and schedule
// it, participants register (with a waiting list), everyone is reminded, and
// afterwards the check-in list becomes the delivery record. It owns the
// rules of requests, scheduling (times in a time zone, date conflicts),
// matching, registrations, attendance, reminders and the retention of
// participants' personal data; internal/db stores them.
package workshop

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones work on machines without a zone database

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Instance settings, changed by admins on the settings page.
const (
	// SettingRetentionDays is how many days after a workshop its
	// participants' names and emails are deleted.
	SettingRetentionDays = "workshop_retention_days"
	// SettingWarnDays is how many days around a workshop another booking of
	// one of its facilitators is warned about.
	SettingWarnDays = "workshop_conflict_warn_days"
)

// Defaults of the settings.
const (
	DefaultRetentionDays = 90
	DefaultWarnDays      = 2
	MaxRetentionDays     = 3650
	MaxWarnDays          = 30
)

// Limits on what requests, workshops and registrations may hold.
const (
	MaxName         = 100
	MaxGroupName    = 120
	MaxText         = 2000
	MaxPlace        = 200
	MaxCapacity     = 1000
	MaxFacilitators = 10
	MaxModules      = 20
	MaxLength       = 24 * time.Hour
	MaxEmail        = 254
)

// Mailer sends email; *mail.Sender is one. Without mail configured it
// answers ENOTIMPLEMENTED and praxis carries on: every link an email would
// carry is also shown on the page that made it.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

var _ Mailer = (*mail.Sender)(nil)

// Config is what the workshop service needs.
type Config struct {
	DB         *db.DB
	Catalog    *catalog.Catalog
	History    *history.Index
	Releases   *history.Releases
	Deliveries *delivery.Service
	// Forks tells a fork's module, owner and head (the review service).
	Forks delivery.ForkHeads
	// Mail sends confirmations, reminders and feedback links; nil sends
	// none.
	Mail Mailer
	// BaseURL is praxis's public address; links in emails and calendars are
	// made from it.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
}

// Service is the workshop service. It is safe for concurrent use.
type Service struct {
	db         *db.DB
	catalog    *catalog.Catalog
	history    *history.Index
	releases   *history.Releases
	deliveries *delivery.Service
	forks      delivery.ForkHeads
	mail       Mailer
	// queue sends the emails, once RegisterJobs gave it; nil sends them at
	// once.
	queue   *jobs.Queue
	baseURL string
	log     *slog.Logger
	now     func() time.Time
	limits  *account.Limits
	// recordMu keeps two facilitators of one workshop from recording it at
	// once in this process; the database refuses a second link in any case.
	recordMu sync.Mutex
}

// New returns the workshop service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = "http://localhost"
	}
	return &Service{db: cfg.DB, catalog: cfg.Catalog, history: cfg.History, releases: cfg.Releases, deliveries: cfg.Deliveries,
		forks: cfg.Forks, mail: cfg.Mail, baseURL: base, log: cfg.Logger, now: cfg.Now,
		limits: account.NewLimits()}
}

// URL makes a link for outside praxis (emails, calendars) from the public
// address.
func (s *Service) URL(path string) string { return s.baseURL + path }

// invalid is EINVALID naming one field at fault (praxis.Invalid).
func invalid(field, format string, args ...any) *praxis.Error {
	return praxis.Invalid(field, format, args...)
}

// fieldErrors gathers every field at fault, so that a form shows them all
// at once and the API names each (praxis.InvalidFields).
type fieldErrors []praxis.FieldError

// add adds the fields err names.
func (errs *fieldErrors) add(err error) { *errs = append(*errs, praxis.FieldErrors(err)...) }

// orNil returns EINVALID naming the fields, or nil when there are none.
func (errs fieldErrors) orNil() error { return praxis.InvalidFields(errs) }

// Settings are the admins' choices for workshops.
type Settings struct {
	RetentionDays int
	WarnDays      int
}

// CheckSettings names every setting out of range.
func CheckSettings(set Settings) error {
	var errs fieldErrors
	if set.RetentionDays < 1 || set.RetentionDays > MaxRetentionDays {
		errs.add(invalid(SettingRetentionDays, "give a number of days from 1 to %d", MaxRetentionDays))
	}
	if set.WarnDays < 0 || set.WarnDays > MaxWarnDays {
		errs.add(invalid(SettingWarnDays, "give a number of days from 0 to %d", MaxWarnDays))
	}
	return errs.orNil()
}

// Settings returns the instance's workshop settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	read := func(key string, def int) (int, error) {
		v, err := s.db.Setting(ctx, key, strconv.Itoa(def))
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return def, nil
		}
		return n, nil
	}
	retention, err := read(SettingRetentionDays, DefaultRetentionDays)
	if err != nil {
		return Settings{}, err
	}
	warn, err := read(SettingWarnDays, DefaultWarnDays)
	if err != nil {
		return Settings{}, err
	}
	return Settings{RetentionDays: retention, WarnDays: warn}, nil
}

// SetSettings changes the workshop settings (admins), audited. Every value
// at fault is named at once.
func (s *Service) SetSettings(ctx context.Context, actor *praxis.User, set Settings) error {
	if err := access.Authorize(actor, access.EditSettings); err != nil {
		return err
	}
	if err := CheckSettings(set); err != nil {
		return err
	}
	current, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	for _, v := range []struct {
		key       string
		old, next int
	}{{SettingRetentionDays, current.RetentionDays, set.RetentionDays}, {SettingWarnDays, current.WarnDays, set.WarnDays}} {
		if v.old == v.next {
			continue
		}
		audit := praxis.AuditEntry{At: s.now().UTC(), ActorID: actor.ID, Action: "settings.change",
			Detail: fmt.Sprintf("%s: %d → %d", v.key, v.old, v.next)}
		if err := s.db.SetSetting(ctx, v.key, strconv.Itoa(v.next), audit); err != nil {
			return err
		}
	}
	return nil
}

// newToken returns a random link token with 256 bits of entropy.
func newToken() string {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		panic("workshop: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(buf)
}

// send sends an email when mail is configured, logging a failure: the page
// that caused it shows what the email carries, so nothing is lost.
func (s *Service) send(ctx context.Context, m mail.Message) bool {
	if s.mail == nil || m.To == "" {
		return false
	}
	if err := s.mail.Send(ctx, m); err != nil {
		if praxis.ErrorCode(err) != praxis.ENOTIMPLEMENTED {
			s.log.Warn("workshop email not sent", "subject", m.Subject, "err", err)
		}
		return false
	}
	return true
}

// canManage reports whether user coordinates workshops.
func canManage(user *praxis.User) bool { return access.Can(user, access.ManageWorkshops) }

// Coordinators returns the active coordinators, to whom a request can be
// assigned; only for those who manage workshops.
func (s *Service) Coordinators(ctx context.Context, user *praxis.User) ([]*praxis.User, error) {
	if err := access.Authorize(user, access.ManageWorkshops); err != nil {
		return nil, err
	}
	list, _, err := s.db.ListUsers(ctx, praxis.UserFilter{Role: praxis.RoleCoordinator, Status: praxis.StatusActive, Limit: 200})
	return list, err
}

// Names returns the names of the people with these ids (an id that is not
// a person has none), for the choices of a form.
func (s *Service) Names(ctx context.Context, ids []int64) (map[int64]string, error) {
	return s.db.UserNames(ctx, ids)
}
