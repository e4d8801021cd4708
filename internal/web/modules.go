package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// durationChoices are the "up to" lengths the catalogue offers as a filter.
var durationChoices = []int{60, 90, 120, 150, 180, 240}

// cataloguePageSize is how many workshops one catalogue page shows.
const cataloguePageSize = 48

type modulesPage struct {
	Listing   *catalog.Listing
	Modules   []catalog.Entry
	Filter    catalog.Filter
	Filtered  bool
	Current   bool
	Tags      []string
	Formats   []string
	Durations []int
	// Matches is how many modules match the filter; Modules holds one page.
	Matches int
	Pager   pager
}

// filterFrom reads the catalogue's filters from the query string. Values that
// are not numbers are ignored rather than refused: a filter form never fails.
func filterFrom(c echo.Context) catalog.Filter {
	return catalog.Filter{
		Series:      c.QueryParam("series"),
		Tag:         c.QueryParam("tag"),
		Format:      c.QueryParam("format"),
		MinDuration: atoiOr(c.QueryParam("min_duration"), 0),
		MaxDuration: atoiOr(c.QueryParam("max_duration"), 0),
	}
}

// atoiOr reads a non-negative whole number, or returns def.
// maxPage bounds page numbers, so that an offset worked out from one (page
// × page size) never overflows.
const maxPage = 1_000_000

// pageNumber reads ?page=: 1 when absent, malformed or below 1, and at most
// maxPage.
func pageNumber(c echo.Context) int {
	return min(max(1, atoiOr(c.QueryParam("page"), 1)), maxPage)
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return def
	}
	return n
}

func (s *Server) listModules(c echo.Context) error {
	ctx := c.Request().Context()
	rev := c.QueryParam("rev")
	listing, err := s.catalog.Listing(ctx, rev)
	if err != nil {
		return err
	}
	filter := filterFrom(c)
	matches := listing.Filter(filter)
	page := modulesPage{
		Listing:   listing,
		Matches:   len(matches),
		Filter:    filter,
		Filtered:  filter != catalog.Filter{},
		Current:   rev == "",
		Tags:      listing.Tags(),
		Formats:   praxis.Formats,
		Durations: durationChoices,
		Pager:     newPager(c, cataloguePageSize, "Pages of workshops"),
	}
	page.Pager.clamp(len(matches))
	page.Modules = matches[page.Pager.Offset():min(len(matches), page.Pager.Offset()+page.Pager.Size)]
	return s.render(c, http.StatusOK, "modules", view{Title: "Workshops", Section: "modules", Data: page})
}

type modulePage struct {
	*catalog.ModuleView
	Agenda   []agendaRow
	Contents []module.Heading
	// OpenProposals are proposals under review that change this module.
	OpenProposals []*praxis.Proposal
	// MyFork is the signed-in person's own copy of the module, if any.
	MyFork *praxis.Fork
	CSRF   formToken
	// FirstRelease is the release the module's current text first appeared
	// in; LatestRelease the newest release ("" when there is none).
	FirstRelease, LatestRelease string
	// Reflections are recent reflections of facilitators who delivered the
	// module, for members of the network; SignedIn says whether to offer
	// logging a delivery.
	Reflections []*praxis.Delivery
	SignedIn    bool
	// CloneURL is the curriculum's git address; UserID fills the push
	// command for the person signed in.
	CloneURL string
	UserID   int64
}

type agendaRow struct {
	Title   string
	Minutes int
	Start   int // minutes from the start of the workshop
	Anchor  string
}

// anonPageTTL bounds how stale a cached anonymous module page may be: the
// open proposals and releases on it can change without main moving.
const anonPageTTL = 5 * time.Second

// cachedPage is a module page as anonymous visitors see it.
type cachedPage struct {
	html []byte
	at   time.Time
}

