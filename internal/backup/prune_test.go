package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/backup"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// readEverything reads every file every branch of a repository holds.
func readEverything(ctx context.Context, store *gitstore.Store, branches []string) error {
	for _, branch := range branches {
		snap, err := store.Snapshot(ctx, branch)
		if err != nil {
			return fmt.Errorf("%s: %w", branch, err)
		}
		err = fs.WalkDir(snap, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			_, err = snap.ReadFile(p)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", branch, err)
		}
	}
	return nil
}

func TestPruneNeverBreaksReadersWritersOrBackups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _, store := liveData(t)
	repo := filepath.Join(dir, backup.RepositoryDir)
	author := praxis.Signature{Name: "W", Email: "w@example.org"}
	main, _ := store.Branch(ctx, "main")

	// Garbage: files of branches deleted long ago.
	var garbage [][]byte
	for i := range 20 {
		content := make([]byte, 4096)
		rand.Read(content)
		garbage = append(garbage, content)
		branch := fmt.Sprintf("forks/1/g%d", i)
		head, err := store.WriteCommit(ctx, gitstore.CommitRequest{Branch: branch, Parents: []string{main}, Author: author, Message: "Garbage",
			Changes: []praxis.FileChange{{Path: fmt.Sprintf("garbage/%d.bin", i), Content: content}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.DeleteBranch(ctx, branch, head); err != nil {
			t.Fatal(err)
		}
	}
	ageObjects(repo)

	var wg, others sync.WaitGroup
	var removed atomic.Int64
	fail := func(format string, args ...any) { t.Errorf(format, args...) }
	wg.Add(4)
	others.Add(3)
	othersDone := make(chan struct{})
	go func() { others.Wait(); close(othersDone) }()
	go func() { // prunes, again and again, as long as the others work
		defer wg.Done()
		// A prune skips whenever anyone holds the objects, which the
		// others do most of the time (under -race, nearly all of it): it
		// goes on trying until they are done, as serve's next round would.
		for i := 0; ; i++ {
			r, err := store.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour})
			if err != nil {
				fail("prune: %v", err)
				return
			}
			removed.Add(int64(r.Removed))
			select {
			case <-othersDone:
				if i >= 10 {
					return
				}
			default:
			}
		}
	}()
	go func() { // writes, bringing old unreachable content back
		defer wg.Done()
		defer others.Done()
		head := ""
		for i, content := range garbage {
			parents := []string{main}
			if head != "" {
				parents = nil
			}
			next, err := store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "forks/2/w", Expected: head, Parents: parents, Author: author,
				Message: "Reuse", Changes: []praxis.FileChange{{Path: fmt.Sprintf("reused/%d.bin", i), Content: content}}})
			if err != nil {
				fail("write %d: %v", i, err)
				return
			}
			head = next
			if err := readEverything(ctx, store, []string{head}); err != nil {
				fail("read back write %d: %v", i, err)
				return
			}
			// A merge-style write: a commit made first, its branch moved after.
			commit, err := store.CreateCommit(ctx, gitstore.CommitRequest{Parents: []string{main}, Author: author, Message: "Later",
				Changes: []praxis.FileChange{{Path: fmt.Sprintf("later/%d.bin", i), Content: garbage[len(garbage)-1-i]}}})
			if err != nil {
				fail("create commit %d: %v", i, err)
				return
			}
			if err := store.CreateBranch(ctx, fmt.Sprintf("forks/3/later-%d", i), commit); err != nil {
				fail("branch %d: %v", i, err)
				return
			}
		}
	}()
	go func() { // reads
		defer wg.Done()
		defer others.Done()
		for range 10 {
			branches := []string{"main"}
			if _, err := store.Branch(ctx, "forks/2/w"); err == nil {
				branches = append(branches, "forks/2/w")
			}
			if err := readEverything(ctx, store, branches); err != nil {
				fail("read: %v", err)
				return
			}
		}
	}()
	go func() { // backs up while branches it saw are deleted; every backup restores whole
		defer wg.Done()
		defer others.Done()
		for i := range 3 {
			// Branches whose objects are old, deleted just after the
			// backup has read the refs that reach them.
			var doomed []string
			for j := range 10 {
				content := make([]byte, 4096)
				rand.Read(content)
				branch := fmt.Sprintf("forks/4/b%d-%d", i, j)
				head, err := store.WriteCommit(ctx, gitstore.CommitRequest{Branch: branch, Parents: []string{main}, Author: author, Message: "Doomed",
					Changes: []praxis.FileChange{{Path: "doomed.bin", Content: content}}})
				if err != nil {
					fail("doomed branch: %v", err)
					return
				}
				doomed = append(doomed, branch, head)
				// Its commit, tree and file look written long ago (only
				// these: writes running meanwhile stay recent).
				snap, _ := store.Snapshot(ctx, head)
				tree, _ := snap.ID(".")
				blob, _ := snap.ID("doomed.bin")
				ageObjects(repo, head, tree, blob)
			}
			deleted := make(chan struct{})
			go func() {
				defer close(deleted)
				for j := 0; j < len(doomed); j += 2 {
					store.DeleteBranch(ctx, doomed[j], doomed[j+1])
				}
				for range 5 {
					r, err := store.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour})
					if err != nil {
						fail("prune: %v", err)
					}
					removed.Add(int64(r.Removed))
				}
			}()
			var buf bytes.Buffer
			_, err := backup.Create(ctx, dir, &buf, backup.Options{PraxisVersion: "test", SchemaVersion: db.SchemaVersion()})
			<-deleted
			if err != nil {
				fail("backup %d: %v", i, err)
				return
			}
			target := filepath.Join(t.TempDir(), "restored")
			if _, err := backup.Restore(ctx, bytes.NewReader(buf.Bytes()), target, false); err != nil {
				fail("restore %d: %v", i, err)
				return
			}
			fsck(t, filepath.Join(target, backup.RepositoryDir))
		}
	}()
	wg.Wait()
	if removed.Load() == 0 {
		t.Error("the prunes removed nothing; want the garbage nobody brought back gone")
	}
	fsck(t, repo)
	for i := range garbage {
		if err := readEverything(ctx, store, []string{fmt.Sprintf("forks/3/later-%d", i)}); err != nil {
			t.Errorf("a branch moved after its commit was made: %v", err)
		}
	}
}

// ageObjects makes loose objects look written two days ago, as if the grace
// period had passed since: those named, or every one.
func ageObjects(repo string, ids ...string) {
	old := time.Now().Add(-48 * time.Hour)
	for _, id := range ids {
		os.Chtimes(filepath.Join(repo, "objects", id[:2], id[2:]), old, old)
	}
	if len(ids) > 0 {
		return
	}
	filepath.WalkDir(filepath.Join(repo, "objects"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Chtimes(p, old, old)
		}
		return err
	})
}

// fsck checks a repository with git, when git is installed.
func fsck(t *testing.T, repo string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		return
	}
	if out, err := exec.Command("git", "-C", repo, "fsck", "--strict", "--no-progress", "--no-dangling").CombinedOutput(); err != nil {
		t.Errorf("git fsck --strict %s: %v\n%s", repo, err, out)
	}
}
