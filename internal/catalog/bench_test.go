package catalog_test

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// BenchmarkLint1000 lints the whole curriculum of 1,000 modules as a
// proposal's merge would leave it: one module changed from a curriculum whose
// modules the catalog has read (the listing of main is built at start), so
// only that module is checked afresh. This is what a proposal page and a
// merge pay for `praxis lint` of the merged tree.
func BenchmarkLint1000(b *testing.B) {
	ctx := context.Background()
	fsys := fstest.MapFS{}
	for _, f := range demo.Modules(1000, 42, demo.ModuleOptions{}) {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	env := testenv.New(b, testenv.Options{Seed: fsys, Author: praxis.Signature{Name: "bench"}})
	cat := catalog.New(env.Store, env.DB)
	if _, err := cat.Listing(ctx, ""); err != nil {
		b.Fatal(err)
	}
	main := env.Main(b)
	snap, _ := env.Store.Snapshot(ctx, main)
	// More trees than the lint cache holds, so every lint is worked out.
	var trees []*gitstore.Snapshot
	for i := range 100 {
		slug := demo.ModuleSlug(i * 10)
		plan, _ := snap.ReadFile("modules/" + slug + "/module.md")
		id, err := env.Store.CreateCommit(ctx, gitstore.CommitRequest{Parents: []string{main}, Message: "bench", Author: praxis.Signature{Name: "bench"},
			Changes: []praxis.FileChange{{Path: "modules/" + slug + "/module.md", Content: fmt.Appendf(plan, "\nChange %d.\n", i)}}})
		if err != nil {
			b.Fatal(err)
		}
		s, _ := env.Store.Snapshot(ctx, id)
		trees = append(trees, s)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := cat.Lint(ctx, trees[i%len(trees)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
