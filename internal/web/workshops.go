package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/workshop"
)

// workshopsPageSize is how many workshops the public listing shows a page.
const workshopsPageSize = 30

type workshopsPage struct {
	Workshops []*praxis.Workshop
	Total     int64
	Region    string
	Module    string
	Format    string
	Language  string
	Regions   []string
	// Languages are the languages of the workshops coming up (and the one
	// asked for), as tags.
	Languages     []string
	Listing       *catalog.Listing
	Pager         pager
	CalendarURL   string
	CanManage     bool
	CanVolunteer  bool
	RegionFeedURL string
}

func (s *Server) listWorkshops(c echo.Context) error {
	ctx := c.Request().Context()
	pages := newPager(c, workshopsPageSize, "Pages of workshops")
	data := workshopsPage{Region: c.QueryParam("region"), Module: c.QueryParam("module"), Format: c.QueryParam("format"),
		Language: c.QueryParam("language"), CanManage: access.Can(currentUser(c), access.ManageWorkshops),
		CanVolunteer: access.Can(currentUser(c), access.Volunteer), CalendarURL: s.absoluteURL("/workshops.ics")}
	var err error
	data.Workshops, data.Total, err = s.workshops.Upcoming(ctx, workshop.ListFilter{Region: data.Region, Module: data.Module,
		Format: data.Format, Language: data.Language, Limit: pages.Size, Offset: pages.Offset()})
	if err != nil {
		return err
	}
	pages.of(int(data.Total))
	data.Pager = pages
	if data.Region != "" {
		data.RegionFeedURL = s.absoluteURL("/workshops.ics?region=" + url.QueryEscape(data.Region))
	}
	if data.Regions, err = s.workshops.Regions(ctx); err != nil {
		return err
	}
	if data.Languages, err = s.workshops.Languages(ctx); err != nil {
		return err
	}
	if data.Language != "" && !slices.Contains(data.Languages, data.Language) {
		data.Languages = append(data.Languages, data.Language)
	}
	if data.Listing, err = s.catalog.Listing(ctx, ""); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "workshops", view{Title: "Workshops near you", Section: "workshops", Data: data})
}

// writeCalendar answers a calendar.
func writeCalendar(c echo.Context, name string, write func(*bytes.Buffer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`inline; filename="%s"`, name))
	c.Response().Header().Set("Cache-Control", "private, max-age=300")
	return c.Blob(http.StatusOK, workshop.CalendarContentType, buf.Bytes())
}

func (s *Server) publicCalendar(c echo.Context) error {
	return writeCalendar(c, "workshops.ics", func(b *bytes.Buffer) error {
		return s.workshops.WritePublicFeed(c.Request().Context(), b, workshop.FeedFilter{Region: c.QueryParam("region"), Module: c.QueryParam("module")})
	})
}

func (s *Server) facilitatorCalendar(c echo.Context) error {
	token, ok := strings.CutSuffix(c.Param("token"), ".ics")
	if !ok {
		return praxis.Errorf(praxis.ENOTFOUND, "there is no calendar at this address")
	}
	c.Response().Header().Set("X-Robots-Tag", "noindex")
	return writeCalendar(c, "my-workshops.ics", func(b *bytes.Buffer) error {
		return s.workshops.WriteFacilitatorFeed(c.Request().Context(), b, token)
	})
}

type workshopPage struct {
	W      *praxis.Workshop
	Access workshop.Access
	Key    string
	When   string
	Form   form
	// Done is the registration just made, shown instead of the form.
	Done      *praxis.Registration
	CancelURL string
	Full      bool
	Open      bool
	Request   *praxis.WorkshopRequest
	Warnings  []workshop.Warning
	ICS       string
}

func (s *Server) showWorkshop(c echo.Context) error {
	if id, ok := strings.CutSuffix(c.Param("id"), ".ics"); ok {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return praxis.Errorf(praxis.ENOTFOUND, "there is no workshop %q", id)
		}
		return writeCalendar(c, fmt.Sprintf("workshop-%d.ics", n), func(b *bytes.Buffer) error {
			return s.workshops.WriteWorkshopCalendar(c.Request().Context(), b, currentUser(c), n, c.QueryParam("key"))
		})
	}
	return s.renderWorkshop(c, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}}, nil)
}

