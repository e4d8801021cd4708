package gitstore_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func commitOn(t *testing.T, s *gitstore.Store, branch string, changes ...praxis.FileChange) string {
	t.Helper()
	ctx := context.Background()
	head, err := s.Branch(ctx, branch)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: branch, Expected: head, Author: author, Message: "edit on " + branch, Changes: changes})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func file(path, content string) praxis.FileChange {
	return praxis.FileChange{Path: path, Content: []byte(content)}
}

func TestCompareMatchesGit(t *testing.T) {
	t.Parallel()
	s, dir, first := seeded(t, nil)
	ctx := context.Background()
	if err := s.CreateBranch(ctx, "forks/1/stigma", first); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		commitOn(t, s, "main", file(fmt.Sprintf("main-%d.md", i), "x"))
	}
	for i := range 2 {
		commitOn(t, s, "forks/1/stigma", file(fmt.Sprintf("fork-%d.md", i), "y"))
	}
	main, _ := s.Branch(ctx, "main")
	fork, _ := s.Branch(ctx, "forks/1/stigma")
	cmp, err := s.Compare(ctx, main, fork)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Base != first || cmp.Ahead != 2 || cmp.Behind != 3 {
		t.Fatalf("Compare = %+v, want base %s, ahead 2, behind 3", cmp, first)
	}
	if git := git(t, dir, "merge-base", main, fork); git != cmp.Base {
		t.Errorf("git merge-base = %s, praxis %s", git, cmp.Base)
	}
	if git := git(t, dir, "rev-list", "--left-right", "--count", main+"..."+fork); git != fmt.Sprintf("%d\t%d", cmp.Behind, cmp.Ahead) {
		t.Errorf("git rev-list --count = %q, praxis behind %d ahead %d", git, cmp.Behind, cmp.Ahead)
	}
	// After merging main into the fork, the fork is behind by nothing.
	res, err := s.Merge(ctx, fork, main, gitstore.MergeOptions{Write: true})
	if err != nil || !res.Clean() {
		t.Fatalf("Merge = %+v %v", res, err)
	}
	merged, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: "forks/1/stigma", Expected: fork, Parents: []string{fork, main}, Tree: res.Tree, Author: author, Message: "Update from main"})
	if err != nil {
		t.Fatal(err)
	}
	cmp, _ = s.Compare(ctx, main, merged)
	if cmp.Base != main || cmp.Behind != 0 || cmp.Ahead != 3 {
		t.Fatalf("after update, Compare = %+v, want base main, behind 0, ahead 3", cmp)
	}
	for _, name := range []string{"main-2.md", "fork-1.md"} {
		if got := readFile(t, s, merged, name); got == "" {
			t.Errorf("merged tree lacks %s", name)
		}
	}
	gitFsck(t, dir)
}

func TestMergeCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := "# Plan\n\nIntro line.\n\nMiddle line.\n\nClosing line.\n"
	binary := string([]byte{0x89, 'P', 'N', 'G', 0, 1, 2, 3})
	tests := []struct {
		name      string
		ours      []praxis.FileChange
		theirs    []praxis.FileChange
		want      map[string]string // path -> content; "" means absent
		conflicts []string
	}{
		{"different parts of one file",
			[]praxis.FileChange{file("modules/stigma/module.md", strings.Replace(base, "Intro line.", "Our intro.", 1))},
			[]praxis.FileChange{file("modules/stigma/module.md", strings.Replace(base, "Closing line.", "Their closing.", 1))},
			map[string]string{"modules/stigma/module.md": "# Plan\n\nOur intro.\n\nMiddle line.\n\nTheir closing.\n"}, nil},
		{"same line differently",
			[]praxis.FileChange{file("modules/stigma/module.md", strings.Replace(base, "Middle line.", "Ours.", 1))},
			[]praxis.FileChange{file("modules/stigma/module.md", strings.Replace(base, "Middle line.", "Theirs.", 1))},
			nil, []string{"modules/stigma/module.md"}},
		{"different files",
			[]praxis.FileChange{file("a.md", "a")},
			[]praxis.FileChange{file("b.md", "b")},
			map[string]string{"a.md": "a", "b.md": "b"}, nil},
		{"deleted on their side, untouched here",
			nil,
			[]praxis.FileChange{{Path: "modules/stigma/handouts/cards.md", Delete: true}},
			map[string]string{"modules/stigma/handouts/cards.md": ""}, nil},
		{"deleted here, changed there",
			[]praxis.FileChange{{Path: "modules/stigma/handouts/cards.md", Delete: true}},
			[]praxis.FileChange{file("modules/stigma/handouts/cards.md", "new cards")},
			nil, []string{"modules/stigma/handouts/cards.md"}},
		{"binary added there",
			nil,
			[]praxis.FileChange{file("modules/stigma/handouts/map.png", binary)},
			map[string]string{"modules/stigma/handouts/map.png": binary}, nil},
		{"binary changed on both sides",
			[]praxis.FileChange{file("modules/stigma/handouts/cards.md", binary+"ours")},
			[]praxis.FileChange{file("modules/stigma/handouts/cards.md", binary+"theirs")},
			nil, []string{"modules/stigma/handouts/cards.md"}},
		{"same change on both sides",
			[]praxis.FileChange{file("x.md", "same")},
			[]praxis.FileChange{file("x.md", "same")},
			map[string]string{"x.md": "same"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir, first := seeded(t, nil)
			commitOn(t, s, "main", file("modules/stigma/module.md", base))
			start, _ := s.Branch(ctx, "main")
			s.CreateBranch(ctx, "proposals/1/x", start)
			ours, theirs := start, start
			if tt.ours != nil {
				ours = commitOn(t, s, "main", tt.ours...)
			}
			if tt.theirs != nil {
				theirs = commitOn(t, s, "proposals/1/x", tt.theirs...)
			}
			dry, err := s.Merge(ctx, ours, theirs, gitstore.MergeOptions{OursLabel: "main", TheirsLabel: "proposal"})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Merge(ctx, ours, theirs, gitstore.MergeOptions{OursLabel: "main", TheirsLabel: "proposal", Write: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range res.Conflicts {
				got = append(got, c.Path)
			}
			if strings.Join(got, ",") != strings.Join(tt.conflicts, ",") || len(dry.Conflicts) != len(res.Conflicts) || dry.Tree != "" {
				t.Fatalf("conflicts = %v (dry run %v), want %v", got, dry.Conflicts, tt.conflicts)
			}
			if res.Base != start {
				t.Errorf("base = %s, want %s", res.Base, start)
			}
			if !res.Clean() {
				if tt.name == "same line differently" {
					c := res.Conflicts[0]
					if len(c.Lines) != 1 || c.Lines[0] != 5 {
						t.Errorf("conflict lines = %v, want [5]", c.Lines)
					}
				}
				if after, _ := s.Branch(ctx, "main"); after != ours {
					t.Error("a conflicted merge moved main")
				}
				return
			}
			merged, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: ours, Parents: []string{ours, theirs}, Tree: res.Tree, Author: author, Message: "merge"})
			if err != nil {
				t.Fatal(err)
			}
			snap, _ := s.Snapshot(ctx, merged)
			for p, want := range tt.want {
				data, err := snap.ReadFile(p)
				if want == "" {
					if err == nil {
						t.Errorf("%s still exists after the merge", p)
					}
					continue
				}
				if string(data) != want {
					t.Errorf("%s = %q, want %q", p, data, want)
				}
			}
			if data, _ := snap.ReadFile("README.md"); string(data) != "# Curriculum\n" {
				t.Error("an untouched file changed")
			}
			_ = first
			gitFsck(t, dir)
		})
	}
}

func TestChangedFiles(t *testing.T) {
	t.Parallel()
	s, _, first := seeded(t, nil)
	second := commitOn(t, s, "main",
		file("modules/stigma/module.md", "changed"),
		praxis.FileChange{Path: "modules/stigma/handouts/cards.md", Delete: true},
		file("modules/new/module.md", "new"))
	got, err := s.ChangedFiles(context.Background(), first, second, "")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range got {
		kind := "M"
		switch {
		case d.OldID == "":
			kind = "A"
		case d.NewID == "":
			kind = "D"
		}
		paths = append(paths, kind+" "+d.Path)
	}
	want := "A modules/new/module.md,D modules/stigma/handouts/cards.md,M modules/stigma/module.md"
	if strings.Join(paths, ",") != want {
		t.Fatalf("ChangedFiles = %v, want %s", paths, want)
	}
	only, _ := s.ChangedFiles(context.Background(), first, second, "modules/stigma")
	if len(only) != 2 {
		t.Errorf("ChangedFiles under modules/stigma = %v", only)
	}
}

