package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/workshop"
)

// requestBody is a workshop request as the API takes it.
type requestBody struct {
	GroupName      string   `json:"group_name"`
	GroupType      string   `json:"group_type"`
	ContactName    string   `json:"contact_name"`
	ContactEmail   string   `json:"contact_email"`
	Town           string   `json:"town"`
	Region         string   `json:"region"`
	Online         bool     `json:"online"`
	Modules        []string `json:"modules"`
	Series         string   `json:"series"`
	PreferredDates string   `json:"preferred_dates"`
	Participants   int      `json:"participants"`
	Language       string   `json:"language"`
	AccessNeeds    string   `json:"access_needs"`
	Notes          string   `json:"notes"`
	// Website is the honeypot: people never fill it.
	Website string `json:"website"`
}

// apiRequestCreated is POST /api/v1/requests: the request's id and status,
// and the requester's private status page.
type apiRequestCreated struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	StatusURL string `json:"status_url,omitempty"`
}

func (s *Server) apiCreateRequest(c echo.Context) error {
	var body requestBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	modules := body.Modules
	if body.Series != "" {
		modules = append(modules, "series:"+body.Series)
	}
	r, err := s.workshops.CreateRequest(c.Request().Context(), workshop.RequestInput{GroupName: body.GroupName, GroupType: body.GroupType,
		ContactName: body.ContactName, ContactEmail: body.ContactEmail, Town: body.Town, Region: body.Region, Online: body.Online,
		Modules: modules, PreferredDates: body.PreferredDates, Participants: body.Participants, Language: body.Language,
		AccessNeeds: body.AccessNeeds, Notes: body.Notes, Honeypot: body.Website, Address: clientIP(c)})
	if errors.Is(err, workshop.ErrSpam) {
		return c.JSON(http.StatusCreated, apiRequestCreated{Status: praxis.RequestNew})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/requests/%d", r.ID))
	return c.JSON(http.StatusCreated, apiRequestCreated{ID: r.ID, Status: r.Status, StatusURL: s.absoluteURL(workshop.StatusPath(r))})
}

// apiRequestList is GET /api/v1/requests, newest first.
type apiRequestList struct {
	Requests []*praxis.WorkshopRequest `json:"requests"`
	// Total counts the requests that match, on every page.
	Total int64 `json:"total"`
	// Limit and Offset are the page's, as before cursors.
	Limit  int     `json:"limit"`
	Offset int     `json:"offset"`
	Next   *string `json:"next"`
}

func (s *Server) apiListRequests(c echo.Context) error {
	q := queryOf(c)
	f := praxis.RequestFilter{Status: q.oneOf("status", praxis.RequestStatuses...), Region: q.text("region"), Module: q.slug("module")}
	page := q.page(requestList)
	if err := q.Err(); err != nil {
		return err
	}
	f.Limit, f.Offset = page.Limit, page.Offset
	list, total, err := s.workshops.Requests(c.Request().Context(), currentUser(c), f)
	if err != nil {
		return asParamError(err)
	}
	for _, r := range list {
		tidyRequest(r)
	}
	return c.JSON(http.StatusOK, apiRequestList{Requests: nonNil(list), Total: total, Limit: page.Limit, Offset: page.Offset,
		Next: s.nextPage(c, page, int64(page.Offset+len(list)) < total)})
}

// tidyRequest gives a request's lists as [] rather than null.
func tidyRequest(r *praxis.WorkshopRequest) {
	r.Modules, r.Workshops = nonNil(r.Modules), nonNil(r.Workshops)
}

// apiRequestView is GET /api/v1/requests/{id}: a request as the person
// asking may see it.
type apiRequestView struct {
	Request *praxis.WorkshopRequest `json:"request"`
	Notes   []praxis.RequestNote    `json:"notes"`
	Offers  []praxis.Offer          `json:"offers"`
	// ContactVisible says whether the requester's contact details are
	// shown (to coordinators and the facilitators assigned).
	ContactVisible bool `json:"contact_visible"`
}

func (s *Server) apiShowRequest(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	view, err := s.workshops.FindRequest(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	tidyRequest(view.Request)
	return c.JSON(http.StatusOK, apiRequestView{Request: view.Request, Notes: nonNil(view.Notes), Offers: nonNil(view.Offers), ContactVisible: view.Contact})
}

// apiSuggestionList is GET /api/v1/suggestions: facilitators ranked for a
// workshop, best first.
type apiSuggestionList struct {
	Suggestions []workshop.Suggestion `json:"suggestions"`
	Total       int                   `json:"total"`
	Next        *string               `json:"next"`
}

func (s *Server) apiSuggestions(c echo.Context) error {
	q := queryOf(c)
	m := workshop.MatchQuery{Module: q.slug("module"), Region: q.text("region"), Online: q.boolean("online"),
		Language: q.text("language"), Date: q.date("date"), Request: q.id("request_id")}
	page := q.page(suggestionList)
	if err := q.Err(); err != nil {
		return err
	}
	list, err := s.workshops.Suggest(c.Request().Context(), currentUser(c), m)
	if err != nil {
		return asParamError(err)
	}
	for i := range list {
		list[i].Reasons = nonNil(list[i].Reasons)
	}
	part, more := slice(page, list)
	return c.JSON(http.StatusOK, apiSuggestionList{Suggestions: nonNil(part), Total: len(list), Next: s.nextPage(c, page, more)})
}

// workshopBody is a workshop as the API takes it.
type workshopBody struct {
	Module       string  `json:"module"`
	ForkID       int64   `json:"fork_id"`
	Version      string  `json:"version"`
	StartsAt     string  `json:"starts_at"`
	EndsAt       string  `json:"ends_at"`
	Timezone     string  `json:"timezone"`
	Format       string  `json:"format"`
	Venue        string  `json:"venue"`
	Town         string  `json:"town"`
	Region       string  `json:"region"`
	OnlineURL    string  `json:"online_url"`
	Capacity     int     `json:"capacity"`
	Language     string  `json:"language"`
	AccessInfo   string  `json:"access_info"`
	Visibility   string  `json:"visibility"`
	Facilitators []int64 `json:"facilitators"`
	// Mentees co-facilitate to learn.
	Mentees   []int64 `json:"mentees"`
	RequestID int64   `json:"request_id"`
}

func (b workshopBody) input() workshop.WorkshopInput {
	in := workshop.WorkshopInput{Module: b.Module, ForkID: b.ForkID, Version: b.Version, StartsAt: b.StartsAt, EndsAt: b.EndsAt,
		Timezone: b.Timezone, Format: b.Format, Venue: b.Venue, Town: b.Town, Region: b.Region, OnlineURL: b.OnlineURL,
		Capacity: b.Capacity, Language: b.Language, AccessInfo: b.AccessInfo, Visibility: b.Visibility, RequestID: b.RequestID}
	if in.Format == "" {
		in.Format = praxis.FormatInPerson
		if b.OnlineURL != "" && b.Venue == "" {
			in.Format = praxis.FormatOnline
		}
	}
	for _, id := range b.Facilitators {
		in.Facilitators = append(in.Facilitators, praxis.WorkshopFacilitator{UserID: id})
	}
	for _, id := range b.Mentees {
		in.Facilitators = append(in.Facilitators, praxis.WorkshopFacilitator{UserID: id, Role: praxis.FacilitatorMentee})
	}
	return in
}

// apiWorkshop is a workshop as the API gives it.
type apiWorkshop struct {
	*praxis.Workshop
	URL      string `json:"url"`
	Calendar string `json:"calendar_url"`
	// Local times where it runs.
	LocalStart string `json:"local_start"`
	LocalEnd   string `json:"local_end"`
	// Full says the next registration goes on the waiting list.
	Full bool `json:"full"`
}

func (s *Server) toAPIWorkshop(w *praxis.Workshop) apiWorkshop {
	loc := w.Location()
	path := workshop.WorkshopPath(w)
	calendar := fmt.Sprintf("/workshops/%d.ics", w.ID)
	if w.Visibility == praxis.VisibilityUnlisted {
		calendar += "?key=" + w.Key
	}
	w.Facilitators = nonNil(w.Facilitators)
	return apiWorkshop{Workshop: w, URL: s.absoluteURL(path), Calendar: s.absoluteURL(calendar),
		LocalStart: w.StartsAt.In(loc).Format("2006-01-02T15:04:05-07:00"), LocalEnd: w.EndsAt.In(loc).Format("2006-01-02T15:04:05-07:00"),
		Full: w.Registered >= w.Capacity}
}

// apiScheduled is POST /api/v1/workshops: the workshop scheduled, and what
// its scheduler should know (a facilitator busy near that day, ...).
type apiScheduled struct {
	ID       int64              `json:"id"`
	Workshop apiWorkshop        `json:"workshop"`
	Warnings []workshop.Warning `json:"warnings"`
}

func (s *Server) apiCreateWorkshop(c echo.Context) error {
	var body workshopBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	w, warnings, err := s.workshops.Schedule(c.Request().Context(), currentUser(c), body.input())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/workshops/%d", w.ID))
	return c.JSON(http.StatusCreated, apiScheduled{ID: w.ID, Workshop: s.toAPIWorkshop(w), Warnings: nonNil(warnings)})
}

// apiWorkshopList is GET /api/v1/workshops: the public workshops ahead,
// soonest first.
type apiWorkshopList struct {
	Workshops []apiWorkshop `json:"workshops"`
	// Total counts the workshops that match, on every page.
	Total int64   `json:"total"`
	Next  *string `json:"next"`
}

func (s *Server) apiListWorkshops(c echo.Context) error {
	q := queryOf(c)
	f := workshop.ListFilter{Region: q.text("region"), Module: q.slug("module"), Format: q.format(), Language: q.text("language")}
	if from := q.text("from"); from != "" {
		t, err := time.Parse(time.DateOnly, from)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, from); err != nil {
				q.fail(badParam("from", "must be a date as YYYY-MM-DD or an RFC 3339 time"))
			}
		}
		f.From = t
	}
	page := q.page(workshopList)
	if err := q.Err(); err != nil {
		return err
	}
	f.Limit, f.Offset = page.Limit, page.Offset
	list, total, err := s.workshops.Upcoming(c.Request().Context(), f)
	if err != nil {
		return asParamError(err)
	}
	out := make([]apiWorkshop, len(list))
	for i, w := range list {
		out[i] = s.toAPIWorkshop(w)
	}
	return c.JSON(http.StatusOK, apiWorkshopList{Workshops: out, Total: total, Next: s.nextPage(c, page, int64(page.Offset+len(list)) < total)})
}

