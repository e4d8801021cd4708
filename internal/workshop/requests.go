package workshop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
	"golang.org/x/text/language"
)

// Rates of public forms: a group may ask a few times, a script cannot fill
// the queue.
var (
	requestsPerAddress = account.Limit{Burst: 5, Interval: 20 * time.Minute}
	requestsPerEmail   = account.Limit{Burst: 3, Interval: 8 * time.Hour}
)

// ErrSpam is what a form filled in by a robot gets: the honeypot field,
// invisible to people, was filled. Nothing is stored; the web answers as if
// it were.
var ErrSpam = errors.New("workshop: honeypot filled")

// RequestInput is a request as the public form or the API gives it.
type RequestInput struct {
	GroupName    string
	GroupType    string
	ContactName  string
	ContactEmail string
	Town         string
	Region       string
	Online       bool
	// Modules are module slugs and "series:<slug>" for a whole series.
	Modules        []string
	PreferredDates string
	Participants   int
	Language       string
	AccessNeeds    string
	Notes          string
	// Honeypot is a field people never see; robots fill it.
	Honeypot string
	// Address is the client's network address, for the rate limit.
	Address string
}

// text checks a free-text field and returns it trimmed.
func text(errs *fieldErrors, field, v string, max int, multiline bool) string {
	v, err := praxis.CleanText(field, v, max, multiline)
	if err != nil {
		errs.add(err)
	}
	return v
}

// email checks an email address and returns it bare.
func email(errs *fieldErrors, field, v string, required bool) string {
	if strings.TrimSpace(v) == "" {
		if required {
			errs.add(invalid(field, "give an email address, so we can write to you"))
		}
		return ""
	}
	v, err := praxis.CleanEmail(field, v, MaxEmail)
	if err != nil {
		errs.add(err)
	}
	return v
}

// checkLanguage returns a language tag ("en" when empty).
func checkLanguage(errs *fieldErrors, field, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return "en"
	}
	tag, err := language.Parse(v)
	if err != nil || len(v) > 35 {
		errs.add(invalid(field, "%q is not a language code such as en, cy or bfi", v))
		return ""
	}
	return tag.String()
}

// CreateRequest records a public request for a workshop, and emails the
// requester a confirmation with the private link to its status. Every field
// at fault is named at once; a filled honeypot is ErrSpam; too many requests
// from one address or email is ETOOMANY.
func (s *Service) CreateRequest(ctx context.Context, in RequestInput) (*praxis.WorkshopRequest, error) {
	if strings.TrimSpace(in.Honeypot) != "" {
		return nil, ErrSpam
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return nil, err
	}
	var errs fieldErrors
	r := &praxis.WorkshopRequest{Status: praxis.RequestNew, CreatedAt: s.now().UTC(), Online: in.Online}
	if r.GroupName = text(&errs, "group_name", in.GroupName, MaxGroupName, false); r.GroupName == "" && len(errs) == 0 {
		errs.add(invalid("group_name", "give the name of your group"))
	}
	if !praxis.IsHostType(in.GroupType) {
		errs.add(invalid("group_type", "choose the kind of group: %s", strings.Join(praxis.HostTypes, ", ")))
	}
	r.GroupType = in.GroupType
	n := len(errs)
	if r.ContactName = text(&errs, "contact_name", in.ContactName, MaxName, false); r.ContactName == "" && len(errs) == n {
		errs.add(invalid("contact_name", "give a name we can write to"))
	}
	r.ContactEmail = email(&errs, "contact_email", in.ContactEmail, true)
	r.Town = text(&errs, "town", in.Town, MaxPlace, false)
	r.Region = text(&errs, "region", in.Region, MaxPlace, false)
	if !r.Online && r.Town == "" && r.Region == "" && strings.TrimSpace(in.Town+in.Region) == "" {
		errs.add(invalid("town", "say where the workshop would be, or tick online"))
	}
	r.Modules, r.Series = s.requestedModules(&errs, listing, in.Modules)
	r.PreferredDates = text(&errs, "preferred_dates", in.PreferredDates, MaxText, true)
	if in.Participants < 1 || in.Participants > MaxCapacity {
		errs.add(invalid("participants", "give how many people you expect, from 1 to %d", MaxCapacity))
	}
	r.Participants = in.Participants
	r.Language = checkLanguage(&errs, "language", in.Language)
	r.AccessNeeds = text(&errs, "access_needs", in.AccessNeeds, MaxText, true)
	r.Notes = text(&errs, "notes", in.Notes, MaxText, true)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	if err := s.limits.Allow(s.now(), map[string]account.Limit{"request-ip:" + in.Address: requestsPerAddress,
		"request-email:" + db.EmailKey(r.ContactEmail): requestsPerEmail}); err != nil {
		return nil, err
	}
	r.StatusToken = newToken()
	var queue func(tx *sql.Tx, id int64) error
	if s.queue != nil {
		queue = func(tx *sql.Tx, id int64) error {
			return s.queued(ctx, requestReceivedArgs{RequestID: id}, queueMail)(tx)
		}
	}
	if r.ID, err = s.db.CreateRequest(ctx, r, queue); err != nil {
		return nil, err
	}
	if s.queue == nil {
		s.send(ctx, requestReceivedMessage(r, s.titles(ctx, r.Modules), s.URL(StatusPath(r))))
	}
	return r, nil
}

