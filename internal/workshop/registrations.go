package workshop

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// registrationsPerAddress: a room on one network can all sign up, a script
// cannot fill a workshop.
var registrationsPerAddress = account.Limit{Burst: 30, Interval: 20 * time.Second}

// RegistrationInput is a registration as the workshop page or the API gives
// it.
type RegistrationInput struct {
	Name        string
	Email       string
	AccessNeeds string
	FirstTime   bool
	// Key is the unlisted workshop's key, from its link.
	Key      string
	Honeypot string
	Address  string
}

// CancelPath is the private address where a person sees and cancels their
// registration.
func CancelPath(r *praxis.Registration) string { return "/r/" + r.Token }

// Register gives a person a place at a workshop, or a place on its waiting
// list when it is full (Status says which), and emails a confirmation with
// a calendar entry and the link to cancel. Registering twice with one email
// is ECONFLICT on "email"; a cancelled workshop, or one that has started, is
// ECONFLICT; a private or unknown workshop ENOTFOUND.
func (s *Service) Register(ctx context.Context, user *praxis.User, id int64, in RegistrationInput) (*praxis.Registration, error) {
	if strings.TrimSpace(in.Honeypot) != "" {
		return nil, ErrSpam
	}
	w, access, err := s.Find(ctx, user, id, in.Key)
	if err != nil {
		return nil, err
	}
	if w.Visibility == praxis.VisibilityPrivate && !access.Staff() {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "workshop not found")
	}
	switch {
	case w.Status == praxis.WorkshopCancelled:
		return nil, praxis.Errorf(praxis.ECONFLICT, "this workshop was cancelled, so it takes no registrations")
	case w.Status != praxis.WorkshopScheduled || !w.StartsAt.After(s.now()):
		return nil, praxis.Errorf(praxis.ECONFLICT, "this workshop has started, so registration has closed")
	}
	var errs fieldErrors
	r := &praxis.Registration{WorkshopID: id, FirstTime: in.FirstTime, CreatedAt: s.now().UTC(), Token: newToken()}
	n := len(errs)
	if r.Name = text(&errs, "name", in.Name, MaxName, false); r.Name == "" && len(errs) == n {
		errs.add(invalid("name", "give your name"))
	}
	r.Email = email(&errs, "email", in.Email, true)
	r.AccessNeeds = text(&errs, "access_needs", in.AccessNeeds, MaxText, true)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	if err := s.limits.Allow(s.now(), map[string]account.Limit{"register-ip:" + in.Address: registrationsPerAddress}); err != nil {
		return nil, err
	}
	var queue func(tx *sql.Tx, id int64) error
	if s.queue != nil {
		queue = func(tx *sql.Tx, id int64) error { return s.queued(ctx, placeArgs{RegistrationID: id}, queueMail)(tx) }
	}
	if err := s.db.Register(ctx, r, queue); err != nil {
		return nil, err
	}
	if s.queue != nil {
		return r, nil
	}
	full, err := s.withTitle(ctx, id)
	if err != nil {
		return nil, err
	}
	s.sendPlace(ctx, full, r, false)
	return r, nil
}

// sendPlace emails a person their place (or place in the queue): the
// confirmation, or the news that they moved up from the waiting list.
func (s *Service) sendPlace(ctx context.Context, w *praxis.Workshop, r *praxis.Registration, movedUp bool) {
	var attachment []byte
	if r.Status == praxis.RegistrationRegistered {
		attachment = s.calendarAttachment(w, true, false)
	}
	s.send(ctx, placeMessage(w, r, movedUp, s.URL(CancelPath(r)), s.URL(WorkshopPath(w)), attachment))
}

// movedUp returns the function that queues the email of a person moved up
// from the waiting list, inside the transaction that moves them; nil
// without a queue.
func (s *Service) movedUp(ctx context.Context) func(tx *sql.Tx, id int64) error {
	if s.queue == nil {
		return nil
	}
	return func(tx *sql.Tx, id int64) error {
		return s.queued(ctx, placeArgs{RegistrationID: id, MovedUp: true}, queueMail)(tx)
	}
}

