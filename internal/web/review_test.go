package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// apiCall sends a JSON request with a bearer token and decodes the answer.
func (a *accountApp) apiCall(method, path, token string, body any) (int, map[string]any) {
	a.t.Helper()
	var reader io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		reader = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, a.server.URL+path, reader)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func keys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q: %v", what, k, m)
		}
	}
}

func TestForkAndProposalAPI(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac, maint := a.tokens["facilitator"], a.tokens["maintainer"]

	status, fork := a.apiCall("POST", "/api/v1/modules/"+stigma+"/forks", fac, nil)
	if status != 201 {
		t.Fatalf("create fork = %d %v", status, fork)
	}
	keys(t, "fork", fork, "id", "module", "branch", "head")
	id := int(fork["id"].(float64))
	head := fork["head"].(string)
	if status, again := a.apiCall("POST", "/api/v1/modules/"+stigma+"/forks", fac, nil); status != 409 || again["error"] == nil {
		t.Errorf("second fork = %d %v", status, again)
	}
	status, got := a.apiCall("GET", fmt.Sprintf("/api/v1/forks/%d", id), "", nil)
	if status != 200 || got["ahead"].(float64) != 0 || got["behind"].(float64) != 0 {
		t.Fatalf("GET fork = %d %v", status, got)
	}
	keys(t, "fork", got, "id", "module", "branch", "head", "ahead", "behind")

	plan := planSource(t, a, stigma)
	put := func(base, content string) (int, map[string]any) {
		return a.apiCall("PUT", fmt.Sprintf("/api/v1/forks/%d/files/module.md", id), fac, map[string]string{"content": content, "base": base, "message": "Adapt"})
	}
	status, saved := put(head, plan+"\nAdapted for a tenants' union.\n")
	if status != 200 || saved["head"] == head {
		t.Fatalf("PUT file = %d %v", status, saved)
	}
	if status, stale := put(head, plan+"\nA stale edit.\n"); status != 409 || stale["head"] != saved["head"] {
		t.Errorf("stale PUT = %d %v, want 409 naming the newer head", status, stale)
	}
	if status, bad := put(saved["head"].(string), strings.Replace(plan, "duration:", "duration: 1\nduraton:", 1)); status != 422 || bad["problems"] == nil {
		t.Errorf("invalid PUT = %d %v, want 422 with problems", status, bad)
	}
	for _, p := range []string{"../x.md", "handouts/../../../README.md", "%2e%2e/x"} {
		if status, _ := a.apiCall("PUT", fmt.Sprintf("/api/v1/forks/%d/files/%s", id, p), fac, map[string]string{"content": "x", "base": saved["head"].(string)}); status != 422 && status != 404 {
			t.Errorf("PUT %s = %d, want refused", p, status)
		}
	}
	if status, _ := a.apiCall("PUT", fmt.Sprintf("/api/v1/forks/%d/files/module.md", id), a.tokens["target"], map[string]string{"content": plan, "base": saved["head"].(string)}); status != 403 {
		t.Errorf("someone else's PUT = %d, want 403", status)
	}

	status, prop := a.apiCall("POST", "/api/v1/proposals", fac, map[string]any{"fork_id": id, "title": "Tenants' union adaptation", "description": "Tried in Leeds."})
	if status != 201 || prop["status"] != "open" {
		t.Fatalf("create proposal = %d %v", status, prop)
	}
	keys(t, "proposal", prop, "id", "status", "head", "base")
	pid := int(prop["id"].(float64))
	status, view := a.apiCall("GET", fmt.Sprintf("/api/v1/proposals/%d", pid), "", nil)
	if status != 200 || !strings.Contains(view["diff"].(string), "+Adapted for a tenants' union.") || view["mergeable"] != true {
		t.Fatalf("GET proposal = %d %v", status, view)
	}
	keys(t, "proposal", view, "id", "title", "status", "author", "modules", "base", "head", "mergeable", "conflicts", "lint", "diff")
	status, list := a.apiCall("GET", "/api/v1/proposals?status=open", "", nil)
	if status != 200 || list["total"].(float64) != 1 {
		t.Errorf("list = %d %v", status, list)
	}
	if status, _ := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/comments", pid), fac, map[string]any{"body": "See line 3", "path": "modules/" + stigma + "/module.md", "line": 3}); status != 201 {
		t.Errorf("comment = %d", status)
	}
	if status, _ := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", pid), fac, map[string]any{"verdict": "approve"}); status != 403 {
		t.Errorf("facilitator review = %d, want 403", status)
	}
	if status, _ := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", pid), maint, nil); status != 422 {
		t.Errorf("merge before approval = %d, want 422", status)
	}
	if status, r := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", pid), maint, map[string]any{"verdict": "approve", "body": "Good"}); status != 201 || r["verdict"] != "approve" {
		t.Errorf("review = %d %v", status, r)
	}
	if status, _ := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", pid), fac, nil); status != 403 {
		t.Errorf("facilitator merge = %d, want 403", status)
	}
	status, merged := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", pid), maint, map[string]string{"head": view["head"].(string)})
	if status != 200 || merged["status"] != "merged" || len(merged["commit"].(string)) != 40 {
		t.Fatalf("merge = %d %v", status, merged)
	}
	if status, again := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", pid), maint, nil); status != 409 {
		t.Errorf("second merge = %d %v", status, again)
	}
	res, _ := http.Get(a.server.URL + "/modules/" + stigma)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "Adapted for a tenants") {
		t.Error("the merged change does not show on the module page at once")
	}
	for path, want := range map[string]int{"/api/v1/forks/9999": 404, "/api/v1/proposals/9999": 404, "/api/v1/forks/abc": 404} {
		if status, _ := a.apiCall("GET", path, "", nil); status != want {
			t.Errorf("GET %s = %d, want %d", path, status, want)
		}
	}
}