// StatusPath is the private address of a request's status.
func StatusPath(r *praxis.WorkshopRequest) string { return "/requests/status/" + r.StatusToken }

// requestedModules reads the modules and series asked for: module slugs on
// main and "series:<slug>".
func (s *Service) requestedModules(errs *fieldErrors, listing *catalog.Listing, asked []string) (modules []string, series string) {
	modules = []string{}
	for _, v := range asked {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if slug, ok := strings.CutPrefix(v, "series:"); ok {
			entry, found := listing.FindSeries(slug)
			if !found {
				errs.add(invalid("modules", "there is no series %q in the curriculum", slug))
				return nil, ""
			}
			series = slug
			for _, m := range entry.Modules {
				if !slices.Contains(modules, m.Slug) {
					modules = append(modules, m.Slug)
				}
			}
			continue
		}
		v = strings.TrimPrefix(v, "module:")
		if _, ok := listing.Module(v); !ok {
			errs.add(invalid("modules", "there is no workshop %q in the curriculum: choose from the list", v))
			return nil, ""
		}
		if !slices.Contains(modules, v) {
			modules = append(modules, v)
		}
	}
	switch {
	case len(modules) == 0:
		errs.add(invalid("modules", "choose at least one workshop or series"))
	case len(modules) > MaxModules:
		errs.add(invalid("modules", "choose at most %d workshops", MaxModules))
	}
	return modules, series
}

// titles returns the titles of modules on main, in order.
func (s *Service) titles(ctx context.Context, slugs []string) []string {
	listing, err := s.catalog.Listing(ctx, "")
	out := make([]string, len(slugs))
	for i, slug := range slugs {
		out[i] = slug
		if err == nil {
			if m, ok := listing.Module(slug); ok {
				out[i] = m.Title
			}
		}
	}
	return out
}