func (s *Server) apiShowWorkshop(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := queryOf(c)
	key := q.text("key")
	if err := q.Err(); err != nil {
		return err
	}
	w, _, err := s.workshops.Find(c.Request().Context(), currentUser(c), id, key)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toAPIWorkshop(w))
}

func (s *Server) apiCancelWorkshop(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body cancelBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	w, err := s.workshops.Cancel(c.Request().Context(), currentUser(c), id, body.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toAPIWorkshop(w))
}

// cancelBody is POST /api/v1/workshops/{id}/cancel.
type cancelBody struct {
	// Reason is sent to those registered.
	Reason string `json:"reason"`
}

// registrationBody is a registration as the API takes it.
type registrationBody struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	AccessNeeds string `json:"access_needs"`
	FirstTime   bool   `json:"first_time"`
	// Key is an unlisted workshop's (or in the query).
	Key string `json:"key"`
	// Website is the honeypot: people never fill it.
	Website string `json:"website"`
}

// apiRegistered is POST /api/v1/workshops/{id}/registrations.
type apiRegistered struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	// CancelURL is the person's private page to see and cancel the place;
	// its last part is the token DELETE /api/v1/registrations/{token}
	// takes.
	CancelURL string `json:"cancel_url,omitempty"`
	Message   string `json:"message,omitempty"`
}

