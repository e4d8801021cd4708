package search_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/search"
	"github.com/praxis-coop/praxis/internal/testenv"
)

type fixture struct {
	t     *testing.T
	index *search.Index
	store *gitstore.Store
	db    *db.DB
	cat   *catalog.Catalog
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testenv.New(t, testenv.Options{})
	store, database, cat := env.Store, env.DB, env.Catalog
	return &fixture{t: t, index: search.New(database, cat), store: store, db: database, cat: cat}
}

func (f *fixture) search(q string, filter search.Filter) *search.Results {
	f.t.Helper()
	res, err := f.index.Search(context.Background(), q, filter, 50, 0)
	if err != nil {
		f.t.Fatalf("search %q: %v", q, err)
	}
	return res
}

func slugs(res *search.Results) []string {
	var out []string
	for _, r := range res.Results {
		out = append(out, r.Slug)
	}
	return out
}

func TestSearchFindsRanksAndFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Stemming: "organise" finds modules that only say organising/organiser.
	res := f.search("organise", search.Filter{})
	if res.Total < 6 {
		t.Errorf("organise found %d modules: %v", res.Total, slugs(res))
	}
	// A title match ranks first.
	res = f.search("power mapping", search.Filter{})
	if len(res.Results) == 0 || res.Results[0].Slug != "organising-2-power-mapping" {
		t.Errorf("power mapping: %v", slugs(res))
	}
	if !strings.Contains(res.Results[0].Snippet, "<mark>") {
		t.Errorf("no highlight in the snippet: %q", res.Results[0].Snippet)
	}
	// Handouts are searched: the Grunwick timeline is a handout.
	if res := f.search("grunwick", search.Filter{}); len(res.Results) == 0 || res.Results[0].Slug != "organising-3-building-a-campaign" {
		t.Errorf("grunwick: %v", slugs(res))
	}
	// Filters combine with the query; a browse is a query of nothing.
	res = f.search("stigma", search.Filter{Series: "exploring-class", Format: "online", MaxDuration: 150})
	for _, r := range res.Results {
		if r.Module.Series != "exploring-class" || r.Module.Duration > 150 {
			t.Errorf("filter let through %s", r.Slug)
		}
	}
	if res.Total == 0 {
		t.Error("stigma in Exploring Class online under 150 minutes found nothing")
	}
	browse := f.search("", search.Filter{Series: "organising-fundamentals"})
	if browse.Total != 6 {
		t.Errorf("browse of a series: %d", browse.Total)
	}
	if all := f.search("", search.Filter{}); all.Total != 13 {
		t.Errorf("browse of everything: %d", all.Total)
	}
	// Excluded words and phrases.
	with, without := f.search("strike", search.Filter{}), f.search("strike -grunwick", search.Filter{})
	if without.Total >= with.Total {
		t.Errorf("excluding grunwick: %d of %d", without.Total, with.Total)
	}
}

func TestHostileQueriesNeverFail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, q := range []string{`"`, `"unbalanced`, `(((`, `a OR b NOT`, `'; DROP TABLE search_modules; --`, `*`, `-`,
		`NEAR/2`, `title:stigma`, "\x00\xff", strings.Repeat("x ", 5000), `the of and`, `🙂`} {
		if _, err := f.index.Search(context.Background(), q, search.Filter{}, 20, 0); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
	if res := f.search("the of and", search.Filter{}); res.Total != 0 {
		t.Errorf("only stop words found %d", res.Total)
	}
	if res := f.search("stigma", search.Filter{}); res.Total == 0 {
		t.Error("the index broke after hostile queries")
	}
}

func TestIndexFollowsMain(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if n, err := f.index.Update(ctx); err != nil || n != 13 {
		t.Fatalf("first update indexed %d, %v", n, err)
	}
	if res := f.search("zygomorphic", search.Filter{}); res.Total != 0 {
		t.Fatal("a word nobody wrote was found")
	}
	main, _ := f.store.Branch(ctx, "main")
	plan, _ := f.cat.Module(ctx, "exploring-class-2-stigma", "")
	source := strings.Replace(string(plan.Source), "## ", "A zygomorphic aside.\n\n## ", 1)
	if _, err := f.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: main,
		Changes: []praxis.FileChange{{Path: "modules/exploring-class-2-stigma/module.md", Content: []byte(source)},
			{Path: "modules/exploring-class-1-where-we-come-from/module.md", Delete: true}},
		Message: "Edit", Author: praxis.Signature{Name: "T"}}); err != nil {
		t.Fatal(err)
	}
	// The next search catches up: one module indexed again, one removed.
	if res := f.search("zygomorphic", search.Filter{}); res.Total != 1 || res.Results[0].Slug != "exploring-class-2-stigma" {
		t.Errorf("after the edit: %v", slugs(res))
	}
	if all := f.search("", search.Filter{}); all.Total != 12 {
		t.Errorf("after a deletion the browse has %d", all.Total)
	}
	trees, _ := f.db.SearchTrees(ctx)
	if len(trees) != 12 {
		t.Errorf("index holds %d modules after a deletion", len(trees))
	}
	// A fresh index over the same database has nothing to do.
	if n, err := search.New(f.db, f.cat).Update(ctx); err != nil || n != 0 {
		t.Errorf("fresh index redid %d modules, %v", n, err)
	}
}

func TestConcurrentSearchesDuringUpdates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := f.index.Search(context.Background(), "power", search.Filter{}, 10, 0); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

// TestRenamesAndCopiesAreFoundAtOnceAndAfterARestart: a renamed folder keeps
// its tree id. Searches must find the module under its new name at once (they
// used to fail until a restart) and after one; a copy is found under both.
func TestRenamesAndCopiesAreFoundAtOnceAndAfterARestart(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	index := search.New(env.DB, env.Catalog)
	find := func(index *search.Index, q string) []string {
		t.Helper()
		res, err := index.Search(ctx, q, search.Filter{}, 50, 0)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		return slugs(res)
	}
	const word = "zygomorphic"
	env.Commit(t, "A rare word", praxis.FileChange{Path: "modules/train-the-trainer/handouts/rare.md", Content: []byte("# A zygomorphic handout\n")})
	if got := find(index, word); len(got) != 1 || got[0] != "train-the-trainer" {
		t.Fatalf("before: %v", got)
	}
	env.MoveModule(t, "train-the-trainer", "facilitator-training", true)
	if got := find(index, word); len(got) != 1 || got[0] != "facilitator-training" {
		t.Errorf("after the rename: %v, want [facilitator-training]", got)
	}
	env.MoveModule(t, "facilitator-training", "train-the-trainer", false)
	both := []string{"facilitator-training", "train-the-trainer"}
	if got := find(index, word); !slices.Equal(sorted(got), both) {
		t.Errorf("after the copy: %v, want %v", got, both)
	}
	env = env.Reopen(t)
	if got := find(search.New(env.DB, env.Catalog), word); !slices.Equal(sorted(got), both) {
		t.Errorf("after a restart: %v, want %v", got, both)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