func (s *Server) showModule(c echo.Context) error {
	ctx := c.Request().Context()
	// Anonymous visitors all see the same page for a module at a commit of
	// main: serve it from memory, skipping the queries and the templates.
	var cacheKey string
	if currentUser(c) == nil {
		if _, err := c.Cookie(s.cookieName(c, flashCookie)); err != nil {
			if main, err := s.catalog.Main(ctx); err == nil {
				cacheKey = strings.Join([]string{c.Param("slug"), c.QueryParam("rev"), main}, "\x00")
				if p, ok := s.anonPages.Get(cacheKey); ok && time.Since(p.at) < anonPageTTL {
					return c.HTMLBlob(http.StatusOK, p.html)
				}
			}
		}
	}
	v, err := s.catalog.Module(ctx, c.Param("slug"), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	page := s.modulePageOf(v)
	page.CSRF = s.formToken(c)
	if page.OpenProposals, _, err = s.review.Proposals(ctx, praxis.ProposalFilter{Status: praxis.ProposalOpen, Module: v.Module.Slug, Limit: 20}); err != nil {
		return err
	}
	page.CloneURL = s.absoluteURL("/curriculum.git")
	if u := currentUser(c); u != nil {
		page.SignedIn, page.UserID = true, u.ID
		if fork, err := s.review.ForkOf(ctx, u.ID, v.Module.Slug); err == nil {
			page.MyFork = fork
		}
		if access.Can(u, access.ReadReflections) && v.Parsed {
			if page.Reflections, err = s.deliveries.Reflections(ctx, u, v.Module.Slug, 5, 0); err != nil {
				return err
			}
		}
	}
	if err := s.releaseInfo(c, &page); err != nil {
		return err
	}
	title := v.Module.Title
	if !v.Parsed {
		title = v.Module.Slug
	}
	html, err := s.renderBytes(c, "module", view{Title: title, Section: "modules", Data: page,
		Watch: s.watchFor(c, "module:"+v.Module.Slug, "this module"),
		Feeds: []feedLink{{Title: "History of " + title, URL: "/modules/" + v.Module.Slug + "/history.atom"}}})
	if err != nil {
		return err
	}
	if cacheKey != "" {
		s.anonPages.Add(cacheKey, cachedPage{html: html, at: time.Now()})
	}
	return c.HTMLBlob(http.StatusOK, html)
}

type handoutPage struct {
	Slug        string
	ModuleTitle string
	Rev         string
	File        *catalog.File
}

// showHandout shows a Markdown handout as a page, or serves any other file (an
// image, a PDF) as it is. ?raw=1 serves Markdown as text.
func (s *Server) showHandout(c echo.Context) error {
	ctx := c.Request().Context()
	slug, rev := c.Param("slug"), c.QueryParam("rev")
	name := c.Param("*")
	if c.Request().URL.RawPath != "" {
		// Echo routes on the escaped path when it differs from the usual
		// escaping (a name with ";" asked for as %3B): the name is escaped.
		unescaped, err := url.PathUnescape(name)
		if err != nil {
			return praxis.Errorf(praxis.ENOTFOUND, "there is no handout %q", name)
		}
		name = unescaped
	}
	if !catalog.IsMarkdown(name) || c.QueryParam("raw") != "" {
		return s.sendHandout(c, slug, name, rev)
	}
	f, err := s.catalog.Handout(ctx, slug, name, rev)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", `"`+f.ID+`"`)
	title := slug
	if listing, err := s.catalog.Listing(ctx, f.Commit); err == nil {
		if m, ok := listing.Module(slug); ok {
			title = m.Title
		}
	}
	page := handoutPage{Slug: slug, ModuleTitle: title, Rev: rev, File: f}
	return s.render(c, http.StatusOK, "handout", view{Title: title, Section: "modules", Data: page})
}

// sendHandout serves a handout as it is stored, streamed from the repository
// so that a large image or PDF is never held in memory whole.
func (s *Server) sendHandout(c echo.Context, slug, name, rev string) error {
	f, file, err := s.catalog.OpenHandout(c.Request().Context(), slug, name, rev)
	if err != nil {
		return err
	}
	defer file.Close()
	h := c.Response().Header()
	etag := `"` + f.ID + `"`
	h.Set("ETag", etag)
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	// A handout is content from contributors: never let a browser run it
	// on praxis's origin (handoutType), and sandbox whatever it shows.
	ctype, disposition := handoutType(f.Name)
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	h.Set(echo.HeaderContentDisposition, contentDisposition(disposition, f.Name))
	return c.Stream(http.StatusOK, ctype, file)
}

// releaseInfo says which release a module's text at the shown version first
// appeared in, and which is the latest release.
func (s *Server) releaseInfo(c echo.Context, page *modulePage) error {
	ctx := c.Request().Context()
	releases, err := s.releases.List(ctx)
	if err != nil || len(releases) == 0 {
		return err
	}
	page.LatestRelease = releases[0].Name
	latest, _, err := s.history.ModuleHistory(ctx, page.Module.Slug, page.Commit.ID, 1, "")
	if err != nil {
		switch praxis.ErrorCode(err) {
		case praxis.ENOTFOUND:
			return nil // a version outside main's history (a fork)
		case praxis.EUNAVAILABLE:
			return nil // the index is catching up: show the page without it
		}
		return err
	}
	if len(latest) == 1 {
		page.FirstRelease, err = s.releases.FirstRelease(ctx, latest[0].ID)
	}
	return err
}
