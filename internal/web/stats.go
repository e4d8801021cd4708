package web

import (
	"cmp"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// statsFilterOf reads the dashboard's filters from the query string.
func statsFilterOf(c echo.Context) delivery.Filter {
	return delivery.Filter{From: c.QueryParam("from"), To: c.QueryParam("to"), Region: c.QueryParam("region"),
		Series: c.QueryParam("series"), Module: c.QueryParam("module"), Format: c.QueryParam("format")}
}

// query returns the filter as query parameters, for export links.
func filterQuery(f delivery.Filter) url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"from": f.From, "to": f.To, "region": f.Region, "series": f.Series, "module": f.Module, "format": f.Format} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

type statsPage struct {
	Form    form
	Report  *delivery.Report
	Listing *catalog.Listing
	Regions []string
	Formats []string
	// Data is the report as JSON for the charts, in a data block.
	Data template.JS
	// Query is the filter as a query string, for export links; built by
	// url.Values.Encode, so safe to put after a "?" as it is.
	Query template.URL
	// Downloads sets each module's downloads beside its deliveries.
	Downloads []downloadRow
}

// downloadRow is one module's downloads by format, and its deliveries.
type downloadRow struct {
	Slug, Title string
	Deliveries  int
	ByFormat    map[string]int
	Total       int
}

// downloadRows joins download counts with the report's deliveries by module.
func (s *Server) downloadRows(c echo.Context, report *delivery.Report, listing *catalog.Listing) ([]downloadRow, error) {
	f := report.Filter
	counts, err := s.db.DownloadCounts(c.Request().Context(), f.From, f.To, f.Module)
	if err != nil {
		return nil, err
	}
	rows := map[string]*downloadRow{}
	row := func(slug string) *downloadRow {
		if r, ok := rows[slug]; ok {
			return r
		}
		r := &downloadRow{Slug: slug, Title: slug, ByFormat: map[string]int{}}
		if m, ok := listing.Module(slug); ok {
			r.Title = m.Title
		}
		rows[slug] = r
		return r
	}
	for _, dc := range counts {
		if strings.Contains(dc.Module, ":") || dc.Module == "curriculum" {
			continue // series and curriculum bundles are not one module's
		}
		r := row(dc.Module)
		r.ByFormat[dc.Format] += dc.Count
		r.Total += dc.Count
	}
	if t := report.Table("module"); t != nil {
		for _, g := range t.Groups {
			row(g.Key).Deliveries = g.Deliveries
		}
	}
	out := make([]downloadRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b downloadRow) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(b.Deliveries, a.Deliveries), strings.Compare(a.Title, b.Title))
	})
	return out, nil
}

func (s *Server) showStats(c echo.Context) error {
	ctx := c.Request().Context()
	f := statsFilterOf(c)
	values, _ := url.ParseQuery(c.QueryString())
	page := statsPage{Form: form{Values: values, Errors: map[string]string{}}, Regions: praxis.Regions, Formats: praxis.Formats}
	var err error
	if page.Listing, err = s.catalog.Listing(ctx, ""); err != nil {
		return err
	}
	status := http.StatusOK
	page.Report, err = s.deliveries.Report(ctx, currentUser(c), f, nil)
	if err != nil {
		if status, err = page.Form.fail(err); err != nil {
			return err
		}
		// Show the dashboard unfiltered under the message.
		if page.Report, err = s.deliveries.Report(ctx, currentUser(c), delivery.Filter{}, nil); err != nil {
			return err
		}
	}
	data, err := json.Marshal(page.Report)
	if err != nil {
		return err
	}
	page.Data = template.JS(data)
	page.Query = template.URL(filterQuery(page.Report.Filter).Encode())
	if page.Downloads, err = s.downloadRows(c, page.Report, page.Listing); err != nil {
		return err
	}
	return s.render(c, status, "stats", view{Title: "The network at a glance", Section: "stats", Data: page})
}

// groupByOf reads group_by, repeated or comma-separated.
func groupByOf(c echo.Context) []string {
	var out []string
	for _, v := range c.QueryParams()["group_by"] {
		for _, g := range strings.Split(v, ",") {
			if g = strings.TrimSpace(g); g != "" {
				out = append(out, g)
			}
		}
	}
	return out
}
