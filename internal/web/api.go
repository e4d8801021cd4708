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

type apiBroken struct {
	Slug     string           `json:"slug"`
	Problems []praxis.Problem `json:"problems"`
}

func (s *Server) apiListModules(c echo.Context) error {
	listing, err := s.catalog.Listing(c.Request().Context(), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	entries := listing.Filter(filterFrom(c))
	modules := make([]apiModuleSummary, len(entries))
	for i, m := range entries {
		modules[i] = apiModuleSummary{
			Slug: m.Slug, Title: m.Title, Summary: m.Summary, Series: m.Series, Order: m.Order,
			Duration: m.Duration, Formats: list(m.Formats), Tags: list(m.Tags), Audience: list(m.Audience),
			Problems: len(m.Problems),
		}
	}
	broken := make([]apiBroken, len(listing.Broken))
	for i, b := range listing.Broken {
		broken[i] = apiBroken{Slug: b.Slug, Problems: b.Problems}
	}
	return c.JSON(http.StatusOK, map[string]any{"version": listing.Commit, "modules": modules, "broken": broken})
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
	m.Audience, m.Formats, m.Objectives = list(m.Audience), list(m.Formats), list(m.Objectives)
	m.Materials, m.Tags, m.Authors = list(m.Materials), list(m.Tags), list(m.Authors)
	if m.Agenda == nil {
		m.Agenda = []praxis.AgendaItem{}
	}
	handouts := make([]string, len(v.Handouts))
	for i, h := range v.Handouts {
		handouts[i] = h.Name
	}
	problems := v.Problems
	if problems == nil {
		problems = []praxis.Problem{}
	}
	return c.JSON(http.StatusOK, apiModule{
		Module: m, Version: v.Commit.ID, Current: v.Current,
		Markdown: m.Body, HTML: v.HTML, Handouts: handouts, Problems: problems,
	})
}

type apiSeries struct {
	Slug     string           `json:"slug"`
	Title    string           `json:"title"`
	Summary  string           `json:"summary"`
	Modules  []string         `json:"modules"`
	Duration int              `json:"duration"`
	Problems []praxis.Problem `json:"problems"`
}

func toAPISeries(s catalog.SeriesEntry) apiSeries {
	slugs := make([]string, len(s.Modules))
	for i, m := range s.Modules {
		slugs[i] = m.Slug
	}
	problems := s.Problems
	if problems == nil {
		problems = []praxis.Problem{}
	}
	return apiSeries{Slug: s.Slug, Title: s.Title, Summary: s.Summary, Modules: slugs, Duration: s.Minutes, Problems: problems}
}

func (s *Server) apiListSeries(c echo.Context) error {
	listing, err := s.catalog.Listing(c.Request().Context(), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	out := make([]apiSeries, len(listing.Series))
	for i, se := range listing.Series {
		out[i] = toAPISeries(se)
	}
	return c.JSON(http.StatusOK, map[string]any{"version": listing.Commit, "series": out})
}

func (s *Server) apiShowSeries(c echo.Context) error {
	series, listing, err := s.catalog.Series(c.Request().Context(), c.Param("slug"), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	out := toAPISeries(*series)
	return c.JSON(http.StatusOK, map[string]any{"version": listing.Commit, "series": out})
}

func (s *Server) apiNotFound(c echo.Context) error {
	return praxis.Errorf(praxis.ENOTFOUND, "there is no API endpoint %s %s", c.Request().Method, c.Request().URL.Path)
}

// list turns a nil slice into an empty one, so JSON shows [] rather than null.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
