package gitstore_test

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/curriculum"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// moduleFiles returns the files of a module folder at a revision.
func moduleFiles(t *testing.T, s *gitstore.Store, rev, slug string) map[string][]byte {
	t.Helper()
	snap, err := s.Snapshot(context.Background(), rev)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	err = fs.WalkDir(snap, "modules/"+slug, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[strings.TrimPrefix(p, "modules/"+slug+"/")], err = snap.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// move returns the changes that move a module's folder, with its plan
// rewritten by edit.
func move(t *testing.T, s *gitstore.Store, from, to string, edit func(string) string) []praxis.FileChange {
	t.Helper()
	var changes []praxis.FileChange
	for name, data := range moduleFiles(t, s, "main", from) {
		if name == "module.md" {
			data = []byte(edit(string(data)))
		}
		changes = append(changes, praxis.FileChange{Path: "modules/" + from + "/" + name, Delete: true},
			praxis.FileChange{Path: "modules/" + to + "/" + name, Content: data})
	}
	return changes
}

// rewrite replaces a fraction of a plan's lines with new text.
func rewrite(rng *rand.Rand, fraction float64) func(string) string {
	return func(plan string) string {
		lines := strings.SplitAfter(plan, "\n")
		for i := range lines {
			if rng.Float64() < fraction {
				lines[i] = fmt.Sprintf("A new line %d of %s words.\n", rng.Int(), strings.Repeat("several ", rng.Intn(12)))
			}
		}
		return strings.Join(lines, "")
	}
}

func keep(plan string) string { return plan }

// gitRenames asks git which module plans a commit renamed (git diff -M50%).
func gitRenames(t *testing.T, dir, from, to string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(git(t, dir, "diff", "--find-renames=50%", "--name-status", from, to, "--", "modules"), "\n") {
		fields := strings.Split(line, "\t")
		if len(fields) == 3 && strings.HasPrefix(fields[0], "R") && strings.HasSuffix(fields[1], "/module.md") && strings.HasSuffix(fields[2], "/module.md") {
			out = append(out, strings.Split(fields[1], "/")[1]+" -> "+strings.Split(fields[2], "/")[1])
		}
	}
	slices.Sort(out)
	return out
}

func renameList(renames []praxis.ModuleRename) []string {
	var out []string
	for _, r := range renames {
		out = append(out, r.From+" -> "+r.To)
	}
	slices.Sort(out)
	return out
}

// TestModuleRenamesAgreeWithGit: praxis pairs a module folder that went away
// with one that appeared exactly when git's rename detection pairs their
// plans, and the history index records it.
func TestModuleRenamesAgreeWithGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	idx := newMemoryIndex()
	s, dir := openStore(t, idx)
	if _, err := s.Seed(ctx, curriculum.FS, author, "Seed"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(16))
	modules := []string{"exploring-class-1-where-we-come-from", "exploring-class-2-stigma", "exploring-class-3-how-class-shapes-lives",
		"organising-1-one-to-ones", "organising-2-power-mapping", "organising-6-meetings", "train-the-trainer"}
	type step struct {
		name    string
		changes func() []praxis.FileChange
	}
	n := 0
	renamed := func(slug string) string { n++; return fmt.Sprintf("%s-%d", slug, n) }
	current := slices.Clone(modules)
	steps := []step{
		{"exact rename", func() []praxis.FileChange {
			to := renamed(current[0])
			c := move(t, s, current[0], to, keep)
			current[0] = to
			return c
		}},
		{"rename with an edited plan and a new handout", func() []praxis.FileChange {
			to := renamed(current[1])
			c := append(move(t, s, current[1], to, func(p string) string { return p + "\nA closing thought.\n" }),
				praxis.FileChange{Path: "modules/" + to + "/handouts/new.md", Content: []byte("# New\n")})
			current[1] = to
			return c
		}},
		{"plan rewritten: a new module, not a rename", func() []praxis.FileChange {
			to := renamed(current[2])
			c := move(t, s, current[2], to, rewrite(rng, 0.9))
			current[2] = to
			return c
		}},
		{"two renames, a deletion and a new module at once", func() []praxis.FileChange {
			a, b := renamed(current[3]), renamed(current[4])
			c := append(move(t, s, current[3], a, keep), move(t, s, current[4], b, rewrite(rng, 0.2))...)
			c = append(c, praxis.FileChange{Path: "modules/brand-new/module.md", Content: []byte("---\ntitle: New\n---\nNothing like the others.\n")})
			for name := range moduleFiles(t, s, "main", current[5]) {
				c = append(c, praxis.FileChange{Path: "modules/" + current[5] + "/" + name, Delete: true})
			}
			current[3], current[4] = a, b
			return c
		}},
	}
	for i := range 12 { // plans kept from a fifth to nearly all: both sides of the threshold
		fraction := 0.15 + 0.06*float64(i)
		steps = append(steps, step{fmt.Sprintf("rename with %.0f%% of the plan rewritten", fraction*100), func() []praxis.FileChange {
			k := 6
			to := renamed(current[k])
			c := move(t, s, current[k], to, rewrite(rng, fraction))
			current[k] = to
			return c
		}})
	}
	seen := map[bool]bool{}
	for _, st := range steps {
		before, _ := s.Branch(ctx, "main")
		after, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: before, Changes: st.changes(), Author: author, Message: st.name})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		want := gitRenames(t, dir, before, after)
		got, err := s.ModuleRenames(ctx, before, after)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(renameList(got), want) {
			t.Errorf("%s: praxis says %v, git says %v", st.name, renameList(got), want)
		}
		if recorded := renameList(idx.records[after].Renames); !slices.Equal(recorded, want) {
			t.Errorf("%s: the index recorded %v, git says %v", st.name, recorded, want)
		}
		for _, r := range idx.records[after].Renames {
			if r.Parents != 1 {
				t.Errorf("%s: rename %+v not relative to parent 0", st.name, r)
			}
		}
		seen[len(want) > 0] = true
	}
	if !seen[true] || !seen[false] {
		t.Errorf("the cases did not cover both renames and non-renames: %v", seen)
	}
}
