package gitstore

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// maxWalk bounds how many commits a comparison visits.
const maxWalk = 200_000

// Comparison says how two commits relate.
type Comparison struct {
	// Base is the best common ancestor ("" when the histories are unrelated).
	Base string
	// Ahead counts commits reachable from the second commit but not the first;
	// Behind counts those reachable from the first but not the second.
	Ahead, Behind int
}

// Compare finds the merge base of from and to and counts the commits each has
// that the other lacks, as `git rev-list --left-right --count from...to` does.
// It walks both histories newest first and stops as soon as everything left is
// common, so its cost is the number of commits since the two diverged.
func (s *Store) Compare(ctx context.Context, from, to string) (Comparison, error) {
	cmp, _, err := s.compare(ctx, from, to)
	return cmp, err
}

// Log returns the commits reachable from head but not from exclude ("" for
// none), newest first, at most limit of them: `git log exclude..head`.
func (s *Store) Log(ctx context.Context, head, exclude string, limit int) ([]praxis.Commit, error) {
	var ids []string
	if exclude == "" {
		ids = []string{head}
		for len(ids) < limit {
			c, err := s.FindCommit(ctx, ids[len(ids)-1])
			if err != nil || len(c.Parents) == 0 {
				break
			}
			ids = append(ids, c.Parents[0])
		}
	} else {
		var err error
		if _, ids, err = s.compare(ctx, exclude, head); err != nil {
			return nil, err
		}
	}
	out := make([]praxis.Commit, 0, len(ids))
	for _, id := range ids {
		c, err := s.FindCommit(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Committer.When.After(out[j].Committer.When) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// compare is Compare, also returning the commits only to has.
func (s *Store) compare(ctx context.Context, from, to string) (Comparison, []string, error) {
	const (
		left   = 1
		right  = 2
		both   = left | right
		common = 4 // reached through a commit that was already common
	)
	if from == to {
		return Comparison{Base: from}, nil, nil
	}
	type node struct {
		id    string
		when  int64
		flags int
	}
	nodes := map[string]*node{}
	var queue commitQueue
	var walkErr error
	push := func(id string, flags int) {
		n, ok := nodes[id]
		if !ok {
			var when int64
			walkErr = s.withHandle(ctx, func(h *filesystem.Storage) error {
				c, err := getCommit(h, plumbing.NewHash(id))
				if err != nil {
					return err
				}
				when = c.Committer.When.Unix()
				return nil
			})
			n = &node{id: id, when: when}
			nodes[id] = n
		}
		if n.flags|flags != n.flags {
			n.flags |= flags
			heap.Push(&queue, queued{id: id, when: n.when})
		}
	}
	push(from, left)
	push(to, right)
	for queue.Len() > 0 && walkErr == nil {
		if len(nodes) > maxWalk {
			return Comparison{}, nil, fmt.Errorf("gitstore: compare %s and %s: more than %d commits", from, to, maxWalk)
		}
		if queue.allCommon(func(id string) bool { return nodes[id].flags&both == both }) {
			break
		}
		item := heap.Pop(&queue).(queued)
		n := nodes[item.id]
		flags := n.flags
		if flags&both == both {
			flags |= common // its ancestors are common, and not the best base
		}
		var parents []string
		walkErr = s.withHandle(ctx, func(h *filesystem.Storage) error {
			c, err := getCommit(h, plumbing.NewHash(n.id))
			if err != nil {
				return err
			}
			for _, p := range c.ParentHashes {
				parents = append(parents, p.String())
			}
			return nil
		})
		for _, p := range parents {
			push(p, flags)
		}
	}
	if walkErr != nil {
		return Comparison{}, nil, fmt.Errorf("gitstore: compare %s and %s: %w", from, to, walkErr)
	}
	var cmp Comparison
	var candidates, onlyTo []string
	for _, n := range nodes {
		switch {
		case n.flags&both == left:
			cmp.Behind++
		case n.flags&both == right:
			cmp.Ahead++
			onlyTo = append(onlyTo, n.id)
		case n.flags&common == 0:
			candidates = append(candidates, n.id) // common, reached from no common commit
		}
	}
	// Of the candidates, the best is the newest; others are usually its ancestors.
	sort.SliceStable(candidates, func(i, j int) bool { return nodes[candidates[i]].when > nodes[candidates[j]].when })
	if len(candidates) > 0 {
		cmp.Base = candidates[0]
	}
	return cmp, onlyTo, nil
}

type queued struct {
	id   string
	when int64
}

// commitQueue orders commits newest first.
type commitQueue []queued

func (q commitQueue) Len() int           { return len(q) }
func (q commitQueue) Less(i, j int) bool { return q[i].when > q[j].when }
func (q commitQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *commitQueue) Push(x any)        { *q = append(*q, x.(queued)) }
func (q *commitQueue) Pop() any          { old := *q; n := len(old); it := old[n-1]; *q = old[:n-1]; return it }
func (q commitQueue) allCommon(isCommon func(string) bool) bool {
	for _, it := range q {
		if !isCommon(it.id) {
			return false
		}
	}
	return true
}

// FileDiff is a file that differs between two commits.
type FileDiff struct {
	Path string
	// OldID and NewID are blob ids; "" when the file is absent on that side.
	OldID, NewID string
}

// ChangedFiles lists the files that differ between two commits, below prefix
// ("" for all), sorted by path. Equal subtrees are skipped without reading them.
func (s *Store) ChangedFiles(ctx context.Context, from, to, prefix string) ([]FileDiff, error) {
	return s.ChangedFilesMoved(ctx, from, prefix, to, prefix)
}

// ChangedFilesMoved lists the files that differ between the folder fromDir
// at commit from and the folder toDir at commit to (a module before and after
// its folder was moved), named by their paths under toDir.
func (s *Store) ChangedFilesMoved(ctx context.Context, from, fromDir, to, toDir string) ([]FileDiff, error) {
	prefix := toDir
	fromTree, _, err := s.commitTree(ctx, from)
	if err != nil {
		return nil, err
	}
	toTree, _, err := s.commitTree(ctx, to)
	if err != nil {
		return nil, err
	}
	var out []FileDiff
	var walk func(dir string, a, b plumbing.Hash) error
	walk = func(dir string, a, b plumbing.Hash) error {
		if a == b {
			return nil
		}
		ea, err := s.entriesOf(ctx, a)
		if err != nil {
			return err
		}
		eb, err := s.entriesOf(ctx, b)
		if err != nil {
			return err
		}
		for _, name := range unionNames(ea, eb) {
			p := path.Join(dir, name)
			x, y := ea[name], eb[name]
			if x.Hash == y.Hash && x.Mode == y.Mode {
				continue
			}
			xDir, yDir := x.Mode == filemode.Dir, y.Mode == filemode.Dir
			if xDir || yDir {
				var xd, yd plumbing.Hash
				if xDir {
					xd = x.Hash
				} else if !x.Hash.IsZero() {
					out = append(out, FileDiff{Path: p, OldID: x.Hash.String()})
				}
				if yDir {
					yd = y.Hash
				} else if !y.Hash.IsZero() {
					out = append(out, FileDiff{Path: p, NewID: y.Hash.String()})
				}
				if err := walk(p, xd, yd); err != nil {
					return err
				}
				continue
			}
			out = append(out, FileDiff{Path: p, OldID: idOrEmpty(x.Hash), NewID: idOrEmpty(y.Hash)})
		}
		return nil
	}
	start := prefix
	a, b := fromTree, toTree
	if fromDir != "" {
		if a, err = s.subtree(ctx, fromTree, fromDir); err != nil {
			return nil, err
		}
	}
	if toDir != "" {
		if b, err = s.subtree(ctx, toTree, toDir); err != nil {
			return nil, err
		}
	}
	if err := walk(start, a, b); err != nil {
		return nil, fmt.Errorf("gitstore: changed files %s..%s: %w", praxis.ShortID(from), praxis.ShortID(to), err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func idOrEmpty(h plumbing.Hash) string {
	if h.IsZero() {
		return ""
	}
	return h.String()
}

// entriesOf maps a tree's entries by name; the zero hash is an empty tree.
func (s *Store) entriesOf(ctx context.Context, tree plumbing.Hash) (map[string]object.TreeEntry, error) {
	out := map[string]object.TreeEntry{}
	if tree.IsZero() {
		return out, nil
	}
	listing, err := s.tree(ctx, tree)
	if err != nil {
		return nil, err
	}
	for _, e := range listing.entries {
		out[e.Name] = e
	}
	return out, nil
}

// subtree returns the id of the folder at dir in a tree, or the zero hash.
func (s *Store) subtree(ctx context.Context, root plumbing.Hash, dir string) (plumbing.Hash, error) {
	current := root
	for _, part := range splitPath(dir) {
		listing, err := s.tree(ctx, current)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		i, ok := listing.byName[part]
		if !ok || listing.entries[i].Mode != filemode.Dir {
			return plumbing.ZeroHash, nil
		}
		current = listing.entries[i].Hash
	}
	return current, nil
}

func splitPath(p string) []string {
	var parts []string
	for _, part := range strings.Split(p, "/") {
		if part != "" {
			parts = append(parts, part)
		}
	}
	return parts
}

func unionNames(maps ...map[string]object.TreeEntry) []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range maps {
		for name := range m {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// ReadBlob returns the content of a blob by id.
func (s *Store) ReadBlob(ctx context.Context, id string) ([]byte, error) {
	if !isObjectID(id) {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no file %q", id)
	}
	return s.readBlob(ctx, plumbing.NewHash(id))
}

// BlobSize returns the size of a blob by id, read from its header without
// inflating it.
func (s *Store) BlobSize(ctx context.Context, id string) (int64, error) {
	if !isObjectID(id) {
		return 0, praxis.Errorf(praxis.ENOTFOUND, "there is no file %q", id)
	}
	var size int64
	err := s.withHandle(ctx, func(h *filesystem.Storage) error {
		obj, err := loadObject(h, plumbing.BlobObject, plumbing.NewHash(id), math.MaxInt64)
		if err == nil {
			size = obj.Size()
		}
		return err
	})
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return 0, praxis.Errorf(praxis.ENOTFOUND, "there is no file %q", id)
	}
	if err != nil {
		return 0, fmt.Errorf("gitstore: size of %s: %w", id, err)
	}
	return size, nil
}
