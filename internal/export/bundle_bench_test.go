package export_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/export"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// BenchmarkSeriesBundle13 builds the zip of a 13-module series (10 KB plans,
// three handouts each): 13 plan PDFs, 39 handout PDFs, the sources and
// READMEs, uncached (the service's cache is new for each).
func BenchmarkSeriesBundle13(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	database, err := db.Open(ctx, filepath.Join(dir, "praxis.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer database.Close()
	index := history.New(database)
	store, _, err := gitstore.Open(filepath.Join(dir, "curriculum.git"), gitstore.Options{Indexer: index})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	fsys := fstest.MapFS{}
	for _, f := range demo.Modules(20, 7, demo.ModuleOptions{BodyBytes: 10_000, Handouts: 3}) {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	if _, err := store.Seed(ctx, fsys, praxis.Signature{Name: "bench"}, "generated"); err != nil {
		b.Fatal(err)
	}
	cat := catalog.New(store, database)
	versions := history.NewVersions(index, store, database)
	entry, _, err := cat.Series(ctx, "series-000", "")
	if err != nil || len(entry.Modules) != 13 {
		b.Fatalf("series of %d modules: %v", len(entry.Modules), err)
	}
	i := 0
	for b.Loop() {
		i++
		svc := export.New(export.Config{Catalog: cat, Versions: versions})
		f, err := svc.Series(ctx, "series-000", export.Options{Start: -1, BaseURL: fmt.Sprintf("https://example.org/%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(f.Body))/1e6, "MB")
	}
}
