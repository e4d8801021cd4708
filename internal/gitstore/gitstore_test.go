package gitstore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

var author = praxis.Signature{Name: "Test Author", Email: "author@example.org", When: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}

var seedFiles = fstest.MapFS{
	"README.md":                           {Data: []byte("# Curriculum\n")},
	"modules/stigma/module.md":            {Data: []byte("---\ntitle: Stigma\n---\nBody\n")},
	"modules/stigma/handouts/cards.md":    {Data: []byte("cards\n")},
	"modules/one-to-ones/module.md":       {Data: []byte("---\ntitle: One-to-ones\n---\n")},
	"series/exploring-class.yaml":         {Data: []byte("title: Exploring Class\n")},
	"modules/one-to-ones/handouts/a-b.md": {Data: []byte("a-b\n")},
	"modules/one-to-ones/handouts/a/b.md": {Data: []byte("a/b\n")},
}

// memoryIndex is an Indexer that keeps records in memory.
type memoryIndex struct {
	mu      sync.Mutex
	records map[string]praxis.CommitRecord
	order   []string
}

func newMemoryIndex() *memoryIndex { return &memoryIndex{records: map[string]praxis.CommitRecord{}} }

func (m *memoryIndex) IndexedCommits(_ context.Context, ids []string) (map[string]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bool{}
	for _, id := range ids {
		if _, ok := m.records[id]; ok {
			out[id] = true
		}
	}
	return out, nil
}

func (m *memoryIndex) AddCommits(_ context.Context, records []praxis.CommitRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range records {
		for _, p := range r.Parents {
			if _, ok := m.records[p]; !ok {
				return fmt.Errorf("commit %s added before its parent %s", r.ID, p)
			}
		}
		m.records[r.ID] = r
		m.order = append(m.order, r.ID)
	}
	return nil
}

func (m *memoryIndex) modules(id string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var slugs []string
	for _, c := range m.records[id].Modules {
		slugs = append(slugs, c.Slug)
	}
	return slugs
}

