package gitstore

import (
	"bytes"
	"context"
	"errors"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// rawTree returns a tree object's encoded entries, cached by id. Comparing
// trees as bytes, without decoding every entry, is what keeps catching up the
// history index fast on folders of a thousand modules.
func (s *Store) rawTree(ctx context.Context, hash plumbing.Hash) ([]byte, error) {
	if hash.IsZero() {
		return nil, nil
	}
	if raw, ok := s.rawTrees.Get(hash); ok {
		return raw, nil
	}
	var raw []byte
	err := s.withHandle(ctx, func(h *filesystem.Storage) error {
		obj, err := loadObject(h, plumbing.TreeObject, hash, maxTreeSize)
		if err != nil {
			return err
		}
		raw, err = readAll(obj)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.rawTrees.Add(hash, raw)
	return raw, nil
}

// rawEntry is one entry of an encoded tree: "<mode> <name>\0<20-byte id>".
type rawEntry struct {
	name  []byte
	isDir bool
	id    []byte
}

var errBadTree = errors.New("gitstore: malformed tree object")

// nextEntry reads the entry at the start of raw and returns the rest.
func nextEntry(raw []byte) (rawEntry, []byte, error) {
	space := bytes.IndexByte(raw, ' ')
	if space < 0 {
		return rawEntry{}, nil, errBadTree
	}
	nul := bytes.IndexByte(raw[space:], 0)
	if nul < 0 || space+nul+21 > len(raw) {
		return rawEntry{}, nil, errBadTree
	}
	nul += space
	e := rawEntry{name: raw[space+1 : nul], isDir: string(raw[:space]) == "40000", id: raw[nul+1 : nul+21]}
	return e, raw[nul+21:], nil
}

// changedDirs returns the names of the folders that differ between two encoded
// trees (present in one only, or with different ids). Both are in git's order,
// so one pass over each suffices.
func changedDirs(a, b []byte) ([]string, error) {
	changed, _, _, err := dirChanges(a, b)
	return changed, err
}

// dirChanges is changedDirs that also returns the folders only a has (gone)
// and only b has (added), with their ids.
func dirChanges(a, b []byte) (changed []string, gone, added map[string]plumbing.Hash, err error) {
	changed, err = walkDirChanges(a, b, func(name []byte, id []byte, inA bool) {
		if inA {
			if gone == nil {
				gone = map[string]plumbing.Hash{}
			}
			gone[string(name)] = plumbing.Hash(id)
		} else {
			if added == nil {
				added = map[string]plumbing.Hash{}
			}
			added[string(name)] = plumbing.Hash(id)
		}
	})
	return changed, gone, added, err
}

// walkDirChanges is changedDirs calling only for each folder in one tree
// alone (inA: it is in a).
func walkDirChanges(a, b []byte, only func(name, id []byte, inA bool)) ([]string, error) {
	var out []string
	var ea, eb rawEntry
	var err error
	haveA, haveB := len(a) > 0, len(b) > 0
	if haveA {
		if ea, a, err = nextEntry(a); err != nil {
			return nil, err
		}
	}
	if haveB {
		if eb, b, err = nextEntry(b); err != nil {
			return nil, err
		}
	}
	advanceA := func() error {
		haveA = len(a) > 0
		if haveA {
			ea, a, err = nextEntry(a)
		}
		return err
	}
	advanceB := func() error {
		haveB = len(b) > 0
		if haveB {
			eb, b, err = nextEntry(b)
		}
		return err
	}
	for haveA || haveB {
		cmp := 0
		switch {
		case !haveA:
			cmp = 1
		case !haveB:
			cmp = -1
		default:
			cmp = compareEntryNames(ea.name, ea.isDir, eb.name, eb.isDir)
		}
		switch {
		case cmp < 0:
			if ea.isDir {
				out = append(out, string(ea.name))
				only(ea.name, ea.id, true)
			}
			if err := advanceA(); err != nil {
				return nil, err
			}
		case cmp > 0:
			if eb.isDir {
				out = append(out, string(eb.name))
				only(eb.name, eb.id, false)
			}
			if err := advanceB(); err != nil {
				return nil, err
			}
		default:
			if (ea.isDir || eb.isDir) && (ea.isDir != eb.isDir || !bytes.Equal(ea.id, eb.id)) {
				out = append(out, string(ea.name))
			}
			if err := advanceA(); err != nil {
				return nil, err
			}
			if err := advanceB(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// compareEntryNames orders tree entries as git does: folders as if their names
// ended in "/".
func compareEntryNames[T string | []byte](a T, aDir bool, b T, bDir bool) int {
	at := func(s T, dir bool, i int) int {
		switch {
		case i < len(s):
			return int(s[i])
		case i == len(s) && dir:
			return '/'
		}
		return -1 // past the end
	}
	for i := 0; ; i++ {
		ca, cb := at(a, aDir, i), at(b, bDir, i)
		switch {
		case ca < cb:
			return -1
		case ca > cb:
			return 1
		case ca == -1:
			return 0
		}
	}
}
