package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAnonymousModulePagesFollowWrites checks the cache of anonymous module
// pages: a signed-in visitor never gets the anonymous page, and a write (a
// proposal opened) shows at once.
func TestAnonymousModulePagesFollowWrites(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	anon := a.browser()
	first := anon.do(http.MethodGet, "/modules/"+stigmaSlug, nil)
	if first.status != http.StatusOK || strings.Contains(first.body, "Proposal from the cache test") {
		t.Fatalf("first view = %d", first.status)
	}
	if strings.Contains(first.body, `name="csrf"`) {
		t.Error("the anonymous module page holds a CSRF token, so it cannot be shared")
	}
	plan := planSource(t, a, stigmaSlug)
	status, _ := a.apiCall(http.MethodPost, "/api/v1/proposals", a.tokens["facilitator"], map[string]any{
		"module": stigmaSlug, "title": "Proposal from the cache test",
		"changes": []map[string]string{{"path": "module.md", "content": strings.Replace(plan, "## ", "New line.\n\n## ", 1)}}})
	if status != http.StatusCreated {
		t.Fatalf("proposal = %d", status)
	}
	if again := anon.do(http.MethodGet, "/modules/"+stigmaSlug, nil); !strings.Contains(again.body, "Proposal from the cache test") {
		t.Error("an anonymous visitor still sees the page from before the proposal")
	}
	member := a.browser()
	member.logIn("facilitator@example.org")
	mustContain(t, member.do(http.MethodGet, "/modules/"+stigmaSlug, nil), "Facilitator Person", `action="/modules/`+stigmaSlug+`/fork"`)
}

// TestSourceDiffRowsHoldNoStrayWhitespace: the source diff's cells keep
// white space, so the template must not add any (each row one line high).
func TestSourceDiffRowsHoldNoStrayWhitespace(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	plan := planSource(t, a, stigmaSlug)
	status, p := a.apiCall(http.MethodPost, "/api/v1/proposals", a.tokens["facilitator"], map[string]any{
		"module": stigmaSlug, "title": "A line",
		"changes": []map[string]string{{"path": "module.md", "content": strings.Replace(plan, "## ", "A line.\n\n## ", 1)}}})
	if status != http.StatusCreated {
		t.Fatalf("proposal = %d", status)
	}
	page := a.browser().do(http.MethodGet, "/proposals/"+itoa(int(p["id"].(float64))), nil)
	if !strings.Contains(page.body, "</code></td></tr>") || strings.Contains(page.body, "</code>\n") {
		t.Error("white space between a diff line's code and the end of its cell")
	}
}
