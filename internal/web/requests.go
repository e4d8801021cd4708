package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/workshop"
)

type requestFormPage struct {
	Form       form
	Listing    *catalog.Listing
	GroupTypes []string
	Regions    []string
	// Done is the request just made; StatusURL its private link.
	Done      bool
	StatusURL string
}

func (s *Server) renderRequestForm(c echo.Context, status int, f form) error {
	listing, err := s.catalog.Listing(c.Request().Context(), "")
	if err != nil {
		return err
	}
	return s.render(c, status, "request-form", view{Title: "Ask for a workshop", Section: "workshops",
		Data: requestFormPage{Form: f, Listing: listing, GroupTypes: praxis.HostTypes, Regions: praxis.Regions}})
}

func (s *Server) requestForm(c echo.Context) error {
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	f.Values.Set("language", "en")
	if m := c.QueryParam("module"); m != "" {
		f.Values.Set("modules", m)
	}
	return s.renderRequestForm(c, http.StatusOK, f)
}

func (s *Server) createRequest(c echo.Context) error {
	f := newForm(c)
	participants, _ := strconv.Atoi(strings.TrimSpace(f.Value("participants")))
	r, err := s.workshops.CreateRequest(c.Request().Context(), workshop.RequestInput{GroupName: f.Value("group_name"),
		GroupType: f.Value("group_type"), ContactName: f.Value("contact_name"), ContactEmail: f.Value("contact_email"),
		Town: f.Value("town"), Region: f.Value("region"), Online: f.Value("online") == "yes", Modules: f.Values["modules"],
		PreferredDates: f.Value("preferred_dates"), Participants: participants, Language: f.Value("language"),
		AccessNeeds: f.Value("access_needs"), Notes: f.Value("notes"), Honeypot: f.Value("website"), Address: clientIP(c)})
	if errors.Is(err, workshop.ErrSpam) {
		return s.render(c, http.StatusOK, "request-status", view{Title: "Request received", Section: "workshops",
			Data: requestStatusPage{Received: true, Request: &praxis.WorkshopRequest{Status: praxis.RequestNew}}})
	}
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderRequestForm(c, status, f)
	}
	return c.Redirect(http.StatusSeeOther, workshop.StatusPath(r)+"?new=1")
}

type requestStatusPage struct {
	Request   *praxis.WorkshopRequest
	Workshops []*praxis.Workshop
	Titles    []string
	Received  bool
	StatusURL string
}

func (s *Server) requestStatus(c echo.Context) error {
	ctx := c.Request().Context()
	r, workshops, err := s.workshops.RequestStatus(ctx, c.Param("token"))
	if err != nil {
		return err
	}
	data := requestStatusPage{Request: r, Workshops: workshops, Received: c.QueryParam("new") == "1",
		StatusURL: s.absoluteURL(workshop.StatusPath(r))}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	for _, m := range r.Modules {
		title := m
		if e, ok := listing.Module(m); ok {
			title = e.Title
		}
		data.Titles = append(data.Titles, title)
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	c.Response().Header().Set("X-Robots-Tag", "noindex")
	return s.render(c, http.StatusOK, "request-status", view{Title: "Your request", Section: "workshops", Data: data})
}

// requestsPageSize is how many requests a page of the queue lists.
const requestsPageSize = 50

type requestQueuePage struct {
	Requests []*praxis.WorkshopRequest
	Total    int64
	Status   string
	Region   string
	Statuses []string
	Regions  []string
	Listing  *catalog.Listing
	Pager    pager
}

func (s *Server) requestQueue(c echo.Context) error {
	ctx := c.Request().Context()
	pages := newPager(c, requestsPageSize, "Pages of requests")
	data := requestQueuePage{Status: c.QueryParam("status"), Region: c.QueryParam("region"), Statuses: praxis.RequestStatuses,
		Regions: praxis.Regions}
	f := praxis.RequestFilter{Status: data.Status, Region: data.Region, Limit: pages.Size, Offset: pages.Offset()}
	if data.Status == "" {
		f.Statuses = []string{praxis.RequestNew, praxis.RequestMatching}
	}
	var err error
	if data.Requests, data.Total, err = s.workshops.Requests(ctx, currentUser(c), f); err != nil {
		return err
	}
	pages.of(int(data.Total))
	data.Pager = pages
	if data.Listing, err = s.catalog.Listing(ctx, ""); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "requests", view{Title: "Workshop requests", Section: "requests", Data: data})
}

