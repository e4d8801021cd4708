// Package gitstore owns the curriculum repository: a bare git repository in the
// data directory. It reads files at any revision, writes commits to branches with
// compare-and-swap, and keeps the history index up to date. It is the only package
// that imports go-git, and it speaks in praxis types and hex object ids.
//
// Writes build blobs, trees and commits directly in the object store (no worktree)
// and move refs with git's own lockfile protocol, so that a concurrent
// `git receive-pack` and praxis never clobber each other and readers never see a
// missing ref. See docs/DESIGN.md, "Writing".
package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/praxis-coop/praxis/internal/lru"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Options configures a Store.
type Options struct {
	// Indexer receives the history index; nil keeps no index.
	Indexer Indexer
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// Handles is how many go-git storage handles serve reads at once; 0 means
	// GOMAXPROCS. A handle is not safe for concurrent use, so each is lent to one
	// caller at a time.
	Handles int
	// Shared says another praxis (serve) may be writing the repository as
	// this one opens it, as `praxis sync` does: lock files found at open are
	// then live, not left by a crash, and are kept.
	Shared bool
}

// Store is the curriculum repository. It is safe for concurrent use.
type Store struct {
	path    string
	log     *slog.Logger
	indexer Indexer

	handles chan *filesystem.Storage
	objects *cache.ObjectLRU // shared by every handle; it has its own lock
	trees   *lru.Cache[plumbing.Hash, *treeListing]
	// Objects never change, so these caches never need invalidating.
	peeled      *lru.Cache[string, string]        // object id -> commit it peels to
	commitTrees *lru.Cache[string, commitTree]    // commit id -> its tree and time
	rawTrees    *lru.Cache[plumbing.Hash, []byte] // tree id -> encoded entries
	// commit id -> the file contents it introduces (StorageUnder)
	introducedBy *lru.Cache[string, []sizedBlob]

	refMu sync.Mutex // one writer of refs at a time in this process

	// The history index's catch-ups (index.go): at most one in flight.
	flightMu   sync.Mutex
	flight     *catchUpRun // the catch-up in flight, nil when none
	runs       uint64      // catch-ups started so far
	indexedTip string      // main's head when the index last covered it
	kick       chan struct{}
	keeping    atomic.Int32 // how many KeepIndexed loops run

	// life ends when the store closes; work that outlives a request (a
	// catch-up) runs under it.
	life    context.Context
	endLife context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

// repositoryConfig is written when praxis creates the repository. Automatic gc is
// off because a repack can delete a pack file that a go-git handle is reading, and
// refs are never packed because praxis reads and moves loose refs itself.
const repositoryConfig = `[core]
	repositoryformatversion = 0
	filemode = true
	bare = true
	logallrefupdates = false
[gc]
	auto = 0
	packRefs = false
[receive]
	autogc = false
`

// Open opens the bare repository at path, creating it when the path does not
// exist or is an empty folder. created reports whether it was created.
func Open(path string, opts Options) (s *Store, created bool, err error) {
	created, err = initIfMissing(path)
	if err != nil {
		return nil, false, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Handles <= 0 {
		opts.Handles = runtime.GOMAXPROCS(0)
	}
	s = &Store{
		path:         path,
		log:          opts.Logger,
		indexer:      opts.Indexer,
		handles:      make(chan *filesystem.Storage, opts.Handles),
		objects:      cache.NewObjectLRU(64 * cache.MiByte),
		trees:        lru.New[plumbing.Hash, *treeListing](8192),
		peeled:       lru.New[string, string](1024),
		commitTrees:  lru.New[string, commitTree](16384),
		rawTrees:     lru.New[plumbing.Hash, []byte](64),
		introducedBy: lru.New[string, []sizedBlob](16384),
		kick:         make(chan struct{}, 1),
	}
	s.life, s.endLife = context.WithCancel(context.Background())
	for range opts.Handles {
		s.handles <- s.newHandle()
	}
	if !opts.Shared {
		if err := s.removeStaleLocks(); err != nil {
			return nil, false, err
		}
		if err := s.startMainReflog(); err != nil {
			return nil, false, err
		}
	}
	return s, created, nil
}

// Path returns the repository's folder.
func (s *Store) Path() string { return s.path }

func (s *Store) newHandle() *filesystem.Storage {
	// Objects over largeObject are read lazily: their header when found,
	// their content as a stream when read (see loadObject).
	return filesystem.NewStorageWithOptions(osfs.New(s.path), s.objects, filesystem.Options{LargeObjectThreshold: largeObject})
}

func initIfMissing(path string) (bool, error) {
	entries, err := os.ReadDir(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return false, fmt.Errorf("gitstore: open %s: %w", path, err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(path, "HEAD")); err != nil {
			return false, praxis.Errorf(praxis.EINVALID, "%s is not a git repository (it has no HEAD file) and is not empty", path)
		}
		return false, nil
	}
	for _, dir := range []string{"objects/info", "objects/pack", "refs/heads", "refs/tags"} {
		if err := os.MkdirAll(filepath.Join(path, dir), 0o755); err != nil {
			return false, fmt.Errorf("gitstore: create repository: %w", err)
		}
	}
	files := map[string]string{
		"HEAD":        "ref: refs/heads/" + praxis.MainBranch + "\n",
		"config":      repositoryConfig,
		"description": "praxis curriculum\n",
	}
	for name, content := range files {
		if err := writeFileSync(filepath.Join(path, name), []byte(content)); err != nil {
			return false, fmt.Errorf("gitstore: create repository: %w", err)
		}
	}
	return true, nil
}

// removeStaleLocks deletes ref lock files left by a crash, and packed-refs.lock
// (which praxis takes to delete a packed ref, as git does). praxis is the only
// process that writes the repository (git receive-pack runs as praxis's child),
// so at start any lock is stale; leaving it would block that ref, or every
// deletion of a packed ref, forever.
func (s *Store) removeStaleLocks() error {
	packedLock := filepath.Join(s.path, "packed-refs.lock")
	if _, err := os.Stat(packedLock); err == nil {
		s.log.Warn("removing a stale packed-refs.lock left by a crash", "path", packedLock)
		if err := os.Remove(packedLock); err != nil {
			return fmt.Errorf("gitstore: remove %s: %w", packedLock, err)
		}
	}
	return filepath.WalkDir(filepath.Join(s.path, "refs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".lock") {
			s.log.Warn("removing a stale ref lock left by a crash", "path", p)
			return os.Remove(p)
		}
		return nil
	})
}

// withHandle lends a storage handle to fn. When fn misses an object, which
// happens when objects arrived from outside (a push wrote a new pack), the
// handle re-reads the pack index and fn runs once more.
func (s *Store) withHandle(ctx context.Context, fn func(*filesystem.Storage) error) error {
	var h *filesystem.Storage
	select {
	case h = <-s.handles:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { s.handles <- h }()
	err := fn(h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		h.Reindex()
		err = fn(h)
	}
	return err
}

// Close waits for the handles to come back and releases them. Calling it again
// does nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.endLife()
		var errs []error
		for range cap(s.handles) {
			h := <-s.handles
			errs = append(errs, h.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// writeFileSync writes a file and flushes it to disk.
func writeFileSync(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