func (s *Server) renderWorkshop(c echo.Context, status int, f form, done *praxis.Registration) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	key := c.QueryParam("key")
	if key == "" {
		key = f.Value("key")
	}
	w, access, err := s.workshops.Find(ctx, currentUser(c), id, key)
	if err != nil {
		return err
	}
	data := workshopPage{W: w, Access: access, Key: key, When: workshop.When(w), Form: f, Done: done,
		Full: w.Registered >= w.Capacity, Open: w.Status == praxis.WorkshopScheduled && w.StartsAt.After(time.Now()),
		ICS: fmt.Sprintf("/workshops/%d.ics", w.ID)}
	if w.Visibility == praxis.VisibilityUnlisted {
		data.ICS += "?key=" + url.QueryEscape(key)
	}
	if done != nil {
		data.CancelURL = workshop.CancelPath(done)
	}
	if access.Manage && w.RequestID != 0 {
		if view, err := s.workshops.FindRequest(ctx, currentUser(c), w.RequestID); err == nil {
			data.Request = view.Request
		}
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	if w.Visibility != praxis.VisibilityListed {
		c.Response().Header().Set("X-Robots-Tag", "noindex")
	}
	return s.render(c, status, "workshop", view{Title: w.Title, Section: "workshops", Data: data})
}

func (s *Server) registerForWorkshop(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	r, err := s.workshops.Register(c.Request().Context(), currentUser(c), id, workshop.RegistrationInput{Name: f.Value("name"),
		Email: f.Value("email"), AccessNeeds: f.Value("access_needs"), FirstTime: f.Value("first_time") == "yes",
		Key: f.Value("key"), Honeypot: f.Value("website"), Address: clientIP(c)})
	switch {
	case errors.Is(err, workshop.ErrSpam):
		return s.renderWorkshop(c, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}}, &praxis.Registration{Status: praxis.RegistrationRegistered})
	case err != nil:
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderWorkshop(c, status, f, nil)
	}
	return c.Redirect(http.StatusSeeOther, workshop.CancelPath(r)+"?new=1")
}

type registrationPage struct {
	*workshop.RegistrationView
	When      string
	New       bool
	Cancelled bool
	MovedUp   bool
}