// RegistrationView is a registration with its workshop, as its holder
// sees it through their private link.
type RegistrationView struct {
	Registration *praxis.Registration
	Workshop     *praxis.Workshop
	// Position is the place on the waiting list (1 for next), 0 when not
	// waiting.
	Position int
	// Started is true once the workshop has started: a place can no longer
	// be cancelled.
	Started bool
}

// Registration returns the registration whose private link holds token. The
// workshop's online link is kept only for a place that is registered.
func (s *Service) Registration(ctx context.Context, token string) (*RegistrationView, error) {
	r, err := s.db.RegistrationByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	w, err := s.withTitle(ctx, r.WorkshopID)
	if err != nil {
		return nil, err
	}
	if r.Status != praxis.RegistrationRegistered || w.Status != praxis.WorkshopScheduled {
		w.OnlineURL = ""
	}
	view := &RegistrationView{Registration: r, Workshop: w, Started: !w.StartsAt.After(s.now())}
	if r.Status == praxis.RegistrationWaitlisted {
		all, err := s.db.Registrations(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		for _, other := range all {
			if other.Status == praxis.RegistrationWaitlisted && other.ID <= r.ID {
				view.Position++
			}
		}
	}
	return view, nil
}

// CancelRegistration cancels the registration whose private link holds
// token. When it held a place, the first on the waiting list moves up in
// the same transaction and is emailed. It returns the registration as it is
// now and who moved up (nil for nobody).
func (s *Service) CancelRegistration(ctx context.Context, token string) (*praxis.Registration, *praxis.Registration, error) {
	r, err := s.db.RegistrationByToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	cancelled, promoted, err := s.db.CancelRegistration(ctx, r.ID, s.now(), s.movedUp(ctx))
	if err != nil {
		return nil, nil, err
	}
	if promoted != nil && s.queue == nil {
		if w, err := s.withTitle(ctx, r.WorkshopID); err == nil {
			s.sendPlace(ctx, w, promoted, true)
		}
	}
	return cancelled, promoted, nil
}

// staffWorkshop returns a workshop the person runs or coordinates;
// ENOTFOUND for a private one they cannot see, EFORBIDDEN otherwise.
func (s *Service) staffWorkshop(ctx context.Context, user *praxis.User, id int64) (*praxis.Workshop, error) {
	if err := access.Authorize(user, access.Volunteer); err != nil {
		return nil, err
	}
	w, access, err := s.Find(ctx, user, id, "")
	if err != nil {
		return nil, err
	}
	if !access.Staff() {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "only the workshop's facilitators and coordinators can do that")
	}
	return w, nil
}

// Registrations returns a workshop's registrations, for its facilitators
// and coordinators.
func (s *Service) Registrations(ctx context.Context, user *praxis.User, id int64) (*praxis.Workshop, []*praxis.Registration, error) {
	w, err := s.staffWorkshop(ctx, user, id)
	if err != nil {
		return nil, nil, err
	}
	regs, err := s.db.Registrations(ctx, id)
	return w, regs, err
}

// Attendance marks whether a person registered came: "attended",
// "no_show", or "registered" (not marked). Facilitators and coordinators,
// on the day of the workshop or after.
func (s *Service) Attendance(ctx context.Context, user *praxis.User, id, registrationID int64, status string) error {
	w, err := s.staffWorkshop(ctx, user, id)
	if err != nil {
		return err
	}
	switch status {
	case praxis.AttendanceAttended, praxis.AttendanceNoShow:
	case "registered", "":
		status = praxis.AttendanceUnknown
	default:
		return invalid("status", "attendance is attended, no_show or registered")
	}
	if err := s.checkInOpen(w); err != nil {
		return err
	}
	return s.db.SetAttendance(ctx, id, registrationID, status)
}

