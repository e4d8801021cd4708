package web

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
	"rsc.io/qr"
)

// deliveriesPageSize is how many deliveries a page lists.
const deliveriesPageSize = 50

type deliveriesPage struct {
	All                            bool // everyone's (coordinators)
	Rows                           []delivery.Row
	Total, Participants, FirstTime int64
	Filter                         praxis.DeliveryFilter
	Pager                          pager
	ExportCSV, ExportJS            string
	Listing                        *catalog.Listing
	Regions                        []string
}

// deliveryFilterKeys are the query parameters of a list of deliveries that
// deliveryFilterOf reads, and that its export links keep.
var deliveryFilterKeys = []string{"from", "to", "module", "series", "region", "format"}

// deliveryFilterOf reads list filters from the query string.
func deliveryFilterOf(c echo.Context) (praxis.DeliveryFilter, error) {
	f := praxis.DeliveryFilter{From: c.QueryParam("from"), To: c.QueryParam("to"), Module: c.QueryParam("module"),
		Series: c.QueryParam("series"), Region: c.QueryParam("region"), Format: c.QueryParam("format")}
	return f, delivery.CheckRange(&f.From, &f.To)
}

func (s *Server) listDeliveries(c echo.Context) error {
	ctx := c.Request().Context()
	user := currentUser(c)
	f, err := deliveryFilterOf(c)
	if err != nil {
		return err
	}
	all := c.QueryParam("all") == "1" && access.Can(user, access.AllDeliveries)
	pages := newPager(c, deliveriesPageSize, "Pages of deliveries")
	f.Limit, f.Offset = pages.Size, pages.Offset()
	list, err := s.deliveries.Page(ctx, user, f, all)
	if err != nil {
		return err
	}
	pages.of(int(list.Total))
	data := deliveriesPage{All: all, Rows: list.Rows, Total: list.Total, Participants: list.Participants, FirstTime: list.FirstTime,
		Filter: f, Pager: pages}
	q := c.QueryParams()
	export := url.Values{}
	for _, k := range deliveryFilterKeys {
		if v := q.Get(k); v != "" {
			export.Set(k, v)
		}
	}
	if !all {
		export.Set("scope", "mine")
	}
	data.ExportCSV, data.ExportJS = "/api/v1/deliveries.csv?"+export.Encode(), "/api/v1/deliveries.json?"+export.Encode()
	if data.Listing, err = s.catalog.Listing(ctx, ""); err != nil {
		return err
	}
	data.Regions = praxis.Regions
	title := "My deliveries"
	if all {
		title = "All deliveries"
	}
	return s.render(c, http.StatusOK, "deliveries", view{Title: title, Section: "deliveries", Data: data})
}

type deliveryPage struct {
	D *praxis.Delivery
	// Module is the module on main the delivery counts under now.
	Module       string
	ModuleTitle  string
	Changed      bool
	CanEdit      bool
	Feedback     []praxis.Feedback
	FeedbackURL  string
	ForkURL      string
	VersionLabel string
}

func (s *Server) showDelivery(c echo.Context) error {
	ctx := c.Request().Context()
	user := currentUser(c)
	id, err := pathID(c)
	if err != nil {
		return err
	}
	detail, err := s.deliveries.Detail(ctx, user, id)
	if err != nil {
		return err
	}
	d := detail.Delivery
	page := deliveryPage{D: d, Module: detail.Module, ModuleTitle: detail.ModuleTitle, Changed: detail.Changed,
		CanEdit: detail.CanEdit, Feedback: detail.Feedback, FeedbackURL: s.absoluteURL("/f/" + d.FeedbackToken),
		VersionLabel: praxis.ShortID(d.Version)}
	if detail.Release != "" {
		page.VersionLabel = detail.Release + " (" + praxis.ShortID(d.Version) + ")"
	}
	if d.ForkID != 0 {
		page.ForkURL = fmt.Sprintf("/forks/%d", d.ForkID)
	}
	return s.render(c, http.StatusOK, "delivery", view{Title: "Delivery of " + page.ModuleTitle, Section: "deliveries", Data: page})
}

