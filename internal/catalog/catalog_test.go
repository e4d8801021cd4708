package catalog_test

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

var author = praxis.Signature{Name: "Tester", Email: "t@example.org"}

type fixture struct {
	store *gitstore.Store
	cat   *catalog.Catalog
	main  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testenv.New(t, testenv.Options{Author: author, Message: "Seed"})
	return &fixture{store: env.Store, cat: env.Catalog, main: env.Main(t)}
}

func (f *fixture) commit(t *testing.T, changes ...praxis.FileChange) string {
	t.Helper()
	id, err := f.store.WriteCommit(context.Background(), gitstore.CommitRequest{
		Branch: "main", Expected: f.main, Author: author, Message: "change", Changes: changes,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.main = id
	return id
}

func TestListingOfShippedCurriculum(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	l, err := f.cat.Listing(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if l.Commit != f.main || len(l.Modules) != 13 || len(l.Broken) != 0 {
		t.Fatalf("Listing = commit %s, %d modules, %d broken; want %s, 13, 0", l.Commit, len(l.Modules), len(l.Broken), f.main)
	}
	if l.Modules[0].Slug != "exploring-class-1-where-we-come-from" || l.Modules[12].Slug != "train-the-trainer" {
		t.Errorf("order = %s ... %s; want series order, then modules without a series", l.Modules[0].Slug, l.Modules[12].Slug)
	}
	ec, ok := l.FindSeries("exploring-class")
	if !ok || len(ec.Modules) != 6 || len(ec.Problems) != 0 {
		t.Fatalf("exploring-class = %+v", ec)
	}
	sum := 0
	for _, m := range ec.Modules {
		sum += m.Duration
	}
	if ec.Minutes != sum || sum == 0 {
		t.Errorf("series minutes = %d, want %d", ec.Minutes, sum)
	}
	online := l.Filter(catalog.Filter{Format: "online", MaxDuration: 150, Series: "exploring-class"})
	for _, m := range online {
		if !m.HasFormat("online") || m.Duration > 150 || m.Series != "exploring-class" {
			t.Errorf("Filter let through %s (%v, %d min, %s)", m.Slug, m.Formats, m.Duration, m.Series)
		}
	}
	if len(online) == 0 || len(online) == 13 {
		t.Errorf("Filter returned %d modules, want some but not all", len(online))
	}
	if len(l.Tags()) == 0 {
		t.Error("Tags is empty")
	}
}

func TestBrokenModuleDoesNotHideTheOthers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.commit(t,
		praxis.FileChange{Path: "modules/broken/module.md", Content: []byte("---\ntitle: [unclosed\n---\n")},
		praxis.FileChange{Path: "modules/bad-sum/module.md", Content: []byte("---\ntitle: Sums\nsummary: s\nduration: 10\ngroup_size: {min: 1, max: 2}\nfacilitators: 1\nformats: [online]\nobjectives: [x]\nlanguage: en\nlicence: CC0-1.0\nagenda:\n  - {title: A, minutes: 5}\n---\n## A\n")},
	)
	ctx := context.Background()
	l, err := f.cat.Listing(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Modules) != 14 || len(l.Broken) != 1 || l.Broken[0].Slug != "broken" {
		t.Fatalf("Listing = %d modules, broken %+v; want 14 and [broken]", len(l.Modules), l.Broken)
	}
	if m, _ := l.Module("bad-sum"); len(m.Problems) == 0 {
		t.Error("bad-sum is listed without its problems")
	}
	view, err := f.cat.Module(ctx, "broken", "")
	if err != nil {
		t.Fatal(err)
	}
	if view.Parsed || len(view.Problems) == 0 || !strings.Contains(view.Problems[0].String(), "modules/broken/module.md:") {
		t.Fatalf("broken module view = parsed %v, problems %v", view.Parsed, view.Problems)
	}
	if !strings.Contains(string(view.Source), "[unclosed") {
		t.Error("broken module view does not carry its source")
	}
}

func TestModuleAtRevisionsAndRenderCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	first := f.main
	slug := "exploring-class-2-stigma"
	view, err := f.cat.Module(ctx, slug, "")
	if err != nil {
		t.Fatal(err)
	}
	if !view.Parsed || !view.Current || view.HTML == "" || len(view.Problems) != 0 {
		t.Fatalf("view = parsed %v current %v html %d problems %v", view.Parsed, view.Current, len(view.HTML), view.Problems)
	}
	if view.Previous == nil || view.Previous.Order != 1 || view.Next == nil || view.Next.Order != 3 {
		t.Errorf("series neighbours = %v, %v", view.Previous, view.Next)
	}
	if len(view.Handouts) == 0 || !strings.Contains(view.HTML, `href="/modules/`+slug+`/handouts/`) {
		t.Errorf("handouts %v, or the plan's handout links are not rewritten", view.Handouts)
	}
	_, missesBefore := f.cat.CacheStats()
	if _, err := f.cat.Module(ctx, slug, ""); err != nil {
		t.Fatal(err)
	}
	if _, misses := f.cat.CacheStats(); misses != missesBefore {
		t.Errorf("second view rendered again: %d misses, want %d", misses, missesBefore)
	}

	plan := strings.Replace(string(view.Source), "## ", "## Changed heading\n\nNew words here.\n\n## ", 1)
	f.commit(t, praxis.FileChange{Path: "modules/" + slug + "/module.md", Content: []byte(plan)})
	now, err := f.cat.Module(ctx, slug, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(now.HTML, "New words here.") || now.Commit.ID != f.main {
		t.Fatal("a change on main does not show at once")
	}
	old, err := f.cat.Module(ctx, slug, first)
	if err != nil {
		t.Fatal(err)
	}
	if old.Current || strings.Contains(old.HTML, "New words here.") || old.Commit.ID != first {
		t.Fatalf("the first version shows current=%v or the new words", old.Current)
	}
	if !strings.Contains(old.HTML, "?rev="+first) {
		t.Error("links in an old version do not keep the revision")
	}
	short, err := f.cat.Module(ctx, slug, first[:7])
	if err != nil || short.Commit.ID != first {
		t.Fatalf("Module at short id = %v, %v", short, err)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct{ slug, rev string }{
		{"no-such-module", ""}, {"../series", ""}, {"modules/x", ""}, {"Exploring", ""},
		{"exploring-class-2-stigma", "no-such-branch"}, {"exploring-class-2-stigma", "0000000"},
		{"exploring-class-2-stigma", strings.Repeat("0", 40)},
	} {
		if _, err := f.cat.Module(ctx, tc.slug, tc.rev); praxis.ErrorCode(err) != praxis.ENOTFOUND {
			t.Errorf("Module(%q, %q) = %v, want ENOTFOUND", tc.slug, tc.rev, err)
		}
	}
	for _, name := range []string{"../module.md", "../../../README.md", "", "/etc/passwd", "nope.md", "./x.md"} {
		if _, err := f.cat.Handout(ctx, "exploring-class-2-stigma", name, ""); praxis.ErrorCode(err) != praxis.ENOTFOUND {
			t.Errorf("Handout(%q) = %v, want ENOTFOUND", name, err)
		}
	}
	if _, _, err := f.cat.Series(ctx, "nope", ""); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("Series(nope) = %v, want ENOTFOUND", err)
	}
}

func TestHandout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	view, _ := f.cat.Module(ctx, "organising-1-one-to-ones", "")
	h, err := f.cat.Handout(ctx, "organising-1-one-to-ones", view.Handouts[0].Name, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.HTML == "" || len(h.Content) == 0 || len(h.ID) != 40 {
		t.Fatalf("Handout = %+v", h)
	}
}

func TestListingIsCachedByCommit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a, _ := f.cat.Listing(ctx, "")
	b, _ := f.cat.Listing(ctx, "main")
	if a != b {
		t.Error("two listings of the same commit were built twice")
	}
	time.Sleep(time.Millisecond)
	f.commit(t, praxis.FileChange{Path: "README.md", Content: []byte("changed")})
	c, _ := f.cat.Listing(ctx, "")
	if c == a || c.Commit != f.main {
		t.Error("a new commit on main did not give a new listing")
	}
}

// moveModule returns the changes that copy a module's folder to another slug,
// deleting the original too when rename is set.
func moveModule(t *testing.T, store *gitstore.Store, from, to string, rename bool) []praxis.FileChange {
	t.Helper()
	snap, err := store.Snapshot(context.Background(), "main")
	if err != nil {
		t.Fatal(err)
	}
	var changes []praxis.FileChange
	err = fs.WalkDir(snap, "modules/"+from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := snap.ReadFile(p)
		if err != nil {
			return err
		}
		changes = append(changes, praxis.FileChange{Path: "modules/" + to + strings.TrimPrefix(p, "modules/"+from), Content: data})
		if rename {
			changes = append(changes, praxis.FileChange{Path: p, Delete: true})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

func slugsOf(l *catalog.Listing) []string {
	var slugs []string
	for _, m := range l.Modules {
		slugs = append(slugs, m.Slug)
	}
	sort.Strings(slugs)
	return slugs
}

// TestRenamedAndCopiedModulesAreReadUnderTheirOwnNames: a folder renamed or
// copied keeps its tree id, and the catalog must still read it as the module
// at its new path, at once and with a fresh cache (a restart).
func TestRenamedAndCopiedModulesAreReadUnderTheirOwnNames(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.cat.Listing(ctx, ""); err != nil { // warm the caches with the old names
		t.Fatal(err)
	}
	const old, renamed = "train-the-trainer", "facilitator-training"
	f.commit(t, moveModule(t, f.store, old, renamed, true)...)
	f.commit(t, moveModule(t, f.store, renamed, old, false)...) // and copy it back

	fresh := catalog.New(f.store, nil)
	for name, cat := range map[string]*catalog.Catalog{"warm": f.cat, "fresh": fresh} {
		t.Run(name, func(t *testing.T) {
			l, err := cat.Listing(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			slugs := slugsOf(l)
			if len(slugs) != 14 || !slices.Contains(slugs, old) || !slices.Contains(slugs, renamed) {
				t.Fatalf("Listing slugs = %v, want 14 with both %s and %s", slugs, old, renamed)
			}
			for _, slug := range []string{old, renamed} {
				view, err := cat.Module(ctx, slug, "")
				if err != nil {
					t.Fatal(err)
				}
				if view.Module.Slug != slug || len(view.Problems) != 0 {
					t.Errorf("Module(%s) = slug %q, problems %v", slug, view.Module.Slug, view.Problems)
				}
				if !strings.Contains(view.HTML, `href="/modules/`+slug+`/handouts/`) {
					t.Errorf("Module(%s) links its handouts elsewhere", slug)
				}
			}
			snap, _ := f.store.Snapshot(ctx, "main")
			got, err := cat.Lint(ctx, snap)
			if err != nil {
				t.Fatal(err)
			}
			if want := module.Lint(snap); !slices.Equal(got, want) || len(got) != 0 {
				t.Errorf("Lint = %v, module.Lint = %v; want both clean", got, want)
			}
		})
	}
}

// TestLintIsPraxisLint: the catalog's whole-tree lint, through its caches,
// equals module.Lint on the same tree, including the rules that span modules
// (a copy of a module in a series is not listed in it and repeats its order).
func TestLintIsPraxisLint(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.cat.Listing(ctx, ""); err != nil {
		t.Fatal(err)
	}
	f.commit(t, moveModule(t, f.store, "exploring-class-2-stigma", "stigma-copy", false)...)
	snap, _ := f.store.Snapshot(ctx, "main")
	got, err := f.cat.Lint(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	want := module.Lint(snap)
	if !slices.Equal(got, want) {
		t.Fatalf("catalog Lint = %v\nmodule.Lint = %v", got, want)
	}
	joined := fmt.Sprint(got)
	for _, msg := range []string{"this module is not listed in series/exploring-class.yaml", "order: 2 is also the order of"} {
		if !strings.Contains(joined, msg) {
			t.Errorf("Lint lacks %q: %v", msg, got)
		}
	}
	tree, err := snap.ID(".")
	if err != nil {
		t.Fatal(err)
	}
	treeSnap, err := f.store.SnapshotTree(ctx, tree)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := f.cat.Lint(ctx, treeSnap); !slices.Equal(again, want) {
		t.Errorf("Lint of the same tree = %v, want %v", again, want)
	}
	if _, err := f.store.SnapshotTree(ctx, strings.Repeat("1", 40)); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("SnapshotTree(missing) = %v, want ENOTFOUND", err)
	}
}