// checkInOpen refuses check-in before the day of the workshop, and for a
// cancelled one.
func (s *Service) checkInOpen(w *praxis.Workshop) error {
	if w.Status == praxis.WorkshopCancelled {
		return praxis.Errorf(praxis.ECONFLICT, "this workshop was cancelled")
	}
	today := s.now().In(w.Location()).Format("2006-01-02")
	if today < w.LocalDate() {
		return praxis.Errorf(praxis.ECONFLICT, "check-in opens on the day of the workshop")
	}
	return nil
}

// WalkIn adds someone who came without registering, as attended (over the
// capacity if need be). An email is optional (for the feedback link).
func (s *Service) WalkIn(ctx context.Context, user *praxis.User, id int64, in RegistrationInput) (*praxis.Registration, error) {
	w, err := s.staffWorkshop(ctx, user, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkInOpen(w); err != nil {
		return nil, err
	}
	var errs fieldErrors
	r := &praxis.Registration{WorkshopID: id, FirstTime: in.FirstTime, WalkIn: true, Attendance: praxis.AttendanceAttended,
		CreatedAt: s.now().UTC(), Token: newToken()}
	n := len(errs)
	if r.Name = text(&errs, "name", in.Name, MaxName, false); r.Name == "" && len(errs) == n {
		errs.add(invalid("name", "give their name"))
	}
	r.Email = email(&errs, "email", in.Email, false)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	if err := s.db.Register(ctx, r, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// DeliveryDraft is the delivery a workshop becomes, pre-filled from the
// workshop and its check-in.
type DeliveryDraft struct {
	Workshop *praxis.Workshop
	Input    delivery.Input
	// Attended counts those marked attended (walk-ins included), FirstTime
	// those of them at their first workshop, Unmarked those registered but
	// not marked either way.
	Attended, FirstTime, Unmarked int
}

// Draft pre-fills the delivery of a workshop from its record and its
// check-in: the module and version planned, the day, length and format, the
// place, the host group of its request, participants and first-timers from
// attendance, and the other facilitators (mentees too) as co-facilitators.
func (s *Service) Draft(ctx context.Context, user *praxis.User, id int64) (*DeliveryDraft, error) {
	w, regs, err := s.Registrations(ctx, user, id)
	if err != nil {
		return nil, err
	}
	d := &DeliveryDraft{Workshop: w}
	for _, r := range regs {
		if r.Status != praxis.RegistrationRegistered {
			continue
		}
		switch r.Attendance {
		case praxis.AttendanceAttended:
			d.Attended++
			if r.FirstTime {
				d.FirstTime++
			}
		case praxis.AttendanceUnknown:
			d.Unmarked++
		}
	}
	in := delivery.Input{Module: w.Module, Version: w.Version, Date: w.LocalDate(),
		Duration: int(w.EndsAt.Sub(w.StartsAt).Minutes()), Format: w.Format, Town: w.Town, Region: w.Region,
		Country: countryOf(w.Timezone), HostType: "other", Participants: d.Attended, FirstTime: d.FirstTime}
	if w.ForkID != 0 {
		if _, owner, _, err := s.forks.ForkInfo(ctx, w.ForkID); err == nil && owner == user.ID {
			in.ForkID = w.ForkID
		}
	}
	if w.RequestID != 0 {
		if r, err := s.db.FindRequest(ctx, w.RequestID); err == nil {
			in.Host, in.HostType = r.GroupName, r.GroupType
		}
	}
	for _, f := range w.Facilitators {
		if f.UserID != user.ID {
			in.CoFacilitators = append(in.CoFacilitators, f.UserID)
		}
	}
	d.Input = in
	return d, nil
}

// countryOf guesses the country of a workshop from its time zone: Ireland
// for Europe/Dublin, otherwise the UK (the facilitator can change it).
func countryOf(timezone string) string {
	if timezone == "Europe/Dublin" {
		return "IE"
	}
	return "GB"
}

// Record records a workshop's delivery (one of its facilitators, who
// becomes the delivery's facilitator): the draft with what the person
// changed (counts, place, host, reflection), always pinned to the version
// and day planned. The workshop and its request become delivered, and the
// people who attended are emailed the feedback link.
func (s *Service) Record(ctx context.Context, user *praxis.User, id int64, change func(*delivery.Input)) (*praxis.Delivery, error) {
	draft, err := s.Draft(ctx, user, id)
	if err != nil {
		return nil, err
	}
	w := draft.Workshop
	switch {
	case !w.Runs(user.ID):
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "only one of the workshop's facilitators can record its delivery")
	case w.Status == praxis.WorkshopCancelled:
		return nil, praxis.Errorf(praxis.ECONFLICT, "this workshop was cancelled")
	case w.DeliveryID != 0:
		return nil, praxis.Errorf(praxis.ECONFLICT, "this workshop's delivery is already recorded")
	case w.StartsAt.After(s.now()):
		return nil, praxis.Errorf(praxis.ECONFLICT, "record the delivery once the workshop has started")
	}
	in := draft.Input
	if change != nil {
		change(&in)
	}
	in.Module, in.ForkID, in.Version, in.Date = draft.Input.Module, draft.Input.ForkID, draft.Input.Version, draft.Input.Date
	if in.Participants == 0 && draft.Attended == 0 {
		return nil, invalid("participants", "mark who came on the check-in list, or give the number of participants")
	}
	s.recordMu.Lock()
	defer s.recordMu.Unlock()
	d, err := s.deliveries.Create(ctx, user, in)
	if err != nil {
		return nil, err
	}
	if err := s.db.LinkDelivery(ctx, id, d.ID); err != nil {
		// Another process recorded it first: take this copy back.
		if derr := s.deliveries.Delete(ctx, user, d.ID); derr != nil {
			s.log.Error("a second delivery of a workshop could not be taken back", "workshop", id, "delivery", d.ID, "err", derr)
		}
		return nil, err
	}
	regs, err := s.db.Registrations(ctx, id)
	if err != nil {
		return d, nil
	}
	var sent []int64
	link := s.URL("/f/" + d.FeedbackToken)
	for _, r := range regs {
		if r.Status == praxis.RegistrationRegistered && r.Attendance == praxis.AttendanceAttended && r.Email != "" {
			if s.send(ctx, feedbackMessage(w, r, link)) {
				sent = append(sent, r.ID)
			}
		}
	}
	if err := s.db.MarkFeedbackSent(ctx, sent); err != nil {
		s.log.Warn("feedback emails not marked sent", "workshop", id, "err", err)
	}
	return d, nil
}

// Mentoring returns how many delivered workshops each person co-facilitated
// to learn, by module: it counts toward their training record.
func (s *Service) Mentoring(ctx context.Context, userID int64) ([]MentoredModule, error) {
	counts, err := s.db.Mentored(ctx, []int64{userID})
	if err != nil {
		return nil, err
	}
	var out []MentoredModule
	for module, n := range counts[userID] {
		out = append(out, MentoredModule{Module: module, Title: module, Count: n})
	}
	slices.SortFunc(out, func(a, b MentoredModule) int { return strings.Compare(a.Module, b.Module) })
	titles := s.titles(ctx, func() []string {
		slugs := make([]string, len(out))
		for i, m := range out {
			slugs[i] = m.Module
		}
		return slugs
	}())
	for i := range out {
		out[i].Title = titles[i]
	}
	return out, nil
}

// MentoredModule is a module a person co-facilitated to learn, and how
// often.
type MentoredModule struct {
	Module string `json:"module"`
	Title  string `json:"title"`
	Count  int    `json:"count"`
}

// String says it in words.
func (m MentoredModule) String() string {
	return fmt.Sprintf("%s: co-facilitated %s to learn", m.Title, times(m.Count))
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}
