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
	"github.com/praxis-coop/praxis/internal/account"
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
	all := c.QueryParam("all") == "1" && account.Can(user, account.AllDeliveries)
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
	if !all {
		tf.PersonID = user.ID
	}
	if _, data.Participants, data.FirstTime, err = s.db.DeliveryTotals(ctx, tf); err != nil {
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
		rows[i] = deliveryRow{Delivery: d, ModuleTitle: d.Module}
		if m, ok := listing.Module(d.Module); ok {
			rows[i].ModuleTitle = m.Title
		}
		changed, ok := lastChange[d.Module]
		if !ok {
			entries, _, err := s.history.ModuleHistory(ctx, d.Module, listing.Commit, 1, "")
			if err == nil && len(entries) > 0 {
				changed = entries[0].Committer.When
			}
			lastChange[d.Module] = changed
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

// deliveryForm is the page to log or change a delivery.
type deliveryForm struct {
	Form      form
	Edit      *praxis.Delivery
	Material  []optionGroup
	Regions   []string
	HostTypes []string
	Formats   []string
	Today     string
}

func (s *Server) renderDeliveryForm(c echo.Context, status int, f form, edit *praxis.Delivery) error {
	ctx := c.Request().Context()
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	forks, err := s.review.Forks(ctx, currentUser(c).ID)
	if err != nil {
		return err
	}
	title := "Log a delivery"
	if edit != nil {
		title = "Change a delivery"
	}
	return s.render(c, status, "delivery-form", view{Title: title, Section: "deliveries", Data: deliveryForm{
		Form: f, Edit: edit, Material: materialOptions(listing, forks), Regions: praxis.Regions, HostTypes: praxis.HostTypes,
		Formats: praxis.Formats, Today: time.Now().UTC().Format("2006-01-02")}})
}

// optionGroup is an <optgroup> of a select.
type optionGroup struct {
	Label   string
	Options []option
}

type option struct{ Value, Label string }

// materialOptions lists what can be delivered: the person's adapted copies
// first, then the modules series by series.
func materialOptions(listing *catalog.Listing, forks []*praxis.Fork) []optionGroup {
	var groups []optionGroup
	if len(forks) > 0 {
		g := optionGroup{Label: "Your adapted copies"}
		for _, f := range forks {
			title := f.Module
			if m, ok := listing.Module(f.Module); ok {
				title = m.Title
			}
			g.Options = append(g.Options, option{fmt.Sprintf("fork:%d", f.ID), "Your copy of " + title})
		}
		groups = append(groups, g)
	}
	for _, m := range listing.Modules {
		label := m.SeriesTitle
		if label == "" {
			label = "Other modules"
		}
		if len(groups) == 0 || groups[len(groups)-1].Label != label {
			groups = append(groups, optionGroup{Label: label})
		}
		g := &groups[len(groups)-1]
		g.Options = append(g.Options, option{"module:" + m.Slug, m.Title})
	}
	return groups
}

func (s *Server) newDelivery(c echo.Context) error {
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	user := currentUser(c)
	f.Values.Set("date", time.Now().UTC().Format("2006-01-02"))
	f.Values.Set("format", praxis.FormatInPerson)
	f.Values.Set("country", "GB")
	f.Values.Set("region", user.Region)
	f.Values.Set("town", user.Town)
	f.Values.Set("host_type", praxis.HostTypes[0])
	if slug := c.QueryParam("module"); slug != "" {
		f.Values.Set("material", "module:"+slug)
		if v, err := s.catalog.Module(c.Request().Context(), slug, ""); err == nil {
			f.Values.Set("duration", strconv.Itoa(v.Module.Duration))
		}
	}
	return s.renderDeliveryForm(c, http.StatusOK, f, nil)
}

// deliveryInput reads the delivery form. Numbers that do not parse become
// zero, which the service refuses with the field named.
func (s *Server) deliveryInput(c echo.Context, f form) (delivery.Input, error) {
	num := func(name string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(f.Value(name)))
		return n
	}
	in := delivery.Input{Version: f.Value("version"), Date: f.Value("date"), Duration: num("duration"),
		Format: f.Value("format"), Town: f.Value("town"), Region: f.Value("region"), Country: f.Value("country"),
		Host: f.Value("host"), HostType: f.Value("host_type"), Participants: num("participants"),
		FirstTime: num("first_time"), Worked: f.Value("reflection_worked"), Change: f.Value("reflection_change")}
	if f.Value("first_time") == "" {
		in.FirstTime = 0
	}
	kind, value, _ := strings.Cut(f.Value("material"), ":")
	switch kind {
	case "module":
		in.Module = value
	case "fork":
		in.ForkID, _ = strconv.ParseInt(value, 10, 64)
		if in.ForkID == 0 {
			in.ForkID = -1
		}
	}
	for _, email := range strings.FieldsFunc(f.Value("co_facilitators"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		u, err := s.accounts.FindActiveByEmail(c.Request().Context(), email)
		if err != nil {
			return in, &account.FieldError{Field: "co_facilitators", Message: fmt.Sprintf("there is no active member with the address %s", email)}
		}
		in.CoFacilitators = append(in.CoFacilitators, u.ID)
	}
	return in, nil
}

func (s *Server) createDelivery(c echo.Context) error {
	f := newForm(c)
	in, err := s.deliveryInput(c, f)
	if err == nil {
		var d *praxis.Delivery
		if d, err = s.deliveries.Create(c.Request().Context(), currentUser(c), in); err == nil {
			s.setFlash(c, "Delivery logged. Share the feedback link below with participants.")
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/deliveries/%d", d.ID))
		}
	}
	status, err := f.fail(materialField(err))
	if err != nil {
		return err
	}
	return s.renderDeliveryForm(c, status, f, nil)
}

// materialField reports errors on module and fork_id against the form's
// single "material" field.
func materialField(err error) error {
	if fe, ok := err.(*account.FieldError); ok && (fe.Field == "module" || fe.Field == "fork_id") {
		return &account.FieldError{Field: "material", Message: fe.Message}
	}
	return err
}

type deliveryPage struct {
	D            *praxis.Delivery
	ModuleTitle  string
	Changed      bool
	CanEdit      bool
	Feedback     []praxis.Feedback
	FeedbackURL  string
	CoNames      map[int64]string
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
	page := deliveryPage{D: d, ModuleTitle: rows[0].ModuleTitle, Changed: rows[0].Changed,
		CanEdit:     user.ID == d.FacilitatorID || account.Can(user, account.AllDeliveries),
		FeedbackURL: absoluteURL(c, "/f/"+d.FeedbackToken), VersionLabel: praxis.ShortID(d.Version)}
	if release, err := s.versions.FirstRelease(ctx, d.Version); err == nil && release != "" {
		page.VersionLabel = release + " (" + praxis.ShortID(d.Version) + ")"
	}
	if page.Feedback, err = s.deliveries.Feedback(ctx, user, d.ID); err != nil {
		return err
	}
	if page.CoNames, err = s.db.UserNames(ctx, d.CoFacilitators); err != nil {
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

// absoluteURL makes a link for sharing outside praxis.
func absoluteURL(c echo.Context, p string) string {
	return c.Scheme() + "://" + c.Request().Host + p
}

func (s *Server) editDelivery(c echo.Context) error {
	d, err := s.pathDelivery(c)
	if err != nil {
		return err
	}
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	material := "module:" + d.Module
	if d.ForkID != 0 {
		material = fmt.Sprintf("fork:%d", d.ForkID)
	}
	emails, err := s.accounts.Emails(c.Request().Context(), d.CoFacilitators)
	if err != nil {
		return err
	}
	for k, v := range map[string]string{"material": material, "version": d.Version, "date": d.Date,
		"duration": strconv.Itoa(d.Duration), "format": d.Format, "town": d.Town, "region": d.Region,
		"country": d.Country, "host": d.Host, "host_type": d.HostType, "participants": strconv.Itoa(d.Participants),
		"first_time": strconv.Itoa(d.FirstTime), "reflection_worked": d.Worked, "reflection_change": d.Change,
		"co_facilitators": strings.Join(emails, ", ")} {
		f.Values.Set(k, v)
	}
	return s.renderDeliveryForm(c, http.StatusOK, f, d)
}

func (s *Server) updateDelivery(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.pathDelivery(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	in, err := s.deliveryInput(c, f)
	if err == nil {
		if _, err = s.deliveries.Update(ctx, currentUser(c), d.ID, in); err == nil {
			s.setFlash(c, "Delivery saved.")
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/deliveries/%d", d.ID))
		}
	}
	status, err := f.fail(materialField(err))
	if err != nil {
		return err
	}
	return s.renderDeliveryForm(c, status, f, d)
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
	code, err := qr.Encode(absoluteURL(c, "/f/"+d.FeedbackToken), qr.M)
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