func (s *Server) registrationPage(c echo.Context) error {
	v, err := s.workshops.Registration(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	c.Response().Header().Set("X-Robots-Tag", "noindex")
	return s.render(c, http.StatusOK, "registration", view{Title: "Your place at " + v.Workshop.Title, Section: "workshops",
		Data: registrationPage{RegistrationView: v, When: workshop.When(v.Workshop), New: c.QueryParam("new") == "1"}})
}

func (s *Server) cancelRegistration(c echo.Context) error {
	token := c.Param("token")
	_, promoted, err := s.workshops.CancelRegistration(c.Request().Context(), token)
	if err != nil {
		return err
	}
	msg := "Your registration is cancelled."
	if promoted != nil {
		msg += " Your place went to the next person on the waiting list."
	}
	s.setFlash(c, msg)
	return c.Redirect(http.StatusSeeOther, "/r/"+token)
}

// workshopForm is the page to schedule or change a workshop.
type workshopForm struct {
	Form        form
	Edit        *praxis.Workshop
	Material    []optionGroup
	Formats     []string
	Regions     []string
	Timezones   []string
	People      []personChoice
	Request     *praxis.WorkshopRequest
	Suggestions []workshop.Suggestion
	Visibility  []string
}

// commonTimezones are offered first; any IANA zone may be typed.
var commonTimezones = []string{"Europe/London", "Europe/Dublin", "UTC", "Europe/Paris", "America/New_York"}

func (s *Server) renderWorkshopForm(c echo.Context, status int, f form, edit *praxis.Workshop) error {
	ctx := c.Request().Context()
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	data := workshopForm{Form: f, Edit: edit, Material: materialOptions(listing, nil), Formats: praxis.Formats,
		Regions: praxis.Regions, Timezones: commonTimezones, Visibility: praxis.WorkshopVisibilities}
	if reqID, _ := strconv.ParseInt(f.Value("request_id"), 10, 64); reqID != 0 && edit == nil {
		if v, err := s.workshops.FindRequest(ctx, currentUser(c), reqID); err == nil {
			data.Request = v.Request
		}
	}
	module := strings.TrimPrefix(f.Value("material"), "module:")
	if module != "" {
		q := workshop.MatchQuery{Module: module, Region: f.Value("region"), Online: f.Value("format") == praxis.FormatOnline,
			Language: f.Value("language"), Date: f.Value("date")}
		if edit != nil {
			q.Except = edit.ID
		}
		if data.Request != nil {
			q.Request = data.Request.ID
		}
		if _, err := time.Parse("2006-01-02", q.Date); err != nil {
			q.Date = ""
		}
		if data.Suggestions, err = s.workshops.Suggest(ctx, currentUser(c), q); err != nil && praxis.ErrorCode(err) != praxis.EINVALID {
			return err
		}
	}
	// The people already chosen stay listed, whether or not suggested.
	chosen := map[int64]bool{}
	for _, sg := range data.Suggestions {
		chosen[sg.UserID] = true
	}
	var extra []int64
	for _, name := range []string{"facilitator", "mentee"} {
		for _, v := range f.Values[name] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && !chosen[id] {
				extra, chosen[id] = append(extra, id), true
			}
		}
	}
	if len(extra) > 0 {
		names, err := s.workshops.Names(ctx, extra)
		if err != nil {
			return err
		}
		for _, id := range extra {
			if names[id] != "" {
				data.People = append(data.People, personChoice{ID: id, Name: names[id]})
			}
		}
	}
	title := "Schedule a workshop"
	if edit != nil {
		title = "Change " + edit.Title
	}
	return s.render(c, status, "workshop-form", view{Title: title, Section: "workshops", Data: data})
}

func (s *Server) newWorkshop(c echo.Context) error {
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	f.Values.Set("timezone", praxis.DefaultTimezone)
	f.Values.Set("format", praxis.FormatInPerson)
	f.Values.Set("visibility", praxis.VisibilityListed)
	f.Values.Set("language", "en")
	f.Values.Set("capacity", "20")
	f.Values.Set("start", "18:00")
	f.Values.Set("end", "20:30")
	if id := c.QueryParam("request"); id != "" {
		f.Values.Set("request_id", id)
		reqID, _ := strconv.ParseInt(id, 10, 64)
		if v, err := s.workshops.FindRequest(c.Request().Context(), currentUser(c), reqID); err == nil {
			r := v.Request
			f.Values.Set("region", r.Region)
			f.Values.Set("town", r.Town)
			f.Values.Set("language", r.Language)
			if r.Participants > 0 {
				f.Values.Set("capacity", strconv.Itoa(r.Participants))
			}
			if r.Online {
				f.Values.Set("format", praxis.FormatOnline)
			}
			if len(r.Modules) > 0 {
				f.Values.Set("material", "module:"+r.Modules[0])
			}
			for _, o := range v.Offers {
				if o.Confirmed {
					name := "facilitator"
					if o.Role == praxis.FacilitatorMentee {
						name = "mentee"
					}
					f.Values.Add(name, strconv.FormatInt(o.UserID, 10))
				}
			}
		}
	}
	for _, k := range []string{"module", "date"} {
		if v := c.QueryParam(k); v != "" {
			if k == "module" {
				f.Values.Set("material", "module:"+v)
			} else {
				f.Values.Set(k, v)
			}
		}
	}
	return s.renderWorkshopForm(c, http.StatusOK, f, nil)
}

// refreshWorkshopForm shows the scheduling form again as typed, with
// suggestions for the workshop and day chosen ("Find facilitators"; works
// without JavaScript). Nothing is saved.
func (s *Server) refreshWorkshopForm(c echo.Context) error {
	f := newForm(c)
	var edit *praxis.Workshop
	if c.Param("id") != "" {
		w, err := s.pathWorkshopForStaff(c)
		if err != nil {
			return err
		}
		edit = w
	}
	return s.renderWorkshopForm(c, http.StatusOK, f, edit)
}

