package backup_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/backup"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
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
	ctx := context.Background()
	dir, database, store := liveData(t)
	accounts := account.New(account.Config{DB: database})
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
