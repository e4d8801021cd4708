package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
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
	Downloads []delivery.DownloadRow
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
	if page.Downloads, err = s.deliveries.Downloads(ctx, currentUser(c), page.Report); err != nil {
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
