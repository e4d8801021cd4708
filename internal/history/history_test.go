package history_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

type repo struct {
	t     *testing.T
	store *gitstore.Store
	index *history.Index
	dir   string
	now   time.Time
	r     *rand.Rand
	files map[string]map[string]string // branch -> path -> content
}

func newRepo(t *testing.T, seed uint64) *repo {
	t.Helper()
	dir := t.TempDir()
	database := testenv.NewDB(t, dir, db.Options{})
	index := history.New(database)
	store, _, err := gitstore.Open(filepath.Join(dir, "c.git"), gitstore.Options{Indexer: index})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &repo{t: t, store: store, index: index, dir: dir, now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		r: rand.New(rand.NewPCG(seed, seed*7+1)), files: map[string]map[string]string{"main": {}}}
}

func (r *repo) sig() praxis.Signature {
	// Most commits a minute apart; some in the same second, as fast merges are.
	if r.r.IntN(5) != 0 {
		r.now = r.now.Add(time.Minute)
	}
	return praxis.Signature{Name: "T", Email: "t@example.org", When: r.now}
}

// commit writes changes to branch (creating it from main when new).
func (r *repo) commit(branch string, changes ...praxis.FileChange) string {
	r.t.Helper()
	ctx := context.Background()
	head, err := r.store.Branch(ctx, branch)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND && branch != "main" {
		main, _ := r.store.Branch(ctx, "main")
		if err := r.store.CreateBranch(ctx, branch, main); err != nil {
			r.t.Fatal(err)
		}
		head = main
		r.files[branch] = map[string]string{}
		for k, v := range r.files["main"] {
			r.files[branch][k] = v
		}
	}
	req := gitstore.CommitRequest{Branch: branch, Expected: head, Changes: changes, Author: r.sig(), Message: "change on " + branch}
	if head == "" {
		req.Expected = ""
	}
	id, err := r.store.WriteCommit(ctx, req)
	if err != nil {
		r.t.Fatalf("commit on %s: %v", branch, err)
	}
	for _, c := range changes {
		if c.Delete {
			delete(r.files[branch], c.Path)
		} else {
			r.files[branch][c.Path] = string(c.Content)
		}
	}
	return id
}

// merge merges branch into main with a merge commit.
func (r *repo) merge(branch string) {
	r.t.Helper()
	ctx := context.Background()
	main, _ := r.store.Branch(ctx, "main")
	head, _ := r.store.Branch(ctx, branch)
	res, err := r.store.Merge(ctx, main, head, gitstore.MergeOptions{Write: true})
	if err != nil {
		r.t.Fatal(err)
	}
	if !res.Clean() {
		return // leave conflicting branches unmerged
	}
	if _, err := r.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: main, Parents: []string{main, head}, Tree: res.Tree, Author: r.sig(), Message: "merge " + branch}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *repo) edit(branch, slug string) praxis.FileChange {
	p := "modules/" + slug + "/module.md"
	lines := strings.Split(r.files[branch][p], "\n")
	if len(lines) < 5 {
		lines = []string{"a", "b", "c", "d", "e", "f"}
	}
	lines[r.r.IntN(len(lines))] = fmt.Sprintf("line %d", r.r.IntN(1000))
	return praxis.FileChange{Path: p, Content: []byte(strings.Join(lines, "\n"))}
}

func gitLog(t *testing.T, dir, slug string) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "log", "--format=%H", "main", "--", "modules/"+slug).Output()
	if err != nil {
		t.Fatalf("git log: %v", err)
	}
	return strings.Fields(string(out))
}