// apiRegistrationCancelled is DELETE /api/v1/registrations/{token}.
type apiRegistrationCancelled struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	// MovedUp says someone on the waiting list took the place.
	MovedUp bool `json:"moved_up"`
}

// apiRegistrationList is GET /api/v1/workshops/{id}/registrations, in the
// order they came.
type apiRegistrationList struct {
	Registrations []*praxis.Registration `json:"registrations"`
	Total         int                    `json:"total"`
	Next          *string                `json:"next"`
}

// attendanceBody is POST /api/v1/workshops/{id}/attendance.
type attendanceBody struct {
	RegistrationID int64 `json:"registration_id"`
	// Status is attended, no_show, or "" to unmark.
	Status string `json:"status"`
}

// workshopDeliveryBody is POST /api/v1/workshops/{id}/delivery: optional
// changes to the draft the workshop makes (counts, place, host,
// reflection).
type workshopDeliveryBody struct {
	Participants *int    `json:"participants"`
	FirstTime    *int    `json:"first_time"`
	Town         *string `json:"town"`
	Region       *string `json:"region"`
	Country      *string `json:"country"`
	Host         *string `json:"host"`
	HostType     *string `json:"host_type"`
	Worked       string  `json:"reflection_worked"`
	Change       string  `json:"reflection_change"`
}

