package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// apiModuleSummary is a module in GET /api/v1/modules.
type apiModuleSummary struct {
	Slug     string   `json:"slug"`
	Title    string   `json:"title"`
	Summary  string   `json:"summary"`
	Series   string   `json:"series"`
	Order    int      `json:"order"`
	Duration int      `json:"duration"`
	Formats  []string `json:"formats"`
	Tags     []string `json:"tags"`
	Audience []string `json:"audience"`
	Problems int      `json:"problems"`
}

// apiBroken is a module whose plan cannot be read, with why.
type apiBroken struct {
	Slug     string           `json:"slug"`
	Problems []praxis.Problem `json:"problems"`
}

// apiModuleList is GET /api/v1/modules.
type apiModuleList struct {
	// Version is the commit the listing was read at.
	Version string             `json:"version"`
	Modules []apiModuleSummary `json:"modules"`
	Broken  []apiBroken        `json:"broken"`
	// Total counts the modules that match the filter, on every page.
	Total int     `json:"total"`
	Next  *string `json:"next"`
}

// catalogueFilter reads the catalogue's filter from an API request: an
// unknown format or series, or a length that is not a number, is a 400.
func catalogueFilter(q *apiQuery, listing *catalog.Listing) catalog.Filter {
	f := catalog.Filter{Series: q.slug("series"), Tag: q.text("tag"), Format: q.format(),
		MinDuration: q.number("min_duration", 0, 0, maxMinutes), MaxDuration: q.number("max_duration", 0, 0, maxMinutes)}
	if f.Series != "" {
		if _, ok := listing.FindSeries(f.Series); !ok {
			q.fail(badParam("series", "names no series: there is no series %q", f.Series))
		}
	}
	return f
}

// maxMinutes bounds the lengths a filter may ask for.
const maxMinutes = 100000

func (s *Server) apiListModules(c echo.Context) error {
	listing, err := s.catalog.Listing(c.Request().Context(), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	q := queryOf(c)
	filter, page := catalogueFilter(q, listing), q.page(catalogueList)
	if err := q.Err(); err != nil {
		return err
	}
	matches := listing.Filter(filter)
	entries, more := slice(page, matches)
	modules := make([]apiModuleSummary, len(entries))
	for i, m := range entries {
		modules[i] = apiModuleSummary{
			Slug: m.Slug, Title: m.Title, Summary: m.Summary, Series: m.Series, Order: m.Order,
			Duration: m.Duration, Formats: nonNil(m.Formats), Tags: nonNil(m.Tags), Audience: nonNil(m.Audience),
			Problems: len(m.Problems),
		}
	}
	broken := make([]apiBroken, len(listing.Broken))
	for i, b := range listing.Broken {
		broken[i] = apiBroken{Slug: b.Slug, Problems: nonNil(b.Problems)}
	}
	return c.JSON(http.StatusOK, apiModuleList{Version: listing.Commit, Modules: modules, Broken: broken,
		Total: len(matches), Next: s.nextPage(c, page, more)})
}

// apiModule is GET /api/v1/modules/{slug}: every front matter field, and more.
type apiModule struct {
	praxis.Module
	Version  string           `json:"version"`
	Current  bool             `json:"current"`
	Markdown string           `json:"markdown"`
	HTML     string           `json:"html"`
	Handouts []string         `json:"handouts"`
	Problems []praxis.Problem `json:"problems"`
}

func (s *Server) apiShowModule(c echo.Context) error {
	v, err := s.catalog.Module(c.Request().Context(), c.Param("slug"), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	if !v.Parsed {
		return &problemsError{
			err:      praxis.Errorf(praxis.EINVALID, "the plan of module %q cannot be read: %s", v.Module.Slug, v.Problems[0].Message),
			problems: v.Problems,
		}
	}
	m := v.Module
	m.Audience, m.Formats, m.Objectives = nonNil(m.Audience), nonNil(m.Formats), nonNil(m.Objectives)
	m.Materials, m.Tags, m.Authors = nonNil(m.Materials), nonNil(m.Tags), nonNil(m.Authors)
	m.Agenda = nonNil(m.Agenda)
	handouts := make([]string, len(v.Handouts))
	for i, h := range v.Handouts {
		handouts[i] = h.Name
	}
	return c.JSON(http.StatusOK, apiModule{
		Module: m, Version: v.Commit.ID, Current: v.Current,
		Markdown: m.Body, HTML: v.HTML, Handouts: handouts, Problems: nonNil(v.Problems),
	})
}

// apiSeries is a series of modules.
type apiSeries struct {
	Slug    string   `json:"slug"`
	Title   string   `json:"title"`
	Summary string   `json:"summary"`
	Modules []string `json:"modules"`
	// Duration is the series' length in minutes, its modules' together.
	Duration int              `json:"duration"`
	Problems []praxis.Problem `json:"problems"`
}

func toAPISeries(s catalog.SeriesEntry) apiSeries {
	slugs := make([]string, len(s.Modules))
	for i, m := range s.Modules {
		slugs[i] = m.Slug
	}
	return apiSeries{Slug: s.Slug, Title: s.Title, Summary: s.Summary, Modules: slugs, Duration: s.Minutes, Problems: nonNil(s.Problems)}
}

// apiSeriesList is GET /api/v1/series.
type apiSeriesList struct {
	Version string      `json:"version"`
	Series  []apiSeries `json:"series"`
	Total   int         `json:"total"`
	Next    *string     `json:"next"`
}

func (s *Server) apiListSeries(c echo.Context) error {
	listing, err := s.catalog.Listing(c.Request().Context(), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	q := queryOf(c)
	page := q.page(catalogueList)
	if err := q.Err(); err != nil {
		return err
	}
	series, more := slice(page, listing.Series)
	out := make([]apiSeries, len(series))
	for i, se := range series {
		out[i] = toAPISeries(se)
	}
	return c.JSON(http.StatusOK, apiSeriesList{Version: listing.Commit, Series: out, Total: len(listing.Series), Next: s.nextPage(c, page, more)})
}

// apiOneSeries is GET /api/v1/series/{slug}.
type apiOneSeries struct {
	Version string    `json:"version"`
	Series  apiSeries `json:"series"`
}

func (s *Server) apiShowSeries(c echo.Context) error {
	series, listing, err := s.catalog.Series(c.Request().Context(), c.Param("slug"), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiOneSeries{Version: listing.Commit, Series: toAPISeries(*series)})
}

func (s *Server) apiNotFound(c echo.Context) error {
	return praxis.Errorf(praxis.ENOTFOUND, "there is no API endpoint %s %s", c.Request().Method, c.Request().URL.Path)
}

// nonNil turns a nil slice into an empty one, so JSON shows [] rather than
// null.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
