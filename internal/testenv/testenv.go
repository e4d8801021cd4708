// Package testenv gives tests a praxis data directory: a temporary SQLite
// database, a curriculum repository seeded with the starter curriculum (or
// another folder), the history index, the catalog and the releases, wired as
// the praxis command wires them. Tests only.
package testenv

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
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
	Releases *history.Releases
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

// New makes an Env in a temporary folder (or opts.Dir) and seeds it. Under
// Main, a seed of the starter curriculum is copied from a template seeded
// once per process: the same files and rows, without writing and indexing
// every object again.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	dir := opts.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	if opts.Author.Name == "" {
		opts.Author.Name = "praxis"
	}
	if opts.Message == "" {
		opts.Message = "Seed the curriculum"
	}
	dbOpts := db.Options{BusyTimeout: opts.BusyTimeout}
	if opts.Seed == nil {
		template, err := seededTemplate(opts.Author, opts.Message)
		if err != nil {
			t.Fatal(err)
		}
		if template != "" {
			if err := CopyDir(template, dir); err != nil {
				t.Fatal(err)
			}
			return open(t, dir, dbOpts)
		}
		opts.Seed = curriculum.FS
	}
	env := open(t, dir, dbOpts)
	if _, err := env.Store.Seed(context.Background(), opts.Seed, opts.Author, opts.Message); err != nil {
		t.Fatal(err)
	}
	return env
}

// Open opens the services over a data directory (creating what is missing,
// seeding nothing), as praxis does at start.
func Open(t testing.TB, dir string) *Env {
	t.Helper()
	return open(t, dir, db.Options{})
}

func open(t testing.TB, dir string, dbOpts db.Options) *Env {
	t.Helper()
	env, err := openServices(dir, dbOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.close() })
	return env
}

// openServices opens the services over dir as praxis does at start.
func openServices(dir string, dbOpts db.Options) (*Env, error) {
	ctx := context.Background()
	database, err := db.OpenWith(ctx, filepath.Join(dir, "praxis.db"), dbOpts)
	if err != nil {
		return nil, err
	}
	index := history.New(database)
	store, _, err := gitstore.Open(filepath.Join(dir, "curriculum.git"), gitstore.Options{Indexer: index})
	if err != nil {
		database.Close()
		return nil, err
	}
	env := &Env{Dir: dir, DB: database, History: index, Store: store, Catalog: catalog.New(store, index),
		Releases: history.NewReleases(index, store, database)}
	index.Follow(store)
	if _, err := store.CatchUp(ctx); err != nil {
		env.close()
		return nil, err
	}
	if _, err := index.ScanRenames(ctx, store.CommitRenames); err != nil {
		env.close()
		return nil, err
	}
	return env, nil
}

// close closes the store, then the database.
func (e *Env) close() error {
	return errors.Join(e.Store.Close(), e.DB.Close())
}

// Reopen closes the services and opens new ones over the same data
// directory: a restart, with every in-memory cache empty.
func (e *Env) Reopen(t testing.TB) *Env {
	t.Helper()
	if err := e.Store.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.Close(); err != nil {
		t.Fatal(err)
	}
	return Open(t, e.Dir)
}

// Commit commits changes to main and returns the new head.
func (e *Env) Commit(t testing.TB, message string, changes ...praxis.FileChange) string {
	t.Helper()
	ctx := context.Background()
	head := e.Main(t)
	id, err := e.Store.WriteCommit(ctx, gitstore.CommitRequest{Branch: praxis.MainBranch, Expected: head, Changes: changes,
		Author: praxis.Signature{Name: "Tester", Email: "tester@example.org"}, Message: message})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// CopyModule returns the changes that copy the folder of module from, as it is
// in fsys, to module to; with rename, the original's files are deleted too.
func CopyModule(t testing.TB, fsys fs.FS, from, to string, rename bool) []praxis.FileChange {
	t.Helper()
	var changes []praxis.FileChange
	err := fs.WalkDir(fsys, "modules/"+from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
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

// MoveModule renames (or, without rename, copies) a module on main in one
// commit and returns it.
func (e *Env) MoveModule(t testing.TB, from, to string, rename bool) string {
	t.Helper()
	snap, err := e.Store.Snapshot(context.Background(), praxis.MainBranch)
	if err != nil {
		t.Fatal(err)
	}
	verb := "Copy"
	if rename {
		verb = "Rename"
	}
	return e.Commit(t, verb+" "+from+" to "+to, CopyModule(t, snap, from, to, rename)...)
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
