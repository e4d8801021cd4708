package web_test

import (
	"context"
	"encoding/json"
	"net/http"
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
	_ = json.Valid
}
