package search_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/search"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// benchIndex is a curriculum of 1,000 generated modules (with handouts),
// indexed.
func benchIndex(b *testing.B) (*search.Index, *db.DB, *catalog.Catalog, *gitstore.Store) {
	b.Helper()
	ctx := context.Background()
	fsys := fstest.MapFS{}
	for _, f := range demo.Modules(1000, 42, demo.ModuleOptions{}) {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	env := testenv.New(b, testenv.Options{Seed: fsys, Author: praxis.Signature{Name: "bench"}})
	database, cat, store := env.DB, env.Catalog, env.Store
	index := search.New(database, cat)
	if _, err := index.Update(ctx); err != nil {
		b.Fatal(err)
	}
	return index, database, cat, store
}

// BenchmarkSearchTwoFilters is a facilitator's search over 1,000 modules:
// words, a format and a length.
func BenchmarkSearchTwoFilters(b *testing.B) {
	index, _, _, _ := benchIndex(b)
	ctx := context.Background()
	filter := search.Filter{Format: "online", MaxDuration: 150}
	res, err := index.Search(ctx, "power organising", filter, 20, 0)
	if err != nil || res.Total == 0 {
		b.Fatalf("no results: %v", err)
	}
	b.ReportMetric(float64(res.Total), "results")
	for b.Loop() {
		if _, err := index.Search(ctx, "power organising", filter, 20, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchCommonWord matches most of the curriculum.
func BenchmarkSearchCommonWord(b *testing.B) {
	index, _, _, _ := benchIndex(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := index.Search(ctx, "workshop", search.Filter{}, 20, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRebuild indexes 1,000 modules from nothing (module text cached by
// the catalog, as after a start; the index itself rebuilt).
func BenchmarkRebuild(b *testing.B) {
	_, database, cat, _ := benchIndex(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		if err := database.UpdateSearch(ctx, true, nil, nil, map[string]string{"format": "stale"}); err != nil {
			b.Fatal(err)
		}
		fresh := search.New(database, cat)
		b.StartTimer()
		if n, err := fresh.Update(ctx); err != nil || n != 1000 {
			b.Fatalf("rebuilt %d, %v", n, err)
		}
	}
}

// BenchmarkRebuildCold is the rebuild at the first start of a praxis with
// 1,000 modules: every plan and handout read from git and parsed.
func BenchmarkRebuildCold(b *testing.B) {
	_, database, _, store := benchIndex(b)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		if err := database.UpdateSearch(ctx, true, nil, nil, map[string]string{"format": "stale"}); err != nil {
			b.Fatal(err)
		}
		fresh := search.New(database, catalog.New(store, database))
		b.StartTimer()
		if n, err := fresh.Update(ctx); err != nil || n != 1000 {
			b.Fatalf("rebuilt %d, %v", n, err)
		}
	}
}
