package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// apiStatsFilter reads the statistics' filter; the report checks the rest
// (dates in order, a series that exists), and its verdict names the
// parameter too.
func apiStatsFilter(q *apiQuery) delivery.Filter {
	return delivery.Filter{From: q.date("from"), To: q.date("to"), Region: q.text("region"),
		Series: q.slug("series"), Module: q.slug("module"), Format: q.format()}
}

// apiGrouped is GET /api/v1/stats/deliveries with one group_by.
type apiGrouped struct {
	Filter  delivery.Filter  `json:"filter"`
	Totals  delivery.Totals  `json:"totals"`
	GroupBy string           `json:"group_by"`
	Groups  []delivery.Group `json:"groups"`
}

// apiStats answers GET /api/v1/stats/deliveries: the totals and, for one
// group_by, {"group_by", "groups"}; for several or none, every table.
func (s *Server) apiStats(c echo.Context) error {
	q := queryOf(c)
	filter := apiStatsFilter(q)
	if err := q.Err(); err != nil {
		return err
	}
	groupBy := groupByOf(c)
	report, err := s.deliveries.Report(c.Request().Context(), currentUser(c), filter, groupBy)
	if err != nil {
		return asParamError(err)
	}
	if len(groupBy) == 1 {
		return c.JSON(http.StatusOK, apiGrouped{Filter: report.Filter, Totals: report.Totals,
			GroupBy: report.Tables[0].GroupBy, Groups: nonNil(report.Tables[0].Groups)})
	}
	return c.JSON(http.StatusOK, report)
}

// apiStatsCSV answers GET /api/v1/stats/deliveries.csv?group_by=X: one table.
func (s *Server) apiStatsCSV(c echo.Context) error {
	q := queryOf(c)
	filter := apiStatsFilter(q)
	groupBy := groupByOf(c)
	if len(groupBy) != 1 {
		q.fail(badParam("group_by", "is needed, once, for a CSV table"))
	}
	if err := q.Err(); err != nil {
		return err
	}
	report, err := s.deliveries.Report(c.Request().Context(), currentUser(c), filter, groupBy)
	if err != nil {
		return asParamError(err)
	}
	header := []string{"key", "label", "deliveries", "participants", "first_time", "facilitators", "feedback_count", "feedback_average"}
	return s.streamCSV(c, "praxis-stats-"+groupBy[0]+".csv", header, func(row func(...string) error) error {
		for _, g := range report.Tables[0].Groups {
			fac, avg := "", ""
			if g.Facilitators != nil {
				fac = itoa(*g.Facilitators)
			}
			if g.FeedbackAverage != nil {
				avg = ftoa(*g.FeedbackAverage)
			}
			if err := row(g.Key, g.Label, itoa(g.Deliveries), itoa(g.Participants), itoa(g.FirstTime), fac, itoa(g.FeedbackCount), avg); err != nil {
				return err
			}
		}
		return nil
	})
}

// apiDownloadList is GET /api/v1/stats/downloads: downloads per module and
// format.
type apiDownloadList struct {
	Downloads []praxis.DownloadCount `json:"downloads"`
	Total     int                    `json:"total"`
	Next      *string                `json:"next"`
}

// apiDownloads answers GET /api/v1/stats/downloads?from=&to=&module=.
func (s *Server) apiDownloads(c echo.Context) error {
	q := queryOf(c)
	from, to, module := q.date("from"), q.date("to"), q.slug("module")
	page := q.page(catalogueList)
	if err := q.Err(); err != nil {
		return err
	}
	counts, err := s.deliveries.DownloadCounts(c.Request().Context(), currentUser(c), from, to, module)
	if err != nil {
		return asParamError(err)
	}
	list, more := slice(page, counts)
	return c.JSON(http.StatusOK, apiDownloadList{Downloads: nonNil(list), Total: len(counts), Next: s.nextPage(c, page, more)})
}
