package backup_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/backup"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// liveData is a data directory in use: an open database and repository.
func liveData(t *testing.T) (string, *db.DB, *gitstore.Store) {
	t.Helper()
	env := testenv.New(t, testenv.Options{})
	dir, database, store := env.Dir, env.DB, env.Store
	return dir, database, store
}

func TestBackupWhileWritingAndRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, database, store := liveData(t)
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: database})
	// Writers keep going while the backup runs.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			main, _ := store.Branch(ctx, "main")
			store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: main, Message: fmt.Sprint("change ", i),
				Changes: []praxis.FileChange{{Path: fmt.Sprintf("notes/%d.md", i), Content: []byte("note\n")}}, Author: praxis.Signature{Name: "W"}})
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			accounts.AddUser(ctx, account.NewUser{Email: fmt.Sprintf("u%d@example.org", i), Name: "U", Roles: []praxis.Role{praxis.RoleFacilitator}})
		}
	}()
	var buf bytes.Buffer
	m, err := backup.Create(ctx, dir, &buf, backup.Options{PraxisVersion: "test", SchemaVersion: db.SchemaVersion()})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if m.Main == "" || len(m.Files) < 3 {
		t.Fatalf("manifest: main %q, %d files", m.Main, len(m.Files))
	}

	target := filepath.Join(t.TempDir(), "restored")
	got, err := backup.Restore(ctx, bytes.NewReader(buf.Bytes()), target, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Main != m.Main {
		t.Errorf("restored manifest main %s, want %s", got.Main, m.Main)
	}
	restored, err := db.Open(ctx, filepath.Join(target, backup.DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if ok, err := restored.IntegrityCheck(ctx); err != nil || !ok {
		t.Errorf("integrity check of the restored database: %v %v", ok, err)
	}
	rstore, _, err := gitstore.Open(filepath.Join(target, backup.RepositoryDir), gitstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rstore.Close()
	if main, err := rstore.Branch(ctx, "main"); err != nil || main != m.Main {
		t.Errorf("restored main %s (%v), want %s", main, err, m.Main)
	}
	if _, err := exec.LookPath("git"); err == nil {
		if out, err := exec.Command("git", "-C", filepath.Join(target, backup.RepositoryDir), "fsck", "--strict").CombinedOutput(); err != nil {
			t.Errorf("git fsck --strict on the restored repository: %v\n%s", err, out)
		}
	}

	// A non-empty target is refused; --force replaces it.
	if _, err := backup.Restore(ctx, bytes.NewReader(buf.Bytes()), target, false); praxis.ErrorCode(err) != praxis.ECONFLICT {
		t.Errorf("restore over data: %v", err)
	}
}

func TestDamagedBackupChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _, _ := liveData(t)
	var buf bytes.Buffer
	if _, err := backup.Create(ctx, dir, &buf, backup.Options{}); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	os.WriteFile(filepath.Join(target, "keep.txt"), []byte("mine"), 0o644)
	data := buf.Bytes()
	for name, bad := range map[string][]byte{
		"truncated": data[:len(data)/2],
		"not gzip":  []byte("hello"),
	} {
		if _, err := backup.Restore(ctx, bytes.NewReader(bad), target, true); err == nil {
			t.Errorf("%s backup restored", name)
		}
	}
	if _, err := os.Stat(filepath.Join(target, backup.DatabaseFile)); err == nil {
		t.Error("a failed restore left a database behind")
	}
	if b, _ := os.ReadFile(filepath.Join(target, "keep.txt")); string(b) != "mine" {
		t.Error("a failed restore touched other files")
	}
	entries, _ := os.ReadDir(target)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".restore-") {
			t.Errorf("staging left behind: %s", e.Name())
		}
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 5 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("praxis-2026010%d-000000.tar.gz", i+1)), nil, 0o644)
	}
	if err := backup.Prune(dir, 2); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
	if len(left) != 2 || !strings.HasSuffix(left[1], "20260105-000000.tar.gz") {
		t.Errorf("left %v", left)
	}
}