func TestProposalFromChangesAndConflictAPI(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac, target, maint := a.tokens["facilitator"], a.tokens["target"], a.tokens["maintainer"]
	plan := planSource(t, a, stigma)
	_, mod := a.apiCall("GET", "/api/v1/modules/"+stigma, "", nil)
	base := mod["version"].(string)
	open := func(token, heading string) int {
		status, p := a.apiCall("POST", "/api/v1/proposals", token, map[string]any{
			"module": stigma, "title": "Rename heading", "base": base,
			"changes": []map[string]string{{"path": "module.md", "content": strings.Replace(plan, "## About this workshop", "## "+heading, 1)}},
		})
		if status != 201 {
			t.Fatalf("create = %d %v", status, p)
		}
		return int(p["id"].(float64))
	}
	first, second := open(fac, "About this session"), open(target, "About today")
	for _, id := range []int{first, second} {
		a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", id), maint, map[string]any{"verdict": "approve"})
	}
	if status, m := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", first), maint, nil); status != 200 {
		t.Fatalf("first merge = %d %v", status, m)
	}
	status, refused := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", second), maint, nil)
	conflicts, _ := refused["conflicts"].([]any)
	if status != 409 || len(conflicts) != 1 {
		t.Fatalf("conflicting merge = %d %v", status, refused)
	}
	c := conflicts[0].(map[string]any)
	if c["path"] != "modules/"+stigma+"/module.md" || len(c["lines"].([]any)) == 0 {
		t.Errorf("conflict = %v", c)
	}
	if status, up := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/update", second), target, nil); status != 409 || len(up["conflicts"].([]any)) != 1 {
		t.Errorf("update with conflicts = %d %v", status, up)
	}
	for _, body := range []map[string]any{
		{"module": stigma, "title": "Nothing"},
		{"module": "no-such-module", "title": "x", "changes": []map[string]string{{"path": "module.md", "content": "x"}}},
		{"title": "x"},
		{"module": stigma, "title": "x", "changes": []map[string]string{{"path": "../../README.md", "content": "x"}}},
	} {
		if status, _ := a.apiCall("POST", "/api/v1/proposals", fac, body); status < 400 || status >= 500 {
			t.Errorf("bad proposal %v = %d", body, status)
		}
	}
	if status, closed := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/close", second), target, nil); status != 200 || closed["status"] != "closed" {
		t.Errorf("close = %d %v", status, closed)
	}
	if status, reopened := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reopen", second), fac, nil); status != 403 {
		t.Errorf("reopen by someone else = %d %v", status, reopened)
	}
}

