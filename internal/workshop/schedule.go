package workshop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// WorkshopInput is a workshop as the scheduling form or the API gives it.
// Times come either as instants or local times (StartsAt, EndsAt: RFC 3339
// with an offset, or "2026-03-14T18:00" read in Timezone), or as the form's
// parts: Date with Start and End ("18:00").
type WorkshopInput struct {
	Module  string
	ForkID  int64
	Version string

	StartsAt, EndsAt string
	Date, Start, End string
	Timezone         string

	Format       string
	Venue        string
	Town         string
	Region       string
	OnlineURL    string
	Capacity     int
	Language     string
	AccessInfo   string
	Visibility   string
	Facilitators []praxis.WorkshopFacilitator
	RequestID    int64
}

// Warning is something a coordinator should know about a workshop that does
// not stop it being scheduled: a facilitator busy a day or two away, or not
// recorded as trained for the module.
type Warning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// localTime reads "2006-01-02T15:04" (or with seconds) in loc, refusing a
// time that does not exist there (skipped when the clocks go forward).
func localTime(value string, loc *time.Location) (time.Time, bool, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		t, err := time.ParseInLocation(layout, value, loc)
		if err != nil {
			continue
		}
		if t.Format(layout) != value { // normalised: the clocks skipped it
			return t, false, nil
		}
		return t, true, nil
	}
	return time.Time{}, false, errors.New("not a time")
}

// instant reads a start or end given as RFC 3339 or as local time in loc.
func instant(errs *fieldErrors, field, value string, loc *time.Location) time.Time {
	value = strings.TrimSpace(value)
	if value == "" {
		errs.add(invalid(field, "say when the workshop %s", map[string]string{"starts_at": "starts", "ends_at": "ends"}[field]))
		return time.Time{}
	}
	// Calendars count in whole seconds: an instant is kept, and checked,
	// as one (10:00:00.5 to 10:00:00.9 would be a workshop of no length).
	if t, err := time.Parse(time.RFC3339, value); err == nil {
		return t.UTC().Truncate(time.Second)
	}
	t, exists, err := localTime(value, loc)
	switch {
	case err != nil:
		errs.add(invalid(field, "give the time as 2026-03-14T18:00 (in the workshop's time zone) or with an offset, 2026-03-14T18:00:00Z"))
	case !exists:
		errs.add(invalid(field, "%s does not exist in %s: the clocks go forward then", strings.Replace(value, "T", " ", 1), loc))
	default:
		return t.UTC().Truncate(time.Second)
	}
	return time.Time{}
}

