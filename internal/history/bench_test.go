package history_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
)

var bigOpts = demo.HistoryOptions{Modules: 1000, Commits: 10_000, Seed: 7}

// indexedBigRepo opens the shared generated repository (1,000 modules, 10,000
// commits) with a fresh, caught-up history index.
func indexedBigRepo(b *testing.B) (*gitstore.Store, *history.Index, string) {
	b.Helper()
	ctx := context.Background()
	repo, err := demo.CachedHistory(ctx, "", bigOpts)
	if err != nil {
		b.Fatal(err)
	}
	database, err := db.Open(ctx, filepath.Join(b.TempDir(), "praxis.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { database.Close() })
	index := history.New(database)
	store, _, err := gitstore.Open(repo, gitstore.Options{Indexer: index})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if _, err := store.CatchUp(ctx); err != nil {
		b.Fatal(err)
	}
	if err := index.Preload(ctx); err != nil {
		b.Fatal(err)
	}
	return store, index, repo
}

// BenchmarkModuleHistoryFirstPage answers the first page (25 commits) of a
// module's history from the index, as git log -- modules/<slug> would list it.
func BenchmarkModuleHistoryFirstPage(b *testing.B) {
	store, index, _ := indexedBigRepo(b)
	ctx := context.Background()
	main, _ := store.Branch(ctx, "main")
	i := 0
	for b.Loop() {
		i++
		if _, _, err := index.ModuleHistory(ctx, demo.ModuleSlug(i%1000), main, 25, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGitLogPath is the same question asked of git itself, for comparison.
func BenchmarkGitLogPath(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	_, _, repo := indexedBigRepo(b)
	i := 0
	for b.Loop() {
		i++
		cmd := exec.Command("git", "-C", repo, "log", "--format=%H", "-n", "25", "main", "--", "modules/"+demo.ModuleSlug(i%1000))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v %s", err, out)
		}
	}
}

// BenchmarkCatchUp10K indexes 10,000 commits from scratch (what a cloned
// curriculum, or a lost database, needs at start).
func BenchmarkCatchUp10K(b *testing.B) {
	ctx := context.Background()
	repo, err := demo.CachedHistory(ctx, "", bigOpts)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		database, err := db.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("p%d.db", b.N)))
		if err != nil {
			b.Fatal(err)
		}
		store, _, err := gitstore.Open(repo, gitstore.Options{Indexer: history.New(database)})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		n, err := store.CatchUp(ctx)
		if err != nil || n != bigOpts.Commits {
			b.Fatalf("CatchUp = %d, %v", n, err)
		}
		b.StopTimer()
		store.Close()
		database.Close()
		b.StartTimer()
	}
}

// BenchmarkPreloadGraph loads the 10,000-commit graph from the database into
// memory, as the first history request after a start does.
func BenchmarkPreloadGraph(b *testing.B) {
	ctx := context.Background()
	repo, err := demo.CachedHistory(ctx, "", bigOpts)
	if err != nil {
		b.Fatal(err)
	}
	database, err := db.Open(ctx, filepath.Join(b.TempDir(), "g.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer database.Close()
	s, _, _ := gitstore.Open(repo, gitstore.Options{Indexer: database})
	if _, err := s.CatchUp(ctx); err != nil {
		b.Fatal(err)
	}
	s.Close()
	for b.Loop() {
		if err := history.New(database).Preload(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
