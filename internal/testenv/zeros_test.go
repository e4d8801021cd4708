package testenv_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/testenv"
)

// TestZerosAreObjectsGitReads: the blobs of zeros written without git, loose
// and packed, are ones git itself reads back whole and finds sound, with the
// id git gives the same content.
func TestZerosAreObjectsGitReads(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	for _, size := range []int64{0, 1, 5 << 20, 3<<20 + 12345} {
		t.Run(strconv.FormatInt(size, 10), func(t *testing.T) {
			repo := filepath.Join(t.TempDir(), "r.git")
			git := func(args ...string) string {
				t.Helper()
				out, err := exec.Command("git", append([]string{"--git-dir", repo}, args...)...).CombinedOutput()
				if err != nil {
					t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return strings.TrimSpace(string(out))
			}
			if out, err := exec.Command("git", "init", "--quiet", "--bare", repo).CombinedOutput(); err != nil {
				t.Fatalf("git init: %v\n%s", err, out)
			}
			empty := git("mktree")
			parent := git("commit-tree", empty, "-m", "empty")
			commit := testenv.CommitZeros(t, repo, parent, "loose", "zeros.pdf", size)
			loose := git("rev-parse", commit+":zeros.pdf")
			// git's own id for the content, from a sparse file of zeros.
			file := filepath.Join(t.TempDir(), "zeros")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(file, size); err != nil {
				t.Fatal(err)
			}
			want := git("hash-object", file)
			if loose != want {
				t.Errorf("loose blob id = %s, want git's %s", loose, want)
			}
			if got := git("cat-file", "-s", loose); got != strconv.FormatInt(size, 10) {
				t.Errorf("git cat-file -s (loose) = %s, want %d", got, size)
			}
			git("fsck", "--strict", "--no-dangling")

			// The packed blob: the same id, in a second repository.
			repo = filepath.Join(t.TempDir(), "p.git")
			if out, err := exec.Command("git", "init", "--quiet", "--bare", repo).CombinedOutput(); err != nil {
				t.Fatalf("git init: %v\n%s", err, out)
			}
			packed := testenv.WriteZerosPack(t, filepath.Join(repo, "objects"), size)
			if packed != want {
				t.Errorf("packed blob id = %s, want git's %s", packed, want)
			}
			if got := git("cat-file", "-s", packed); got != strconv.FormatInt(size, 10) {
				t.Errorf("git cat-file -s (packed) = %s, want %d", got, size)
			}
			if got := git("cat-file", "blob", packed); strings.Trim(got, "\x00") != "" {
				t.Error("the packed blob holds something other than zeros")
			}
			indexes, _ := filepath.Glob(filepath.Join(repo, "objects", "pack", "*.idx"))
			if len(indexes) != 1 {
				t.Fatalf("%d pack indexes, want 1", len(indexes))
			}
			git("verify-pack", indexes[0]) // checks every entry's CRC and content
			git("fsck", "--strict")
		})
	}
}
