package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// historyPageSize is how many commits a history page lists.
const historyPageSize = 25

type historyEntry struct {
	history.Entry
	Release string
	Parent  string
}

type historyPage struct {
	Slug    string
	Title   string
	Exists  bool
	Entries []historyEntry
	Main    string
	NextURL string
}

// moduleHistory reads a page of a module's history with each commit's release.
func (s *Server) moduleHistory(c echo.Context, slug string, limit int, before string) ([]historyEntry, bool, string, error) {
	ctx := c.Request().Context()
	if !module.ValidSlug(slug) {
		return nil, false, "", praxis.Errorf(praxis.ENOTFOUND, "there is no module %q", slug)
	}
	main, err := s.catalog.Main(ctx)
	if err != nil {
		return nil, false, "", err
	}
	if before != "" {
		if before, err = s.catalog.Resolve(ctx, before); err != nil {
			return nil, false, "", err
		}
	}
	entries, more, err := s.history.ModuleHistory(ctx, slug, main, limit, before)
	if err != nil {
		return nil, false, "", err
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	releases, err := s.releases.ReleaseMap(ctx, ids)
	if err != nil {
		return nil, false, "", err
	}
	out := make([]historyEntry, len(entries))
	for i, e := range entries {
		out[i] = historyEntry{Entry: e, Release: releases[e.ID]}
		if len(e.Parents) > 0 {
			out[i].Parent = e.Parents[0]
		}
	}
	return out, more, main, nil
}

func (s *Server) showHistory(c echo.Context) error {
	slug := c.Param("slug")
	entries, more, main, err := s.moduleHistory(c, slug, historyPageSize, c.QueryParam("before"))
	if err != nil {
		return err
	}
	page := historyPage{Slug: slug, Title: slug, Entries: entries, Main: main}
	if v, err := s.catalog.Module(c.Request().Context(), slug, ""); err == nil {
		page.Exists = true
		if v.Parsed {
			page.Title = v.Module.Title
		}
	} else if len(entries) == 0 && c.QueryParam("before") == "" {
		return err
	}
	if more {
		page.NextURL = "/modules/" + slug + "/history?before=" + entries[len(entries)-1].ID
	}
	return s.render(c, http.StatusOK, "history", view{Title: "History of " + page.Title, Section: "modules", Data: page,
		Feeds: []feedLink{{Title: "History of " + page.Title, URL: "/modules/" + slug + "/history.atom"}}})
}

type comparePage struct {
	*review.Comparison
	From, To     string
	FromCommit   string
	ToCommit     string
	TotalMinutes [2]int
}

// parseRange reads "from...to" (or "from..to").
func parseRange(r string) (string, string, bool) {
	if from, to, ok := strings.Cut(r, "..."); ok && from != "" && to != "" {
		return from, to, true
	}
	if from, to, ok := strings.Cut(r, ".."); ok && from != "" && to != "" && !strings.HasPrefix(to, ".") {
		return from, to, true
	}
	return "", "", false
}

func (s *Server) compare(c echo.Context, slug, from, to string) (*comparePage, error) {
	cmp, err := s.review.CompareModule(c.Request().Context(), slug, from, to)
	if err != nil {
		return nil, err
	}
	page := &comparePage{Comparison: cmp, From: from, To: to}
	if cmp.From != nil {
		page.FromCommit, page.TotalMinutes[0] = cmp.From.Commit.ID, cmp.From.Module.Duration
	}
	if cmp.To != nil {
		page.ToCommit, page.TotalMinutes[1] = cmp.To.Commit.ID, cmp.To.Module.Duration
	}
	return page, nil
}

func (s *Server) showCompare(c echo.Context) error {
	from, to, ok := parseRange(c.Param("*"))
	if !ok {
		return praxis.Errorf(praxis.ENOTFOUND, "compare two versions as /modules/%s/compare/FROM...TO", c.Param("slug"))
	}
	page, err := s.compare(c, c.Param("slug"), from, to)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "compare", view{Title: "Changes to " + c.Param("slug"), Section: "modules", Data: page})
}

type changesPage struct {
	Changes []praxis.CommitSummary
	Pager   pager
}

func (s *Server) showChanges(c echo.Context) error {
	pages := newPager(c, 40, "Pages of changes")
	changes, err := s.history.Changes(c.Request().Context(), pages.Size+1, pages.Offset())
	if err != nil {
		return err
	}
	pages.more(len(changes) > pages.Size)
	data := changesPage{Changes: changes[:min(len(changes), pages.Size)], Pager: pages}
	return s.render(c, http.StatusOK, "changes", view{Title: "Changes to the curriculum", Section: "modules", Data: data,
		Watch: s.watchFor(c, praxis.WatchCurriculum, "the whole curriculum"),
		Feeds: []feedLink{{Title: "Changes to the curriculum", URL: "/changes.atom"}}})
}

type releasesPage struct {
	Releases []history.Release
	CanCut   bool
}

func (s *Server) showReleases(c echo.Context) error {
	releases, err := s.releases.List(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "releases", view{Title: "Releases", Section: "releases",
		Data:  releasesPage{Releases: releases, CanCut: access.Can(currentUser(c), access.CutRelease)},
		Feeds: []feedLink{{Title: "Releases of the curriculum", URL: "/releases.atom"}}})
}

type newReleasePage struct {
	Draft *history.Draft
	Name  string
	Notes string
	Error string
}

func (s *Server) newReleaseForm(c echo.Context) error {
	draft, err := s.releases.DraftRelease(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "release-new", view{Title: "Cut a release", Section: "releases",
		Data: newReleasePage{Draft: draft, Name: draft.Name, Notes: draft.Notes}})
}

func (s *Server) createRelease(c echo.Context) error {
	name, notes := c.FormValue("name"), c.FormValue("notes")
	_, err := s.releases.CreateRelease(c.Request().Context(), currentUser(c), name, notes)
	if err == nil {
		s.setFlash(c, "Release "+name+" is cut. Organisations can now point to it.")
		return c.Redirect(http.StatusSeeOther, "/releases")
	}
	status, msg, err := pageFailure(err)
	if err != nil {
		return err
	}
	draft, derr := s.releases.DraftRelease(c.Request().Context())
	if derr != nil {
		return derr
	}
	return s.render(c, status, "release-new", view{Title: "Cut a release", Section: "releases",
		Data: newReleasePage{Draft: draft, Name: name, Notes: notes, Error: msg}})
}
