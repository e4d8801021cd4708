// Package notify tells people what happened that concerns them: an inbox of
// notifications in the app, emails at once or in a daily digest (each
// person's choice per kind), and watches on modules, series and the whole
// curriculum.
//
// It is a sink of praxis's events (internal/events): a subscription inserts
// a fan-out job for each event, in the event's own transaction; the fan-out
// decides who is told and why, writes their notifications and inserts their
// email jobs, and completes itself, all in one transaction; each email job
// sends once (recorded by an idempotency key, event × recipient) and
// completes in the transaction that records it. Quiet by default: nobody is
// told of their own actions, repeats collapse into one unread notification
// per topic and kind (and send no second email while it is unread), and
// digests are grouped.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/events"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// DefaultDigestHour is the hour (UTC) daily digests go out.
const DefaultDigestHour = 7

// Queues the notification jobs run in.
const (
	queueMail = "mail"
)

// Kind describes a kind of notification for the settings page.
type Kind struct {
	Kind        string
	Label       string
	Description string
	// For says whether the kind can concern a person (sign-ups only
	// concern coordinators).
	For func(u *praxis.User) bool
	// Default is the email choice for people who never chose.
	Default func(u *praxis.User) string
}

func everyone(*praxis.User) bool { return true }

// workshopPeople are those workshops can concern: volunteers and
// coordinators.
func workshopPeople(u *praxis.User) bool {
	return access.Can(u, access.Volunteer) || access.Can(u, access.ManageWorkshops)
}

func always(choice string) func(*praxis.User) string {
	return func(*praxis.User) string { return choice }
}

// Kinds lists every kind of notification, in the order the settings page
// shows them, with who it concerns and its default.
var Kinds = []Kind{
	{praxis.NotifyMention, "Mentions", "Someone mentions you in a comment (by writing @ and your name).", everyone, always(praxis.EmailImmediately)},
	{praxis.NotifyReply, "Replies", "Comments and reviews on proposals you opened, commented on or reviewed, and what became of them.", everyone, always(praxis.EmailImmediately)},
	{praxis.NotifyProposalStatus, "Your proposals", "Your proposal is merged, closed or reopened by someone else, or a change to the curriculum makes it conflict.", everyone, always(praxis.EmailImmediately)},
	{praxis.NotifyProposalWaiting, "Proposals waiting for review", "A proposal is opened, or a proposal you reviewed has a new version.",
		func(u *praxis.User) bool { return access.Can(u, access.ReviewProposal) }, always(praxis.EmailDigest)},
	{praxis.NotifySignup, "Sign-ups", "Someone signs up and waits for approval.",
		func(u *praxis.User) bool { return access.Can(u, access.ManageUsers) }, always(praxis.EmailImmediately)},
	{praxis.NotifyAccount, "Your account", "Your account is approved, or you are trained to deliver a module.", everyone, always(praxis.EmailImmediately)},
	{praxis.NotifyWorkshop, "Workshops", "A group asks for a workshop (coordinators) or a request is given to you; you are to facilitate a workshop; people register for one you facilitate; a week before yours (its reminder is emailed anyway).",
		workshopPeople, always(praxis.EmailDigest)},
	{praxis.NotifyFeedback, "Feedback", "Participants answer the feedback form of a workshop you delivered.", everyone, always(praxis.EmailDigest)},
	{praxis.NotifyModuleChanged, "Modules you use", "A module you delivered or adapted changes in the curriculum: what changed since you last delivered it.", everyone, always(praxis.EmailDigest)},
	{praxis.NotifyWatched, "Watching", "Proposals opened, discussed, merged or closed on modules, series or the curriculum you watch at “everything”.", everyone, always(praxis.EmailDigest)},
	{praxis.NotifyRelease, "Releases", "A release of the curriculum, or of a module or series you watch.", everyone, always(praxis.EmailImmediately)},
}

// KindInfo returns the description of a kind.
func KindInfo(kind string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Kind == kind {
			return k, true
		}
	}
	return Kind{}, false
}

// Config is what the notification service needs.
type Config struct {
	DB      *db.DB
	Catalog *catalog.Catalog
	// Mail sends email; nil sends none (the inbox still works).
	Mail *mail.Sender
	// BaseURL is praxis's public address: links in emails are made from it.
	BaseURL string
	Logger  *slog.Logger
	// ReleaseModules returns the modules a release changed, so that their
	// watchers hear of it; nil tells only the curriculum's watchers.
	ReleaseModules func(ctx context.Context, name string) ([]string, error)
	// Conflicts checks open proposals against main after each change that
	// may make one conflict (review.Service.CheckConflicts); nil checks
	// nothing. An error with an Again method reporting true runs the check
	// again shortly instead of failing it.
	Conflicts func(ctx context.Context) (int, error)
	// DigestHour is the hour of the day (UTC) digests go out;
	// DefaultDigestHour when zero.
	DigestHour int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Service is the notification service. It is safe for concurrent use.
type Service struct {
	db             *db.DB
	catalog        *catalog.Catalog
	mail           *mail.Sender
	baseURL        string
	log            *slog.Logger
	releaseModules func(ctx context.Context, name string) ([]string, error)
	conflicts      func(ctx context.Context) (int, error)
	digestHour     int
	now            func() time.Time
	queue          events.Inserter
}

// New returns the notification service. Register its jobs and
// subscriptions before the queue is made and events are recorded.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DigestHour <= 0 || cfg.DigestHour > 23 {
		cfg.DigestHour = DefaultDigestHour
	}
	return &Service{db: cfg.DB, catalog: cfg.Catalog, mail: cfg.Mail, baseURL: strings.TrimRight(cfg.BaseURL, "/"),
		log: cfg.Logger, releaseModules: cfg.ReleaseModules, conflicts: cfg.Conflicts, digestHour: cfg.DigestHour, now: cfg.Now}
}