type requestPage struct {
	*workshop.RequestView
	Form           form
	Listing        *catalog.Listing
	Manage         bool
	Statuses       []string
	DeclineReasons []struct{ Code, Label string }
	Coordinators   []*praxis.User
	Workshops      []*praxis.Workshop
	Suggestions    []workshop.Suggestion
	SuggestModule  string
	SuggestDate    string
}

func (s *Server) renderRequest(c echo.Context, status int, f form) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	user := currentUser(c)
	v, err := s.workshops.FindRequest(ctx, user, id)
	if err != nil {
		return err
	}
	data := requestPage{RequestView: v, Form: f, Manage: access.Can(user, access.ManageWorkshops), Statuses: praxis.RequestStatuses,
		DeclineReasons: praxis.DeclineReasons}
	if data.Listing, err = s.catalog.Listing(ctx, ""); err != nil {
		return err
	}
	for _, wid := range v.Request.Workshops {
		if w, _, err := s.workshops.Find(ctx, user, wid, ""); err == nil {
			data.Workshops = append(data.Workshops, w)
		}
	}
	if data.Manage {
		coordinators, err := s.workshops.Coordinators(ctx, user)
		if err != nil {
			return err
		}
		data.Coordinators = coordinators
		data.SuggestModule, data.SuggestDate = c.QueryParam("module"), c.QueryParam("date")
		if data.SuggestModule == "" && len(v.Request.Modules) > 0 {
			data.SuggestModule = v.Request.Modules[0]
		}
		if data.SuggestModule != "" {
			data.Suggestions, err = s.workshops.Suggest(ctx, user, workshop.MatchQuery{Module: data.SuggestModule, Region: v.Request.Region,
				Online: v.Request.Online, Language: v.Request.Language, Date: data.SuggestDate, Request: id})
			if err != nil && praxis.ErrorCode(err) != praxis.EINVALID {
				return err
			}
		}
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return s.render(c, status, "request", view{Title: "Request from " + v.Request.GroupName, Section: "requests", Data: data})
}

func (s *Server) showRequest(c echo.Context) error {
	return s.renderRequest(c, http.StatusOK, form{Values: url.Values{}, Errors: map[string]string{}})
}

func (s *Server) updateRequest(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	up := workshop.RequestUpdate{Status: f.Value("status"), DeclineReason: f.Value("decline_reason"),
		DeclineMessage: f.Value("decline_message"), Note: f.Value("note")}
	if assign := f.Value("assigned_to"); assign != "" {
		up.Assign = true
		up.AssignTo, _ = strconv.ParseInt(assign, 10, 64)
	}
	if _, err := s.workshops.UpdateRequest(c.Request().Context(), currentUser(c), id, up); err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderRequest(c, status, f)
	}
	s.setFlash(c, "Request updated.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
}

func (s *Server) offer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	if err := s.workshops.Offer(c.Request().Context(), currentUser(c), id, f.Value("role"), f.Value("note")); err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderRequest(c, status, f)
	}
	s.setFlash(c, "Thank you: your offer is recorded. A coordinator will confirm it.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
}

func (s *Server) withdrawOffer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.workshops.WithdrawOffer(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	s.setFlash(c, "Your offer is withdrawn.")
	return c.Redirect(http.StatusSeeOther, "/opportunities")
}

func (s *Server) confirmOffer(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	userID, _ := strconv.ParseInt(c.FormValue("user"), 10, 64)
	if err := s.workshops.ConfirmOffer(c.Request().Context(), currentUser(c), id, userID); err != nil {
		return err
	}
	s.setFlash(c, "Offer confirmed: they are assigned to this request.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
}

type opportunitiesPage struct {
	Opportunities []workshop.Opportunity
	Listing       *catalog.Listing
}

func (s *Server) opportunities(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := s.workshops.Opportunities(ctx, currentUser(c))
	if err != nil {
		return err
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "opportunities", view{Title: "Teaching opportunities", Section: "workshops",
		Data: opportunitiesPage{Opportunities: list, Listing: listing}})
}