// workshopInput reads the scheduling form.
func workshopInput(f form) workshop.WorkshopInput {
	capacity, _ := strconv.Atoi(strings.TrimSpace(f.Value("capacity")))
	requestID, _ := strconv.ParseInt(f.Value("request_id"), 10, 64)
	in := workshop.WorkshopInput{Version: f.Value("version"), Date: f.Value("date"), Start: f.Value("start"), End: f.Value("end"),
		Timezone: f.Value("timezone"), Format: f.Value("format"), Venue: f.Value("venue"), Town: f.Value("town"),
		Region: f.Value("region"), OnlineURL: f.Value("online_url"), Capacity: capacity, Language: f.Value("language"),
		AccessInfo: f.Value("access_info"), Visibility: f.Value("visibility"), RequestID: requestID}
	kind, value, _ := strings.Cut(f.Value("material"), ":")
	switch kind {
	case "module":
		in.Module = value
	case "fork":
		in.ForkID, _ = strconv.ParseInt(value, 10, 64)
	}
	lead := f.Value("lead")
	for _, v := range f.Values["facilitator"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			role := praxis.FacilitatorCo
			if v == lead {
				role = praxis.FacilitatorLead
			}
			in.Facilitators = append(in.Facilitators, praxis.WorkshopFacilitator{UserID: id, Role: role})
		}
	}
	if lead == "" && len(in.Facilitators) > 0 {
		in.Facilitators[0].Role = praxis.FacilitatorLead
	}
	for _, v := range f.Values["mentee"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Facilitators = append(in.Facilitators, praxis.WorkshopFacilitator{UserID: id, Role: praxis.FacilitatorMentee})
		}
	}
	return in
}

// failWorkshopForm shows the scheduling form again with every problem
// beside its field (form.fail); a clash goes beside the facilitators with
// what to do about it, and answers 409.
func (s *Server) failWorkshopForm(c echo.Context, f form, edit *praxis.Workshop, err error) error {
	var clash *praxis.ClashError
	if errors.As(err, &clash) {
		err = praxis.Invalid("facilitators", "%s: choose someone else, or another day.", praxis.ErrorMessage(clash))
	}
	status, err := f.fail(workshopFields(err))
	if err != nil {
		return err
	}
	if clash != nil {
		status = http.StatusConflict
	}
	return s.renderWorkshopForm(c, status, f, edit)
}

// workshopFields names the service's fields as the form does: the start
// beside the date, the end beside the end time, the module and fork beside
// the material.
func workshopFields(err error) error {
	fields := praxis.FieldErrors(err)
	if len(fields) == 0 {
		return err
	}
	renamed := make([]praxis.FieldError, len(fields))
	for i, fe := range fields {
		renamed[i] = fe
		if name, ok := map[string]string{"starts_at": "date", "ends_at": "end", "module": "material", "fork_id": "material"}[fe.Field]; ok {
			renamed[i].Field = name
		}
	}
	return praxis.InvalidFields(renamed)
}

func (s *Server) createWorkshop(c echo.Context) error {
	f := newForm(c)
	w, warnings, err := s.workshops.Schedule(c.Request().Context(), currentUser(c), workshopInput(f))
	if err != nil {
		return s.failWorkshopForm(c, f, nil, err)
	}
	s.flashWarnings(c, "Workshop scheduled.", warnings)
	return c.Redirect(http.StatusSeeOther, workshop.WorkshopPath(w))
}

func (s *Server) flashWarnings(c echo.Context, done string, warnings []workshop.Warning) {
	msg := done
	for _, w := range warnings {
		msg += " Note: " + w.Message
	}
	if len(msg) > 290 {
		msg = msg[:287] + "…"
	}
	s.setFlash(c, msg)
}

func (s *Server) pathWorkshopForStaff(c echo.Context) (*praxis.Workshop, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	w, access, err := s.workshops.Find(c.Request().Context(), currentUser(c), id, "")
	if err != nil {
		return nil, err
	}
	if !access.Staff() {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "only the workshop's facilitators and coordinators can do that")
	}
	return w, nil
}

