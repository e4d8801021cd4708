// Package delivery records the workshops facilitators deliver and what
// participants say of them, and answers the coordinators' questions about the
// whole network: which workshops run, where, how often, to how many people, by
// whom, from which version. SQLite holds the records; statistics are computed
// from a compact in-memory copy of their facts (stats.go), kept in step with
// every write, so the dashboard of a million deliveries takes milliseconds.
package delivery

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/lru"
	"github.com/praxis-coop/praxis/internal/praxis"
	"golang.org/x/text/language"
	"golang.org/x/time/rate"
)

// Limits on what a delivery may hold.
const (
	MaxParticipants   = 1000
	MaxDuration       = 24 * 60
	MaxReflection     = 5000
	MaxPlace          = 80
	MaxHost           = 120
	MaxCoFacilitators = 10
	MaxFeedbackText   = 2000
)

// Config holds what the delivery service needs.
type Config struct {
	DB       *db.DB
	Catalog  *catalog.Catalog
	History  *history.Index
	Versions *history.Versions
	Forks    ForkHeads
	Logger   *slog.Logger
	Now      func() time.Time
}

// ForkHeads tells a fork's module, owner and head; the review service provides it.
type ForkHeads interface {
	ForkInfo(ctx context.Context, id int64) (module string, owner int64, head string, err error)
}

// Service records deliveries and feedback. It is safe for concurrent use.
type Service struct {
	db       *db.DB
	catalog  *catalog.Catalog
	history  *history.Index
	versions *history.Versions
	forks    ForkHeads
	log      *slog.Logger
	now      func() time.Time
	stats    *Stats

	feedbackLimits *lru.Cache[string, *rate.Limiter]
}

// New returns the delivery service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{db: cfg.DB, catalog: cfg.Catalog, history: cfg.History, versions: cfg.Versions, forks: cfg.Forks,
		log: cfg.Logger, now: cfg.Now, feedbackLimits: lru.New[string, *rate.Limiter](50_000)}
	var r renamer
	if cfg.History != nil {
		r = cfg.History
	}
	s.stats = newStats(cfg.DB, r)
	return s
}

// Stats returns the statistics engine.
func (s *Service) Stats() *Stats { return s.stats }

// FieldError is EINVALID naming the field at fault.
type FieldError = account.FieldError

