package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/praxis-coop/praxis/internal/objectlock"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// MinPruneGrace is the shortest grace period a prune accepts: far longer than
// any write, push or backup takes between writing objects and making them
// reachable (those hold the object lock besides).
const MinPruneGrace = 10 * time.Minute

// HoldObjects keeps every object in the repository from being pruned until
// release is called: for anyone about to rely on objects no ref reaches yet
// (a push whose refs move after its objects land, a fetch) or on objects the
// refs they read reach (a backup). It waits while a prune deletes (seconds).
// Praxis's own writes hold it themselves.
func (s *Store) HoldObjects() (release func(), err error) {
	release, err = objectlock.Shared(s.path)
	if err != nil {
		return nil, fmt.Errorf("gitstore: %w", err)
	}
	return release, nil
}

// freshen marks a loose object as just written, as git does when it finds an
// object it was about to write: a writer that reuses an old object no ref
// reaches must not have it pruned before its ref moves. Packed objects are
// never pruned, so there is nothing to do for them.
func (s *Store) freshen(hash plumbing.Hash) {
	now := time.Now()
	_ = os.Chtimes(s.loosePath(hash), now, now)
}

func (s *Store) loosePath(hash plumbing.Hash) string {
	h := hash.String()
	return filepath.Join(s.path, "objects", h[:2], h[2:])
}

// PruneOptions shape a prune.
type PruneOptions struct {
	// Grace is how old an unreachable loose object must be to go; at least
	// MinPruneGrace.
	Grace time.Duration
	// Roots returns commits to keep besides every ref's (those a record
	// points at, such as the versions deliveries pin); nil for none.
	Roots func(ctx context.Context) ([]string, error)
}

// PruneResult says what a prune did.
type PruneResult struct {
	// Removed loose objects, and the bytes they took on disk.
	Removed int
	Freed   int64
	// Skipped is true when someone held the objects (a push, a backup, a
	// write) and the prune left everything for next time.
	Skipped bool
}

// Prune deletes loose objects that no ref (nor main's reflog, nor Roots)
// reaches and that are older than the grace period: the files of deleted
// branches and of force-pushed-away commits. It never repacks and never deletes pack files
// (a go-git handle may be reading one), so readers of reachable objects are
// never disturbed. It finds what is reachable without holding anything, then
// takes the object lock exclusively (only when nobody holds it shared:
// praxis's writes, pushes, fetches and backups all do; otherwise it skips),
// reads the refs again, follows any new ones, and deletes what is still
// unreachable and still old. Objects younger than the grace period, and
// everything they point at, are kept, as git prune keeps them. What crashed
// pushes left (quarantine folders, temporary files) goes too, once as old.
// While main is damaged, it deletes nothing.
func (s *Store) Prune(ctx context.Context, opts PruneOptions) (PruneResult, error) {
	if opts.Grace < MinPruneGrace {
		return PruneResult{}, praxis.Errorf(praxis.EINVALID, "the grace period of a prune must be at least %s", MinPruneGrace)
	}
	// With main damaged (empty, garbled, missing), nearly everything would
	// look unreachable: nothing goes until praxis repair has put it back.
	if err := s.CheckMain(ctx); err != nil {
		return PruneResult{}, fmt.Errorf("gitstore: prune: main cannot be read, so nothing is pruned (praxis repair puts it back): %w", err)
	}
	cutoff := time.Now().Add(-opts.Grace)
	old, recent, err := s.looseObjects(cutoff)
	if err != nil {
		return PruneResult{}, err
	}
	reach := &reachability{s: s, seen: map[plumbing.Hash]bool{}}
	roots := recent
	if opts.Roots != nil {
		extra, err := opts.Roots(ctx)
		if err != nil {
			return PruneResult{}, fmt.Errorf("gitstore: prune: roots: %w", err)
		}
		for _, id := range extra {
			if isObjectID(id) {
				roots = append(roots, plumbing.NewHash(id))
			}
		}
	}
	if len(old) > 0 { // else there is nothing to find out
		if err := reach.markRefs(ctx); err != nil {
			return PruneResult{}, err
		}
		if err := reach.mark(ctx, roots); err != nil {
			return PruneResult{}, err
		}
	}

	release, ok, err := objectlock.TryExclusive(s.path)
	if err != nil {
		return PruneResult{}, fmt.Errorf("gitstore: prune: %w", err)
	}
	if !ok {
		return PruneResult{Skipped: true}, nil
	}
	defer release()
	// Refs moved while reachability was found (by writers who have finished:
	// they held the lock) reach objects marked now.
	if len(old) > 0 {
		if err := s.CheckMain(ctx); err != nil {
			return PruneResult{}, fmt.Errorf("gitstore: prune: main cannot be read, so nothing is pruned (praxis repair puts it back): %w", err)
		}
		if err := reach.markRefs(ctx); err != nil {
			return PruneResult{}, err
		}
	}
	var result PruneResult
	for _, hash := range old {
		if reach.seen[hash] {
			continue
		}
		p := s.loosePath(hash)
		info, err := os.Stat(p)
		if err != nil || !info.ModTime().Before(cutoff) {
			continue // gone already, or freshened by a writer since
		}
		if err := os.Remove(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return result, fmt.Errorf("gitstore: prune: %w", err)
		}
		result.Removed++
		result.Freed += info.Size()
	}
	freed, err := s.removeLeftovers(cutoff)
	result.Freed += freed
	return result, err
}