// planSource reads a module's module.md as stored, front matter included, from
// the editor of the "Suggest an edit" page.
func planSource(t *testing.T, a *accountApp, slug string) string {
	t.Helper()
	b := a.browser()
	b.logIn("admin@example.org")
	page := b.do(http.MethodGet, "/modules/"+slug+"/suggest", nil)
	src := regexp.MustCompile(`(?s)<textarea id="f-content"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page.body)
	if src == nil {
		t.Fatalf("suggest page (%d) has no editor", page.status)
	}
	return htmlUnescape(strings.TrimPrefix(src[1], "\n")) // a browser drops the line break after <textarea>
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
}

func TestForkAndProposalPages(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	b := a.browser()
	b.logIn("facilitator@example.org")
	res := b.submit("/modules/"+stigma, "/modules/"+stigma+"/fork", url.Values{})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/forks/") {
		t.Fatalf("adapt = %d %s", res.status, res.header.Get("Location"))
	}
	forkURL := res.header.Get("Location")
	page := b.do(http.MethodGet, forkURL, nil)
	mustContain(t, page, "Your adapted copy", "No changes yet", "Edit the plan", "Class, stigma and shame")
	if again := b.submit("/modules/"+stigma, "/modules/"+stigma+"/fork", url.Values{}); again.header.Get("Location") != forkURL {
		t.Errorf("adapting twice goes to %s, want the same copy", again.header.Get("Location"))
	}
	mustContain(t, b.do(http.MethodGet, "/modules/"+stigma, nil), "Your adapted copy")

	editor := b.do(http.MethodGet, forkURL+"/edit", nil)
	mustContain(t, editor, `id="f-content"`, "Preview", `hx-post="/preview"`, "htmx-2.0.11.min.js")
	content := htmlUnescape(strings.TrimPrefix(regexp.MustCompile(`(?s)<textarea id="f-content"[^>]*>(.*?)</textarea>`).FindStringSubmatch(editor.body)[1], "\n"))
	base := regexp.MustCompile(`name="base" value="([0-9a-f]{40})"`).FindStringSubmatch(editor.body)[1]
	// An invalid save keeps the draft and lists the problems.
	broken := strings.Replace(content, "duration:", "duration: 1\nduraton:", 1) + "\nMy draft words.\n"
	res = b.submit(forkURL+"/edit", forkURL+"/edit", url.Values{"file": {"module.md"}, "base": {base}, "content": {broken}, "message": {"x"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid save = %d", res.status)
	}
	mustContain(t, res, "Not saved", "My draft words.", `unknown field &#34;duraton&#34;`)
	good := content + "\nAdapted for our branch.\n"
	res = b.submit(forkURL+"/edit", forkURL+"/edit", url.Values{"file": {"module.md"}, "base": {base}, "content": {good}, "message": {"Adapt"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("save = %d\n%s", res.status, res.body)
	}
	mustContain(t, b.do(http.MethodGet, forkURL, nil), "Adapted for our branch.", "1 change of its own", "Propose these changes")
	// Saving again from the old base shows both versions.
	res = b.submit(forkURL+"/edit", forkURL+"/edit", url.Values{"file": {"module.md"}, "base": {base}, "content": {content + "\nA second tab's words.\n"}})
	if res.status != http.StatusConflict {
		t.Fatalf("stale save = %d", res.status)
	}
	mustContain(t, res, "Someone saved a newer version first", "A second tab&#39;s words.", "Adapted for our branch.")
	// The live preview renders a draft.
	prev := b.submit(forkURL+"/edit", "/preview", url.Values{"slug": {stigma}, "file": {"module.md"}, "content": {"---\ntitle: x\n---\n## Hello *there*\n<script>alert(1)</script>"}})
	if prev.status != 200 || !strings.Contains(prev.body, "<em>there</em>") || strings.Contains(prev.body, "<script>") {
		t.Errorf("preview = %d %q", prev.status, prev.body)
	}

	res = b.submit(forkURL+"/propose", forkURL+"/propose", url.Values{"title": {"Adaptation for our branch"}, "description": {"We ran it twice."}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("propose = %d\n%s", res.status, res.body)
	}
	propURL := res.header.Get("Location")
	prop := b.do(http.MethodGet, propURL, nil)
	mustContain(t, prop, "Proposed by <a href=\"/people/", "Facilitator Person</a>", "Adaptation for our branch", "We ran it twice.", "<ins>", "Adapted for our branch.", "Waiting for a maintainer", "Merges cleanly")

	maint := a.browser()
	maint.logIn("maintainer@example.org")
	res = maint.submit(propURL, propURL+"/reviews", url.Values{"verdict": {"approve"}, "body": {"Lovely"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("review = %d\n%s", res.status, res.body)
	}
	page = maint.do(http.MethodGet, propURL, nil)
	mustContain(t, page, "Merge into the curriculum", "Approved by a maintainer")
	res = maint.submit(propURL, propURL+"/merge", url.Values{"head": {regexp.MustCompile(`name="head" value="([0-9a-f]{40})"`).FindStringSubmatch(page.body)[1]}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("merge = %d\n%s", res.status, res.body)
	}
	mustContain(t, maint.do(http.MethodGet, propURL, nil), "Merged")
	mustContain(t, maint.do(http.MethodGet, "/modules/"+stigma, nil), "Adapted for our branch.")
	mustContain(t, maint.do(http.MethodGet, "/", nil), "Adaptation for our branch")
	list := a.browser().do(http.MethodGet, "/proposals?status=merged", nil)
	mustContain(t, list, "Adaptation for our branch")
}
