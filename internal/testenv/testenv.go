// Package testenv gives tests a praxis data directory: a temporary SQLite
// database, a curriculum repository seeded with the starter curriculum (or
// another folder), the history index, the catalog and the releases, wired as
// the praxis command wires them. Tests only.
package testenv

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/curriculum"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Env is one data directory and the services over it, closed when the test
// ends.
type Env struct {
	Dir      string
	DB       *db.DB
	History  *history.Index
	Store    *gitstore.Store
	Catalog  *catalog.Catalog
	Versions *history.Versions
}

// Options shape the seed commit.
type Options struct {
	// Seed is the curriculum of the first commit; nil means the starter
	// curriculum shipped with praxis.
	Seed fs.FS
	// Author signs the seed commit; its zero When means now.
	Author praxis.Signature
	// Message is the seed commit's message; "" means "Seed the curriculum".
	Message string
	// Dir is the data directory; "" means a new temporary one.
	Dir string
	// BusyTimeout is how long a database write waits for the write lock;
	// zero means the default.
	BusyTimeout time.Duration
}

// New makes an Env in a temporary folder.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	ctx := context.Background()
	dir := opts.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	database, err := db.OpenWith(ctx, filepath.Join(dir, "praxis.db"), db.Options{BusyTimeout: opts.BusyTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { database.Close() })
	index := history.New(database)
	store, _, err := gitstore.Open(filepath.Join(dir, "curriculum.git"), gitstore.Options{Indexer: index})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	index.Follow(store)
	if opts.Seed == nil {
		opts.Seed = curriculum.FS
	}
	if opts.Author.Name == "" {
		opts.Author.Name = "praxis"
	}
	if opts.Message == "" {
		opts.Message = "Seed the curriculum"
	}
	if _, err := store.Seed(ctx, opts.Seed, opts.Author, opts.Message); err != nil {
		t.Fatal(err)
	}
	return &Env{Dir: dir, DB: database, History: index, Store: store, Catalog: catalog.New(store, index),
		Versions: history.NewVersions(index, store, database)}
}

// Main returns the head of main.
func (e *Env) Main(t testing.TB) string {
	t.Helper()
	main, err := e.Store.Branch(context.Background(), praxis.MainBranch)
	if err != nil {
		t.Fatal(err)
	}
	return main
}