// TestMergeFollowsMovedModules: a change made to a module under its old name
// follows the folder that the other side moved, and the merged tree is the one
// git's own merge (merge-ort, which follows renames) makes.
func TestMergeFollowsMovedModules(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	plan := "# Plan\n\nIntro line.\n\nMiddle line one.\nMiddle line two.\nMiddle line three.\n\nClosing line.\n"
	for _, tt := range []struct {
		name           string
		ours, theirs   func(s *gitstore.Store) []praxis.FileChange
		wantConflict   string
		wantFile, want string
	}{
		{"moved on main, edited on the branch",
			func(s *gitstore.Store) []praxis.FileChange { return move(t, s, "stigma", "stigma-moved", keep) },
			func(*gitstore.Store) []praxis.FileChange {
				return []praxis.FileChange{file("modules/stigma/module.md", strings.Replace(plan, "Intro line.", "Their intro.", 1)),
					file("modules/stigma/handouts/new.md", "new\n")}
			},
			"", "modules/stigma-moved/module.md", strings.Replace(plan, "Intro line.", "Their intro.", 1)},
		{"edited on main, moved and edited on the branch",
			func(*gitstore.Store) []praxis.FileChange {
				return []praxis.FileChange{file("modules/stigma/module.md", strings.Replace(plan, "Closing line.", "Our closing.", 1))}
			},
			func(s *gitstore.Store) []praxis.FileChange {
				return move(t, s, "stigma", "stigma-moved", func(p string) string { return strings.Replace(p, "Intro line.", "Their intro.", 1) })
			},
			"", "modules/stigma-moved/module.md", strings.Replace(strings.Replace(plan, "Closing line.", "Our closing.", 1), "Intro line.", "Their intro.", 1)},
		{"moved to two names",
			func(s *gitstore.Store) []praxis.FileChange { return move(t, s, "stigma", "stigma-ours", keep) },
			func(s *gitstore.Store) []praxis.FileChange { return move(t, s, "stigma", "stigma-theirs", keep) },
			"modules/stigma", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, dir, _ := seeded(t, nil)
			commitOn(t, s, "main", file("modules/stigma/module.md", plan))
			start, _ := s.Branch(ctx, "main")
			s.CreateBranch(ctx, "proposals/1/x", start)
			theirsChanges := tt.theirs(s) // read while main is still at the start
			ours := commitOn(t, s, "main", tt.ours(s)...)
			theirs := commitOn(t, s, "proposals/1/x", theirsChanges...)
			dry, err := s.Merge(ctx, ours, theirs, gitstore.MergeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Merge(ctx, ours, theirs, gitstore.MergeOptions{Write: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(dry.Conflicts) != len(res.Conflicts) {
				t.Errorf("dry run conflicts %v, real %v", dry.Conflicts, res.Conflicts)
			}
			if tt.wantConflict != "" {
				if len(res.Conflicts) == 0 || res.Conflicts[0].Path != tt.wantConflict {
					t.Fatalf("conflicts = %+v, want one on %s", res.Conflicts, tt.wantConflict)
				}
				return
			}
			if !res.Clean() {
				t.Fatalf("conflicts = %+v", res.Conflicts)
			}
			// git flags a file added inside a folder the other side moved as
			// a "file location" conflict, though it writes the tree with the
			// file moved; praxis moves the module's whole folder, file and all.
			out, err := exec.Command("git", "-C", dir, "merge-tree", "--write-tree", ours, theirs).CombinedOutput()
			if err != nil && !strings.Contains(string(out), "CONFLICT (file location)") {
				t.Fatalf("git merge-tree: %v\n%s", err, out)
			}
			gitTree := strings.Fields(string(out))[0]
			if res.Tree != gitTree {
				t.Errorf("merged tree %s, git merge-tree %s\n%s", res.Tree, gitTree, git(t, dir, "diff", "--stat", gitTree, res.Tree))
			}
			merged, err := s.SnapshotTree(ctx, res.Tree)
			if err != nil {
				t.Fatal(err)
			}
			if data, err := merged.ReadFile(tt.wantFile); err != nil || string(data) != tt.want {
				t.Errorf("%s = %q %v, want %q", tt.wantFile, data, err, tt.want)
			}
			if _, err := merged.Stat("modules/stigma"); err == nil {
				t.Error("the old folder is still there")
			}
		})
	}
}