func invalid(field, format string, args ...any) error {
	return &account.FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Input is a delivery as a form or the API gives it.
type Input struct {
	Module         string
	ForkID         int64
	Version        string
	Date           string
	Duration       int
	Format         string
	Town           string
	Region         string
	Country        string
	Host           string
	HostType       string
	Participants   int
	FirstTime      int
	CoFacilitators []int64
	Worked         string
	Change         string
}

// check validates input for the delivery d (its facilitator set), filling d.
// Every rule names its field.
func (s *Service) check(ctx context.Context, in Input, d *praxis.Delivery) error {
	text := func(field, v string, max int, multiline bool) (string, error) {
		v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		if !utf8.ValidString(v) {
			return "", invalid(field, "this is not valid text")
		}
		if utf8.RuneCountInString(v) > max {
			return "", invalid(field, "this is longer than %d characters", max)
		}
		for _, r := range v {
			if (r < 0x20 && !(multiline && (r == '\n' || r == '\t'))) || r == 0x7f {
				return "", invalid(field, "this holds a control character")
			}
		}
		return v, nil
	}
	date, err := time.Parse("2006-01-02", strings.TrimSpace(in.Date))
	switch {
	case err != nil:
		return invalid("date", "give the date as YYYY-MM-DD")
	case date.Year() < 1900:
		return invalid("date", "the date is before 1900")
	case date.After(s.now().UTC().Add(24 * time.Hour)):
		return invalid("date", "the date is in the future: log a workshop once it has happened")
	}
	d.Date = date.Format("2006-01-02")
	if in.Duration < 1 || in.Duration > MaxDuration {
		return invalid("duration", "give the length in minutes, from 1 to %d", MaxDuration)
	}
	d.Duration = in.Duration
	if !praxis.IsFormat(in.Format) {
		return invalid("format", "the format is in-person, online or hybrid")
	}
	d.Format = in.Format
	if d.Town, err = text("town", in.Town, MaxPlace, false); err != nil {
		return err
	}
	if d.Region, err = text("region", in.Region, MaxPlace, false); err != nil {
		return err
	}
	country := strings.ToUpper(strings.TrimSpace(in.Country))
	region, err := language.ParseRegion(country)
	if err != nil || len(country) != 2 || !region.IsCountry() {
		return invalid("country", "%q is not an ISO 3166 country code such as GB or IE", in.Country)
	}
	d.Country = region.Canonicalize().String() // UK is GB
	if d.Host, err = text("host", in.Host, MaxHost, false); err != nil {
		return err
	}
	if !praxis.IsHostType(in.HostType) {
		return invalid("host_type", "the host group is one of: %s", strings.Join(praxis.HostTypes, ", "))
	}
	d.HostType = in.HostType
	switch {
	case in.Participants < 1 || in.Participants > MaxParticipants:
		return invalid("participants", "give the number of participants, from 1 to %d", MaxParticipants)
	case in.FirstTime < 0:
		return invalid("first_time", "the number of first-time participants cannot be negative")
	case in.FirstTime > in.Participants:
		return invalid("first_time", "there cannot be more first-time participants (%d) than participants (%d)", in.FirstTime, in.Participants)
	}
	d.Participants, d.FirstTime = in.Participants, in.FirstTime
	if d.Worked, err = text("reflection_worked", in.Worked, MaxReflection, true); err != nil {
		return err
	}
	if d.Change, err = text("reflection_change", in.Change, MaxReflection, true); err != nil {
		return err
	}
	co := []int64{}
	for _, id := range in.CoFacilitators {
		if id == d.FacilitatorID || slices.Contains(co, id) {
			continue
		}
		co = append(co, id)
	}
	if len(co) > MaxCoFacilitators {
		return invalid("co_facilitators", "at most %d co-facilitators", MaxCoFacilitators)
	}
	exist, err := s.db.UsersExist(ctx, co)
	if err != nil {
		return err
	}
	for _, id := range co {
		if !exist[id] {
			return invalid("co_facilitators", "there is no active member with the id %d", id)
		}
	}
	d.CoFacilitators = co
	return s.checkModuleAndVersion(ctx, in, d, date)
}

// checkModuleAndVersion settles which material was delivered: the module (or
// the person's fork of it) and the version, which defaults to the version
// current at the end of the day delivered and is pinned as a commit id.
func (s *Service) checkModuleAndVersion(ctx context.Context, in Input, d *praxis.Delivery, date time.Time) error {
	d.ForkID = 0
	version := strings.TrimSpace(in.Version)
	if in.ForkID != 0 {
		module, owner, head, err := s.forks.ForkInfo(ctx, in.ForkID)
		if err != nil {
			return invalid("fork_id", "there is no adapted copy %d", in.ForkID)
		}
		if owner != d.FacilitatorID {
			return invalid("fork_id", "the adapted copy %d belongs to someone else", in.ForkID)
		}
		if in.Module != "" && in.Module != module {
			return invalid("fork_id", "the adapted copy %d is of %s, not %s", in.ForkID, module, in.Module)
		}
		d.ForkID, in.Module = in.ForkID, module
		if version == "" {
			version = head
		}
	}
	if in.Module == "" {
		return invalid("module", "say which module was delivered")
	}
	if version == "" {
		main, err := s.catalog.Main(ctx)
		if err != nil {
			return err
		}
		if version, err = s.history.MainAt(ctx, main, date.Add(24*time.Hour-time.Second)); err != nil {
			return err
		}
	}
	commit, err := s.catalog.Resolve(ctx, version)
	if err != nil {
		return invalid("version", "there is no version %q of the curriculum", version)
	}
	view, err := s.catalog.Module(ctx, in.Module, commit)
	if err != nil {
		if praxis.ErrorCode(err) == praxis.ENOTFOUND {
			return invalid("module", "there is no module %q in version %s", in.Module, praxis.ShortID(commit))
		}
		return err
	}
	d.Module, d.Version = view.Module.Slug, commit
	return nil
}

// Create logs a delivery by user.
func (s *Service) Create(ctx context.Context, user *praxis.User, in Input) (*praxis.Delivery, error) {
	if err := account.Authorize(user, account.LogDelivery); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	d := &praxis.Delivery{FacilitatorID: user.ID, Facilitator: user.Name, CreatedAt: now, UpdatedAt: now, FeedbackToken: newToken()}
	if err := s.check(ctx, in, d); err != nil {
		return nil, err
	}
	id, err := s.db.CreateDelivery(ctx, d)
	if err != nil {
		return nil, err
	}
	d.ID = id
	s.stats.apply(d)
	return d, nil
}

func newToken() string {
	buf := make([]byte, 12)
	if _, err := rand.Read(buf); err != nil {
		panic("delivery: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(buf)
}

// canSee reports whether user may see a delivery and its feedback: its
// facilitator, a co-facilitator, or a coordinator.
func canSee(user *praxis.User, d *praxis.Delivery) bool {
	if user == nil {
		return false
	}
	return user.ID == d.FacilitatorID || slices.Contains(d.CoFacilitators, user.ID) || account.Can(user, account.AllDeliveries)
}

// canEdit reports whether user may change a delivery: who logged it, or a
// coordinator.
func canEdit(user *praxis.User, d *praxis.Delivery) bool {
	return user != nil && (user.ID == d.FacilitatorID && account.Can(user, account.LogDelivery) || account.Can(user, account.AllDeliveries))
}

// Find returns a delivery that user may see. ENOTFOUND otherwise, so that ids
// reveal nothing.
func (s *Service) Find(ctx context.Context, user *praxis.User, id int64) (*praxis.Delivery, error) {
	if err := account.Authorize(user, account.LogDelivery); err != nil {
		return nil, err
	}
	d, err := s.db.FindDelivery(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canSee(user, d) {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "delivery not found")
	}
	return d, nil
}

// Update changes a delivery (its facilitator, or a coordinator).
func (s *Service) Update(ctx context.Context, user *praxis.User, id int64, in Input) (*praxis.Delivery, error) {
	d, err := s.Find(ctx, user, id)
	if err != nil {
		return nil, err
	}
	if !canEdit(user, d) {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "only the facilitator who logged it, or a coordinator, can change this record")
	}
	if err := s.check(ctx, in, d); err != nil {
		return nil, err
	}
	d.UpdatedAt = s.now().UTC()
	if err := s.db.UpdateDelivery(ctx, d); err != nil {
		return nil, err
	}
	s.stats.apply(d)
	return d, nil
}

// Delete removes a delivery (its facilitator, or a coordinator).
func (s *Service) Delete(ctx context.Context, user *praxis.User, id int64) error {
	d, err := s.Find(ctx, user, id)
	if err != nil {
		return err
	}
	if !canEdit(user, d) {
		return praxis.Errorf(praxis.EFORBIDDEN, "only the facilitator who logged it, or a coordinator, can delete this record")
	}
	if err := s.db.DeleteDelivery(ctx, id); err != nil {
		return err
	}
	s.stats.remove(id)
	return nil
}

// List returns deliveries: the person's own (led or co-facilitated), or
// everyone's for coordinators when all is true.
// A filter on a module matches the deliveries logged under its earlier names
// too (at versions from before its folder moved).
func (s *Service) List(ctx context.Context, user *praxis.User, f db.DeliveryFilter, all bool) ([]*praxis.Delivery, int64, error) {
	if err := s.scope(ctx, user, &f, all); err != nil {
		return nil, 0, err
	}
	return s.db.ListDeliveries(ctx, f)
}

// scope limits a filter to what user may see and adds the modules' earlier
// names.
func (s *Service) scope(ctx context.Context, user *praxis.User, f *db.DeliveryFilter, all bool) error {
	if err := account.Authorize(user, account.LogDelivery); err != nil {
		return err
	}
	if !all || !account.Can(user, account.AllDeliveries) {
		f.PersonID = user.ID
	}
	return s.withAliases(ctx, f)
}

// Each streams deliveries for an export: the person's own, or everyone's for
// coordinators when all is true.
func (s *Service) Each(ctx context.Context, user *praxis.User, f db.DeliveryFilter, all bool, fn func(*praxis.Delivery) error) error {
	if err := s.scope(ctx, user, &f, all); err != nil {
		return err
	}
	return s.db.EachDelivery(ctx, f, fn)
}

// Reflections returns recent deliveries of a module with a reflection, for
// other facilitators to learn from (members of the network).
func (s *Service) Reflections(ctx context.Context, user *praxis.User, module string, limit int) ([]*praxis.Delivery, error) {
	if err := account.Authorize(user, account.ReadReflections); err != nil {
		return nil, err
	}
	f := db.DeliveryFilter{Module: module, WithReflection: true, Limit: limit}
	if err := s.withAliases(ctx, &f); err != nil {
		return nil, err
	}
	list, _, err := s.db.ListDeliveries(ctx, f)
	return list, err
}

// Feedback returns a delivery's feedback, for those who may see the delivery.
func (s *Service) Feedback(ctx context.Context, user *praxis.User, id int64) ([]praxis.Feedback, error) {
	if _, err := s.Find(ctx, user, id); err != nil {
		return nil, err
	}
	return s.db.ListFeedback(ctx, id)
}

// ByToken returns the delivery of a public feedback link, for the form.
func (s *Service) ByToken(ctx context.Context, token string) (*praxis.Delivery, error) {
	if len(token) > 64 {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "this feedback link is not valid")
	}
	return s.db.FindDeliveryByToken(ctx, token)
}

// FeedbackInput is one participant's answer.
type FeedbackInput struct {
	Rating          int
	Valued, Improve string
	// Browser identifies the participant's browser (a random cookie), so that
	// each answers once; IP feeds the rate limit.
	Browser, IP string
}

// feedbackCap bounds the answers a delivery takes: a little more than its
// participants, so a spammer cannot drown them.
func feedbackCap(d *praxis.Delivery) int { return min(d.Participants+10, 2*MaxParticipants) }

// AddFeedback records a participant's anonymous feedback through a delivery's
// public link: one per browser (ECONFLICT), rate limited per address
// (ETOOMANY), capped per delivery.
func (s *Service) AddFeedback(ctx context.Context, token string, in FeedbackInput) (*praxis.Delivery, error) {
	d, err := s.ByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if in.Rating < 1 || in.Rating > 5 {
		return nil, invalid("rating", "choose a rating from 1 to 5")
	}
	clean := func(field, v string) (string, error) {
		v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxFeedbackText {
			return "", invalid(field, "keep it under %d characters", MaxFeedbackText)
		}
		return v, nil
	}
	fb := &praxis.Feedback{DeliveryID: d.ID, Rating: in.Rating, CreatedAt: s.now().UTC()}
	if fb.Valued, err = clean("valued", in.Valued); err != nil {
		return nil, err
	}
	if fb.Improve, err = clean("improve", in.Improve); err != nil {
		return nil, err
	}
	if !s.allowFeedback(in.IP) {
		return nil, praxis.Errorf(praxis.ETOOMANY, "too many answers from this network; wait a few minutes and try again")
	}
	browser := sha256.Sum256([]byte(in.Browser))
	if err := s.db.AddFeedback(ctx, fb, browser[:], feedbackCap(d)); err != nil {
		return nil, err
	}
	s.stats.addFeedback(d.ID, fb.Rating)
	return d, nil
}

// allowFeedback limits answers per address: a room of people on one network
// can all answer, a script cannot flood.
func (s *Service) allowFeedback(ip string) bool {
	l, ok := s.feedbackLimits.Get(ip)
	if !ok {
		l = rate.NewLimiter(rate.Every(2*time.Second), 60)
		s.feedbackLimits.Add(ip, l)
	}
	return l.AllowN(s.now(), 1)
}

// Reflection returns a delivery's reflection for a member of the network who
// wants to turn it into a proposal. ENOTFOUND when it has none.
func (s *Service) Reflection(ctx context.Context, user *praxis.User, id int64) (*praxis.Delivery, error) {
	if err := account.Authorize(user, account.ReadReflections); err != nil {
		return nil, err
	}
	d, err := s.db.FindDelivery(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Worked == "" && d.Change == "" {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "that delivery has no reflection")
	}
	return d, nil
}
