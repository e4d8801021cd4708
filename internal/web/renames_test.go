package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// moveModule renames (or copies) a module on main in one commit.
func (a *testApp) moveModule(from, to string, rename bool) string {
	a.t.Helper()
	snap, err := a.store.Snapshot(context.Background(), "main")
	if err != nil {
		a.t.Fatal(err)
	}
	return a.commit(testenv.CopyModule(a.t, snap, from, to, rename)...)
}

// TestRenamedModuleAddressesRedirect: every page and API address of a module
// whose folder was moved answers 301 to the same address under the new name;
// its history goes back through the old name; versions from before the move
// are found under the old name; and a name taken by a new module is its own.
func TestRenamedModuleAddressesRedirect(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	const old, renamed = "train-the-trainer", "facilitator-training"
	a.moveModule(old, renamed, true)
	for _, path := range []string{
		"/modules/" + old,
		"/modules/" + old + "/history",
		"/modules/" + old + "/handouts/facilitator-checklist.md",
		"/modules/" + old + "/print?paper=letter",
		"/modules/" + old + "/plan.pdf",
		"/modules/" + old + "/plan.md",
		"/modules/" + old + "/bundle.zip",
		"/modules/" + old + "/compare/" + a.first + "...main",
		"/api/v1/modules/" + old,
		"/api/v1/modules/" + old + "/history?limit=5",
		"/api/v1/modules/" + old + "/compare?from=" + a.first + "&to=main",
	} {
		res := a.get(path)
		want := strings.Replace(path, "/modules/"+old, "/modules/"+renamed, 1)
		if res.status != http.StatusMovedPermanently || res.header.Get("Location") != want {
			t.Errorf("GET %s = %d to %q, want 301 to %q", path, res.status, res.header.Get("Location"), want)
			continue
		}
		if to := a.get(want); to.status != http.StatusOK {
			t.Errorf("GET %s (the new address) = %d", want, to.status)
		}
	}
	if res := a.get("/modules/" + renamed); res.status != http.StatusOK || !strings.Contains(res.body, `href="/modules/`+renamed+`/handouts/`) {
		t.Errorf("the renamed module's page = %d, or links elsewhere", res.status)
	}

	// Its history continues into the old folder's, back to the seed.
	var hist struct{ Commits []struct{ Commit string } }
	a.getJSON("/api/v1/modules/"+renamed+"/history", &hist)
	if n := len(hist.Commits); n != 2 || hist.Commits[n-1].Commit != a.first {
		t.Errorf("history of the renamed module = %+v, want the move and the seed", hist.Commits)
	}
	// A version from before the move is the module under its old name.
	res := a.get("/modules/" + renamed + "?rev=" + a.first)
	if want := "/modules/" + old + "?rev=" + a.first; res.status != http.StatusFound || res.header.Get("Location") != want {
		t.Errorf("an old version = %d to %q, want 302 to %q", res.status, res.header.Get("Location"), want)
	} else if page := a.get(want); page.status != http.StatusOK || !strings.Contains(page.body, "This is not the current version") {
		t.Errorf("the old version under its old name = %d", page.status)
	}
	// Comparing across the move compares the folders, not nothing with all.
	var cmp struct {
		Files []struct{ Path, Status string }
	}
	a.getJSON("/api/v1/modules/"+renamed+"/compare?from="+a.first+"&to=main", &cmp)
	if len(cmp.Files) != 0 {
		t.Errorf("compare across a pure rename lists %+v, want no changes", cmp.Files)
	}

	// A new module that takes the old name is served as itself.
	plan := strings.Replace(string(mustRead(t, a, renamed)), "Train the Trainer", "A different workshop", 1)
	a.commit(praxis.FileChange{Path: "modules/" + old + "/module.md", Content: []byte(plan)})
	if res := a.get("/modules/" + old); res.status != http.StatusOK || !strings.Contains(res.body, "A different workshop") {
		t.Errorf("a reused name = %d, want the new module", res.status)
	}
	var api map[string]any
	if res := a.getJSON("/api/v1/modules/"+old, &api); res.status != http.StatusOK || api["slug"] != old {
		t.Errorf("API of a reused name = %d %v", res.status, api["slug"])
	}
	// Deleted, it answers 404: the name no longer points at the moved module.
	a.commit(praxis.FileChange{Path: "modules/" + old + "/module.md", Delete: true})
	if res := a.get("/modules/" + old); res.status != http.StatusNotFound {
		t.Errorf("a reused, then deleted name = %d %q, want 404", res.status, res.header.Get("Location"))
	}
}