func (s *Server) editWorkshop(c echo.Context) error {
	w, err := s.pathWorkshopForStaff(c)
	if err != nil {
		return err
	}
	loc := w.Location()
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	material := "module:" + w.Module
	if w.ForkID != 0 {
		material = fmt.Sprintf("fork:%d", w.ForkID)
	}
	for k, v := range map[string]string{"material": material, "version": w.Version, "date": w.StartsAt.In(loc).Format("2006-01-02"),
		"start": w.StartsAt.In(loc).Format("15:04"), "end": w.EndsAt.In(loc).Format("15:04"), "timezone": w.Timezone,
		"format": w.Format, "venue": w.Venue, "town": w.Town, "region": w.Region, "online_url": w.OnlineURL,
		"capacity": strconv.Itoa(w.Capacity), "language": w.Language, "access_info": w.AccessInfo, "visibility": w.Visibility} {
		f.Values.Set(k, v)
	}
	for _, p := range w.Facilitators {
		name := "facilitator"
		if p.Role == praxis.FacilitatorMentee {
			name = "mentee"
		}
		if p.Role == praxis.FacilitatorLead {
			f.Values.Set("lead", strconv.FormatInt(p.UserID, 10))
		}
		f.Values.Add(name, strconv.FormatInt(p.UserID, 10))
	}
	return s.renderWorkshopForm(c, http.StatusOK, f, w)
}

func (s *Server) updateWorkshop(c echo.Context) error {
	w, err := s.pathWorkshopForStaff(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	saved, warnings, err := s.workshops.Change(c.Request().Context(), currentUser(c), w.ID, workshopInput(f))
	if err != nil {
		return s.failWorkshopForm(c, f, w, err)
	}
	s.flashWarnings(c, "Workshop saved. When its time or place changes, everyone registered or waiting is emailed.", warnings)
	return c.Redirect(http.StatusSeeOther, workshop.WorkshopPath(saved))
}

func (s *Server) cancelWorkshop(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	if _, err := s.workshops.Cancel(c.Request().Context(), currentUser(c), id, f.Value("reason")); err != nil {
		return err
	}
	s.setFlash(c, "Workshop cancelled. Everyone registered or waiting is being emailed.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/workshops/%d", id))
}

type checkInPage struct {
	W             *praxis.Workshop
	Registrations []*praxis.Registration
	Form          form
	Attended      int
	NoShows       int
	Unmarked      int
	Waiting       int
	Open          bool
	OpenMessage   string
}

func (s *Server) renderCheckIn(c echo.Context, status int, f form) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	w, regs, err := s.workshops.Registrations(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	data := checkInPage{W: w, Form: f, Open: true}
	today := time.Now().In(w.Location()).Format("2006-01-02")
	if today < w.LocalDate() {
		data.Open, data.OpenMessage = false, "Check-in opens on the day of the workshop. Until then this is the list of who registered."
	}
	for _, r := range regs {
		switch {
		case r.Status == praxis.RegistrationWaitlisted:
			data.Waiting++
		case r.Status != praxis.RegistrationRegistered:
			continue
		case r.Attendance == praxis.AttendanceAttended:
			data.Attended++
		case r.Attendance == praxis.AttendanceNoShow:
			data.NoShows++
		default:
			data.Unmarked++
		}
		data.Registrations = append(data.Registrations, r)
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return s.render(c, status, "checkin", view{Title: "Check-in: " + w.Title, Section: "workshops", Data: data})
}

func (s *Server) checkInPage(c echo.Context) error {
	return s.renderCheckIn(c, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}})
}

func (s *Server) checkIn(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	regID, _ := strconv.ParseInt(f.Value("registration"), 10, 64)
	if err := s.workshops.Attendance(c.Request().Context(), currentUser(c), id, regID, f.Value("status")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/workshops/%d/checkin#r%d", id, regID))
}

func (s *Server) walkIn(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	_, err = s.workshops.WalkIn(c.Request().Context(), currentUser(c), id, workshop.RegistrationInput{Name: f.Value("name"),
		Email: f.Value("email"), FirstTime: f.Value("first_time") == "yes"})
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderCheckIn(c, status, f)
	}
	s.setFlash(c, f.Value("name")+" is checked in.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/workshops/%d/checkin", id))
}