func (s *Server) apiRegister(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := queryOf(c)
	key := q.text("key")
	if err := q.Err(); err != nil {
		return err
	}
	var body registrationBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Key == "" {
		body.Key = key
	}
	r, err := s.workshops.Register(c.Request().Context(), currentUser(c), id, workshop.RegistrationInput{Name: body.Name, Email: body.Email,
		AccessNeeds: body.AccessNeeds, FirstTime: body.FirstTime, Key: body.Key, Honeypot: body.Website, Address: clientIP(c)})
	if errors.Is(err, workshop.ErrSpam) {
		return c.JSON(http.StatusCreated, apiRegistered{Status: praxis.RegistrationRegistered})
	}
	if err != nil {
		return err
	}
	out := apiRegistered{ID: r.ID, Status: r.Status, CancelURL: s.absoluteURL(workshop.CancelPath(r))}
	if r.Status == praxis.RegistrationWaitlisted {
		out.Message = "The workshop is full: you are on its waiting list, and move up automatically if someone cancels."
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiCancelRegistration(c echo.Context) error {
	if err := decodeNoFields(c); err != nil {
		return err
	}
	cancelled, promoted, err := s.workshops.CancelRegistration(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiRegistrationCancelled{ID: cancelled.ID, Status: cancelled.Status, MovedUp: promoted != nil})
}

func (s *Server) apiRegistrations(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := queryOf(c)
	page := q.page(registrationList)
	if err := q.Err(); err != nil {
		return err
	}
	_, regs, err := s.workshops.Registrations(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	part, more := slice(page, regs)
	return c.JSON(http.StatusOK, apiRegistrationList{Registrations: nonNil(part), Total: len(regs), Next: s.nextPage(c, page, more)})
}

func (s *Server) apiAttendance(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body attendanceBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.workshops.Attendance(c.Request().Context(), currentUser(c), id, body.RegistrationID, body.Status); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, body)
}

func (s *Server) apiRecordDelivery(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body workshopDeliveryBody
	if err := decodeOptionalJSON(c, &body, bodyLimitBytes); err != nil {
		return err
	}
	d, err := s.workshops.Record(c.Request().Context(), currentUser(c), id, func(in *delivery.Input) {
		setIf(&in.Participants, body.Participants)
		setIf(&in.FirstTime, body.FirstTime)
		setIf(&in.Town, body.Town)
		setIf(&in.Region, body.Region)
		setIf(&in.Country, body.Country)
		setIf(&in.Host, body.Host)
		setIf(&in.HostType, body.HostType)
		in.Worked, in.Change = body.Worked, body.Change
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/deliveries/%d", d.ID))
	return c.JSON(http.StatusCreated, s.toAPIDelivery(d))
}

func setIf[T any](to *T, from *T) {
	if from != nil {
		*to = *from
	}
}

func (s *Server) apiWorkshopStats(c echo.Context) error {
	d, err := s.workshops.Dashboard(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	d.ByStatus, d.ByRegion, d.NoFacilitator = nonNil(d.ByStatus), nonNil(d.ByRegion), nonNil(d.NoFacilitator)
	return c.JSON(http.StatusOK, d)
}