// TestRenameAndCopyProposalsInTheBrowser: a facilitator proposes a new
// address for a workshop and a copy of it through the pages; the form shows
// every mistake at once; a maintainer merges both; the catalogue, the series
// and the old address follow.
func TestRenameAndCopyProposalsInTheBrowser(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	const renamed, copied = "stigma-and-shame", "stigma-for-tenants"
	b := a.browser()
	b.logIn("facilitator@example.org")
	mustContain(t, b.do(http.MethodGet, "/modules/"+stigma, nil), `href="/modules/`+stigma+`/move"`)

	bad := b.submit("/modules/"+stigma+"/move", "/modules/"+stigma+"/move", url.Values{"kind": {"rename"}, "move_to": {"Stigma And Shame"}, "title": {""}})
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad move = %d", bad.status)
	}
	mustContain(t, bad, `id="f-move_to-error"`, "lowercase letters, digits and single hyphens", `id="f-title-error"`, "give the proposal a title", `value="Stigma And Shame"`)

	maint := a.browser()
	maint.logIn("maintainer@example.org")
	merge := func(kind, to, title string) {
		t.Helper()
		res := b.submit("/modules/"+stigma+"/move", "/modules/"+stigma+"/move", url.Values{"kind": {kind}, "move_to": {to}, "title": {title}})
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/proposals/") {
			t.Fatalf("propose %s = %d\n%s", kind, res.status, res.body)
		}
		propURL := res.header.Get("Location")
		page := b.do(http.MethodGet, propURL, nil)
		mustContain(t, page, title, "pass every lint rule", "Merges cleanly")
		if kind == "rename" {
			// A move reads as one: no file of the module deleted and added again.
			mustContain(t, page, "moved here from <code>modules/"+stigma+"</code>")
			if strings.Contains(page.body, `<span class="muted">deleted</span>`) {
				t.Error("the proposal of a move lists the module's files as deleted")
			}
		}
		if res := maint.submit(propURL, propURL+"/reviews", url.Values{"verdict": {"approve"}, "body": {"Yes"}}); res.status != http.StatusSeeOther {
			t.Fatalf("review = %d", res.status)
		}
		page = maint.do(http.MethodGet, propURL, nil)
		head := regexp.MustCompile(`name="head" value="([0-9a-f]{40})"`).FindStringSubmatch(page.body)
		if head == nil {
			t.Fatalf("no merge button:\n%s", page.body)
		}
		if res := maint.submit(propURL, propURL+"/merge", url.Values{"head": {head[1]}}); res.status != http.StatusSeeOther {
			t.Fatalf("merge = %d\n%s", res.status, res.body)
		}
	}
	merge("rename", renamed, "A clearer address")
	if res := b.do(http.MethodGet, "/modules/"+stigma, nil); res.status != http.StatusMovedPermanently || res.header.Get("Location") != "/modules/"+renamed {
		t.Errorf("old address = %d %q", res.status, res.header.Get("Location"))
	}
	mustContain(t, b.do(http.MethodGet, "/series/exploring-class", nil), `href="/modules/`+renamed+`"`)
	if res := b.do(http.MethodGet, "/modules/"+stigma+"/move", nil); res.status != http.StatusMovedPermanently {
		t.Errorf("the old address's move form = %d, want 301", res.status)
	}

	res := b.submit("/modules/"+renamed+"/move", "/modules/"+renamed+"/move", url.Values{"kind": {"copy"}, "move_to": {copied}, "title": {"A tenants' version"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("propose a copy = %d\n%s", res.status, res.body)
	}
	propURL := res.header.Get("Location")
	mustContain(t, b.do(http.MethodGet, propURL, nil), "pass every lint rule")
	if res := maint.submit(propURL, propURL+"/reviews", url.Values{"verdict": {"approve"}, "body": {"Yes"}}); res.status != http.StatusSeeOther {
		t.Fatalf("review = %d", res.status)
	}
	page := maint.do(http.MethodGet, propURL, nil)
	head := regexp.MustCompile(`name="head" value="([0-9a-f]{40})"`).FindStringSubmatch(page.body)
	if res := maint.submit(propURL, propURL+"/merge", url.Values{"head": {head[1]}}); res.status != http.StatusSeeOther {
		t.Fatalf("merge the copy = %d\n%s", res.status, res.body)
	}
	list := b.do(http.MethodGet, "/modules", nil)
	if n := strings.Count(list.body, `class="card"`); n != 14 || !strings.Contains(list.body, `href="/modules/`+renamed+`"`) || !strings.Contains(list.body, `href="/modules/`+copied+`"`) {
		t.Errorf("catalogue has %d cards, want 14 with both the renamed module and its copy", n)
	}
	var api struct{ Series string }
	if err := json.Unmarshal([]byte(b.do(http.MethodGet, "/api/v1/modules/"+copied, nil).body), &api); err != nil || api.Series != "" {
		t.Errorf("the copy's series = %q %v, want none", api.Series, err)
	}
}