func openStore(t *testing.T, idx gitstore.Indexer) (*gitstore.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "curriculum.git")
	s, created, err := gitstore.Open(dir, gitstore.Options{Indexer: idx})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !created {
		t.Fatal("Open did not report creating the repository")
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func seeded(t *testing.T, idx gitstore.Indexer) (*gitstore.Store, string, string) {
	t.Helper()
	s, dir := openStore(t, idx)
	ctx := context.Background()
	ok, err := s.Seed(ctx, seedFiles, author, "Seed")
	if err != nil || !ok {
		t.Fatalf("Seed = %v, %v; want true, nil", ok, err)
	}
	main, err := s.Branch(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	return s, dir, main
}

func readFile(t *testing.T, s *gitstore.Store, rev, name string) string {
	t.Helper()
	snap, err := s.Snapshot(context.Background(), rev)
	if err != nil {
		t.Fatalf("Snapshot(%q): %v", rev, err)
	}
	data, err := snap.ReadFile(name)
	if err != nil {
		t.Fatalf("ReadFile(%q) at %s: %v", name, rev, err)
	}
	return string(data)
}

func gitFsck(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Log("git is not installed; skipping git fsck")
		return
	}
	out, err := exec.Command("git", "-C", dir, "fsck", "--strict", "--no-progress").CombinedOutput()
	if err != nil || strings.Contains(string(out), "error") || strings.Contains(string(out), "warning") {
		t.Fatalf("git fsck --strict: %v\n%s", err, out)
	}
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestSeedOnceAndSnapshotIsAnFS(t *testing.T) {
	t.Parallel()
	s, dir, main := seeded(t, nil)
	ctx := context.Background()
	snap, err := s.Snapshot(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Commit() != main {
		t.Errorf("Snapshot.Commit = %s, want %s", snap.Commit(), main)
	}
	if err := fstest.TestFS(snap, "README.md", "modules/stigma/module.md", "modules/stigma/handouts/cards.md",
		"modules/one-to-ones/handouts/a-b.md", "modules/one-to-ones/handouts/a/b.md", "series/exploring-class.yaml"); err != nil {
		t.Fatal(err)
	}
	for name, file := range seedFiles {
		if got := readFile(t, s, "main", name); got != string(file.Data) {
			t.Errorf("ReadFile(%q) = %q, want %q", name, got, file.Data)
		}
	}
	again, err := s.Seed(ctx, fstest.MapFS{"x": {Data: []byte("x")}}, author, "again")
	if err != nil || again {
		t.Fatalf("second Seed = %v, %v; want false, nil", again, err)
	}
	if got, _ := s.Branch(ctx, "main"); got != main {
		t.Fatalf("main moved to %s after a second Seed", got)
	}
	if head, _ := os.ReadFile(filepath.Join(dir, "HEAD")); string(head) != "ref: refs/heads/main\n" {
		t.Errorf("HEAD = %q, want it to point at main", head)
	}
	gitFsck(t, dir)
	if _, err := exec.LookPath("git"); err == nil {
		if got := git(t, dir, "show", "main:modules/stigma/handouts/cards.md"); got != "cards" {
			t.Errorf("git show = %q, want cards", got)
		}
	}
}

func TestReopenDoesNotCreate(t *testing.T) {
	t.Parallel()
	_, dir, main := seeded(t, nil)
	s, created, err := gitstore.Open(dir, gitstore.Options{})
	if err != nil || created {
		t.Fatalf("Open existing = created %v, err %v; want false, nil", created, err)
	}
	defer s.Close()
	if got, _ := s.Branch(context.Background(), "main"); got != main {
		t.Fatalf("main = %s after reopening, want %s", got, main)
	}
}

func TestOpenRefusesAFolderThatIsNotARepository(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	_, _, err := gitstore.Open(dir, gitstore.Options{})
	if praxis.ErrorCode(err) != praxis.EINVALID {
		t.Fatalf("Open = %v, want EINVALID", err)
	}
}

func TestWriteCommitAndReadAtRevisions(t *testing.T) {
	t.Parallel()
	s, dir, first := seeded(t, nil)
	ctx := context.Background()
	second, err := s.WriteCommit(ctx, gitstore.CommitRequest{
		Branch: "main", Expected: first, Author: author, Message: "Edit stigma",
		Changes: []praxis.FileChange{
			{Path: "modules/stigma/module.md", Content: []byte("new text\n")},
			{Path: "modules/stigma/handouts/cards.md", Delete: true},
			{Path: "modules/new-one/module.md", Content: []byte("fresh\n")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, s, "main", "modules/stigma/module.md"); got != "new text\n" {
		t.Errorf("main module.md = %q", got)
	}
	if got := readFile(t, s, first, "modules/stigma/module.md"); got != "---\ntitle: Stigma\n---\nBody\n" {
		t.Errorf("first commit's module.md = %q, want the seeded text", got)
	}
	snap, _ := s.Snapshot(ctx, second)
	if _, err := snap.Stat("modules/stigma/handouts"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(handouts) after deleting its only file = %v, want not exist (git keeps no empty folders)", err)
	}
	c, err := s.FindCommit(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	if c.Message != "Edit stigma\n" || c.Author.Name != "Test Author" || !slices.Equal(c.Parents, []string{first}) {
		t.Errorf("FindCommit = %+v", c)
	}
	if got, _ := s.Resolve(ctx, "refs/heads/main"); got != second {
		t.Errorf("Resolve(refs/heads/main) = %s, want %s", got, second)
	}

	git(t, dir, "tag", "-a", "v2026.11", "-m", "November release", first)
	git(t, dir, "tag", "light", second)
	for rev, want := range map[string]string{"v2026.11": first, "light": second, "refs/tags/v2026.11": first, first: first} {
		if got, err := s.Resolve(ctx, rev); err != nil || got != want {
			t.Errorf("Resolve(%q) = %s, %v; want %s", rev, got, err, want)
		}
	}
	gitFsck(t, dir)
}

func TestResolveUnknown(t *testing.T) {
	t.Parallel()
	s, _, main := seeded(t, nil)
	ctx := context.Background()
	tree := strings.Repeat("0", 40)
	for _, rev := range []string{"nope", "../../HEAD", "refs/heads/../../config", tree, "main~1", "a b", "refs/heads/main.lock", "/etc/passwd"} {
		if _, err := s.Resolve(ctx, rev); praxis.ErrorCode(err) != praxis.ENOTFOUND {
			t.Errorf("Resolve(%q) = %v, want ENOTFOUND", rev, err)
		}
	}
	// A blob id is not a version.
	snap, _ := s.Snapshot(ctx, main)
	blob, _ := snap.ID("README.md")
	if _, err := s.Resolve(ctx, blob); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("Resolve(blob id) = %v, want ENOTFOUND", err)
	}
}

func TestCompareAndSwapConflict(t *testing.T) {
	t.Parallel()
	s, _, first := seeded(t, nil)
	ctx := context.Background()
	edit := func(content string) (string, error) {
		return s.WriteCommit(ctx, gitstore.CommitRequest{
			Branch: "main", Expected: first, Author: author, Message: "edit",
			Changes: []praxis.FileChange{{Path: "modules/stigma/module.md", Content: []byte(content)}},
		})
	}
	winner, err := edit("winner\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := edit("loser\n"); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Fatalf("stale write = %v, want ECONFLICT", err)
	}
	if got, _ := s.Branch(ctx, "main"); got != winner {
		t.Fatalf("main = %s, want the winner %s", got, winner)
	}
	if got := readFile(t, s, "main", "modules/stigma/module.md"); got != "winner\n" {
		t.Fatalf("module.md = %q, want the winner's text intact", got)
	}
	if err := s.CreateBranch(ctx, "main", first); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Fatalf("CreateBranch(main) = %v, want ECONFLICT", err)
	}
}

func TestWriteCommitRejectsBadInput(t *testing.T) {
	t.Parallel()
	s, _, first := seeded(t, nil)
	ctx := context.Background()
	tests := []struct {
		name    string
		req     gitstore.CommitRequest
		wantErr string
	}{
		{"dot dot", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: "modules/../../x", Content: []byte("x")}}}, praxis.EINVALID},
		{"absolute", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: "/etc/passwd", Content: []byte("x")}}}, praxis.EINVALID},
		{"dot git", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: "modules/.git/config", Content: []byte("x")}}}, praxis.EINVALID},
		{"dot GIT", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: ".GIT", Content: []byte("x")}}}, praxis.EINVALID},
		{"backslash", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: `modules\x`, Content: []byte("x")}}}, praxis.EINVALID},
		{"empty part", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: "modules//x", Content: []byte("x")}}}, praxis.EINVALID},
		{"control char", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: "a\nb", Content: []byte("x")}}}, praxis.EINVALID},
		{"file over folder", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: "modules/stigma", Content: []byte("x")}}}, praxis.EINVALID},
		{"folder under file", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: "README.md/x", Content: []byte("x")}}}, praxis.EINVALID},
		{"delete missing", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: "nope.md", Delete: true}}}, praxis.ENOTFOUND},
		{"no change", gitstore.CommitRequest{Changes: []praxis.FileChange{{Path: "README.md", Content: []byte("# Curriculum\n")}}}, praxis.EINVALID},
		{"bad branch", gitstore.CommitRequest{Branch: "../x", Changes: []praxis.FileChange{{Path: "a", Content: []byte("x")}}}, praxis.EINVALID},
		{"no message", gitstore.CommitRequest{Message: " ", Changes: []praxis.FileChange{{Path: "a", Content: []byte("x")}}}, praxis.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if req.Branch == "" {
				req.Branch = "main"
			}
			if req.Message == "" {
				req.Message = "m"
			}
			req.Expected = first
			req.Author = author
			if _, err := s.WriteCommit(ctx, req); praxis.ErrorCode(err) != tt.wantErr {
				t.Fatalf("WriteCommit = %v, want %s", err, tt.wantErr)
			}
			if got, _ := s.Branch(ctx, "main"); got != first {
				t.Fatalf("main moved to %s after a refused write", got)
			}
		})
	}
}

