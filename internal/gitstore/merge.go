package gitstore

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"sort"
	"unicode/utf8"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/praxis-coop/praxis/internal/diff"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// MergeResult is the outcome of a three-way merge of two commits.
type MergeResult struct {
	// Base is the merge base; Ours and Theirs the commits merged.
	Base, Ours, Theirs string
	// Tree is the merged tree. Conflicted text files hold conflict markers;
	// other conflicted paths keep our side. Empty for a dry run.
	Tree string
	// Conflicts lists the paths that could not be merged, sorted by path.
	Conflicts []praxis.MergeConflict
}

// Clean reports whether the merge had no conflicts.
func (r *MergeResult) Clean() bool { return len(r.Conflicts) == 0 }

// MergeOptions shapes a merge.
type MergeOptions struct {
	// OursLabel and TheirsLabel name the sides in conflict markers.
	OursLabel, TheirsLabel string
	// Write stores the merged tree so that it can be committed; without it the
	// merge only reports what would happen.
	Write bool
}

// Merge merges theirs into ours, path by path from their merge base: a path
// changed on one side only takes that side, a path changed the same way on both
// keeps it, text changed on both is merged line by line, and anything else (a
// binary file or a deletion on one side and a change on the other) is a
// conflict. Unchanged subtrees are never read. A module folder that one side
// moved since the base (ModuleRenames) is moved on the other side too before
// the paths are merged, so changes made to it under its old name follow it,
// as git's merge follows renames; moving one folder to two names is a
// conflict.
func (s *Store) Merge(ctx context.Context, ours, theirs string, opts MergeOptions) (*MergeResult, error) {
	if opts.OursLabel == "" {
		opts.OursLabel = "ours"
	}
	if opts.TheirsLabel == "" {
		opts.TheirsLabel = "theirs"
	}
	cmp, err := s.Compare(ctx, ours, theirs)
	if err != nil {
		return nil, err
	}
	result := &MergeResult{Base: cmp.Base, Ours: ours, Theirs: theirs}
	var baseTree plumbing.Hash
	if cmp.Base != "" {
		if baseTree, _, err = s.commitTree(ctx, cmp.Base); err != nil {
			return nil, err
		}
	}
	oursTree, _, err := s.commitTree(ctx, ours)
	if err != nil {
		return nil, err
	}
	theirsTree, _, err := s.commitTree(ctx, theirs)
	if err != nil {
		return nil, err
	}
	if opts.Write {
		release, err := s.HoldObjects()
		if err != nil {
			return nil, err
		}
		defer release()
	}
	var moves moduleMoves
	if !baseTree.IsZero() {
		if moves, err = s.moduleMoves(ctx, baseTree, oursTree, theirsTree); err != nil {
			return nil, err
		}
	}
	err = s.withHandle(ctx, func(h *filesystem.Storage) error {
		m := &merger{s: s, h: h, opts: opts, result: result, virtual: map[plumbing.Hash][]object.TreeEntry{}}
		result.Conflicts = append(result.Conflicts, moves.conflicts...)
		base, ours, theirs, err := m.followMoves(moves, baseTree, oursTree, theirsTree)
		if err != nil {
			return err
		}
		tree, err := m.mergeTrees("", base, ours, theirs)
		if err != nil {
			return err
		}
		if opts.Write {
			result.Tree = tree.String()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gitstore: merge %s into %s: %w", praxis.ShortID(theirs), praxis.ShortID(ours), err)
	}
	sort.Slice(result.Conflicts, func(i, j int) bool { return result.Conflicts[i].Path < result.Conflicts[j].Path })
	return result, nil
}

type merger struct {
	s      *Store
	h      *filesystem.Storage
	opts   MergeOptions
	result *MergeResult
	// virtual holds trees made for the merge and not written (a dry run).
	virtual map[plumbing.Hash][]object.TreeEntry
}

func (m *merger) conflict(p, reason string, lines []int) {
	m.result.Conflicts = append(m.result.Conflicts, praxis.MergeConflict{Path: p, Reason: reason, Lines: lines})
}

func (m *merger) entries(tree plumbing.Hash) (map[string]object.TreeEntry, error) {
	out := map[string]object.TreeEntry{}
	if tree.IsZero() {
		return out, nil
	}
	if entries, ok := m.virtual[tree]; ok {
		for _, e := range entries {
			out[e.Name] = e
		}
		return out, nil
	}
	listing, err := m.s.treeWith(m.h, tree)
	if err != nil {
		return nil, err
	}
	for _, e := range listing.entries {
		out[e.Name] = e
	}
	return out, nil
}

// mergeTrees returns the merged tree of a folder (zero for an empty result).
func (m *merger) mergeTrees(dir string, base, ours, theirs plumbing.Hash) (plumbing.Hash, error) {
	switch {
	case ours == theirs:
		return ours, nil
	case base == ours:
		return theirs, nil
	case base == theirs:
		return ours, nil
	}
	eb, err := m.entries(base)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	eo, err := m.entries(ours)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	et, err := m.entries(theirs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	tree := &object.Tree{}
	for _, name := range unionNames(eb, eo, et) {
		p := path.Join(dir, name)
		b, o, t := eb[name], eo[name], et[name]
		entry, keep, err := m.mergeEntry(p, name, b, o, t)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if keep {
			tree.Entries = append(tree.Entries, entry)
		}
	}
	if len(tree.Entries) == 0 {
		return plumbing.ZeroHash, nil
	}
	sortEntries(tree.Entries)
	return m.store(tree)
}

// mergeEntry merges one name of a folder; keep is false when the result is that
// the path does not exist.
func (m *merger) mergeEntry(p, name string, b, o, t object.TreeEntry) (object.TreeEntry, bool, error) {
	same := func(x, y object.TreeEntry) bool { return x.Hash == y.Hash && x.Mode == y.Mode }
	present := func(e object.TreeEntry) bool { return !e.Hash.IsZero() }
	switch {
	case same(o, t):
		return o, present(o), nil
	case same(b, o):
		return t, present(t), nil
	case same(b, t):
		return o, present(o), nil
	}
	oDir, tDir := o.Mode == filemode.Dir, t.Mode == filemode.Dir
	switch {
	case (oDir || !present(o)) && (tDir || !present(t)):
		// Folders on both sides, or a folder on one and nothing on the other
		// (its last file deleted): merge their contents, an absent folder
		// counting as empty.
		var bd, od, td plumbing.Hash
		if b.Mode == filemode.Dir {
			bd = b.Hash
		}
		if oDir {
			od = o.Hash
		}
		if tDir {
			td = t.Hash
		}
		merged, err := m.mergeTrees(p, bd, od, td)
		if err != nil {
			return object.TreeEntry{}, false, err
		}
		return object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: merged}, !merged.IsZero(), nil
	case !present(o) || !present(t):
		if !present(o) {
			m.conflict(p, fmt.Sprintf("deleted in %s but changed in %s", m.opts.OursLabel, m.opts.TheirsLabel), nil)
			return t, true, nil
		}
		m.conflict(p, fmt.Sprintf("changed in %s but deleted in %s", m.opts.OursLabel, m.opts.TheirsLabel), nil)
		return o, true, nil
	case oDir || tDir:
		m.conflict(p, "a file on one side and a folder on the other", nil)
		return o, true, nil
	}
	// Both sides changed the same file.
	var baseText []byte
	var err error
	if present(b) && b.Mode != filemode.Dir {
		if baseText, err = m.blob(b.Hash); err != nil {
			return object.TreeEntry{}, false, err
		}
	}
	oursText, err := m.blob(o.Hash)
	if err != nil {
		return object.TreeEntry{}, false, err
	}
	theirsText, err := m.blob(t.Hash)
	if err != nil {
		return object.TreeEntry{}, false, err
	}
	if isBinary(baseText) || isBinary(oursText) || isBinary(theirsText) {
		m.conflict(p, "a binary file changed on both sides; choose one version", nil)
		return o, true, nil
	}
	merged, regions := diff.Merge3(string(baseText), string(oursText), string(theirsText), m.opts.OursLabel, m.opts.TheirsLabel)
	if len(regions) > 0 {
		var lines []int
		for _, r := range regions {
			lines = append(lines, r.Start)
		}
		m.conflict(p, "both sides changed the same lines", lines)
	}
	hash, err := m.storeBlob([]byte(merged))
	if err != nil {
		return object.TreeEntry{}, false, err
	}
	return object.TreeEntry{Name: name, Mode: o.Mode, Hash: hash}, true, nil
}

func (m *merger) blob(hash plumbing.Hash) ([]byte, error) {
	obj, err := loadObject(m.h, plumbing.BlobObject, hash, MaxBlobSize)
	if praxis.ErrorCode(err) == praxis.ETOOLARGE {
		return nil, praxis.Errorf(praxis.ETOOLARGE, "a file is too large to merge (over %s)", megabytes(MaxBlobSize))
	}
	if err != nil {
		return nil, err
	}
	return readAll(obj)
}

// store computes a tree's id, writing it only when the merge is for real.
func (m *merger) store(tree *object.Tree) (plumbing.Hash, error) {
	obj := m.h.NewEncodedObject()
	if err := tree.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	if !m.opts.Write {
		return obj.Hash(), nil
	}
	if m.h.HasEncodedObject(obj.Hash()) == nil {
		m.s.freshen(obj.Hash())
		return obj.Hash(), nil
	}
	return m.h.SetEncodedObject(obj)
}

func (m *merger) storeBlob(content []byte) (plumbing.Hash, error) {
	if !m.opts.Write {
		return plumbing.ComputeHash(plumbing.BlobObject, content), nil
	}
	return m.s.writeBlob(m.h, content)
}

// isBinary reports whether content is not text: it holds a NUL byte or is not
// valid UTF-8.
func isBinary(content []byte) bool {
	return bytes.IndexByte(content, 0) >= 0 || !utf8.Valid(content)
}

// moduleMoves are the module folders to move in each tree of a merge so that
// both sides' changes meet at the new names.
type moduleMoves struct {
	base, ours, theirs map[string]string // old folder name -> new
	// conflicts are folders the two sides moved to different names.
	conflicts []praxis.MergeConflict
}

// moduleMoves works out which module folders one side moved since the base
// while the other kept them under the old name.
func (s *Store) moduleMoves(ctx context.Context, base, ours, theirs plumbing.Hash) (moduleMoves, error) {
	moves := moduleMoves{base: map[string]string{}, ours: map[string]string{}, theirs: map[string]string{}}
	var mods [3]plumbing.Hash
	for i, root := range []plumbing.Hash{base, ours, theirs} {
		var err error
		if mods[i], err = s.modulesID(ctx, root); err != nil {
			return moves, err
		}
	}
	if mods[0].IsZero() || (mods[0] == mods[1] && mods[0] == mods[2]) {
		return moves, nil
	}
	var folders [3]map[string]plumbing.Hash
	for i, t := range mods {
		var err error
		if folders[i], err = s.folders(ctx, t); err != nil && !t.IsZero() {
			return moves, err
		}
	}
	oursMoved, err := s.folderRenames(ctx, mods[0], mods[1])
	if err != nil {
		return moves, err
	}
	theirsMoved, err := s.folderRenames(ctx, mods[0], mods[2])
	if err != nil {
		return moves, err
	}
	apply := func(moved []praxis.ModuleRename, other map[string]plumbing.Hash, into map[string]string) {
		for _, r := range moved {
			_, kept := other[r.From]
			_, taken := other[r.To]
			if kept && !taken {
				moves.base[r.From], into[r.From] = r.To, r.To
			}
		}
	}
	apply(theirsMoved, folders[1], moves.ours)
	apply(oursMoved, folders[2], moves.theirs)
	for _, o := range oursMoved {
		for _, t := range theirsMoved {
			if o.From == t.From && o.To != t.To {
				moves.conflicts = append(moves.conflicts, praxis.MergeConflict{Path: "modules/" + o.From,
					Reason: fmt.Sprintf("moved to modules/%s on one side and to modules/%s on the other; keep one", o.To, t.To)})
			}
		}
	}
	return moves, nil
}

// followMoves returns the three trees of a merge with moved module folders
// moved in the others too, and records a conflict for a folder the two sides
// moved to different names.
func (m *merger) followMoves(moves moduleMoves, base, ours, theirs plumbing.Hash) (plumbing.Hash, plumbing.Hash, plumbing.Hash, error) {
	if len(moves.base) == 0 {
		return base, ours, theirs, nil
	}
	var err error
	if base, err = m.moveFolders(base, moves.base); err != nil {
		return base, ours, theirs, err
	}
	if ours, err = m.moveFolders(ours, moves.ours); err != nil {
		return base, ours, theirs, err
	}
	theirs, err = m.moveFolders(theirs, moves.theirs)
	return base, ours, theirs, err
}

// moveFolders returns root with the module folders in moves renamed.
func (m *merger) moveFolders(root plumbing.Hash, moves map[string]string) (plumbing.Hash, error) {
	if len(moves) == 0 {
		return root, nil
	}
	top, err := m.entries(root)
	if err != nil {
		return root, err
	}
	modules, ok := top["modules"]
	if !ok || modules.Mode != filemode.Dir {
		return root, nil
	}
	folders, err := m.entries(modules.Hash)
	if err != nil {
		return root, err
	}
	for from, to := range moves {
		e, ok := folders[from]
		if !ok {
			continue
		}
		delete(folders, from)
		e.Name = to
		folders[to] = e
	}
	modulesTree, err := m.makeTree(folders)
	if err != nil {
		return root, err
	}
	top["modules"] = object.TreeEntry{Name: "modules", Mode: filemode.Dir, Hash: modulesTree}
	return m.makeTree(top)
}

// makeTree stores a tree for a real merge; for a dry run it is kept in
// memory only.
func (m *merger) makeTree(entries map[string]object.TreeEntry) (plumbing.Hash, error) {
	tree := &object.Tree{}
	for _, e := range entries {
		tree.Entries = append(tree.Entries, e)
	}
	sortEntries(tree.Entries)
	hash, err := m.store(tree)
	if err == nil && !m.opts.Write {
		m.virtual[hash] = tree.Entries
	}
	return hash, err
}