type workshopDeliveryPage struct {
	Draft     *workshop.DeliveryDraft
	Form      form
	HostTypes []string
	CoNames   []string
	Recorded  bool
}

func (s *Server) renderWorkshopDelivery(c echo.Context, status int, f form) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	draft, err := s.workshops.Draft(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	if f.Values == nil {
		in := draft.Input
		f = form{Values: url.Values{}, Errors: map[string]string{}}
		for k, v := range map[string]string{"participants": strconv.Itoa(in.Participants), "first_time": strconv.Itoa(in.FirstTime),
			"town": in.Town, "region": in.Region, "country": in.Country, "host": in.Host, "host_type": in.HostType} {
			f.Values.Set(k, v)
		}
	}
	names, err := s.workshops.Names(c.Request().Context(), draft.Input.CoFacilitators)
	if err != nil {
		return err
	}
	data := workshopDeliveryPage{Draft: draft, Form: f, HostTypes: praxis.HostTypes, Recorded: draft.Workshop.DeliveryID != 0}
	for _, id := range draft.Input.CoFacilitators {
		data.CoNames = append(data.CoNames, names[id])
	}
	return s.render(c, status, "workshop-delivery", view{Title: "Record " + draft.Workshop.Title, Section: "workshops", Data: data})
}

func (s *Server) workshopDeliveryForm(c echo.Context) error {
	return s.renderWorkshopDelivery(c, http.StatusOK, form{})
}

func (s *Server) recordWorkshopDelivery(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	num := func(name string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(f.Value(name)))
		return n
	}
	d, err := s.workshops.Record(c.Request().Context(), currentUser(c), id, func(in *delivery.Input) {
		in.Participants, in.FirstTime = num("participants"), num("first_time")
		in.Town, in.Region, in.Country, in.Host, in.HostType = f.Value("town"), f.Value("region"), f.Value("country"), f.Value("host"), f.Value("host_type")
		in.Worked, in.Change = f.Value("reflection_worked"), f.Value("reflection_change")
	})
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderWorkshopDelivery(c, status, f)
	}
	s.setFlash(c, "Delivery recorded. The people who came have been sent the feedback link.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/deliveries/%d", d.ID))
}

type myWorkshopsPage struct {
	Upcoming    []*praxis.Workshop
	Past        []*praxis.Workshop
	CalendarURL string
	Mentoring   []workshop.MentoredModule
}

func (s *Server) myWorkshops(c echo.Context) error {
	ctx := c.Request().Context()
	user := currentUser(c)
	now := time.Now()
	data := myWorkshopsPage{}
	var err error
	if data.Upcoming, _, err = s.workshops.All(ctx, user, true, praxis.WorkshopFilter{From: now.Add(-12 * time.Hour), Limit: 200}); err != nil {
		return err
	}
	if data.Past, _, err = s.workshops.All(ctx, user, true, praxis.WorkshopFilter{To: now.Add(-12 * time.Hour), Newest: true, Limit: 50}); err != nil {
		return err
	}
	token, err := s.workshops.CalendarToken(ctx, user)
	if err != nil {
		return err
	}
	data.CalendarURL = s.absoluteURL("/calendar/" + token + ".ics")
	if data.Mentoring, err = s.workshops.Mentoring(ctx, user.ID); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return s.render(c, http.StatusOK, "my-workshops", view{Title: "My workshops", Section: "workshops", Data: data})
}

func (s *Server) resetCalendar(c echo.Context) error {
	if _, err := s.workshops.ResetCalendarToken(c.Request().Context(), currentUser(c)); err != nil {
		return err
	}
	s.setFlash(c, "Your calendar has a new address; the old one no longer works. Subscribe to the new one.")
	return c.Redirect(http.StatusSeeOther, "/workshops/mine")
}

func (s *Server) showWorkshopStats(c echo.Context) error {
	d, err := s.workshops.Dashboard(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "workshop-stats", view{Title: "Workshops ahead: the dashboard", Section: "stats", Data: d})
}