func TestSignatureIsSanitised(t *testing.T) {
	t.Parallel()
	s, dir, first := seeded(t, nil)
	id, err := s.WriteCommit(context.Background(), gitstore.CommitRequest{
		Branch: "main", Expected: first, Message: "m\r\n\r\nbody",
		Author:  praxis.Signature{Name: "Eve <evil>\nInjected: yes", Email: "<eve@example.org>"},
		Changes: []praxis.FileChange{{Path: "x.md", Content: []byte("x")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.FindCommit(context.Background(), id)
	if c.Author.Name != "Eve evil Injected: yes" || c.Author.Email != "eve@example.org" {
		t.Errorf("author = %q <%q>", c.Author.Name, c.Author.Email)
	}
	gitFsck(t, dir)
}

// Twenty writers race to commit to main, retrying on conflict. Every commit that
// was acknowledged must be on main afterwards, and readers never fail meanwhile.
func TestConcurrentWritersAndReaders(t *testing.T) {
	t.Parallel()
	idx := newMemoryIndex()
	s, dir, _ := seeded(t, idx)
	ctx := context.Background()
	const writers = 20
	var (
		wg           sync.WaitGroup
		mu           sync.Mutex
		acknowledged = map[string]string{} // commit -> file it wrote
	)
	stop := make(chan struct{})
	readerErrs := make(chan error, 100)
	var readers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				snap, err := s.Snapshot(ctx, "main")
				if err == nil {
					_, err = snap.ReadFile("modules/stigma/module.md")
				}
				if err != nil {
					readerErrs <- err
					return
				}
			}
		}()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("modules/w%02d/module.md", w)
			for attempt := 0; ; attempt++ {
				head, err := s.Branch(ctx, "main")
				if err != nil {
					t.Error(err)
					return
				}
				id, err := s.WriteCommit(ctx, gitstore.CommitRequest{
					Branch: "main", Expected: head, Author: author, Message: "writer " + name,
					Changes: []praxis.FileChange{{Path: name, Content: []byte(name)}},
				})
				if praxis.ErrorCode(err) == praxis.ECONFLICT && attempt < 500 {
					continue
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				mu.Lock()
				acknowledged[id] = name
				mu.Unlock()
				return
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(readerErrs)
	for err := range readerErrs {
		t.Errorf("reader failed during writes: %v", err)
	}
	if len(acknowledged) != writers {
		t.Fatalf("%d writes acknowledged, want %d", len(acknowledged), writers)
	}
	for id, name := range acknowledged {
		if got := readFile(t, s, "main", name); got != name {
			t.Errorf("%s = %q on main, want %q", name, got, name)
		}
		if got := readFile(t, s, id, name); got != name {
			t.Errorf("%s at %s = %q", name, id, got)
		}
		if git := exec.Command("git", "-C", dir, "merge-base", "--is-ancestor", id, "main"); git.Run() != nil {
			if _, err := exec.LookPath("git"); err == nil {
				t.Errorf("acknowledged commit %s is not on main", id)
			}
		}
	}
	if n := len(idx.order); n != writers+1 {
		t.Errorf("index holds %d commits, want %d", n, writers+1)
	}
	gitFsck(t, dir)
}

func TestHistoryIndexRecordsTouchedModules(t *testing.T) {
	t.Parallel()
	idx := newMemoryIndex()
	s, _, first := seeded(t, idx)
	ctx := context.Background()
	if got := idx.modules(first); !slices.Equal(got, []string{"one-to-ones", "stigma"}) {
		t.Errorf("seed touched %v, want every module", got)
	}
	second, err := s.WriteCommit(ctx, gitstore.CommitRequest{
		Branch: "main", Expected: first, Author: author, Message: "x",
		Changes: []praxis.FileChange{
			{Path: "modules/stigma/handouts/cards.md", Content: []byte("changed")},
			{Path: "README.md", Content: []byte("changed")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx.modules(second); !slices.Equal(got, []string{"stigma"}) {
		t.Errorf("second commit touched %v, want [stigma]", got)
	}
	third, err := s.WriteCommit(ctx, gitstore.CommitRequest{
		Branch: "main", Expected: second, Author: author, Message: "readme only",
		Changes: []praxis.FileChange{{Path: "README.md", Content: []byte("again")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx.modules(third); len(got) != 0 {
		t.Errorf("README-only commit touched %v, want none", got)
	}
	// A commit on another branch is not indexed until main reaches it.
	if err := s.CreateBranch(ctx, "forks/1/stigma", third); err != nil {
		t.Fatal(err)
	}
	fork, err := s.WriteCommit(ctx, gitstore.CommitRequest{
		Branch: "forks/1/stigma", Expected: third, Author: author, Message: "fork edit",
		Changes: []praxis.FileChange{{Path: "modules/stigma/module.md", Delete: true}, {Path: "modules/stigma/handouts/cards.md", Delete: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := idx.IndexedCommits(ctx, []string{fork}); ok[fork] {
		t.Error("a fork's commit was indexed before reaching main")
	}
	merge, err := s.WriteCommit(ctx, gitstore.CommitRequest{
		Branch: "main", Expected: third, Parents: []string{third, fork}, Author: author, Message: "merge",
		Changes: []praxis.FileChange{{Path: "modules/stigma/module.md", Delete: true}, {Path: "modules/stigma/handouts/cards.md", Delete: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := idx.IndexedCommits(ctx, []string{fork, merge}); !ok[fork] || !ok[merge] {
		t.Errorf("after merging, indexed = %v, want the fork commit and the merge", ok)
	}
	idx.mu.Lock()
	rec := idx.records[merge]
	idx.mu.Unlock()
	if len(rec.Modules) != 1 || rec.Modules[0].Slug != "stigma" || rec.Modules[0].Parents != 0b01 {
		t.Errorf("merge record modules = %+v, want stigma differing from parent 0 only", rec.Modules)
	}
}

func TestCatchUpAfterOutsideCommits(t *testing.T) {
	t.Parallel()
	s, dir, first := seeded(t, nil)
	ctx := context.Background()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	// git writes commits and packs behind praxis's back, as a push would.
	tree := git(t, dir, "rev-parse", first+"^{tree}")
	var head = first
	for i := range 5 {
		head = git(t, dir, "commit-tree", tree, "-p", head, "-m", fmt.Sprintf("outside %d", i))
	}
	git(t, dir, "update-ref", "refs/heads/main", head, first)
	git(t, dir, "repack", "-a", "-d", "-q")
	git(t, dir, "prune-packed")

	idx := newMemoryIndex()
	reopened, _, err := gitstore.Open(dir, gitstore.Options{Indexer: idx})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	n, err := reopened.CatchUp(ctx)
	if err != nil || n != 6 {
		t.Fatalf("CatchUp = %d, %v; want 6, nil", n, err)
	}
	if n, err := reopened.CatchUp(ctx); err != nil || n != 0 {
		t.Fatalf("second CatchUp = %d, %v; want 0, nil", n, err)
	}
	// The first store's handles had read loose objects that are now packed.
	if got := readFile(t, s, head, "modules/stigma/module.md"); !strings.Contains(got, "Stigma") {
		t.Fatalf("reading after a repack = %q", got)
	}
}

func TestStaleLockIsRemovedAtOpenAndLiveLockWaits(t *testing.T) {
	t.Parallel()
	s, dir, first := seeded(t, nil)
	lock := filepath.Join(dir, "refs", "heads", "main.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := s.WriteCommit(context.Background(), gitstore.CommitRequest{
		Branch: "main", Expected: first, Author: author, Message: "m",
		Changes: []praxis.FileChange{{Path: "x", Content: []byte("x")}},
	})
	if praxis.ErrorCode(err) != praxis.EUNAVAILABLE {
		t.Fatalf("write while another process holds the lock = %v, want EUNAVAILABLE", err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("gave up after %v, want it to wait for the lock", waited)
	}
	s.Close()
	reopened, _, err := gitstore.Open(dir, gitstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	if _, err := os.Stat(lock); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stale lock still there after Open: %v", err)
	}
	if _, err := reopened.WriteCommit(context.Background(), gitstore.CommitRequest{
		Branch: "main", Expected: first, Author: author, Message: "m",
		Changes: []praxis.FileChange{{Path: "x", Content: []byte("x")}},
	}); err != nil {
		t.Fatalf("write after reopening = %v", err)
	}
}

func TestBranches(t *testing.T) {
	t.Parallel()
	s, _, first := seeded(t, nil)
	ctx := context.Background()
	if err := s.CreateBranch(ctx, "forks/7/stigma", first); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBranch(ctx, "forks/7/x", strings.Repeat("a", 40)); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("CreateBranch at a missing commit = %v, want ENOTFOUND", err)
	}
	if err := s.DeleteBranch(ctx, "forks/7/stigma", strings.Repeat("b", 40)); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("DeleteBranch with a stale id = %v, want ECONFLICT", err)
	}
	if err := s.DeleteBranch(ctx, "forks/7/stigma", first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Branch(ctx, "forks/7/stigma"); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("Branch after delete = %v, want ENOTFOUND", err)
	}
	if err := s.DeleteBranch(ctx, "main", first); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("DeleteBranch(main) = %v, want EFORBIDDEN", err)
	}
}

func TestValidRefName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"refs/heads/main": true, "refs/heads/forks/12/stigma": true, "refs/tags/v2026.11": true,
		"refs/heads/../config": false, "refs/heads/a..b": false, "refs/heads/x.lock": false,
		"refs/heads/.hidden": false, "refs/heads/a b": false, "refs/heads/a:b": false,
		"refs/heads/": false, "heads/main": false, "refs/heads//x": false, "refs/heads/x@{1}": false,
	} {
		if got := gitstore.ValidRefName(name); got != want {
			t.Errorf("ValidRefName(%q) = %v, want %v", name, got, want)
		}
	}
}