// RequestStatus returns the request whose private status link holds token,
// as its requester sees it.
func (s *Service) RequestStatus(ctx context.Context, token string) (*praxis.WorkshopRequest, []*praxis.Workshop, error) {
	r, err := s.db.RequestByToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	workshops := make([]*praxis.Workshop, 0, len(r.Workshops))
	for _, id := range r.Workshops {
		w, err := s.db.FindWorkshop(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		workshops = append(workshops, w)
	}
	return r, workshops, nil
}

// Requests lists the coordinators' queue.
func (s *Service) Requests(ctx context.Context, user *praxis.User, f praxis.RequestFilter) ([]*praxis.WorkshopRequest, int64, error) {
	if err := access.Authorize(user, access.ManageWorkshops); err != nil {
		return nil, 0, err
	}
	if f.Status != "" && !praxis.IsRequestStatus(f.Status) {
		return nil, 0, invalid("status", "the status is one of: %s", strings.Join(praxis.RequestStatuses, ", "))
	}
	return s.db.ListRequests(ctx, f)
}

// RequestView is a request as one person may see it.
type RequestView struct {
	Request *praxis.WorkshopRequest
	// Contact says whether the person may see the requester's contact
	// details (coordinators, and the facilitators assigned to it); without
	// it they are blank.
	Contact bool
	Notes   []praxis.RequestNote
	Offers  []praxis.Offer
	// Mine is the person's own offer, if they made one.
	Mine *praxis.Offer
}

// assigned reports whether a person is assigned to a request: their offer
// was confirmed, or they run a workshop scheduled for it.
func (s *Service) assigned(ctx context.Context, r *praxis.WorkshopRequest, offers []praxis.Offer, userID int64) (bool, error) {
	if slices.ContainsFunc(offers, func(o praxis.Offer) bool { return o.UserID == userID && o.Confirmed }) {
		return true, nil
	}
	for _, id := range r.Workshops {
		w, err := s.db.FindWorkshop(ctx, id)
		if err != nil {
			return false, err
		}
		if w.Runs(userID) {
			return true, nil
		}
	}
	return false, nil
}

// FindRequest returns a request for a coordinator, for a facilitator it is
// an opportunity for (open, and a module they may offer for), or for one
// assigned to it. Only coordinators and assigned facilitators see the
// requester's contact details and the notes. ENOTFOUND for anyone else.
func (s *Service) FindRequest(ctx context.Context, user *praxis.User, id int64) (*RequestView, error) {
	if err := access.Authorize(user, access.Volunteer); err != nil {
		return nil, err
	}
	r, err := s.db.FindRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	offers, err := s.db.Offers(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	view := &RequestView{Request: r, Offers: offers}
	for i := range offers {
		if offers[i].UserID == user.ID {
			view.Mine = &offers[i]
		}
	}
	switch {
	case canManage(user):
		view.Contact = true
	default:
		assigned, err := s.assigned(ctx, r, offers, user.ID)
		if err != nil {
			return nil, err
		}
		view.Contact = assigned
		if !assigned && (!isOpen(r) && view.Mine == nil) {
			return nil, praxis.Errorf(praxis.ENOTFOUND, "request not found")
		}
		// Facilitators see who else offered by name, not their notes.
		for i := range view.Offers {
			if view.Offers[i].UserID != user.ID {
				view.Offers[i].Note = ""
			}
		}
	}
	if !view.Contact {
		r.ContactName, r.ContactEmail = "", ""
		return view, nil
	}
	if view.Notes, err = s.db.RequestNotes(ctx, id); err != nil {
		return nil, err
	}
	return view, nil
}

func isOpen(r *praxis.WorkshopRequest) bool {
	return r.Status == praxis.RequestNew || r.Status == praxis.RequestMatching
}

// RequestUpdate is a coordinator's change to a request; zero fields stay.
type RequestUpdate struct {
	Status string
	// DeclineReason (a DeclineReasons code) and DeclineMessage (sent to
	// the requester) go with Status declined.
	DeclineReason  string
	DeclineMessage string
	// AssignTo is the coordinator to look after it (0 nobody), when Assign.
	Assign   bool
	AssignTo int64
	Note     string
}

// UpdateRequest changes a request's status or assignment and records a note
// (coordinators). Declining needs a reason, whose words are emailed to the
// requester.
func (s *Service) UpdateRequest(ctx context.Context, user *praxis.User, id int64, up RequestUpdate) (*praxis.WorkshopRequest, error) {
	if err := access.Authorize(user, access.ManageWorkshops); err != nil {
		return nil, err
	}
	r, err := s.db.FindRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	var errs fieldErrors
	var ch db.RequestChange
	var lines []string
	if up.Status != "" && up.Status != r.Status {
		switch {
		case !praxis.IsRequestStatus(up.Status):
			errs.add(invalid("status", "the status is one of: %s", strings.Join(praxis.RequestStatuses, ", ")))
		case up.Status == praxis.RequestDelivered:
			errs.add(invalid("status", "a request becomes delivered when its workshop's delivery is recorded"))
		case up.Status == praxis.RequestDeclined:
			if !praxis.IsDeclineReason(up.DeclineReason) {
				errs.add(invalid("decline_reason", "choose why the request is declined"))
			}
			msg := text(&errs, "decline_message", up.DeclineMessage, MaxText, true)
			if msg == "" && len(errs) == 0 {
				errs.add(invalid("decline_message", "write a few words to the group: they are sent to them"))
			}
			ch.DeclineReason, ch.DeclineMessage = &up.DeclineReason, &msg
			lines = append(lines, "Declined ("+declineLabel(up.DeclineReason)+"): "+msg)
		default:
			lines = append(lines, "Status changed to "+up.Status+".")
		}
		ch.Status = &up.Status
	}
	if up.Assign && up.AssignTo != r.AssignedTo {
		if up.AssignTo != 0 {
			users, err := s.db.ActiveUsers(ctx, []int64{up.AssignTo}, nil)
			if err != nil {
				return nil, err
			}
			if len(users) == 0 || !access.Can(users[0], access.ManageWorkshops) {
				errs.add(invalid("assigned_to", "assign the request to a coordinator"))
			} else {
				lines = append(lines, "Assigned to "+users[0].Name+".")
			}
		} else {
			lines = append(lines, "No longer assigned.")
		}
		ch.AssignedTo = &up.AssignTo
	}
	if note := text(&errs, "note", up.Note, MaxText, true); note != "" {
		lines = append(lines, note)
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return r, nil
	}
	note := praxis.RequestNote{AuthorID: user.ID, Body: strings.Join(lines, "\n\n"), CreatedAt: s.now().UTC()}
	declined := ch.Status != nil && *ch.Status == praxis.RequestDeclined
	var queue func(tx *sql.Tx) error
	if declined {
		queue = s.queued(ctx, requestDeclinedArgs{RequestID: id}, queueMail)
	}
	if err := s.db.UpdateRequest(ctx, id, ch, note, queue); err != nil {
		return nil, err
	}
	updated, err := s.db.FindRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if declined && s.queue == nil {
		s.send(ctx, requestDeclinedMessage(updated, s.URL(StatusPath(updated))))
	}
	return updated, nil
}

func declineLabel(code string) string {
	for _, r := range praxis.DeclineReasons {
		if r.Code == code {
			return strings.ToLower(r.Label)
		}
	}
	return code
}

// AddNote records a coordinator's note on a request.
func (s *Service) AddNote(ctx context.Context, user *praxis.User, id int64, body string) error {
	_, err := s.UpdateRequest(ctx, user, id, RequestUpdate{Note: body})
	return err
}

// Opportunity is an open request a facilitator may offer for.
type Opportunity struct {
	Request *praxis.WorkshopRequest
	// Trained are the requested modules the person is trained to deliver;
	// without any, they may offer to join to learn.
	Trained []string
	// Near says the request is in the person's region, or online.
	Near bool
	Mine *praxis.Offer
}

// Opportunities lists the open requests a facilitator may offer for: those
// for modules they are trained to deliver, in their region or online, first;
// then those in their region they could join to learn (as a mentee).
// Requesters' contact details are left out.
func (s *Service) Opportunities(ctx context.Context, user *praxis.User) ([]Opportunity, error) {
	if err := access.Authorize(user, access.Volunteer); err != nil {
		return nil, err
	}
	open, _, err := s.db.ListRequests(ctx, praxis.RequestFilter{Statuses: []string{praxis.RequestNew, praxis.RequestMatching}, Limit: 500})
	if err != nil {
		return nil, err
	}
	me, err := s.db.FindUser(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	offers, err := s.db.Offers(ctx, 0, user.ID)
	if err != nil {
		return nil, err
	}
	var trainedFirst, toLearn []Opportunity
	for _, r := range open {
		r.ContactName, r.ContactEmail = "", ""
		o := Opportunity{Request: r, Near: r.Online || (me.Region != "" && strings.EqualFold(r.Region, me.Region))}
		for _, m := range r.Modules {
			if slices.ContainsFunc(me.Trainings, func(t praxis.Training) bool { return t.Module == m }) {
				o.Trained = append(o.Trained, m)
			}
		}
		for i := range offers {
			if offers[i].RequestID == r.ID {
				o.Mine = &offers[i]
			}
		}
		switch {
		case len(o.Trained) > 0 && (o.Near || o.Mine != nil):
			trainedFirst = append(trainedFirst, o)
		case o.Near || o.Mine != nil:
			toLearn = append(toLearn, o)
		}
	}
	return append(trainedFirst, toLearn...), nil
}

// Offer records a facilitator's offer to run a requested workshop (role
// lead) or to co-facilitate it to learn (role mentee). Offering to run
// needs a training in one of the modules asked for.
func (s *Service) Offer(ctx context.Context, user *praxis.User, requestID int64, role, note string) error {
	if err := access.Authorize(user, access.Volunteer); err != nil {
		return err
	}
	r, err := s.db.FindRequest(ctx, requestID)
	if err != nil {
		return err
	}
	if !isOpen(r) {
		return praxis.Errorf(praxis.ECONFLICT, "this request is %s: it no longer takes offers", r.Status)
	}
	var errs fieldErrors
	me, err := s.db.FindUser(ctx, user.ID)
	if err != nil {
		return err
	}
	trained := slices.ContainsFunc(r.Modules, func(m string) bool {
		return slices.ContainsFunc(me.Trainings, func(t praxis.Training) bool { return t.Module == m })
	})
	switch role {
	case praxis.FacilitatorLead:
		if !trained {
			errs.add(invalid("role", "you are not recorded as trained to deliver any of these workshops: offer to join to learn instead"))
		}
	case praxis.FacilitatorMentee:
	default:
		errs.add(invalid("role", "offer to facilitate or to join to learn"))
	}
	note = text(&errs, "note", note, MaxText, true)
	if err := errs.orNil(); err != nil {
		return err
	}
	return s.db.SaveOffer(ctx, praxis.Offer{RequestID: requestID, UserID: user.ID, Role: role, Note: note, CreatedAt: s.now().UTC()})
}

// WithdrawOffer takes back one's offer.
func (s *Service) WithdrawOffer(ctx context.Context, user *praxis.User, requestID int64) error {
	if err := access.Authorize(user, access.Volunteer); err != nil {
		return err
	}
	return s.db.WithdrawOffer(ctx, requestID, user.ID)
}

// ConfirmOffer confirms a facilitator's offer (coordinators): they are
// assigned to the request, see its contact details, and are suggested
// first when it is scheduled.
func (s *Service) ConfirmOffer(ctx context.Context, user *praxis.User, requestID, userID int64) error {
	if err := access.Authorize(user, access.ManageWorkshops); err != nil {
		return err
	}
	offers, err := s.db.Offers(ctx, requestID, userID)
	if err != nil {
		return err
	}
	if len(offers) == 0 {
		return praxis.Errorf(praxis.ENOTFOUND, "there is no such offer")
	}
	what := "to facilitate"
	if offers[0].Role == praxis.FacilitatorMentee {
		what = "to co-facilitate to learn"
	}
	note := praxis.RequestNote{AuthorID: user.ID, Body: fmt.Sprintf("Confirmed %s's offer %s.", offers[0].Name, what), CreatedAt: s.now().UTC()}
	return s.db.ConfirmOffer(ctx, requestID, userID, user.ID, note)
}