// The history of a module lists exactly what `git log -- modules/<slug>` lists
// on main, in the same order, through branches, merges, deletions and
// re-additions, and commits in the same second.
func TestModuleHistoryMatchesGitLog(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	slugs := []string{"alpha", "beta", "gamma", "delta"}
	// Each seed is a repository of its own: they run side by side.
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			r := newRepo(t, seed)
			var seedChanges []praxis.FileChange
			for _, s := range slugs[:3] {
				seedChanges = append(seedChanges, praxis.FileChange{Path: "modules/" + s + "/module.md", Content: []byte("a\nb\nc\nd\ne\nf")})
			}
			seedChanges = append(seedChanges, praxis.FileChange{Path: "README.md", Content: []byte("x")})
			r.commit("main", seedChanges...)
			branches := 0
			for step := range 80 {
				switch k := r.r.IntN(10); {
				case k < 3:
					r.commit("main", r.edit("main", slugs[r.r.IntN(3)]))
				case k < 6:
					b := fmt.Sprintf("proposals/1/b%d", r.r.IntN(branches+1))
					if _, ok := r.files[b]; !ok {
						branches++
					}
					r.commit(b, r.edit(b, slugs[r.r.IntN(3)]))
				case k < 8:
					if branches > 0 {
						r.merge(fmt.Sprintf("proposals/1/b%d", r.r.IntN(branches)))
					}
				case k == 8:
					r.commit("main", praxis.FileChange{Path: "README.md", Content: []byte(fmt.Sprint(step))})
				default:
					// Delete or (re)create delta.
					p := "modules/delta/module.md"
					if _, ok := r.files["main"][p]; ok {
						r.commit("main", praxis.FileChange{Path: p, Delete: true})
					} else {
						r.commit("main", praxis.FileChange{Path: p, Content: []byte(fmt.Sprint("delta ", step))})
					}
				}
			}
			main, _ := r.store.Branch(ctx, "main")
			merges, _ := exec.Command("git", "-C", filepath.Join(r.dir, "c.git"), "rev-list", "--merges", "--count", "main").Output()
			if strings.TrimSpace(string(merges)) == "0" {
				t.Fatalf("seed %d made no merges: the test would not exercise simplification", seed)
			}
			for _, slug := range slugs {
				want := gitLog(t, filepath.Join(r.dir, "c.git"), slug)
				entries, more, err := r.index.ModuleHistory(ctx, slug, main, 10_000, "")
				if err != nil || more {
					t.Fatalf("ModuleHistory: %v more=%v", err, more)
				}
				got := make([]string, len(entries))
				for i, e := range entries {
					got[i] = e.ID
				}
				if len(want) == 0 {
					t.Fatalf("seed %d, %s: git lists no commits", seed, slug)
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Fatalf("seed %d, %s: praxis lists %d commits, git log %d\npraxis: %v\ngit:    %v", seed, slug, len(got), len(want), short(got), short(want))
				}
				// Paging gives the same commits.
				var paged []string
				before := ""
				for {
					page, more, err := r.index.ModuleHistory(ctx, slug, main, 3, before)
					if err != nil {
						t.Fatal(err)
					}
					for _, e := range page {
						paged = append(paged, e.ID)
					}
					if !more {
						break
					}
					before = page[len(page)-1].ID
				}
				if strings.Join(paged, " ") != strings.Join(want, " ") {
					t.Fatalf("seed %d, %s: paging gives %v, want %v", seed, slug, short(paged), short(want))
				}
			}
		})
	}
}

func short(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id[:7]
	}
	return out
}

func TestHistoryOfOutsideCommitsAfterCatchUp(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	r := newRepo(t, 99)
	r.commit("main", praxis.FileChange{Path: "modules/alpha/module.md", Content: []byte("one")})
	dir := filepath.Join(r.dir, "c.git")
	// git commits behind praxis's back, as a push would.
	cmd := exec.Command("sh", "-c", `set -e
		tree=$(git rev-parse main^{tree})
		blob=$(printf 'two' | git hash-object -w --stdin)
		printf '100644 blob %s\tmodule.md\n' "$blob" > /tmp/mk-$$
		sub=$(git mktree < /tmp/mk-$$)
		printf '040000 tree %s\talpha\n' "$sub" > /tmp/mk-$$
		mods=$(git mktree < /tmp/mk-$$)
		printf '040000 tree %s\tmodules\n' "$mods" > /tmp/mk-$$
		root=$(git mktree < /tmp/mk-$$)
		rm /tmp/mk-$$
		c=$(git commit-tree "$root" -p main -m outside)
		git update-ref refs/heads/main "$c"`)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_NAME=o", "GIT_AUTHOR_EMAIL=o@example.org", "GIT_COMMITTER_NAME=o", "GIT_COMMITTER_EMAIL=o@example.org")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	main, _ := r.store.Branch(ctx, "main")
	if _, _, err := r.index.ModuleHistory(ctx, "alpha", main, 10, ""); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Fatalf("history before catching up = %v, want ENOTFOUND", err)
	}
	if _, err := r.store.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	entries, _, err := r.index.ModuleHistory(ctx, "alpha", main, 10, "")
	if err != nil || len(entries) != 2 || entries[0].ID != main {
		t.Fatalf("history after catching up = %v %v", entries, err)
	}
	if got := gitLog(t, dir, "alpha"); len(got) != 2 {
		t.Fatalf("git log = %v", got)
	}
}
