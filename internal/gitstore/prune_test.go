package gitstore_test

import (
	"context"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// age makes every loose object look written long ago, as if the grace period
// had passed since.
func age(t *testing.T, repo string) {
	t.Helper()
	old := time.Now().Add(-48 * time.Hour)
	err := filepath.WalkDir(filepath.Join(repo, "objects"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(filepath.Dir(p)) == "pack" {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// looseSize is the bytes the repository's loose objects take.
func looseSize(t *testing.T, repo string) int64 {
	t.Helper()
	var total int64
	filepath.WalkDir(filepath.Join(repo, "objects"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && len(filepath.Base(filepath.Dir(p))) == 2 {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestPruneFreesTheObjectsOfADeletedBranchAfterTheGracePeriod(t *testing.T) {
	t.Parallel()
	s, dir, main := seeded(t, nil)
	ctx := context.Background()
	upload := randomBytes(1 << 20) // does not compress: a megabyte on disk
	head, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: "forks/3/stigma", Expected: "", Parents: []string{main},
		Changes: []praxis.FileChange{{Path: "modules/stigma/handouts/photo.jpg", Content: upload}}, Author: author, Message: "A photo"})
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := s.Snapshot(ctx, head)
	photo, _ := snap.ID("modules/stigma/handouts/photo.jpg")
	before := looseSize(t, dir)

	if _, err := s.Prune(ctx, gitstore.PruneOptions{Grace: time.Minute}); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("Prune with a one-minute grace = %v, want EINVALID", err)
	}
	// Deleted, the branch's objects stay through the grace period.
	if err := s.DeleteBranch(ctx, "forks/3/stigma", head); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour}); err != nil || r.Removed != 0 {
		t.Fatalf("Prune within the grace period = %+v, %v; want nothing removed", r, err)
	}
	age(t, dir)
	// Held by a backup or a push, nothing goes.
	release, err := s.HoldObjects()
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour}); err != nil || !r.Skipped || r.Removed != 0 {
		t.Errorf("Prune while the objects are held = %+v, %v; want it skipped", r, err)
	}
	release()
	r, err := s.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// The photo, the commit, and the four folders above the photo.
	if r.Removed != 6 {
		t.Errorf("Prune removed %d objects, want 6", r.Removed)
	}
	if r.Freed < 1<<20 || looseSize(t, dir) > before-(1<<20) {
		t.Errorf("Prune freed %d bytes (loose objects %d before, %d after); want the megabyte photo back", r.Freed, before, looseSize(t, dir))
	}
	if _, err := s.ReadBlob(ctx, photo); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("the deleted branch's photo after a prune: %v, want ENOTFOUND", err)
	}
	if _, err := s.FindCommit(ctx, head); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("the deleted branch's commit after a prune: %v, want ENOTFOUND", err)
	}
	// Everything a ref reaches is whole.
	if got := readFile(t, s, "main", "modules/stigma/module.md"); got == "" {
		t.Error("main lost its module")
	}
	gitFsck(t, dir)
}

func TestPruneKeepsRootsAndWhatRecentObjectsNeed(t *testing.T) {
	t.Parallel()
	s, dir, main := seeded(t, nil)
	ctx := context.Background()
	write := func(branch, name string) string {
		t.Helper()
		id, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: branch, Parents: []string{main},
			Changes: []praxis.FileChange{{Path: name, Content: randomBytes(1000)}}, Author: author, Message: "Add " + name})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteBranch(ctx, branch, id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	delivered := write("forks/1/a", "a.bin") // a delivery pins it
	older := write("forks/1/b", "b.bin")
	age(t, dir)
	// A writer reuses the old, unreachable content of b.bin: the object is
	// freshened, so the prune keeps it.
	snap, _ := s.Snapshot(ctx, older)
	content, _ := snap.ReadFile("b.bin")
	reused, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: "forks/2/c", Parents: []string{main},
		Changes: []praxis.FileChange{{Path: "copy.bin", Content: content}}, Author: author, Message: "Copy"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBranch(ctx, "forks/2/c", reused); err != nil {
		t.Fatal(err) // unreachable but recent: it, and all it points at, stay
	}
	r, err := s.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour,
		Roots: func(context.Context) ([]string, error) {
			return []string{delivered, "0123456789012345678901234567890123456789"}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Removed == 0 {
		t.Error("nothing was pruned; want the old commit of b.bin gone")
	}
	if _, err := s.FindCommit(ctx, older); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("the old unreachable commit: %v, want it pruned", err)
	}
	for _, c := range []struct{ commit, name string }{{delivered, "a.bin"}, {reused, "copy.bin"}} {
		snap, err := s.Snapshot(ctx, c.commit)
		if err != nil {
			t.Fatalf("%s after the prune: %v", c.name, err)
		}
		if _, err := snap.ReadFile(c.name); err != nil {
			t.Errorf("%s after the prune: %v", c.name, err)
		}
	}
	gitFsck(t, dir)
}

