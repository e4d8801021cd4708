package gitstore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func writeMain(t *testing.T, s *gitstore.Store, expected, content string) string {
	t.Helper()
	id, err := s.WriteCommit(context.Background(), gitstore.CommitRequest{Branch: "main", Expected: expected, Author: author,
		Message: "Write " + content, Changes: []praxis.FileChange{{Path: "modules/stigma/module.md", Content: []byte(content)}}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestMainKeepsAReflog: praxis's moves of main and a push by the real git
// binary land in one reflog, in git's own format (git reads it); other
// branches keep none.
func TestMainKeepsAReflog(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	s, dir, seed := seeded(t, nil)
	second := writeMain(t, s, seed, "two\n")
	if err := s.CreateBranch(context.Background(), "forks/1/stigma", second); err != nil {
		t.Fatal(err)
	}
	if config := git(t, dir, "config", "--get", "core.logallrefupdates"); config != "false" {
		t.Fatalf("core.logallrefupdates = %q: praxis writes false, and relies on git appending to a reflog that exists", config)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	git(t, "", "clone", "--quiet", "file://"+dir, clone)
	os.WriteFile(filepath.Join(clone, "NOTES.md"), []byte("notes\n"), 0o644)
	git(t, clone, "add", "NOTES.md")
	git(t, clone, "commit", "--quiet", "-m", "Outside")
	git(t, clone, "push", "--quiet", "file://"+dir, "HEAD:refs/heads/main")
	pushed := git(t, clone, "rev-parse", "HEAD")
	third := writeMain(t, s, pushed, "three\n")

	want := []string{third, pushed, second, seed}
	if got := strings.Fields(git(t, dir, "reflog", "show", "--format=%H", "main")); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("git reflog main = %v\nwant %v", got, want)
	}
	entries, err := s.MainReflog()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 || entries[0].Old != praxis.ZeroID || entries[0].New != seed || entries[2].Old != second || entries[2].New != pushed || entries[3].Message != "praxis: moved" {
		t.Errorf("MainReflog = %+v", entries)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", "refs", "heads", "forks")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a fork branch keeps a reflog: %v", err)
	}
	if out, err := exec.Command("git", "-C", dir, "fsck", "--strict").CombinedOutput(); err != nil {
		t.Errorf("git fsck --strict: %v\n%s", err, out)
	}
}

// TestRepairMain damages main in each way a crash or a full disk can and
// puts it back at the newest commit of its reflog that the repository has.
func TestRepairMain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, problem string
		damage        func(t *testing.T, dir string)
	}{
		{"empty", "is empty", func(t *testing.T, dir string) { os.WriteFile(filepath.Join(dir, "refs", "heads", "main"), nil, 0o644) }},
		{"garbled", "does not hold a commit id", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "refs", "heads", "main"), []byte("\x00\x00\x00garbage"), 0o644)
		}},
		{"missing", "is missing", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "refs", "heads", "main")) }},
		{"lost commit", "which the repository does not have", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "refs", "heads", "main"), []byte(strings.Repeat("ab", 20)+"\n"), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir, seed := seeded(t, nil)
			second := writeMain(t, s, seed, "two\n")
			if err := s.CheckMain(ctx); err != nil {
				t.Fatalf("CheckMain on a good main = %v", err)
			}
			if rep, err := s.RepairMain(ctx); err != nil || rep.Problem != "" || rep.Commit.ID != second {
				t.Fatalf("RepairMain on a good main = %+v, %v; want it left alone", rep, err)
			}
			s.Close()
			tc.damage(t, dir)
			// A newer reflog line whose commit was lost (a power cut before
			// the loose object reached the disk) is skipped.
			log, _ := os.OpenFile(filepath.Join(dir, "logs", "refs", "heads", "main"), os.O_APPEND|os.O_WRONLY, 0)
			log.WriteString(second + " " + strings.Repeat("cd", 20) + " praxis <praxis@localhost> 1790000000 +0000\tpraxis: moved\n")
			log.Close()

			s, _, err := gitstore.Open(dir, gitstore.Options{})
			if err != nil {
				t.Fatalf("Open of a repository with a damaged main = %v", err)
			}
			defer s.Close()
			var damaged *gitstore.DamagedRefError
			if err := s.CheckMain(ctx); !errors.As(err, &damaged) || !strings.Contains(damaged.Problem, tc.problem) {
				t.Fatalf("CheckMain = %v, want a damaged main that %s", err, tc.problem)
			}
			rep, err := s.RepairMain(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Commit.ID != second || rep.Source != gitstore.FromReflog || rep.Skipped != 1 || !strings.Contains(rep.Problem, tc.problem) {
				t.Errorf("RepairMain = %+v", rep)
			}
			if main, err := s.Branch(ctx, "main"); err != nil || main != second {
				t.Errorf("main after the repair = %s, %v; want %s", main, err, second)
			}
			if err := s.CheckMain(ctx); err != nil {
				t.Errorf("CheckMain after the repair = %v", err)
			}
			// The repair is in the reflog, and main moves on as usual.
			entries, _ := s.MainReflog()
			if last := entries[len(entries)-1]; last.New != second || !strings.HasPrefix(last.Message, "praxis: repair") {
				t.Errorf("last reflog line = %+v", last)
			}
			writeMain(t, s, second, "three\n")
		})
	}
}

// TestRepairMainFallsBackToTheIndex: with no usable reflog line, the
// fallback (the history index's newest commit) is used; with none, the
// repair refuses rather than guess.
func TestRepairMainFallsBackToTheIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, dir, seed := seeded(t, nil)
	s.Close()
	os.WriteFile(filepath.Join(dir, "refs", "heads", "main"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "logs", "refs", "heads", "main"), nil, 0o644)
	s, _, err := gitstore.Open(dir, gitstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.RepairMain(ctx); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Fatalf("RepairMain with nothing to go back to = %v, want ENOTFOUND", err)
	}
	rep, err := s.RepairMain(ctx, strings.Repeat("ef", 20), seed)
	if err != nil || rep.Commit.ID != seed || rep.Source != gitstore.FromFallback {
		t.Fatalf("RepairMain with a fallback = %+v, %v", rep, err)
	}
}

// TestStalePackedRefsLockIsRemovedAtOpen: a packed-refs.lock left by a crash
// would make every deletion of a packed ref wait and fail.
func TestStalePackedRefsLockIsRemovedAtOpen(t *testing.T) {
	t.Parallel()
	s, dir, seed := seeded(t, nil)
	ctx := context.Background()
	if err := s.CreateBranch(ctx, "forks/1/stigma", seed); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// The branch is packed (as in a cloned repository), and a crash left the lock.
	os.Remove(filepath.Join(dir, "refs", "heads", "forks", "1", "stigma"))
	os.WriteFile(filepath.Join(dir, "packed-refs"), []byte(seed+" refs/heads/forks/1/stigma\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "packed-refs.lock"), nil, 0o644)
	s, _, err := gitstore.Open(dir, gitstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(filepath.Join(dir, "packed-refs.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("packed-refs.lock still there after Open: %v", err)
	}
	if err := s.DeleteBranch(ctx, "forks/1/stigma", seed); err != nil {
		t.Errorf("deleting a packed branch after a crash = %v", err)
	}
	// A repository opened beside a running praxis keeps the locks it finds.
	os.WriteFile(filepath.Join(dir, "packed-refs.lock"), nil, 0o644)
	shared, _, err := gitstore.Open(dir, gitstore.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	shared.Close()
	if _, err := os.Stat(filepath.Join(dir, "packed-refs.lock")); err != nil {
		t.Errorf("a shared open removed a live lock: %v", err)
	}
}
