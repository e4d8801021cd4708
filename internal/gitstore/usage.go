package gitstore

import (
	"context"
	"fmt"
	"path"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// maxUsageWalk bounds the commits StorageUnder visits.
const maxUsageWalk = 20_000

// sizedBlob is a file's content, by id, and its size.
type sizedBlob struct {
	id   plumbing.Hash
	size int64
}

// StorageUnder returns what the branches under the given ref prefixes (such
// as "refs/heads/forks/12/") add to the repository beyond main: every
// distinct file content that their commits not on main introduce (content a
// commit has at a path where it differs from each of its parents), counted
// once at its full size. History counts: a file deleted since is still
// stored, until its branch goes and a prune reclaims it. Sizes come from
// object headers; no file is read. Main's commits are known from the history
// index when the store has one (caught up first), else by comparing with
// main.
func (s *Store) StorageUnder(ctx context.Context, prefixes ...string) (int64, error) {
	var heads []string
	for _, prefix := range prefixes {
		refs, err := s.listRefs(prefix)
		if err != nil {
			return 0, err
		}
		for _, id := range refs {
			heads = append(heads, id)
		}
	}
	if len(heads) == 0 {
		return 0, nil
	}
	sort.Strings(heads)
	commits, err := s.commitsOffMain(ctx, heads)
	if err != nil {
		return 0, err
	}
	counted := map[plumbing.Hash]bool{}
	var total int64
	for _, id := range commits {
		blobs, err := s.introduced(ctx, id)
		if err != nil {
			return 0, err
		}
		for _, b := range blobs {
			if !counted[b.id] {
				counted[b.id] = true
				total += b.size
			}
		}
	}
	return total, nil
}

// commitsOffMain lists the commits reachable from heads and not from main.
func (s *Store) commitsOffMain(ctx context.Context, heads []string) ([]string, error) {
	main, hasMain, err := s.readRef(BranchRef(praxis.MainBranch))
	if err != nil {
		return nil, err
	}
	if s.indexer == nil || !hasMain {
		seen := map[string]bool{}
		var out []string
		for _, head := range heads {
			only := []string{head}
			if hasMain {
				if _, only, err = s.compare(ctx, main, head); err != nil {
					return nil, err
				}
			}
			for _, id := range only {
				if !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
		}
		return out, nil
	}
	if _, err := s.CatchUp(ctx); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	frontier := heads
	for len(frontier) > 0 {
		if len(seen) > maxUsageWalk {
			return nil, praxis.Errorf(praxis.ETOOLARGE, "these branches hold more than %d commits that are not on main", maxUsageWalk)
		}
		onMain, err := s.indexer.IndexedCommits(ctx, frontier)
		if err != nil {
			return nil, fmt.Errorf("gitstore: storage: %w", err)
		}
		var next []string
		for _, id := range frontier {
			if onMain[id] || seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, id)
			c, err := s.FindCommit(ctx, id)
			if err != nil {
				return nil, err
			}
			next = append(next, c.Parents...)
		}
		frontier = next
	}
	return out, nil
}

// introduced returns the file contents a commit introduces, with their
// sizes: those it has at a path where it differs from every parent (every
// file, for a root commit). Cached by commit id.
func (s *Store) introduced(ctx context.Context, id string) ([]sizedBlob, error) {
	if blobs, ok := s.introducedBy.Get(id); ok {
		return blobs, nil
	}
	c, err := s.FindCommit(ctx, id)
	if err != nil {
		return nil, err
	}
	var paths map[string]string // path -> blob id new in this commit
	if len(c.Parents) == 0 {
		tree, _, err := s.commitTree(ctx, id)
		if err != nil {
			return nil, err
		}
		paths = map[string]string{}
		if err := s.allFiles(ctx, tree, "", paths); err != nil {
			return nil, err
		}
	}
	for i, parent := range c.Parents {
		changed, err := s.ChangedFiles(ctx, parent, id, "")
		if err != nil {
			return nil, err
		}
		now := map[string]string{}
		for _, f := range changed {
			if f.NewID != "" && (i == 0 || paths[f.Path] == f.NewID) {
				now[f.Path] = f.NewID
			}
		}
		paths = now
	}
	var blobs []sizedBlob
	for _, blob := range paths {
		size, err := s.BlobSize(ctx, blob)
		if err != nil {
			return nil, err
		}
		blobs = append(blobs, sizedBlob{id: plumbing.NewHash(blob), size: size})
	}
	s.introducedBy.Add(id, blobs)
	return blobs, nil
}

// allFiles maps every file below a tree to its blob id.
func (s *Store) allFiles(ctx context.Context, tree plumbing.Hash, dir string, into map[string]string) error {
	listing, err := s.tree(ctx, tree)
	if err != nil {
		return err
	}
	for _, e := range listing.entries {
		switch e.Mode {
		case filemode.Dir:
			if err := s.allFiles(ctx, e.Hash, path.Join(dir, e.Name), into); err != nil {
				return err
			}
		case filemode.Submodule:
		default:
			into[path.Join(dir, e.Name)] = e.Hash.String()
		}
	}
	return nil
}