func TestStorageUnderCountsWhatBranchesAddWithTheirHistory(t *testing.T) {
	t.Parallel()
	s, _, main := seeded(t, newMemoryIndex())
	ctx := context.Background()
	if _, err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	commit := func(branch, expected string, parents []string, changes ...praxis.FileChange) string {
		t.Helper()
		id, err := s.WriteCommit(ctx, gitstore.CommitRequest{Branch: branch, Expected: expected, Parents: parents,
			Changes: changes, Author: author, Message: "Change"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a, b, c := randomBytes(100_000), randomBytes(50_000), randomBytes(30_000)
	fork := commit("forks/5/stigma", "", []string{main}, praxis.FileChange{Path: "modules/stigma/handouts/a.bin", Content: a})
	fork = commit("forks/5/stigma", fork, nil,
		praxis.FileChange{Path: "modules/stigma/handouts/a.bin", Delete: true},
		praxis.FileChange{Path: "modules/stigma/handouts/b.bin", Content: b})
	// Another branch with the same content adds nothing more.
	commit("proposals/5/same", "", []string{main}, praxis.FileChange{Path: "modules/stigma/handouts/b.bin", Content: b})
	commit("proposals/6/other", "", []string{main}, praxis.FileChange{Path: "x.bin", Content: randomBytes(10)})
	used, err := s.StorageUnder(ctx, "refs/heads/forks/5/", "refs/heads/proposals/5/")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(a) + len(b)); used != want {
		t.Errorf("StorageUnder = %d, want %d: a deleted file still counts, the same content once", used, want)
	}
	// Main moves on with a file of its own, and the fork takes it in: what
	// main brought is main's.
	newMain := commit("main", main, nil, praxis.FileChange{Path: "modules/stigma/handouts/c.bin", Content: c})
	commit("forks/5/stigma", fork, []string{fork, newMain}, praxis.FileChange{Path: "modules/stigma/module.md", Content: []byte("---\ntitle: Stigma\n---\nMerged\n")})
	used, err = s.StorageUnder(ctx, "refs/heads/forks/5/", "refs/heads/proposals/5/")
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(a) + len(b) + len("---\ntitle: Stigma\n---\nMerged\n")); used != want {
		t.Errorf("StorageUnder after taking in main = %d, want %d (main's file not counted)", used, want)
	}
	// Once main has the fork's work, it costs the fork nothing.
	head, _ := s.Branch(ctx, "forks/5/stigma")
	commit("main", newMain, []string{newMain, head})
	used, err = s.StorageUnder(ctx, "refs/heads/forks/5/")
	if err != nil || used != 0 {
		t.Errorf("StorageUnder after main merged the fork = %d, %v; want 0", used, err)
	}
	if used, err := s.StorageUnder(ctx, "refs/heads/forks/404/"); err != nil || used != 0 {
		t.Errorf("StorageUnder of nobody's branches = %d, %v", used, err)
	}
}

func TestPruneRemovesWhatCrashedPushesLeft(t *testing.T) {
	t.Parallel()
	s, dir, _ := seeded(t, nil)
	ctx := context.Background()
	stale := filepath.Join(dir, "objects", "incoming-AbC123")
	fresh := filepath.Join(dir, "objects", "incoming-XyZ789")
	tmp := filepath.Join(dir, "objects", "pack", "tmp_pack_q1w2e3")
	for _, d := range []string{filepath.Join(stale, "pack"), filepath.Join(fresh, "pack")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(stale, "pack", "pack-1.pack"), filepath.Join(fresh, "pack", "pack-2.pack"), tmp} {
		if err := os.WriteFile(f, randomBytes(1000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	age(t, dir) // the loose objects; the quarantine folders by hand:
	old := time.Now().Add(-48 * time.Hour)
	for _, p := range []string{stale, tmp} {
		os.Chtimes(p, old, old)
	}
	if _, err := s.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		kept bool
	}{{stale, false}, {tmp, false}, {fresh, true}} {
		if _, err := os.Stat(c.path); (err == nil) != c.kept {
			t.Errorf("%s kept = %v, want %v", filepath.Base(c.path), err == nil, c.kept)
		}
	}
	gitFsck(t, dir)
}

// TestPruneKeepsWhatMainsReflogNames: praxis repair puts a damaged main back
// at the newest commit of its reflog that the repository still has, so a
// prune keeps every commit the reflog names, as git prune does; and with main
// damaged (every object would look unreachable) it deletes nothing.
func TestPruneKeepsWhatMainsReflogNames(t *testing.T) {
	t.Parallel()
	s, dir, seed := seeded(t, nil)
	ctx := context.Background()
	second := writeMain(t, s, seed, "two\n")
	// Main goes back (as a push with --force behind praxis's back would
	// take it): second is reached by main's reflog alone.
	if err := s.MoveBranch(ctx, "main", second, seed); err != nil {
		t.Fatal(err)
	}
	age(t, dir)
	if _, err := s.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindCommit(ctx, second); err != nil {
		t.Fatalf("a commit main's reflog names, after a prune: %v; want it kept", err)
	}
	if got := readFile(t, s, second, "modules/stigma/module.md"); got != "two\n" {
		t.Errorf("its file after a prune = %q", got)
	}

	// Main damaged: the prune refuses, and repair still finds main's commit.
	if err := os.WriteFile(filepath.Join(dir, "refs", "heads", "main"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	before := looseSize(t, dir)
	if r, err := s.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour}); err == nil || r.Removed != 0 {
		t.Errorf("Prune with main damaged = %+v, %v; want an error and nothing removed", r, err)
	}
	if after := looseSize(t, dir); after != before {
		t.Errorf("loose objects %d bytes before, %d after a prune with main damaged", before, after)
	}
	rep, err := s.RepairMain(ctx)
	if err != nil || rep.Commit.ID != seed {
		t.Fatalf("RepairMain after the prune = %+v, %v; want main back at %s", rep, err, seed)
	}
	gitFsck(t, dir)
}
