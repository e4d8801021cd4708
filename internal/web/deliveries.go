package web

import (
	"context"
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
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
	"rsc.io/qr"
)

// deliveriesPageSize is how many deliveries a page lists.
const deliveriesPageSize = 50

// deliveryRow is a delivery as lists show it.
type deliveryRow struct {
	*praxis.Delivery
	// Module is the module on main the delivery counts under now: the one it
	// was logged against, under its new name if its folder moved since.
	Module      string
	ModuleTitle string
	// Changed says the module changed on main after the version delivered.
	Changed bool
}

type deliveriesPage struct {
	All                                   bool // everyone's (coordinators)
	Rows                                  []deliveryRow
	Total, Participants, FirstTime        int64
	Filter                                db.DeliveryFilter
	Page, Pages                           int
	PrevURL, NextURL, ExportCSV, ExportJS string
	Listing                               *catalog.Listing
	Regions                               []string
}

// deliveryFilterOf reads list filters from the query string.
func deliveryFilterOf(c echo.Context) (db.DeliveryFilter, error) {
	f := db.DeliveryFilter{From: c.QueryParam("from"), To: c.QueryParam("to"),
		Module: c.QueryParam("module"), Region: c.QueryParam("region"), Format: c.QueryParam("format")}
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
	page := pageNumber(c)
	f.Limit, f.Offset = deliveriesPageSize, (page-1)*deliveriesPageSize
	list, total, err := s.deliveries.List(ctx, user, f, all)
	if err != nil {
		return err
	}
	data := deliveriesPage{All: all, Total: total, Filter: f, Page: page, Pages: int((total + deliveriesPageSize - 1) / deliveriesPageSize)}
	if data.Rows, err = s.deliveryRows(ctx, list); err != nil {
		return err
	}
	tf := f
	tf.Limit, tf.Offset = 0, 0
	if _, data.Participants, data.FirstTime, err = s.deliveries.Totals(ctx, user, tf, all); err != nil {
		return err
	}
	q := c.QueryParams()
	pageURL := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(n))
		return "/deliveries?" + v.Encode()
	}
	if page > 1 {
		data.PrevURL = pageURL(page - 1)
	}
	if page < data.Pages {
		data.NextURL = pageURL(page + 1)
	}
	export := url.Values{}
	for _, k := range []string{"from", "to", "module", "region", "format"} {
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

// deliveryRows adds module titles and whether each module has changed on
// main since the version delivered.
func (s *Server) deliveryRows(ctx context.Context, list []*praxis.Delivery) ([]deliveryRow, error) {
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return nil, err
	}
	lastChange, versionDates := map[string]time.Time{}, map[string]time.Time{}
	rows := make([]deliveryRow, len(list))
	for i, d := range list {
		// A module moved since is shown and followed under its name now.
		slug, err := s.deliveries.CurrentModule(ctx, d)
		if err != nil {
			return nil, err
		}
		rows[i] = deliveryRow{Delivery: d, ModuleTitle: d.Module, Module: slug}
		if m, ok := listing.Module(slug); ok {
			rows[i].ModuleTitle = m.Title
		}
		changed, ok := lastChange[slug]
		if !ok {
			entries, _, err := s.history.ModuleHistory(ctx, slug, listing.Commit, 1, "")
			if err == nil && len(entries) > 0 {
				changed = entries[0].Committer.When
			}
			lastChange[slug] = changed
		}
		when, ok := versionDates[d.Version]
		if !ok { // a page of deliveries shares a few versions: read each once
			if version, err := s.catalog.Commit(ctx, d.Version); err == nil {
				when = version.Committer.When
			}
			versionDates[d.Version] = when
		}
		rows[i].Changed = !when.IsZero() && changed.After(when)
	}
	return rows, nil
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
	d, err := s.pathDelivery(c)
	if err != nil {
		return err
	}
	rows, err := s.deliveryRows(ctx, []*praxis.Delivery{d})
	if err != nil {
		return err
	}
	page := deliveryPage{D: d, Module: rows[0].Module, ModuleTitle: rows[0].ModuleTitle, Changed: rows[0].Changed,
		CanEdit:     user.ID == d.FacilitatorID || access.Can(user, access.AllDeliveries),
		FeedbackURL: s.absoluteURL("/f/" + d.FeedbackToken), VersionLabel: praxis.ShortID(d.Version)}
	if release, err := s.releases.FirstRelease(ctx, d.Version); err == nil && release != "" {
		page.VersionLabel = release + " (" + praxis.ShortID(d.Version) + ")"
	}
	if page.Feedback, err = s.deliveries.Feedback(ctx, user, d.ID); err != nil {
		return err
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