// MailEnabled reports whether notifications can be emailed.
func (s *Service) MailEnabled() bool { return s.mail.Enabled() }

// Job arguments. Their kinds and fields are stored in the queue: never
// rename them.
type (
	// fanoutArgs: tell those concerned of an event.
	fanoutArgs struct {
		EventID int64 `json:"event_id"`
	}
	// emailArgs: email one person of one event at once.
	emailArgs struct {
		EventID int64 `json:"event_id"`
		UserID  int64 `json:"user_id"`
	}
	// digestsArgs: start the digests of one day.
	digestsArgs struct {
		Day string `json:"day"`
	}
	// digestArgs: one person's digest of one day.
	digestArgs struct {
		UserID int64  `json:"user_id"`
		Day    string `json:"day"`
	}
	// conflictsArgs: check open proposals against main after an event.
	conflictsArgs struct {
		EventID int64 `json:"event_id"`
	}
)

func (fanoutArgs) Kind() string    { return "notify.fanout" }
func (emailArgs) Kind() string     { return "notify.email" }
func (digestsArgs) Kind() string   { return "notify.digests" }
func (digestArgs) Kind() string    { return "notify.digest" }
func (conflictsArgs) Kind() string { return "proposals.conflicts" }

// Register adds the service's jobs and its daily digests to queue and its
// subscriptions to bus, before the queue is Ready.
func (s *Service) Register(queue *jobs.Queue, bus *events.Bus) {
	s.queue = queue
	jobs.Handle(queue, s.fanout, jobs.HandlerOptions{Workers: 2})
	jobs.Handle(queue, s.email, jobs.HandlerOptions{Queue: queueMail, Workers: 2})
	jobs.Handle(queue, s.startDigests, jobs.HandlerOptions{})
	jobs.Handle(queue, s.digest, jobs.HandlerOptions{Queue: queueMail, Workers: 2})
	queue.Schedule(jobs.Periodic{
		Next: s.nextDigest,
		Make: func(t time.Time) (jobs.Args, jobs.Options) {
			return digestsArgs{Day: s.digestDay(t)}, jobs.Options{Unique: true}
		},
		OnStart: true,
	})
	// Every event may concern someone: fan it out.
	bus.Subscribe("notifications", func(ctx context.Context, q events.Inserter, tx *sql.Tx, e praxis.Activity) error {
		_, err := q.InsertTx(ctx, tx, fanoutArgs{EventID: e.ID}, jobs.Options{Unique: true})
		return err
	})
	// Changes that may make a proposal conflict with main, or change
	// whether it does.
	if s.conflicts != nil {
		jobs.Handle(queue, s.checkConflicts, jobs.HandlerOptions{})
		bus.Subscribe("conflicts", func(ctx context.Context, q events.Inserter, tx *sql.Tx, e praxis.Activity) error {
			_, err := q.InsertTx(ctx, tx, conflictsArgs{EventID: e.ID}, jobs.Options{})
			return err
		}, praxis.ActivityProposalOpened, praxis.ActivityProposalUpdated, praxis.ActivityProposalReopen, praxis.ActivityProposalMerged)
	}
}

// nextDigest is the first digest time after t.
func (s *Service) nextDigest(t time.Time) time.Time {
	t = t.UTC()
	next := time.Date(t.Year(), t.Month(), t.Day(), s.digestHour, 0, 0, 0, time.UTC)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// digestDay names the latest digest time at or before t: the digest a
// start at t catches up on when it was missed.
func (s *Service) digestDay(t time.Time) string {
	return s.nextDigest(t).AddDate(0, 0, -1).Format(time.DateOnly)
}

// checkConflicts runs the conflict check.
func (s *Service) checkConflicts(ctx context.Context, job *jobs.Job[conflictsArgs]) error {
	n, err := s.conflicts(ctx)
	var again interface{ Again() bool }
	if errors.As(err, &again) && again.Again() {
		// A proposal still being opened: no failure, just not ready.
		return jobs.Snooze(2 * time.Second)
	}
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("proposals began to conflict with main", "proposals", n, "after_event", job.Args.EventID)
	}
	return nil
}

// choice is a person's email choice for a kind: theirs, or the default.
func choice(settings map[string]string, u *praxis.User, kind string) string {
	if c, ok := settings[kind]; ok {
		return c
	}
	if k, ok := KindInfo(kind); ok {
		return k.Default(u)
	}
	return praxis.EmailOff
}

// link makes a path on praxis whole.
func (s *Service) link(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return s.baseURL + path
}

// moduleTitle is a module's title on main, or its slug.
func (s *Service) moduleTitle(ctx context.Context, slug string) string {
	if s.catalog == nil || slug == "" {
		return slug
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return slug
	}
	if m, ok := listing.Module(slug); ok && m.Title != "" {
		return m.Title
	}
	return slug
}

// seriesOf returns the series of modules on main.
func (s *Service) seriesOf(ctx context.Context, modules []string) []string {
	if s.catalog == nil {
		return nil
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return nil
	}
	var out []string
	for _, slug := range modules {
		if m, ok := listing.Module(slug); ok && m.Series != "" && !slices.Contains(out, m.Series) {
			out = append(out, m.Series)
		}
	}
	return out
}

// quote puts a title in curly quotes.
func quote(title string) string { return "“" + title + "”" }

// plural is "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
