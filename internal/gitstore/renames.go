package gitstore

import (
	"context"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// RenameThreshold is how similar (in percent) a new module folder must be to
// one that went away for the pair to count as a rename: git's default (-M50%).
const RenameThreshold = 50

// maxRenamePairs bounds the folder pairs compared by content in one commit;
// beyond it only folders with identical content pair up (git has such a limit
// too, diff.renameLimit).
const maxRenamePairs = 400

// ModuleRenames returns the module folders that moved between two commits:
// folders of from that to lacks, paired with folders of to that from lacks
// and whose content is the same or similar enough (RenameThreshold), as git's
// rename detection pairs files. Parents is set to 1 in each.
func (s *Store) ModuleRenames(ctx context.Context, from, to string) ([]praxis.ModuleRename, error) {
	fromTree, _, err := s.commitTree(ctx, from)
	if err != nil {
		return nil, err
	}
	toTree, _, err := s.commitTree(ctx, to)
	if err != nil {
		return nil, err
	}
	fromModules, err := s.modulesID(ctx, fromTree)
	if err != nil {
		return nil, err
	}
	toModules, err := s.modulesID(ctx, toTree)
	if err != nil {
		return nil, err
	}
	renames, err := s.folderRenames(ctx, fromModules, toModules)
	if err != nil {
		return nil, err
	}
	for i := range renames {
		renames[i].Parents = 1
	}
	return renames, nil
}

// folderRenames pairs the folders that went away between two modules/ trees
// with the folders that appeared. Parents is left zero.
func (s *Store) folderRenames(ctx context.Context, before, after plumbing.Hash) ([]praxis.ModuleRename, error) {
	if before == after || before.IsZero() || after.IsZero() {
		return nil, nil
	}
	old, err := s.folders(ctx, before)
	if err != nil {
		return nil, err
	}
	cur, err := s.folders(ctx, after)
	if err != nil {
		return nil, err
	}
	gone, added := map[string]plumbing.Hash{}, map[string]plumbing.Hash{}
	for name, id := range old {
		if _, ok := cur[name]; !ok {
			gone[name] = id
		}
	}
	for name, id := range cur {
		if _, ok := old[name]; !ok {
			added[name] = id
		}
	}
	return s.pairFolders(ctx, gone, added)
}

// pairFolders pairs folders that went away (by name, with their tree ids)
// with folders that appeared, best match first, as git pairs renamed files.
func (s *Store) pairFolders(ctx context.Context, gone, added map[string]plumbing.Hash) ([]praxis.ModuleRename, error) {
	if len(gone) == 0 || len(added) == 0 {
		return nil, nil
	}
	goneNames, addedNames := sortedNames(gone), sortedNames(added)
	type candidate struct {
		from, to string
		score    int
	}
	var candidates []candidate
	inexact := len(gone)*len(added) <= maxRenamePairs
	for _, from := range goneNames {
		for _, to := range addedNames {
			if gone[from] == added[to] {
				candidates = append(candidates, candidate{from, to, 100})
				continue
			}
			if !inexact {
				continue
			}
			score, err := s.folderSimilarity(ctx, gone[from], added[to])
			if err != nil {
				return nil, err
			}
			if score >= RenameThreshold {
				candidates = append(candidates, candidate{from, to, score})
			}
		}
	}
	// Best matches first, as git pairs them; each folder in one pair at most.
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].score > candidates[j].score })
	usedFrom, usedTo := map[string]bool{}, map[string]bool{}
	var out []praxis.ModuleRename
	for _, c := range candidates {
		if usedFrom[c.from] || usedTo[c.to] {
			continue
		}
		usedFrom[c.from], usedTo[c.to] = true, true
		out = append(out, praxis.ModuleRename{From: c.from, To: c.to, Score: c.score})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].To < out[j].To })
	return out, nil
}

func sortedNames(m map[string]plumbing.Hash) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// folders returns the sub-folders of a tree by name.
func (s *Store) folders(ctx context.Context, tree plumbing.Hash) (map[string]plumbing.Hash, error) {
	listing, err := s.tree(ctx, tree)
	if err != nil {
		return nil, err
	}
	out := map[string]plumbing.Hash{}
	for _, e := range listing.entries {
		if e.Mode == filemode.Dir {
			out[e.Name] = e.Hash
		}
	}
	return out, nil
}

// planFile is the file that makes a folder a module; its content is what a
// rename is judged by.
const planFile = "module.md"

// folderSimilarity scores how much of one module folder's plan survives in
// another's, in percent, as git scores a file rename (so a folder is renamed
// exactly when git would pair its module.md with the new one): the bytes of
// the new plan's chunks (lines, cut at 64 bytes) also found in the old, over
// the larger plan's size.
func (s *Store) folderSimilarity(ctx context.Context, a, b plumbing.Hash) (int, error) {
	planA, okA, err := s.planBlob(ctx, a)
	if err != nil || !okA {
		return 0, err
	}
	planB, okB, err := s.planBlob(ctx, b)
	if err != nil || !okB {
		return 0, err
	}
	if planA == planB {
		return 100, nil
	}
	dataA, err := s.readBlob(ctx, planA)
	if err != nil {
		return 0, ignoreTooLarge(err)
	}
	dataB, err := s.readBlob(ctx, planB)
	if err != nil {
		return 0, ignoreTooLarge(err)
	}
	larger := max(len(dataA), len(dataB))
	if larger == 0 {
		return 100, nil
	}
	return int(commonBytes(dataA, dataB) * 100 / int64(larger)), nil
}

// ignoreTooLarge drops ETOOLARGE: a file too large to read is too large to
// compare, and counts as nothing in common.
func ignoreTooLarge(err error) error {
	if praxis.ErrorCode(err) == praxis.ETOOLARGE {
		return nil
	}
	return err
}

// planBlob returns the blob id of a module folder's plan.
func (s *Store) planBlob(ctx context.Context, folder plumbing.Hash) (plumbing.Hash, bool, error) {
	listing, err := s.tree(ctx, folder)
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	i, ok := listing.byName[planFile]
	if !ok || listing.entries[i].Mode == filemode.Dir {
		return plumbing.ZeroHash, false, nil
	}
	return listing.entries[i].Hash, true, nil
}

// chunks cuts text as git's rename detection does: at each newline, and
// every 64 bytes within a longer line.
func chunks(data []byte, visit func(chunk []byte)) {
	start := 0
	for i, c := range data {
		if c == '\n' || i-start+1 == 64 {
			visit(data[start : i+1])
			start = i + 1
		}
	}
	if start < len(data) {
		visit(data[start:])
	}
}

// commonBytes counts the bytes of b's chunks that a also holds, each chunk
// of a used once.
func commonBytes(a, b []byte) int64 {
	have := map[string]int{}
	chunks(a, func(c []byte) { have[string(c)]++ })
	var n int64
	chunks(b, func(c []byte) {
		if have[string(c)] > 0 {
			have[string(c)]--
			n += int64(len(c))
		}
	})
	return n
}

// CommitRenames returns the module folders a commit moved relative to each
// of its parents, as the history index records them: for commits indexed
// before renames were recorded.
func (s *Store) CommitRenames(ctx context.Context, id string) ([]praxis.ModuleRename, error) {
	var c *object.Commit
	err := s.withHandle(ctx, func(h *filesystem.Storage) error {
		var err error
		c, err = getCommit(h, plumbing.NewHash(id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("gitstore: read commit %s: %w", id, err)
	}
	rec, err := s.record(ctx, c)
	return rec.Renames, err
}
