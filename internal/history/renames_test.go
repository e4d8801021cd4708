package history_test

import (
	"context"
	"database/sql"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// renameHistory builds a curriculum in which alpha is edited, renamed beta on
// main, edited, renamed gamma on a branch that is merged, and then a new,
// different module takes the name alpha. Modules hold only module.md, so git
// log --follow on the plan is the reference for the folder's history.
func renameHistory(t *testing.T, r *repo) (afterFirstEdit, beforeReuse string) {
	t.Helper()
	plan := "line one\nline two\nline three\nline four\nline five\nline six\n"
	r.commit("main", praxis.FileChange{Path: "modules/alpha/module.md", Content: []byte(plan)},
		praxis.FileChange{Path: "modules/other/module.md", Content: []byte("unrelated\n")})
	afterFirstEdit = r.commit("main", praxis.FileChange{Path: "modules/alpha/module.md", Content: []byte(plan + "line seven\n")})
	plan += "line seven\n"
	r.commit("main", praxis.FileChange{Path: "modules/alpha/module.md", Delete: true},
		praxis.FileChange{Path: "modules/beta/module.md", Content: []byte(plan)})
	r.commit("main", praxis.FileChange{Path: "modules/other/module.md", Content: []byte("unrelated, edited\n")})
	plan = strings.Replace(plan, "line two", "line 2", 1)
	r.commit("main", praxis.FileChange{Path: "modules/beta/module.md", Content: []byte(plan)})
	r.commit("proposals/1/move", praxis.FileChange{Path: "modules/beta/module.md", Delete: true},
		praxis.FileChange{Path: "modules/gamma/module.md", Content: []byte(plan + "line eight\n")})
	r.commit("main", praxis.FileChange{Path: "modules/other/module.md", Content: []byte("unrelated, edited again\n")})
	r.merge("proposals/1/move")
	beforeReuse, _ = r.store.Branch(context.Background(), "main")
	r.commit("main", praxis.FileChange{Path: "modules/gamma/module.md", Content: []byte(plan + "line eight\nline nine\n")})
	return afterFirstEdit, beforeReuse
}

// TestHistoryFollowsRenames: a module's history continues through the
// folders it was moved from, as `git log --follow` shows its plan's.
func TestHistoryFollowsRenames(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	r := newRepo(t, 7)
	renameHistory(t, r)
	main, _ := r.store.Branch(ctx, "main")
	dir := filepath.Join(r.dir, "c.git")
	out, err := exec.Command("git", "-C", dir, "log", "--follow", "--format=%H", "main", "--", "modules/gamma/module.md").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields(string(out))
	entries, _, err := r.index.ModuleHistory(ctx, "gamma", main, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.ID)
	}
	if len(want) < 6 || !slices.Equal(got, want) {
		t.Fatalf("history of gamma = %v, git log --follow = %v", short(got), short(want))
	}
	names, err := r.index.FormerNames(ctx, "gamma", main)
	if err != nil || !slices.Equal(names, []string{"beta", "alpha"}) {
		t.Errorf("FormerNames = %v %v, want [beta alpha]", names, err)
	}
}

// TestRenamesOnMain: where an old name points now, which records made under
// an old name belong to a module, and that a name taken by a new module stops
// pointing anywhere.
func TestRenamesOnMain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRepo(t, 8)
	afterFirstEdit, beforeReuse := renameHistory(t, r)
	renames, err := r.index.Renames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for slug, want := range map[string]string{"alpha": "gamma", "beta": "gamma", "gamma": "", "other": "", "nothing": ""} {
		got, moved := renames.MovedTo(slug)
		if (want != "") != moved || (moved && got != want) {
			t.Errorf("MovedTo(%s) = %q %v, want %q", slug, got, moved, want)
		}
	}
	aliases := renames.Aliases("gamma")
	if len(aliases) != 2 || aliases[0].Slug != "beta" || aliases[1].Slug != "alpha" || aliases[0].Before <= aliases[1].Before {
		t.Errorf("Aliases(gamma) = %+v, want beta then alpha, newest first", aliases)
	}
	early, _ := r.index.Seq(ctx, afterFirstEdit)
	late, _ := r.index.Seq(ctx, beforeReuse)
	if got := renames.Current("alpha", early); got != "gamma" {
		t.Errorf("Current(alpha at an early version) = %s, want gamma", got)
	}
	if got := renames.Current("alpha", late); got != "alpha" {
		t.Errorf("Current(alpha after it moved) = %s, want alpha: a new module of that name", got)
	}
	key := renames.Key()

	// A new module takes the name alpha: the old address stops redirecting,
	// and still does not once the new module goes too.
	r.commit("main", praxis.FileChange{Path: "modules/alpha/module.md", Content: []byte("something else entirely\n")})
	r.commit("main", praxis.FileChange{Path: "modules/alpha/module.md", Delete: true})
	renames, _ = r.index.Renames(ctx)
	if got, moved := renames.MovedTo("alpha"); moved {
		t.Errorf("MovedTo(alpha) after it was reused = %q, want no redirect", got)
	}
	if got, moved := renames.MovedTo("beta"); !moved || got != "gamma" {
		t.Errorf("MovedTo(beta) = %q %v, want gamma", got, moved)
	}
	if renames.Key() != key {
		t.Error("the key changed though no module moved")
	}
}

// TestRenamesOfAnOlderIndexAreFoundOnce: a database indexed by a praxis that
// did not record renames is scanned for them once, and histories follow.
func TestRenamesOfAnOlderIndexAreFoundOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRepo(t, 9)
	renameHistory(t, r)
	main, _ := r.store.Branch(ctx, "main")
	// Make the database as an upgrade from the earlier schema leaves it.
	raw, err := sql.Open("sqlite3", filepath.Join(r.dir, "praxis.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM module_renames; INSERT INTO module_rename_scan (up_to_seq) SELECT MAX(seq) FROM commits`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	database, err := db.Open(ctx, filepath.Join(r.dir, "praxis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close()
	index := history.New(database)
	if entries, _, _ := index.ModuleHistory(ctx, "gamma", main, 100, ""); len(entries) != 2 {
		t.Fatalf("before the scan gamma's history has %d commits, want only its own 2", len(entries))
	}
	n, err := index.ScanRenames(ctx, r.store.CommitRenames)
	if err != nil || n == 0 {
		t.Fatalf("ScanRenames = %d, %v", n, err)
	}
	if entries, _, _ := index.ModuleHistory(ctx, "gamma", main, 100, ""); len(entries) < 6 {
		t.Errorf("after the scan gamma's history has %d commits, want it to go back through beta and alpha", len(entries))
	}
	if n, err := index.ScanRenames(ctx, r.store.CommitRenames); err != nil || n != 0 {
		t.Errorf("a second scan looked at %d commits (%v), want none", n, err)
	}
	var _ gitstore.Indexer = index
}
