package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestHistoryCompareAndReleases(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac, maint := a.tokens["facilitator"], a.tokens["maintainer"]
	_, mod := a.apiCall("GET", "/api/v1/modules/"+stigma, "", nil)
	seedVersion := mod["version"].(string)

	// A release of the seeded curriculum.
	if status, r := a.apiCall("POST", "/api/v1/releases", maint, map[string]string{"name": "v2026.10", "notes": "The starter curriculum."}); status != 201 || r["commit"] != seedVersion {
		t.Fatalf("create release = %d %v", status, r)
	}
	for body, want := range map[string]int{
		`{"name": "v2026.10", "notes": "x"}`:   409,
		`{"name": "2026.11", "notes": "x"}`:    422,
		`{"name": "v2026.13", "notes": "x"}`:   422,
		`{"name": "v2026.11.0", "notes": "x"}`: 422,
		`{"name": "v2026.11", "notes": ""}`:    422,
	} {
		var m map[string]string
		if err := jsonUnmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if status, _ := a.apiCall("POST", "/api/v1/releases", maint, m); status != want {
			t.Errorf("POST release %s = %d, want %d", body, status, want)
		}
	}
	if status, _ := a.apiCall("POST", "/api/v1/releases", fac, map[string]string{"name": "v2026.11", "notes": "x"}); status != 403 {
		t.Errorf("facilitator release = %d, want 403", status)
	}

	// A change through a proposal, merged after the release.
	plan := planSource(t, a, stigma)
	status, p := a.apiCall("POST", "/api/v1/proposals", fac, map[string]any{"module": stigma, "title": "Longer welcome",
		"changes": []map[string]string{{"path": "module.md", "content": strings.Replace(strings.Replace(plan, "{title: \"Welcome and check-in\", minutes: 15}", "{title: \"Welcome and check-in\", minutes: 20}", 1),
			"{title: \"Turning it round\", minutes: 15}", "{title: \"Turning it round\", minutes: 10}", 1) + "\nA new closing line.\n"}}})
	if status != 201 {
		t.Fatalf("proposal = %d %v", status, p)
	}
	pid := int(p["id"].(float64))
	a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", pid), maint, map[string]string{"verdict": "approve"})
	if status, m := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", pid), maint, nil); status != 200 {
		t.Fatalf("merge = %d %v", status, m)
	}

	status, hist := a.apiCall("GET", "/api/v1/modules/"+stigma+"/history?limit=10", "", nil)
	commits, _ := hist["commits"].([]any)
	if status != 200 || len(commits) != 2 {
		t.Fatalf("history = %d %v", status, hist)
	}
	newest := commits[0].(map[string]any)
	for _, k := range []string{"commit", "author", "date", "message", "proposal"} {
		if _, ok := newest[k]; !ok {
			t.Errorf("history entry lacks %q", k)
		}
	}
	if newest["proposal"] != float64(pid) || newest["release"] != "" {
		t.Errorf("newest = %v, want proposal %d and no release", newest, pid)
	}
	if oldest := commits[1].(map[string]any); oldest["commit"] != seedVersion || oldest["release"] != "v2026.10" {
		t.Errorf("oldest = %v, want the seed in v2026.10", oldest)
	}
	if status, page := a.apiCall("GET", "/api/v1/modules/"+stigma+"/history?limit=1", "", nil); status != 200 || page["more"] != true {
		t.Errorf("first page of one = %d %v", status, page)
	}
	// A query parameter that cannot be read is 400 naming it (issue 18; 422 before).
	if status, _ := a.apiCall("GET", "/api/v1/modules/"+stigma+"/history?limit=0", "", nil); status != 400 {
		t.Errorf("limit=0 = %d", status)
	}
	if status, _ := a.apiCall("GET", "/api/v1/modules/"+stigma+"/history?before=nonsense", "", nil); status != 404 {
		t.Errorf("before=nonsense = %d", status)
	}

	status, cmp := a.apiCall("GET", "/api/v1/modules/"+stigma+"/compare?from=v2026.10&to=main", "", nil)
	if status != 200 || cmp["from"] != seedVersion || !strings.Contains(cmp["unified"].(string), "+A new closing line.") {
		t.Fatalf("compare = %d %v", status, cmp)
	}
	changes := map[string]string{}
	for _, item := range cmp["agenda"].([]any) {
		m := item.(map[string]any)
		changes[m["title"].(string)] = m["change"].(string)
	}
	if changes["Welcome and check-in"] != "retimed" || changes["Turning it round"] != "retimed" || changes["Words used about us"] != "unchanged" {
		t.Errorf("agenda changes = %v", changes)
	}
	if status, _ := a.apiCall("GET", "/api/v1/modules/"+stigma+"/compare?from=nope&to=main", "", nil); status != 404 {
		t.Errorf("compare with an unknown version = %d", status)
	}

	// The pages.
	b := a.browser()
	page := b.do(http.MethodGet, "/modules/"+stigma, nil)
	mustContain(t, page, "This text has changed since release v2026.10", "/compare/v2026.10...main", "/modules/"+stigma+"/history")
	hp := b.do(http.MethodGet, "/modules/"+stigma+"/history", nil)
	mustContain(t, hp, "Longer welcome", fmt.Sprintf("proposal #%d", pid), "first in <a href=\"/releases#v2026.10\">v2026.10</a>", "not yet in a release")
	cp := b.do(http.MethodGet, "/modules/"+stigma+"/compare/v2026.10...main", nil)
	mustContain(t, cp, "agenda-retimed", "<ins>A new closing line.</ins>", "<code>&#43;A new closing line.</code>")
	if res := b.do(http.MethodGet, "/modules/"+stigma+"/compare/nonsense", nil); res.status != 404 {
		t.Errorf("compare without a range = %d", res.status)
	}
	old := b.do(http.MethodGet, "/modules/"+stigma+"?rev=v2026.10", nil)
	mustContain(t, old, "This is not the current version", "What changed since this version")
	mustContain(t, b.do(http.MethodGet, "/changes", nil), "Merge proposal", "Seed")

	// Cutting a release in the browser, notes pre-filled from the proposal.
	m := a.browser()
	m.logIn("maintainer@example.org")
	form := m.do(http.MethodGet, "/releases/new", nil)
	mustContain(t, form, "Longer welcome (#", "Changes since v2026.10")
	name := regexp.MustCompile(`id="r-name" name="name" type="text" value="([^"]+)"`).FindStringSubmatch(form.body)[1]
	res := m.submit("/releases/new", "/releases", url.Values{"name": {name}, "notes": {"- Longer welcome"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("cut release = %d\n%s", res.status, res.body)
	}
	rel := b.do(http.MethodGet, "/releases", nil)
	mustContain(t, rel, name, "v2026.10", "Longer welcome", stigma)
	mustContain(t, b.do(http.MethodGet, "/modules/"+stigma, nil), "This text first appeared in release <a href=\"/releases#"+name+"\">"+name+"</a>")
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
