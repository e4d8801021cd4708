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
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/access"
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
	Releases *history.Releases
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
	releases *history.Releases
	forks    ForkHeads
	log      *slog.Logger
	now      func() time.Time
	stats    *Stats
	// writeMu orders every write with its change to the statistics, so the
	// statistics apply the writes in the order the database committed them
	// (two edits of one delivery, an edit and a delete).
	writeMu sync.Mutex

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
	s := &Service{db: cfg.DB, catalog: cfg.Catalog, history: cfg.History, releases: cfg.Releases, forks: cfg.Forks,
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

// invalid is EINVALID naming the field at fault.
func invalid(field, format string, args ...any) *praxis.Error {
	return praxis.Invalid(field, format, args...)
}

// StaleError is ECONFLICT: the delivery changed since the revision an edit
// started from, and nothing was written. Current is the record as it is now.
type StaleError struct {
	Current *praxis.Delivery
}

func (e *StaleError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error.
func (e *StaleError) Unwrap() error {
	return praxis.Errorf(praxis.ECONFLICT, "someone else changed this delivery since you opened it (it is now at revision %d); nothing was saved", e.Current.Revision)
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
// Every rule names its field, and every field at fault is reported at once
// (praxis.InvalidFields).
func (s *Service) check(ctx context.Context, in Input, d *praxis.Delivery) error {
	var errs []praxis.FieldError
	add := func(e *praxis.Error) { errs = append(errs, e.Fields...) }
	text := func(field, v string, max int, multiline bool) string {
		v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		if !utf8.ValidString(v) {
			add(invalid(field, "this is not valid text"))
			return ""
		}
		if utf8.RuneCountInString(v) > max {
			add(invalid(field, "this is longer than %d characters", max))
			return ""
		}
		for _, r := range v {
			if (r < 0x20 && !(multiline && (r == '\n' || r == '\t'))) || r == 0x7f {
				add(invalid(field, "this holds a control character"))
				return ""
			}
		}
		return v
	}
	date, err := time.Parse("2006-01-02", strings.TrimSpace(in.Date))
	dateOK := false
	switch {
	case err != nil:
		add(invalid("date", "give the date as YYYY-MM-DD"))
	case date.Year() < 1900:
		add(invalid("date", "the date is before 1900"))
	case date.After(s.now().UTC().Add(24 * time.Hour)):
		add(invalid("date", "the date is in the future: log a workshop once it has happened"))
	default:
		d.Date, dateOK = date.Format("2006-01-02"), true
	}
	if in.Duration < 1 || in.Duration > MaxDuration {
		add(invalid("duration", "give the length in minutes, from 1 to %d", MaxDuration))
	}
	d.Duration = in.Duration
	if !praxis.IsFormat(in.Format) {
		add(invalid("format", "the format is in-person, online or hybrid"))
	}
	d.Format = in.Format
	d.Town = text("town", in.Town, MaxPlace, false)
	d.Region = text("region", in.Region, MaxPlace, false)
	country := strings.ToUpper(strings.TrimSpace(in.Country))
	if region, err := language.ParseRegion(country); err != nil || len(country) != 2 || !region.IsCountry() {
		add(invalid("country", "%q is not an ISO 3166 country code such as GB or IE", in.Country))
	} else {
		d.Country = region.Canonicalize().String() // UK is GB
	}
	d.Host = text("host", in.Host, MaxHost, false)
	if !praxis.IsHostType(in.HostType) {
		add(invalid("host_type", "the host group is one of: %s", strings.Join(praxis.HostTypes, ", ")))
	}
	d.HostType = in.HostType
	switch {
	case in.Participants < 1 || in.Participants > MaxParticipants:
		add(invalid("participants", "give the number of participants, from 1 to %d", MaxParticipants))
	case in.FirstTime < 0:
		add(invalid("first_time", "the number of first-time participants cannot be negative"))
	case in.FirstTime > in.Participants:
		add(invalid("first_time", "there cannot be more first-time participants (%d) than participants (%d)", in.FirstTime, in.Participants))
	}
	d.Participants, d.FirstTime = in.Participants, in.FirstTime
	d.Worked = text("reflection_worked", in.Worked, MaxReflection, true)
	d.Change = text("reflection_change", in.Change, MaxReflection, true)
	co, err := s.checkCoFacilitators(ctx, d.FacilitatorID, in.CoFacilitators)
	switch {
	case len(praxis.FieldErrors(err)) > 0:
		errs = append(errs, praxis.FieldErrors(err)...)
	case err != nil:
		return err
	}
	d.CoFacilitators = co
	switch {
	case dateOK:
		err = s.checkModuleAndVersion(ctx, in, d, date)
		if len(praxis.FieldErrors(err)) > 0 {
			errs = append(errs, praxis.FieldErrors(err)...)
		} else if err != nil {
			return err
		}
	case in.Module == "" && in.ForkID == 0:
		add(invalid("module", "say which module was delivered"))
	}
	return praxis.InvalidFields(errs)
}

// checkCoFacilitators checks the people named as co-facilitators: members of
// the network, as the facilitator directory lists them (active accounts), at
// most MaxCoFacilitators, the facilitator and repeats left out. An id that is
// not one is refused with the same words whether or not it exists.
func (s *Service) checkCoFacilitators(ctx context.Context, facilitator int64, ids []int64) ([]int64, error) {
	co := []int64{}
	for _, id := range ids {
		if id == facilitator || slices.Contains(co, id) {
			continue
		}
		co = append(co, id)
	}
	if len(co) > MaxCoFacilitators {
		return nil, invalid("co_facilitators", "at most %d co-facilitators", MaxCoFacilitators)
	}
	exist, err := s.db.UsersExist(ctx, co)
	if err != nil {
		return nil, err
	}
	for _, id := range co {
		if !exist[id] {
			return nil, invalid("co_facilitators", "%d is not a member of the network you can name as a co-facilitator: choose people from the facilitator directory", id)
		}
	}
	return co, nil
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
	if err := access.Authorize(user, access.LogDelivery); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	d := &praxis.Delivery{FacilitatorID: user.ID, Facilitator: user.Name, CreatedAt: now, UpdatedAt: now, FeedbackToken: newToken()}
	if err := s.check(ctx, in, d); err != nil {
		return nil, err
	}
	err := s.write(func() error {
		id, err := s.db.CreateDelivery(ctx, d)
		d.ID, d.Revision = id, 1
		return err
	}, func() { s.stats.apply(d) })
	if err != nil {
		return nil, err
	}
	return d, s.withNames(ctx, d)
}

// write runs a database write and, when it succeeds, the change it makes to
// the statistics, one writer at a time.
func (s *Service) write(dbWrite func() error, statsChange func()) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := dbWrite(); err != nil {
		return err
	}
	statsChange()
	return nil
}

// withNames fills in the names of a delivery's co-facilitators.
func (s *Service) withNames(ctx context.Context, d *praxis.Delivery) error {
	names, err := s.db.UserNames(ctx, d.CoFacilitators)
	if err != nil {
		return err
	}
	d.CoFacilitatorNames = make([]string, len(d.CoFacilitators))
	for i, id := range d.CoFacilitators {
		d.CoFacilitatorNames[i] = names[id]
	}
	return nil
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
	return user.ID == d.FacilitatorID || slices.Contains(d.CoFacilitators, user.ID) || access.Can(user, access.AllDeliveries)
}

// canEdit reports whether user may change a delivery: who logged it, or a
// coordinator.
func canEdit(user *praxis.User, d *praxis.Delivery) bool {
	return user != nil && (user.ID == d.FacilitatorID && access.Can(user, access.LogDelivery) || access.Can(user, access.AllDeliveries))
}

// Find returns a delivery that user may see. ENOTFOUND otherwise, so that ids
// reveal nothing.
func (s *Service) Find(ctx context.Context, user *praxis.User, id int64) (*praxis.Delivery, error) {
	if err := access.Authorize(user, access.LogDelivery); err != nil {
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

// inputOf returns a delivery as input, for changing some of its fields.
func inputOf(d *praxis.Delivery) Input {
	in := Input{ForkID: d.ForkID, Version: d.Version, Date: d.Date, Duration: d.Duration, Format: d.Format,
		Town: d.Town, Region: d.Region, Country: d.Country, Host: d.Host, HostType: d.HostType,
		Participants: d.Participants, FirstTime: d.FirstTime, CoFacilitators: slices.Clone(d.CoFacilitators),
		Worked: d.Worked, Change: d.Change}
	if d.ForkID == 0 { // a fork says which module it is
		in.Module = d.Module
	}
	return in
}

// maxUpdateAttempts bounds how often Update applies a change again when
// another write to the same delivery got in first.
const maxUpdateAttempts = 5

// Update changes a delivery (its facilitator, or a coordinator). change sets
// the fields to change on the record as it is when the change is written;
// every other field keeps its value, so two people changing different fields
// at once both keep their change. revision, when not 0, is the revision the
// change was made from (a form's): if the record has changed since, nothing is
// written and the answer is a StaleError (ECONFLICT) holding the record as it
// is. With revision 0 a change that loses a race with another write is applied
// again to the newer record.
func (s *Service) Update(ctx context.Context, user *praxis.User, id, revision int64, change func(*Input)) (*praxis.Delivery, error) {
	for attempt := 1; ; attempt++ {
		d, err := s.Find(ctx, user, id)
		if err != nil {
			return nil, err
		}
		if !canEdit(user, d) {
			return nil, praxis.Errorf(praxis.EFORBIDDEN, "only the facilitator who logged it, or a coordinator, can change this record")
		}
		if revision != 0 && revision != d.Revision {
			return nil, &StaleError{Current: d}
		}
		in := inputOf(d)
		change(&in)
		next := *d
		if err := s.check(ctx, in, &next); err != nil {
			return nil, err
		}
		next.UpdatedAt = s.now().UTC()
		err = s.write(func() error { return s.db.UpdateDelivery(ctx, &next, d.Revision) }, func() { s.stats.apply(&next) })
		if err == nil {
			return &next, s.withNames(ctx, &next)
		}
		if praxis.ErrorCode(err) != praxis.ECONFLICT {
			return nil, err
		}
		if revision != 0 || attempt == maxUpdateAttempts {
			current, ferr := s.Find(ctx, user, id)
			if ferr != nil {
				return nil, ferr
			}
			return nil, &StaleError{Current: current}
		}
	}
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
	return s.write(func() error { return s.db.DeleteDelivery(ctx, id) }, func() { s.stats.remove(id) })
}

// List returns deliveries: the person's own (led or co-facilitated), or
// everyone's for coordinators when all is true.
// A filter on a module matches the deliveries logged under its earlier names
// too (at versions from before its folder moved).
func (s *Service) List(ctx context.Context, user *praxis.User, f praxis.DeliveryFilter, all bool) ([]*praxis.Delivery, int64, error) {
	if err := s.scope(ctx, user, &f, all); err != nil {
		return nil, 0, err
	}
	return s.db.ListDeliveries(ctx, f)
}

// scope limits a filter to what user may see and adds the modules' earlier
// names.
func (s *Service) scope(ctx context.Context, user *praxis.User, f *praxis.DeliveryFilter, all bool) error {
	if err := access.Authorize(user, access.LogDelivery); err != nil {
		return err
	}
	if !all || !access.Can(user, access.AllDeliveries) {
		f.PersonID = user.ID
	}
	if err := s.seriesModules(ctx, f); err != nil {
		return err
	}
	return s.withAliases(ctx, f)
}

// seriesModules turns a filter's series into its modules, naming the series
// when there is no such series.
func (s *Service) seriesModules(ctx context.Context, f *praxis.DeliveryFilter) error {
	if f.Series == "" {
		return nil
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	series, ok := listing.FindSeries(f.Series)
	if !ok {
		return invalid("series", "there is no series %q", f.Series)
	}
	f.Modules = []string{""} // matches nothing when the series is empty
	for _, m := range series.Modules {
		f.Modules = append(f.Modules, m.Slug)
	}
	return nil
}

// Each streams deliveries for an export: the person's own, or everyone's for
// coordinators when all is true.
func (s *Service) Each(ctx context.Context, user *praxis.User, f praxis.DeliveryFilter, all bool, fn func(*praxis.Delivery) error) error {
	if err := s.scope(ctx, user, &f, all); err != nil {
		return err
	}
	return s.db.EachDelivery(ctx, f, fn)
}

// Reflections returns recent deliveries of a module with a reflection, for
// other facilitators to learn from (members of the network): at most limit
// of them, after the first offset.
func (s *Service) Reflections(ctx context.Context, user *praxis.User, module string, limit, offset int) ([]*praxis.Delivery, error) {
	if err := access.Authorize(user, access.ReadReflections); err != nil {
		return nil, err
	}
	f := praxis.DeliveryFilter{Module: module, WithReflection: true, Limit: limit, Offset: offset}
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
	err = s.write(func() error { return s.db.AddFeedback(ctx, fb, browser[:], feedbackCap(d)) }, func() { s.stats.addFeedback(d.ID, fb.Rating) })
	if err != nil {
		return nil, err
	}
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
	if err := access.Authorize(user, access.ReadReflections); err != nil {
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

// NameMatch is a name typed for a co-facilitator that more than one member
// of the network has, with those members as the person asking may see them
// (never their email address), for them to choose.
type NameMatch struct {
	Name   string
	People []*praxis.User
}

// sameName compares names as people type them: without regard to case or to
// how many spaces separate the words.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// Names is what the names typed for co-facilitators found.
type Names struct {
	// IDs are the members found, one for each name only one member has.
	IDs []int64
	// Ambiguous are the names several members have.
	Ambiguous []NameMatch
	// Unknown are the names no member has, as typed.
	Unknown []string
}

// CoFacilitatorsNamed finds co-facilitators by the names typed for them among
// the members of the network, as the facilitator directory lists them. When
// a name is unknown or ambiguous, the error is EINVALID naming
// co_facilitators saying so, and the Names say which.
func (s *Service) CoFacilitatorsNamed(ctx context.Context, user *praxis.User, names []string) (Names, error) {
	var out Names
	if err := access.Authorize(user, access.LogDelivery); err != nil {
		return out, err
	}
	for _, typed := range names {
		name := strings.Join(strings.Fields(typed), " ")
		if name == "" {
			continue
		}
		if utf8.RuneCountInString(name) > account.MaxNameLength {
			out.Unknown = append(out.Unknown, typed)
			continue
		}
		found, err := s.db.ActiveUsersNamed(ctx, name, 50)
		if err != nil {
			return out, err
		}
		var people []*praxis.User
		for _, u := range found {
			if sameName(u.Name, name) {
				p := account.Visible(user, u)
				p.Email = ""
				people = append(people, p)
			}
		}
		switch len(people) {
		case 0:
			out.Unknown = append(out.Unknown, typed)
		case 1:
			out.IDs = append(out.IDs, people[0].ID)
		default:
			out.Ambiguous = append(out.Ambiguous, NameMatch{Name: name, People: people})
		}
	}
	var problems []string
	quote := func(list []string) string {
		q := make([]string, len(list))
		for i, n := range list {
			q[i] = strconv.Quote(strings.TrimSpace(n))
		}
		return strings.Join(q, " or ")
	}
	switch len(out.Unknown) {
	case 0:
	case 1:
		problems = append(problems, fmt.Sprintf("no member of the network is called %s: check the spelling against the facilitator directory", quote(out.Unknown)))
	default:
		problems = append(problems, fmt.Sprintf("no members of the network are called %s: check the spelling against the facilitator directory", quote(out.Unknown)))
	}
	if len(out.Ambiguous) > 0 {
		names := make([]string, len(out.Ambiguous))
		for i, m := range out.Ambiguous {
			names[i] = m.Name
		}
		problems = append(problems, fmt.Sprintf("more than one member of the network is called %s: tick the one you mean", quote(names)))
	}
	if len(problems) > 0 {
		return out, invalid("co_facilitators", "%s", strings.Join(problems, "; "))
	}
	return out, nil
}

// Check validates input as Create (for facilitator's delivery) would,
// writing nothing: for a form to show every problem at once.
func (s *Service) Check(ctx context.Context, user *praxis.User, facilitator int64, in Input) error {
	if err := access.Authorize(user, access.LogDelivery); err != nil {
		return err
	}
	return s.check(ctx, in, &praxis.Delivery{FacilitatorID: facilitator})
}