// removeLeftovers deletes what crashed writers left in the object store, once
// it is older than cutoff: a push's quarantine (objects/incoming-*, which git
// moves into place or removes when the push ends) and temporary files
// (tmp_*). A prune runs it holding the object lock, so no push or fetch is
// running.
func (s *Store) removeLeftovers(cutoff time.Time) (int64, error) {
	var freed int64
	for _, dir := range []string{"objects", filepath.Join("objects", "pack")} {
		entries, err := os.ReadDir(filepath.Join(s.path, dir))
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if !strings.HasPrefix(name, "incoming-") && !strings.HasPrefix(name, "tmp_") {
				continue
			}
			info, err := e.Info()
			if err != nil || !info.ModTime().Before(cutoff) {
				continue
			}
			p := filepath.Join(s.path, dir, name)
			freed += diskUse(p)
			if err := os.RemoveAll(p); err != nil {
				return freed, fmt.Errorf("gitstore: prune: %w", err)
			}
		}
	}
	return freed, nil
}

// diskUse is the bytes the files below p take.
func diskUse(p string) int64 {
	var n int64
	filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// looseObjects lists the loose objects older than cutoff, and the younger
// ones, which a prune keeps along with all they point at.
func (s *Store) looseObjects(cutoff time.Time) (old, recent []plumbing.Hash, err error) {
	root := filepath.Join(s.path, "objects")
	dirs, err := os.ReadDir(root)
	if err != nil {
		return nil, nil, fmt.Errorf("gitstore: prune: %w", err)
	}
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 || !isHex(d.Name()) {
			continue // pack, info, a push's quarantine (incoming-*)
		}
		files, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, nil, fmt.Errorf("gitstore: prune: %w", err)
		}
		for _, f := range files {
			id := d.Name() + f.Name()
			if !isObjectID(id) {
				continue // a writer's temporary file
			}
			info, err := f.Info()
			if err != nil {
				continue
			}
			if info.ModTime().Before(cutoff) {
				old = append(old, plumbing.NewHash(id))
			} else {
				recent = append(recent, plumbing.NewHash(id))
			}
		}
	}
	return old, recent, nil
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdef") == ""
}

// reachability marks the objects reachable from refs and roots.
type reachability struct {
	s    *Store
	seen map[plumbing.Hash]bool
}

// markRefs marks everything every ref (and HEAD) reaches, and every commit
// main's reflog names, as git prune keeps them: praxis repair puts a damaged
// main back at one of those.
func (r *reachability) markRefs(ctx context.Context) error {
	refs, err := r.s.listRefs("refs/")
	if err != nil {
		return err
	}
	var tips []plumbing.Hash
	for _, id := range refs {
		tips = append(tips, plumbing.NewHash(id))
	}
	if id, ok, err := r.s.readRef("HEAD"); err == nil && ok {
		tips = append(tips, plumbing.NewHash(id))
	}
	log, err := r.s.MainReflog()
	if err != nil {
		return err
	}
	for _, e := range log {
		for _, id := range []string{e.Old, e.New} {
			if id != praxis.ZeroID {
				tips = append(tips, plumbing.NewHash(id))
			}
		}
	}
	return r.mark(ctx, tips)
}

// mark marks objects and everything they point at: a tag its target, a
// commit its tree and parents, a tree its entries. An object that is missing
// (a root whose commit was never stored) is skipped.
func (r *reachability) mark(ctx context.Context, from []plumbing.Hash) error {
	queue := append([]plumbing.Hash(nil), from...)
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		hash := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if r.seen[hash] {
			continue
		}
		r.seen[hash] = true
		var next []plumbing.Hash
		err := r.s.withHandle(ctx, func(h *filesystem.Storage) error {
			// Sizes first: a blob (a recent loose one is a root) is never
			// read, and a commit, tree or tag over the limits is not
			// either; the prune then stops rather than guess what it holds.
			obj, err := loadObject(h, plumbing.AnyObject, hash, math.MaxInt64)
			if err != nil {
				return err
			}
			if obj.Type() != plumbing.BlobObject && obj.Size() > maxTreeSize {
				return tooLarge(obj.Size(), maxTreeSize)
			}
			switch obj.Type() {
			case plumbing.CommitObject:
				c, err := object.DecodeCommit(h, obj)
				if err != nil {
					return err
				}
				next = append(append(next, c.TreeHash), c.ParentHashes...)
			case plumbing.TagObject:
				t, err := object.DecodeTag(h, obj)
				if err != nil {
					return err
				}
				next = append(next, t.Target)
			case plumbing.TreeObject:
				listing, err := r.s.treeWith(h, hash)
				if err != nil {
					return err
				}
				for _, e := range listing.entries {
					if e.Mode == filemode.Submodule {
						continue // a commit of another repository
					}
					if e.Mode == filemode.Dir {
						next = append(next, e.Hash)
					} else {
						r.seen[e.Hash] = true // blobs point at nothing
					}
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, plumbing.ErrObjectNotFound) {
			return fmt.Errorf("gitstore: prune: %s: %w", hash, err)
		}
		queue = append(queue, next...)
	}
	return nil
}
