package export_test

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/export"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// BenchmarkSeriesBundle13 builds the zip of a 13-module series (10 KB plans,
// three handouts each): 13 plan PDFs, 39 handout PDFs, the sources and
// READMEs, uncached (the service's cache is new for each).
func BenchmarkSeriesBundle13(b *testing.B) {
	ctx := context.Background()
	fsys := fstest.MapFS{}
	for _, f := range demo.Modules(20, 7, demo.ModuleOptions{BodyBytes: 10_000, Handouts: 3}) {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	env := testenv.New(b, testenv.Options{Seed: fsys, Author: praxis.Signature{Name: "bench"}})
	cat, versions := env.Catalog, env.Releases
	entry, _, err := cat.Series(ctx, "series-000", "")
	if err != nil || len(entry.Modules) != 13 {
		b.Fatalf("series of %d modules: %v", len(entry.Modules), err)
	}
	i := 0
	for b.Loop() {
		i++
		svc := export.New(export.Config{Catalog: cat, Releases: versions})
		f, err := svc.Series(ctx, "series-000", export.Options{Start: -1, BaseURL: fmt.Sprintf("https://example.org/%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(f.Body))/1e6, "MB")
	}
}