// A backup taken while proposals are opened and merged restores to data that
// agree once praxis reconciles them at start: every proposal branch has its
// proposal, every open proposal its branch, every merged proposal's merge is
// on main, and nothing acknowledged during the backup is lost.
func TestRestoreOfABackupTakenMidWriteEndsConsistent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: env.DB})
	add := func(email string, role praxis.Role) *praxis.User {
		u, _, err := accounts.AddUser(ctx, account.NewUser{Email: email, Name: strings.Split(email, "@")[0], Roles: []praxis.Role{role}, Password: "a long enough passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	alice, bob, maya := add("alice@example.org", praxis.RoleFacilitator), add("bob@example.org", praxis.RoleFacilitator), add("maya@example.org", praxis.RoleMaintainer)
	svc := review.New(review.Config{DB: env.DB, Store: env.Store, Catalog: env.Catalog})
	const stigma = "exploring-class-2-stigma"
	propose := func(user *praxis.User, title, old, new string) *praxis.Proposal {
		t.Helper()
		snap, _ := env.Store.Snapshot(ctx, "main")
		plan, _ := snap.ReadFile("modules/" + stigma + "/module.md")
		p, err := svc.CreateProposal(ctx, user, review.NewProposal{Title: title, Module: stigma,
			Edits: []review.Edit{{Path: "module.md", Content: []byte(strings.Replace(string(plan), old, new, 1))}}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	toMerge := propose(alice, "Merged during the backup", "## About this workshop", "## About this workshop (merged)")
	if _, err := svc.Review(ctx, maya, toMerge.ID, praxis.VerdictApprove, "", toMerge.Head); err != nil {
		t.Fatal(err)
	}

	var opened *praxis.Proposal
	var mergeCommit string
	between := func() {
		opened = propose(bob, "Opened during the backup", "## Sources and further reading", "## Sources and further reading (opened)")
		var err error
		if mergeCommit, err = svc.Merge(ctx, maya, toMerge.ID, toMerge.Head); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.CreateFork(ctx, bob, stigma); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := backup.Create(ctx, env.Dir, &buf, backup.WithBetween(backup.Options{SchemaVersion: db.SchemaVersion()}, between)); err != nil {
		t.Fatal(err)
	}

	target := filepath.Join(t.TempDir(), "restored")
	if _, err := backup.Restore(ctx, bytes.NewReader(buf.Bytes()), target, false); err != nil {
		t.Fatal(err)
	}
	rdb, err := db.Open(ctx, filepath.Join(target, backup.DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rstore, _, err := gitstore.Open(filepath.Join(target, backup.RepositoryDir), gitstore.Options{Indexer: rdb})
	if err != nil {
		t.Fatal(err)
	}
	defer rstore.Close()
	if _, err := rstore.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	restored := review.New(review.Config{DB: rdb, Store: rstore, Catalog: catalog.New(rstore, rdb)})
	// What praxis does at start.
	if _, err := restored.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}

	main, _ := rstore.Branch(ctx, "main")
	branches, _ := rstore.Branches(ctx, "proposals/")
	refs, _ := rdb.ProposalRefs(ctx, "proposals/")
	for branch, head := range branches {
		if !slices.ContainsFunc(refs, func(r db.ProposalRef) bool { return r.Branch == branch && r.Head == head }) {
			t.Errorf("branch %s at %s has no proposal in the restore", branch, head)
		}
	}
	for _, r := range refs {
		p, _ := rdb.FindProposal(ctx, r.ID)
		switch p.Status {
		case praxis.ProposalOpen:
			if branches[p.Branch] != p.Head {
				t.Errorf("open proposal %d %q: its branch %s is at %q, recorded %s", p.ID, p.Title, p.Branch, branches[p.Branch], p.Head)
			}
		case praxis.ProposalMerged:
			if cmp, err := rstore.Compare(ctx, main, p.MergeCommit); err != nil || cmp.Ahead != 0 {
				t.Errorf("merged proposal %d %q: its merge %s is not on the restored main (%v)", p.ID, p.Title, p.MergeCommit, err)
			}
		}
	}
	// Acknowledged during the backup: the new proposal (its changes, open),
	// the merge, the fork.
	if !slices.ContainsFunc(refs, func(r db.ProposalRef) bool {
		p, _ := rdb.FindProposal(ctx, r.ID)
		return p.Status == praxis.ProposalOpen && p.Head == opened.Head && p.AuthorID == bob.ID && p.Title == opened.Title
	}) {
		t.Errorf("the proposal opened during the backup is not open in the restore: %+v", refs)
	}
	if got, _ := rdb.FindProposal(ctx, toMerge.ID); got.Status != praxis.ProposalMerged || got.MergeCommit != mergeCommit {
		t.Errorf("the proposal merged during the backup = %s in %s, want merged in %s", got.Status, got.MergeCommit, mergeCommit)
	}
	if fork, err := rdb.FindForkOf(ctx, bob.ID, stigma); err != nil {
		t.Errorf("the fork made during the backup: %v", err)
	} else if _, err := rstore.Branch(ctx, fork.Branch); err != nil {
		t.Errorf("the fork made during the backup has no branch: %v", err)
	}
}

// A backup copies the database before the refs, so from before the
// database's copy no prune may run: here a delivery pins a commit of a deleted
// fork branch; during the backup, after the database's copy, the delivery is
// deleted and a prune tries to run. It must not, for the backup's database
// still names the commit; the restored repository has it whole.
func TestABackupHoldsPrunesOffFromTheDatabasesCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: env.DB})
	u, _, err := accounts.AddUser(ctx, account.NewUser{Email: "alice@example.org", Name: "alice", Roles: []praxis.Role{praxis.RoleFacilitator}, Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	main, _ := env.Store.Branch(ctx, "main")
	pinned, err := env.Store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "forks/1/stigma", Parents: []string{main},
		Changes: []praxis.FileChange{{Path: "modules/stigma/handouts/mine.md", Content: []byte("# Mine\n")}},
		Author:  praxis.Signature{Name: "alice", Email: "alice@example.org"}, Message: "Mine"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := env.DB.CreateDelivery(ctx, &praxis.Delivery{FacilitatorID: u.ID, Module: "stigma", Version: pinned, Date: "2026-01-01",
		Duration: 60, Format: "online", Country: "GB", HostType: "other", Participants: 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Store.DeleteBranch(ctx, "forks/1/stigma", pinned); err != nil {
		t.Fatal(err)
	}
	ageObjects(env.Store.Path())

	var pruned gitstore.PruneResult
	between := func() {
		if err := env.DB.DeleteDelivery(ctx, id); err != nil {
			t.Fatal(err)
		}
		if pruned, err = env.Store.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour, Roots: env.DB.DeliveryVersions}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := backup.Create(ctx, env.Dir, &buf, backup.WithBetween(backup.Options{SchemaVersion: db.SchemaVersion()}, between)); err != nil {
		t.Fatal(err)
	}
	if !pruned.Skipped || pruned.Removed != 0 {
		t.Errorf("a prune during the backup = %+v; want it skipped", pruned)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if _, err := backup.Restore(ctx, bytes.NewReader(buf.Bytes()), target, false); err != nil {
		t.Fatal(err)
	}
	rdb, err := db.Open(ctx, filepath.Join(target, backup.DatabaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if d, err := rdb.FindDelivery(ctx, id); err != nil || d.Version != pinned {
		t.Fatalf("the restored delivery = %+v, %v", d, err)
	}
	rstore, _, err := gitstore.Open(filepath.Join(target, backup.RepositoryDir), gitstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rstore.Close()
	snap, err := rstore.Snapshot(ctx, pinned)
	if err != nil {
		t.Fatalf("the restored delivery's version: %v", err)
	}
	if _, err := snap.ReadFile("modules/stigma/handouts/mine.md"); err != nil {
		t.Errorf("the restored delivery's file: %v", err)
	}
	fsck(t, filepath.Join(target, backup.RepositoryDir))
}
