package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// apiCommit is a commit in a module's history.
type apiCommit struct {
	Commit string `json:"commit"`
	// Author is the git author's name.
	Author string `json:"author"`
	// Date is when the commit was made; Authored when its change was.
	Date     time.Time `json:"date"`
	Authored time.Time `json:"authored"`
	Message  string    `json:"message"`
	// Proposal is the proposal the commit came from, or null.
	Proposal *int64 `json:"proposal"`
	// Release is the first release holding the commit, "" for none yet.
	Release string   `json:"release"`
	Parents []string `json:"parents"`
	// Account is the praxis account responsible for the commit, or null.
	Account *praxis.Attribution `json:"account"`
	// AuthorDiffers is true when the git author is not that account.
	AuthorDiffers bool `json:"author_differs"`
}

// apiHistoryPage is GET /api/v1/modules/{slug}/history: newest first.
type apiHistoryPage struct {
	Commits []apiCommit `json:"commits"`
	// More is true when older commits follow (next is their cursor).
	More bool    `json:"more"`
	Next *string `json:"next"`
}

func (s *Server) apiHistory(c echo.Context) error {
	q := queryOf(c)
	limit := q.number("limit", historyList.Default, 1, historyList.Max)
	before := q.text("before")
	if after := q.cursor(cursorCommit); after != "" {
		if before != "" || q.has("offset") {
			q.fail(badParam("cursor", "cannot be given with before or offset; follow next alone"))
		}
		before = after
	}
	if q.has("offset") {
		q.fail(badParam("offset", "is not taken by a history, which pages by cursor (or before)"))
	}
	if err := q.Err(); err != nil {
		return err
	}
	entries, more, _, err := s.moduleHistory(c, c.Param("slug"), limit, before)
	if err != nil {
		return err
	}
	commits := make([]apiCommit, len(entries))
	for i, e := range entries {
		commits[i] = apiCommit{Commit: e.ID, Author: e.Author.Name, Date: e.Committer.When, Authored: e.Author.When,
			Message: e.Message, Release: e.Release, Parents: nonNil(e.Parents), Account: e.Account,
			AuthorDiffers: e.Account != nil && e.Account.DiffersFrom(e.Author)}
		if e.Proposal != 0 {
			commits[i].Proposal = &e.Proposal
		}
	}
	out := apiHistoryPage{Commits: commits, More: more}
	if more && len(entries) > 0 {
		out.Next = s.linkNext(c, limit, encodeCursor(cursorCommit, entries[len(entries)-1].ID))
	}
	return c.JSON(http.StatusOK, out)
}

// apiComparison is GET /api/v1/modules/{slug}/compare: how a module differs
// between two versions.
type apiComparison struct {
	// From and To are the two versions' commits.
	From string `json:"from"`
	To   string `json:"to"`
	// Diff is every file's unified diff, one after the other, as in
	// proposals; Unified is the same, by its first name.
	Diff    string                `json:"diff"`
	Unified string                `json:"unified"`
	Agenda  []review.AgendaChange `json:"agenda"`
	Files   []apiFileDiff         `json:"files"`
}

func (s *Server) apiCompare(c echo.Context) error {
	q := queryOf(c)
	from, to := q.text("from"), q.text("to")
	for _, p := range []struct{ name, value string }{{"from", from}, {"to", to}} {
		if p.value == "" {
			q.fail(badParam(p.name, "is missing: give from and to, two versions (commits, releases or branches)"))
		}
	}
	if err := q.Err(); err != nil {
		return err
	}
	page, err := s.compare(c, c.Param("slug"), from, to)
	if err != nil {
		return err
	}
	out := apiComparison{From: page.FromCommit, To: page.ToCommit, Agenda: nonNil(page.Agenda)}
	out.Files, out.Diff = apiDiff(page.Files)
	out.Unified = out.Diff
	return c.JSON(http.StatusOK, out)
}

// apiReleaseList is GET /api/v1/releases, newest first.
type apiReleaseList struct {
	Releases []history.Release `json:"releases"`
	Total    int               `json:"total"`
	Next     *string           `json:"next"`
}

func (s *Server) apiReleases(c echo.Context) error {
	q := queryOf(c)
	page := q.page(catalogueList)
	if err := q.Err(); err != nil {
		return err
	}
	releases, err := s.releases.List(c.Request().Context())
	if err != nil {
		return err
	}
	list, more := slice(page, releases)
	out := make([]history.Release, len(list))
	for i, r := range list {
		r.Modules = nonNil(r.Modules)
		out[i] = r
	}
	return c.JSON(http.StatusOK, apiReleaseList{Releases: out, Total: len(releases), Next: s.nextPage(c, page, more)})
}

// releaseBody is the body of POST /api/v1/releases.
type releaseBody struct {
	// Name is vYYYY.MM, or vYYYY.MM.n for a second release in a month.
	Name  string `json:"name"`
	Notes string `json:"notes"`
}

func (s *Server) apiCreateRelease(c echo.Context) error {
	var body releaseBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	r, err := s.releases.CreateRelease(c.Request().Context(), currentUser(c), body.Name, body.Notes)
	if err != nil {
		return err
	}
	r.Modules = nonNil(r.Modules)
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/releases")
	return c.JSON(http.StatusCreated, r)
}
