package gitstore

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Our order must be go-git's (and so git's): folders sort as if named "x/".
func TestSortEntriesMatchesGit(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 1))
	alphabet := []string{"a", "b", "-", ".", "a-b", "a.b", "a0", "z", "ab"}
	for range 300 {
		var entries []object.TreeEntry
		seen := map[string]bool{}
		for range 2 + r.IntN(10) {
			name := alphabet[r.IntN(len(alphabet))] + alphabet[r.IntN(len(alphabet))]
			if r.IntN(2) == 0 {
				name = alphabet[r.IntN(len(alphabet))]
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			mode := filemode.Regular
			if r.IntN(2) == 0 {
				mode = filemode.Dir
			}
			entries = append(entries, object.TreeEntry{Name: name, Mode: mode})
		}
		ours := slices.Clone(entries)
		sortEntries(ours)
		theirs := slices.Clone(entries)
		sort.Sort(object.TreeEntrySorter(theirs))
		for i := range ours {
			if ours[i].Name != theirs[i].Name {
				t.Fatalf("order differs:\nours   %v\ngo-git %v", ours, theirs)
			}
		}
	}
}

func encodeTree(t *testing.T, entries []object.TreeEntry) []byte {
	t.Helper()
	sortEntries(entries)
	obj := &plumbing.MemoryObject{}
	if err := (&object.Tree{Entries: entries}).Encode(obj); err != nil {
		t.Fatal(err)
	}
	r, _ := obj.Reader()
	buf := make([]byte, obj.Size())
	r.Read(buf)
	return buf
}

func TestChangedDirs(t *testing.T) {
	t.Parallel()
	h := func(s string) plumbing.Hash { return plumbing.ComputeHash(plumbing.BlobObject, []byte(s)) }
	dir := func(name, content string) object.TreeEntry {
		return object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h(content)}
	}
	a := encodeTree(t, []object.TreeEntry{dir("kept", "1"), dir("changed", "1"), dir("removed", "1"), {Name: "README.md", Mode: filemode.Regular, Hash: h("r")}})
	b := encodeTree(t, []object.TreeEntry{dir("kept", "1"), dir("changed", "2"), dir("added", "1"), {Name: "README.md", Mode: filemode.Regular, Hash: h("r2")}})
	got, err := changedDirs(a, b)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"added", "changed", "removed"}; !slices.Equal(got, want) {
		t.Fatalf("changedDirs = %v, want %v", got, want)
	}
	all, _ := changedDirs(a, nil)
	if len(all) != 3 {
		t.Errorf("changedDirs(a, empty) = %v", all)
	}
	if _, err := changedDirs([]byte("100644 broken"), nil); err == nil {
		t.Error("a malformed tree was accepted")
	}
}
