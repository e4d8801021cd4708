package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
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
		return c.JSON(http.StatusCreated, map[string]any{"id": 0, "status": praxis.RequestNew})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/requests/%d", r.ID))
	return c.JSON(http.StatusCreated, map[string]any{"id": r.ID, "status": r.Status, "status_url": s.absoluteURL(workshop.StatusPath(r))})
}

func (s *Server) apiListRequests(c echo.Context) error {
	limit, offset := atoiOr(c.QueryParam("limit"), 50), atoiOr(c.QueryParam("offset"), 0)
	list, total, err := s.workshops.Requests(c.Request().Context(), currentUser(c), praxis.RequestFilter{Status: c.QueryParam("status"),
		Region: c.QueryParam("region"), Module: c.QueryParam("module"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"requests": list, "total": total, "limit": min(max(limit, 1), 500), "offset": offset})
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
	return c.JSON(http.StatusOK, map[string]any{"request": view.Request, "notes": view.Notes, "offers": view.Offers, "contact_visible": view.Contact})
}

func (s *Server) apiSuggestions(c echo.Context) error {
	q := workshop.MatchQuery{Module: c.QueryParam("module"), Region: c.QueryParam("region"), Online: c.QueryParam("online") == "true",
		Language: c.QueryParam("language"), Date: c.QueryParam("date")}
	q.Request, _ = strconv.ParseInt(c.QueryParam("request_id"), 10, 64)
	list, err := s.workshops.Suggest(c.Request().Context(), currentUser(c), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"suggestions": list})
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
	return apiWorkshop{Workshop: w, URL: s.absoluteURL(path), Calendar: s.absoluteURL(calendar),
		LocalStart: w.StartsAt.In(loc).Format("2006-01-02T15:04:05-07:00"), LocalEnd: w.EndsAt.In(loc).Format("2006-01-02T15:04:05-07:00"),
		Full: w.Registered >= w.Capacity}
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
	if warnings == nil {
		warnings = []workshop.Warning{}
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/workshops/%d", w.ID))
	return c.JSON(http.StatusCreated, map[string]any{"workshop": s.toAPIWorkshop(w), "warnings": warnings, "id": w.ID})
}

func (s *Server) apiListWorkshops(c echo.Context) error {
	f := workshop.ListFilter{Region: c.QueryParam("region"), Module: c.QueryParam("module"), Format: c.QueryParam("format"),
		Language: c.QueryParam("language"), Limit: atoiOr(c.QueryParam("limit"), 50), Offset: atoiOr(c.QueryParam("offset"), 0)}
	if from := c.QueryParam("from"); from != "" {
		t, err := time.Parse("2006-01-02", from)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, from); err != nil {
				return praxis.Invalid("from", "give from as YYYY-MM-DD or an RFC 3339 time")
			}
		}
		f.From = t
	}
	list, total, err := s.workshops.Upcoming(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := make([]apiWorkshop, len(list))
	for i, w := range list {
		out[i] = s.toAPIWorkshop(w)
	}
	return c.JSON(http.StatusOK, map[string]any{"workshops": out, "total": total})
}

func (s *Server) apiShowWorkshop(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	w, _, err := s.workshops.Find(c.Request().Context(), currentUser(c), id, c.QueryParam("key"))
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
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	w, err := s.workshops.Cancel(c.Request().Context(), currentUser(c), id, body.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toAPIWorkshop(w))
}

func (s *Server) apiRegister(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		Name        string `json:"name"`
		Email       string `json:"email"`
		AccessNeeds string `json:"access_needs"`
		FirstTime   bool   `json:"first_time"`
		Key         string `json:"key"`
		Website     string `json:"website"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Key == "" {
		body.Key = c.QueryParam("key")
	}
	r, err := s.workshops.Register(c.Request().Context(), currentUser(c), id, workshop.RegistrationInput{Name: body.Name, Email: body.Email,
		AccessNeeds: body.AccessNeeds, FirstTime: body.FirstTime, Key: body.Key, Honeypot: body.Website, Address: clientIP(c)})
	if errors.Is(err, workshop.ErrSpam) {
		return c.JSON(http.StatusCreated, map[string]any{"id": 0, "status": praxis.RegistrationRegistered})
	}
	if err != nil {
		return err
	}
	out := map[string]any{"id": r.ID, "status": r.Status, "cancel_url": s.absoluteURL(workshop.CancelPath(r))}
	if r.Status == praxis.RegistrationWaitlisted {
		out["message"] = "The workshop is full: you are on its waiting list, and move up automatically if someone cancels."
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiCancelRegistration(c echo.Context) error {
	cancelled, promoted, err := s.workshops.CancelRegistration(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": cancelled.ID, "status": cancelled.Status, "moved_up": promoted != nil})
}

func (s *Server) apiRegistrations(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	_, regs, err := s.workshops.Registrations(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"registrations": regs})
}

func (s *Server) apiAttendance(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var body struct {
		RegistrationID int64  `json:"registration_id"`
		Status         string `json:"status"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.workshops.Attendance(c.Request().Context(), currentUser(c), id, body.RegistrationID, body.Status); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"registration_id": body.RegistrationID, "status": body.Status})
}

func (s *Server) apiRecordDelivery(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	// Optional changes to the draft: counts, place, host, reflection.
	var body struct {
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
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
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
	return c.JSON(http.StatusOK, d)
}
