package gitstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

func generatedStore(b *testing.B, modules int) *gitstore.Store {
	b.Helper()
	s, _, err := gitstore.Open(filepath.Join(b.TempDir(), "curriculum.git"), gitstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	fsys := fstest.MapFS{}
	for _, f := range demo.Modules(modules, 1, demo.ModuleOptions{}) {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content}
	}
	if _, err := s.Seed(context.Background(), fsys, author, "generated"); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkWriteCommit edits one module in a curriculum of 1,000 modules:
// blob, three trees, a commit and a compare-and-swap ref update with fsync.
func BenchmarkWriteCommit(b *testing.B) {
	s := generatedStore(b, 1000)
	ctx := context.Background()
	head, _ := s.Branch(ctx, "main")
	i := 0
	for b.Loop() {
		i++
		next, err := s.WriteCommit(ctx, gitstore.CommitRequest{
			Branch: "main", Expected: head, Author: author, Message: "edit",
			Changes: []praxis.FileChange{{Path: "modules/module-0500/module.md", Content: []byte{byte(i), byte(i >> 8), byte(i >> 16)}}},
		})
		if err != nil {
			b.Fatal(err)
		}
		head = next
	}
}

// BenchmarkSnapshotReadFile resolves main and reads one plan, with warm caches.
func BenchmarkSnapshotReadFile(b *testing.B) {
	s := generatedStore(b, 1000)
	ctx := context.Background()
	for b.Loop() {
		snap, err := s.Snapshot(ctx, "main")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := snap.ReadFile("modules/module-0500/module.md"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadABomb asks for a 1 GB file of zeros stored, as a small push
// leaves it, as one loose object of about a megabyte. It is refused from the
// object's header: the bytes allocated per read are what it costs.
func BenchmarkReadABomb(b *testing.B) {
	s := generatedStore(b, 10)
	ctx := context.Background()
	main, _ := s.Branch(ctx, "main")
	head := testenv.CommitZeros(b, s.Path(), main, "proposals/1/bomb", "modules/bomb/handouts/zeros.pdf", 1<<30)
	snap, err := s.Snapshot(ctx, head)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := snap.ReadFile("modules/bomb/handouts/zeros.pdf"); praxis.ErrorCode(err) != praxis.ETOOLARGE {
			b.Fatalf("ReadFile = %v, want ETOOLARGE", err)
		}
	}
}

// BenchmarkCatchUpWhenIndexed is what a lookup of a commit the index lacks
// (a fork's version on a module page) pays to learn that main has nothing
// new: one read of main's ref.
func BenchmarkCatchUpWhenIndexed(b *testing.B) {
	s, _, err := gitstore.Open(filepath.Join(b.TempDir(), "curriculum.git"), gitstore.Options{Indexer: newMemoryIndex()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	if _, err := s.Seed(ctx, seedFiles, author, "Seed"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if n, err := s.CatchUp(ctx); err != nil || n != 0 {
			b.Fatalf("CatchUp = %d, %v", n, err)
		}
	}
}