// checkWorkshop checks every field of a workshop and fills w; every field at
// fault is named at once. existing is the workshop being changed (nil for a
// new one): only a new one, or one moved, must start in the future.
func (s *Service) checkWorkshop(ctx context.Context, user *praxis.User, in WorkshopInput, w *praxis.Workshop, existing *praxis.Workshop) error {
	var errs fieldErrors
	w.Timezone = strings.TrimSpace(in.Timezone)
	if w.Timezone == "" {
		w.Timezone = praxis.DefaultTimezone
	}
	loc, err := time.LoadLocation(w.Timezone)
	if err != nil || w.Timezone == "Local" {
		errs.add(invalid("timezone", "%q is not a time zone such as Europe/London", w.Timezone))
		loc = time.UTC
	}
	startsAt, endsAt := in.StartsAt, in.EndsAt
	if startsAt == "" && endsAt == "" && (in.Date != "" || in.Start != "" || in.End != "") {
		date := strings.TrimSpace(in.Date)
		if _, err := time.Parse("2006-01-02", date); err != nil {
			errs.add(invalid("starts_at", "give the date as YYYY-MM-DD"))
		} else {
			startsAt, endsAt = date+"T"+strings.TrimSpace(in.Start), date+"T"+strings.TrimSpace(in.End)
		}
	}
	if len(errs) == 0 || errs[len(errs)-1].Field != "starts_at" {
		n := len(errs)
		w.StartsAt = instant(&errs, "starts_at", startsAt, loc)
		w.EndsAt = instant(&errs, "ends_at", endsAt, loc)
		if len(errs) == n {
			moved := existing == nil || !existing.StartsAt.Equal(w.StartsAt)
			switch {
			case moved && !w.StartsAt.After(s.now()):
				errs.add(invalid("starts_at", "that is in the past: schedule a workshop ahead (log one that has happened as a delivery)"))
			case !w.EndsAt.After(w.StartsAt):
				errs.add(invalid("ends_at", "the workshop ends before it starts"))
			case w.EndsAt.Sub(w.StartsAt) > MaxLength:
				errs.add(invalid("ends_at", "a workshop lasts at most 24 hours: schedule each day on its own"))
			}
		}
	}

	if err := s.checkMaterial(ctx, user, in, w, existing); err != nil {
		fields := praxis.FieldErrors(err)
		if len(fields) == 0 {
			return err
		}
		errs = append(errs, fields...)
	}
	if !praxis.IsFormat(in.Format) {
		errs.add(invalid("format", "the format is in-person, online or hybrid"))
	}
	w.Format = in.Format
	w.Venue = text(&errs, "venue", in.Venue, MaxPlace, true)
	w.Town = text(&errs, "town", in.Town, MaxPlace, false)
	w.Region = text(&errs, "region", in.Region, MaxPlace, false)
	w.OnlineURL = strings.TrimSpace(in.OnlineURL)
	if w.OnlineURL != "" {
		u, err := url.Parse(w.OnlineURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(w.OnlineURL) > 2000 {
			errs.add(invalid("online_url", "give the meeting's web address, starting https://"))
		}
	}
	switch w.Format {
	case praxis.FormatOnline, praxis.FormatHybrid:
		if w.OnlineURL == "" {
			errs.add(invalid("online_url", "an online workshop needs the link to its meeting (shown only to people registered and its facilitators)"))
		}
	}
	if w.Format == praxis.FormatInPerson || w.Format == praxis.FormatHybrid {
		if w.Venue == "" && w.Town == "" {
			errs.add(invalid("venue", "say where it is: the venue and town"))
		}
	}
	if in.Capacity < 1 || in.Capacity > MaxCapacity {
		errs.add(invalid("capacity", "give the number of places, from 1 to %d", MaxCapacity))
	}
	w.Capacity = in.Capacity
	w.Language = checkLanguage(&errs, "language", in.Language)
	w.AccessInfo = text(&errs, "access_info", in.AccessInfo, MaxText, true)
	w.Visibility = in.Visibility
	if w.Visibility == "" {
		w.Visibility = praxis.VisibilityListed
	}
	if !slices.Contains(praxis.WorkshopVisibilities, w.Visibility) {
		errs.add(invalid("visibility", "the visibility is public, unlisted or private"))
	}
	facilitators, err := s.checkFacilitators(ctx, in.Facilitators)
	switch fields := praxis.FieldErrors(err); {
	case len(fields) > 0:
		errs = append(errs, fields...)
	case err != nil:
		return err
	}
	w.Facilitators = facilitators
	if existing == nil {
		w.RequestID = in.RequestID
		if in.RequestID != 0 {
			r, err := s.db.FindRequest(ctx, in.RequestID)
			switch {
			case praxis.ErrorCode(err) == praxis.ENOTFOUND:
				errs.add(invalid("request_id", "there is no request %d", in.RequestID))
			case err != nil:
				return err
			case r.Status == praxis.RequestDeclined:
				errs.add(invalid("request_id", "request %d was declined", in.RequestID))
			}
		}
	}
	return errs.orNil()
}

// checkMaterial settles what will be delivered: a module on main (or one's
// fork of it) and the version, pinned as a commit (main's head unless a
// release or commit is given).
func (s *Service) checkMaterial(ctx context.Context, user *praxis.User, in WorkshopInput, w *praxis.Workshop, existing *praxis.Workshop) error {
	version := strings.TrimSpace(in.Version)
	module := strings.TrimSpace(in.Module)
	w.ForkID = 0
	if in.ForkID != 0 {
		forkModule, _, head, err := s.forks.ForkInfo(ctx, in.ForkID)
		if err != nil {
			return invalid("fork_id", "there is no adapted copy %d", in.ForkID)
		}
		if module != "" && module != forkModule {
			return invalid("fork_id", "the adapted copy %d is of %s, not %s", in.ForkID, forkModule, module)
		}
		w.ForkID, module = in.ForkID, forkModule
		if version == "" {
			version = head
		}
	}
	if module == "" {
		return invalid("module", "choose the workshop to deliver")
	}
	if version == "" && existing != nil && existing.Module == module && existing.ForkID == w.ForkID {
		version = existing.Version
	}
	if version == "" {
		main, err := s.catalog.Main(ctx)
		if err != nil {
			return err
		}
		version = main
	}
	commit, err := s.catalog.Resolve(ctx, version)
	if err != nil {
		return invalid("version", "there is no version %q of the curriculum", version)
	}
	view, err := s.catalog.Module(ctx, module, commit)
	if err != nil {
		if praxis.ErrorCode(err) == praxis.ENOTFOUND {
			return invalid("module", "there is no workshop %q in the curriculum", module)
		}
		return err
	}
	w.Module, w.Version, w.Title = view.Module.Slug, commit, view.Module.Title
	return nil
}

// checkFacilitators checks who runs a workshop: at least one, at most
// MaxFacilitators, active members, each once; roles default to lead for the
// first and co for the others.
func (s *Service) checkFacilitators(ctx context.Context, in []praxis.WorkshopFacilitator) ([]praxis.WorkshopFacilitator, error) {
	var out []praxis.WorkshopFacilitator
	var ids []int64
	for i, f := range in {
		if f.UserID <= 0 || slices.Contains(ids, f.UserID) {
			continue
		}
		role := f.Role
		switch {
		case role == "" && i == 0:
			role = praxis.FacilitatorLead
		case role == "":
			role = praxis.FacilitatorCo
		case role != praxis.FacilitatorLead && role != praxis.FacilitatorCo && role != praxis.FacilitatorMentee:
			return nil, invalid("facilitators", "a facilitator's role is lead, co or mentee")
		}
		ids = append(ids, f.UserID)
		out = append(out, praxis.WorkshopFacilitator{UserID: f.UserID, Role: role})
	}
	switch {
	case len(out) == 0:
		return nil, invalid("facilitators", "choose who facilitates it")
	case len(out) > MaxFacilitators:
		return nil, invalid("facilitators", "at most %d facilitators", MaxFacilitators)
	}
	if !slices.ContainsFunc(out, func(f praxis.WorkshopFacilitator) bool { return f.Role != praxis.FacilitatorMentee }) {
		return nil, invalid("facilitators", "someone trained must lead it: a mentee co-facilitates to learn")
	}
	users, err := s.db.ActiveUsers(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	for i := range out {
		name, ok := names[out[i].UserID]
		if !ok {
			return nil, invalid("facilitators", "%d is not an active member of the network", out[i].UserID)
		}
		out[i].Name = name
	}
	return out, nil
}

// warnings finds what a coordinator should know: facilitators facilitating
// within the settings' number of days, or not trained for the module.
func (s *Service) warnings(ctx context.Context, w *praxis.Workshop) ([]Warning, error) {
	settings, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var out []Warning
	if w.Registered > w.Capacity {
		out = append(out, Warning{Field: "capacity", Message: fmt.Sprintf("%d people already have places, more than the capacity of %d: they keep them, and nobody moves up from the waiting list until enough of them cancel.", w.Registered, w.Capacity)})
	}
	ids := make([]int64, len(w.Facilitators))
	for i, f := range w.Facilitators {
		ids[i] = f.UserID
	}
	if settings.WarnDays > 0 {
		day, _ := time.Parse("2006-01-02", w.LocalDate())
		from, to := day.AddDate(0, 0, -settings.WarnDays).Format("2006-01-02"), day.AddDate(0, 0, settings.WarnDays).Format("2006-01-02")
		near, err := s.db.Bookings(ctx, ids, from, to, w.ID)
		if err != nil {
			return nil, err
		}
		for _, b := range near {
			if b.Date == w.LocalDate() || b.DeliveryID != 0 && b.DeliveryID == w.DeliveryID {
				continue
			}
			date, _ := time.Parse("2006-01-02", b.Date)
			out = append(out, Warning{Field: "facilitators", Message: fmt.Sprintf("%s also facilitates %s on %s, %s.",
				b.Name, s.titles(ctx, []string{b.Module})[0], date.Format("Monday 2 January"), daysApart(day, date))})
		}
	}
	users, err := s.db.ActiveUsers(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		f := w.Facilitators[slices.IndexFunc(w.Facilitators, func(f praxis.WorkshopFacilitator) bool { return f.UserID == u.ID })]
		if f.Role == praxis.FacilitatorMentee {
			continue
		}
		if !slices.ContainsFunc(u.Trainings, func(t praxis.Training) bool { return t.Module == w.Module }) {
			out = append(out, Warning{Field: "facilitators", Message: fmt.Sprintf("%s is not recorded as trained to deliver %s.", u.Name, w.Title)})
		}
	}
	return out, nil
}

func daysApart(a, b time.Time) string {
	n := int(b.Sub(a).Hours() / 24)
	switch {
	case n == 1:
		return "the day after"
	case n == -1:
		return "the day before"
	case n > 0:
		return fmt.Sprintf("%d days after", n)
	default:
		return fmt.Sprintf("%d days before", -n)
	}
}

// Schedule schedules a workshop (coordinators). A facilitator already
// facilitating that day (a workshop or a logged delivery) is refused with
// ECONFLICT naming the clash (*praxis.ClashError); one busy within the settings'
// days, or not trained for the module, comes back as a warning.
func (s *Service) Schedule(ctx context.Context, user *praxis.User, in WorkshopInput) (*praxis.Workshop, []Warning, error) {
	if err := access.Authorize(user, access.ManageWorkshops); err != nil {
		return nil, nil, err
	}
	now := s.now().UTC()
	w := &praxis.Workshop{Status: praxis.WorkshopScheduled, Key: newToken()[:22], CreatedBy: user.ID, CreatedAt: now, UpdatedAt: now}
	if err := s.checkWorkshop(ctx, user, in, w, nil); err != nil {
		return nil, nil, err
	}
	note := praxis.RequestNote{AuthorID: user.ID, CreatedAt: now,
		Body: fmt.Sprintf("Scheduled %s for %s.", w.Title, w.StartsAt.In(w.Location()).Format("Monday 2 January 2006, 15:04 MST"))}
	if _, err := s.db.SaveWorkshop(ctx, w, note, nil); err != nil {
		return nil, nil, s.titled(ctx, err)
	}
	warnings, err := s.warnings(ctx, w)
	if err != nil {
		return nil, nil, err
	}
	saved, err := s.db.FindWorkshop(ctx, w.ID)
	if err != nil {
		return nil, nil, err
	}
	saved.Title = w.Title
	return saved, warnings, nil
}

// titled names the modules of a clash by their titles, as people know
// them; any other error is returned as it is.
func (s *Service) titled(ctx context.Context, err error) error {
	var clash *praxis.ClashError
	if errors.As(err, &clash) {
		for i := range clash.Clashes {
			clash.Clashes[i].Title = s.titles(ctx, []string{clash.Clashes[i].Module})[0]
		}
	}
	return err
}

// Change changes a scheduled workshop (coordinators), with the same checks
// as scheduling; a capacity that grew moves people up from the waiting
// list, and they are emailed.
func (s *Service) Change(ctx context.Context, user *praxis.User, id int64, in WorkshopInput) (*praxis.Workshop, []Warning, error) {
	if err := access.Authorize(user, access.ManageWorkshops); err != nil {
		return nil, nil, err
	}
	existing, err := s.db.FindWorkshop(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if existing.Status != praxis.WorkshopScheduled {
		return nil, nil, praxis.Errorf(praxis.ECONFLICT, "this workshop is %s: it can no longer be changed", existing.Status)
	}
	w := *existing
	w.UpdatedAt = s.now().UTC()
	if err := s.checkWorkshop(ctx, user, in, &w, existing); err != nil {
		return nil, nil, err
	}
	moved := timeOrPlaceChanged(existing, &w)
	var queue func(tx *sql.Tx, promoted []*praxis.Registration) error
	if s.queue != nil {
		queue = func(tx *sql.Tx, promoted []*praxis.Registration) error {
			for _, r := range promoted {
				if err := s.queued(ctx, placeArgs{RegistrationID: r.ID, MovedUp: true}, queueMail)(tx); err != nil {
					return err
				}
			}
			if !moved {
				return nil
			}
			return s.queued(ctx, changedArgs{WorkshopID: w.ID, Changed: w.UpdatedAt.Unix()}, queueMail)(tx)
		}
	}
	promoted, err := s.db.SaveWorkshop(ctx, &w, praxis.RequestNote{}, queue)
	if err != nil {
		return nil, nil, s.titled(ctx, err)
	}
	warnings, err := s.warnings(ctx, &w)
	if err != nil {
		return nil, nil, err
	}
	saved, err := s.withTitle(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if s.queue == nil {
		for _, r := range promoted {
			s.sendPlace(ctx, saved, r, true)
		}
		if moved {
			s.tellEachNow(ctx, saved.ID, func(r *praxis.Registration) mail.Message { return s.changedMessage(saved, r) })
		}
	}
	return saved, warnings, nil
}

// timeOrPlaceChanged says whether a change moves a workshop in time or
// place: what its participants must be told of.
func timeOrPlaceChanged(before, after *praxis.Workshop) bool {
	return !before.StartsAt.Equal(after.StartsAt) || !before.EndsAt.Equal(after.EndsAt) || before.Timezone != after.Timezone ||
		before.Format != after.Format || before.Venue != after.Venue || before.Town != after.Town || before.OnlineURL != after.OnlineURL
}

// Cancel cancels a scheduled workshop (coordinators) and emails everyone
// registered or waiting, with reason.
func (s *Service) Cancel(ctx context.Context, user *praxis.User, id int64, reason string) (*praxis.Workshop, error) {
	if err := access.Authorize(user, access.ManageWorkshops); err != nil {
		return nil, err
	}
	w, err := s.withTitle(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.Status != praxis.WorkshopScheduled {
		return nil, praxis.Errorf(praxis.ECONFLICT, "this workshop is %s already", w.Status)
	}
	var errs fieldErrors
	reason = text(&errs, "reason", reason, MaxText, true)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	w.Status, w.UpdatedAt = praxis.WorkshopCancelled, s.now().UTC()
	var queue func(tx *sql.Tx, _ []*praxis.Registration) error
	if s.queue != nil {
		queue = func(tx *sql.Tx, _ []*praxis.Registration) error {
			return s.queued(ctx, cancelledArgs{WorkshopID: w.ID, Reason: reason}, queueMail)(tx)
		}
	}
	if _, err := s.db.SaveWorkshop(ctx, w, praxis.RequestNote{}, queue); err != nil {
		return nil, err
	}
	if s.queue == nil {
		s.tellEachNow(ctx, w.ID, func(r *praxis.Registration) mail.Message { return s.cancelledMessage(w, r, reason) })
	}
	return w, nil
}

// tellEachNow sends, without a queue (other packages' tests), one email to
// each person registered or waiting for a workshop; failures are logged.
func (s *Service) tellEachNow(ctx context.Context, workshopID int64, compose func(*praxis.Registration) mail.Message) {
	regs, err := s.db.Registrations(ctx, workshopID)
	if err != nil {
		s.log.Warn("workshop emails", "workshop", workshopID, "err", err)
		return
	}
	for _, r := range regs {
		if r.Email != "" && r.Status != praxis.RegistrationCancelled {
			s.send(ctx, compose(r))
		}
	}
}

// withTitle reads a workshop and its module's title.
func (s *Service) withTitle(ctx context.Context, id int64) (*praxis.Workshop, error) {
	w, err := s.db.FindWorkshop(ctx, id)
	if err != nil {
		return nil, err
	}
	s.setTitles(ctx, []*praxis.Workshop{w})
	return w, nil
}

// setTitles fills in the titles of the workshops' modules, as of the
// version planned.
func (s *Service) setTitles(ctx context.Context, list []*praxis.Workshop) {
	listing, _ := s.catalog.Listing(ctx, "")
	for _, w := range list {
		w.Title = w.Module
		if listing != nil {
			if m, ok := listing.Module(w.Module); ok {
				w.Title = m.Title
				continue
			}
		}
		if view, err := s.catalog.Module(ctx, w.Module, w.Version); err == nil {
			w.Title = view.Module.Title
		}
	}
}

// Access is what a person may do with a workshop.
type Access struct {
	// Runs: they facilitate it. Manage: they coordinate workshops.
	Runs, Manage bool
}

// Staff reports whether the person runs the workshop or coordinates.
func (a Access) Staff() bool { return a.Runs || a.Manage }

// Find returns a workshop as a person may see it: public ones for anyone,
// unlisted ones with their key (from their link), private ones only for
// their facilitators and coordinators; ENOTFOUND otherwise. The online link
// is blanked for all but its facilitators and coordinators (participants
// see it through their registration).
func (s *Service) Find(ctx context.Context, user *praxis.User, id int64, key string) (*praxis.Workshop, Access, error) {
	w, err := s.withTitle(ctx, id)
	if err != nil {
		return nil, Access{}, err
	}
	got := Access{Runs: user != nil && w.Runs(user.ID) && access.Can(user, access.Volunteer), Manage: canManage(user)}
	if !got.Staff() {
		visible := w.Visibility == praxis.VisibilityListed || (w.Visibility == praxis.VisibilityUnlisted && key != "" && key == w.Key)
		if !visible {
			return nil, Access{}, praxis.Errorf(praxis.ENOTFOUND, "workshop not found")
		}
		w.OnlineURL = ""
	}
	return w, got, nil
}

// WorkshopPath is a workshop's address, with its key when it is unlisted.
func WorkshopPath(w *praxis.Workshop) string {
	p := fmt.Sprintf("/workshops/%d", w.ID)
	if w.Visibility == praxis.VisibilityUnlisted {
		p += "?key=" + w.Key
	}
	return p
}

// ListFilter narrows the public listing.
type ListFilter struct {
	From     time.Time
	Region   string
	Module   string
	Format   string
	Language string
	Limit    int
	Offset   int
}

// Upcoming lists the public workshops starting from f.From (now when zero),
// soonest first.
func (s *Service) Upcoming(ctx context.Context, f ListFilter) ([]*praxis.Workshop, int64, error) {
	if f.From.IsZero() {
		f.From = s.now()
	}
	list, total, err := s.db.ListWorkshops(ctx, praxis.WorkshopFilter{From: f.From, Region: f.Region, Module: f.Module, Format: f.Format,
		Language: f.Language, Visibilities: []string{praxis.VisibilityListed}, Statuses: []string{praxis.WorkshopScheduled},
		Limit: f.Limit, Offset: f.Offset})
	if err != nil {
		return nil, 0, err
	}
	for _, w := range list {
		w.OnlineURL = ""
	}
	s.setTitles(ctx, list)
	return list, total, nil
}

// All lists every workshop, any visibility and status (coordinators), or
// those a facilitator runs (mine).
func (s *Service) All(ctx context.Context, user *praxis.User, mine bool, f praxis.WorkshopFilter) ([]*praxis.Workshop, int64, error) {
	if mine {
		if err := access.Authorize(user, access.Volunteer); err != nil {
			return nil, 0, err
		}
		f.Facilitator = user.ID
	} else if err := access.Authorize(user, access.ManageWorkshops); err != nil {
		return nil, 0, err
	}
	list, total, err := s.db.ListWorkshops(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	s.setTitles(ctx, list)
	return list, total, nil
}

// Regions lists the regions of upcoming public workshops.
func (s *Service) Regions(ctx context.Context) ([]string, error) {
	return s.db.WorkshopRegions(ctx, s.now(), []string{praxis.VisibilityListed})
}

// Languages lists the languages (tags such as "cy") of upcoming public
// workshops.
func (s *Service) Languages(ctx context.Context) ([]string, error) {
	return s.db.WorkshopLanguages(ctx, s.now(), []string{praxis.VisibilityListed})
}