// pathDelivery returns the delivery named by the path's :id, when the person
// may see it.
func (s *Server) pathDelivery(c echo.Context) (*praxis.Delivery, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	return s.deliveries.Find(c.Request().Context(), currentUser(c), id)
}

// absoluteURL makes a link for sharing outside praxis (a feedback link, a QR
// code, the clone address) from the configured public address, never from the
// request's Host header, which anyone can make up.
func (s *Server) absoluteURL(p string) string {
	return s.baseURL + p
}

func (s *Server) deleteDelivery(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.deliveries.Delete(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	s.setFlash(c, "Delivery deleted.")
	return c.Redirect(http.StatusSeeOther, "/deliveries")
}

// deliveryQR serves the QR code of a delivery's feedback link, for printing
// on the plan or showing on a slide.
func (s *Server) deliveryQR(c echo.Context) error {
	d, err := s.pathDelivery(c)
	if err != nil {
		return err
	}
	code, err := qr.Encode(s.absoluteURL("/f/"+d.FeedbackToken), qr.M)
	if err != nil {
		return err
	}
	code.Scale = 8
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`inline; filename="feedback-%d.png"`, d.ID))
	c.Response().Header().Set("Cache-Control", "private, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", code.PNG())
}

// feedbackCookie remembers a participant's browser, so each answers once.
const feedbackCookie = "praxis_fb"

type feedbackPage struct {
	Form        form
	ModuleTitle string
	Date        string
	Facilitator string
	Done        bool
}

func (s *Server) feedbackForm(c echo.Context) error {
	d, err := s.deliveries.ByToken(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return s.renderFeedback(c, http.StatusOK, d, form{Values: url.Values{}, Errors: map[string]string{}}, false)
}

func (s *Server) renderFeedback(c echo.Context, status int, d *praxis.Delivery, f form, done bool) error {
	title := d.Module
	if listing, err := s.catalog.Listing(c.Request().Context(), ""); err == nil {
		if m, ok := listing.Module(d.Module); ok {
			title = m.Title
		}
	}
	date, _ := time.Parse("2006-01-02", d.Date)
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("X-Robots-Tag", "noindex")
	return s.render(c, status, "feedback", view{Title: "Feedback on " + title, Data: feedbackPage{
		Form: f, ModuleTitle: title, Date: date.Format("2 January 2006"), Facilitator: d.Facilitator, Done: done}})
}

func (s *Server) giveFeedback(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	d, err := s.deliveries.ByToken(ctx, token)
	if err != nil {
		return err
	}
	f := newForm(c)
	browser := ""
	if ck, err := c.Cookie(feedbackCookie); err == nil && len(ck.Value) >= 16 && len(ck.Value) <= 64 {
		browser = ck.Value
	} else {
		buf := make([]byte, 18)
		rand.Read(buf)
		browser = base64.RawURLEncoding.EncodeToString(buf)
		c.SetCookie(&http.Cookie{Name: feedbackCookie, Value: browser, Path: "/f/", MaxAge: 2 * 365 * 24 * 3600,
			HttpOnly: true, Secure: s.secureCookies || c.IsTLS(), SameSite: http.SameSiteLaxMode})
	}
	rating, _ := strconv.Atoi(f.Value("rating"))
	_, err = s.deliveries.AddFeedback(ctx, token, delivery.FeedbackInput{Rating: rating, Valued: f.Value("valued"),
		Improve: f.Value("improve"), Browser: browser, IP: c.RealIP()})
	if praxis.ErrorCode(err) == praxis.ECONFLICT {
		return s.renderFeedback(c, http.StatusOK, d, f, true)
	}
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderFeedback(c, status, d, f, false)
	}
	return s.renderFeedback(c, http.StatusOK, d, f, true)
}

// stars draws a rating for the eye; the number is always beside it in text.
func stars(avg float64) string {
	n := int(avg + 0.5)
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}
