package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// CommitZeros commits, with git itself, a file of size zero bytes at name on
// branch, on top of parent, and returns the commit. The blob is written as the
// one loose object a small push leaves behind (git unpacks pushes of fewer
// than 100 objects), which is about a thousandth of its size: a
// decompression bomb. The file it is made from is sparse, so nothing of its
// size touches the disk. Tests that need it are skipped without git.
func CommitZeros(t testing.TB, repo, parent, branch, name string, size int64) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	tmp := t.TempDir()
	file := filepath.Join(tmp, "zeros")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), "GIT_DIR="+repo, "GIT_INDEX_FILE="+filepath.Join(tmp, "index"),
			"GIT_CONFIG_NOSYSTEM=1", "HOME="+tmp,
			"GIT_AUTHOR_NAME=Mallory", "GIT_AUTHOR_EMAIL=mallory@example.org",
			"GIT_COMMITTER_NAME=Mallory", "GIT_COMMITTER_EMAIL=mallory@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// Above core.bigFileThreshold git would stream the blob into a pack;
	// below it, the blob becomes one loose object, as unpack-objects writes.
	blob := git("-c", "core.bigFileThreshold="+strconv.FormatInt(size+1, 10), "hash-object", "-w", "--no-filters", file)
	git("read-tree", parent)
	git("update-index", "--add", "--cacheinfo", "100644,"+blob+","+name)
	tree := git("write-tree")
	commit := git("commit-tree", tree, "-p", parent, "-m", "Add "+name)
	git("update-ref", "refs/heads/"+branch, commit)
	return commit
}
