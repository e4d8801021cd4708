package testenv

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/praxis-coop/praxis/curriculum"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// templates holds, while Main runs a package's tests, the data directories
// seeded once for the process, which New and NewDB copy. Outside Main it is
// empty and every New seeds afresh. It is state of the test process, shared by
// tests running in parallel, hence the lock.
var templates struct {
	mu     sync.Mutex
	root   string             // "" outside Main
	seeded map[seedKey]string // data directories seeded with the starter curriculum
	failed map[seedKey]error  // seeds that failed, reported to every caller
	db     string             // a migrated database with no rows
	dbErr  error
}

// seedKey is what makes one seed commit differ from another.
type seedKey struct {
	name, email, when, message string
}

// Main runs a package's tests; call it from TestMain. While the tests run,
// their temporary files are in memory (InMemoryTempDir), New copies the
// starter curriculum from a data directory seeded once (rather than seeding
// and indexing for every test) and NewDB copies a database migrated once;
// Main removes them when the tests end.
func Main(m *testing.M) {
	restore := InMemoryTempDir()
	root, err := os.MkdirTemp("", "praxis-testenv-")
	if err != nil {
		restore()
		fmt.Fprintln(os.Stderr, "testenv:", err)
		os.Exit(1)
	}
	templates.mu.Lock()
	templates.root = root
	templates.seeded = map[seedKey]string{}
	templates.failed = map[seedKey]error{}
	templates.mu.Unlock()
	code := m.Run()
	templates.mu.Lock()
	templates.root = ""
	templates.mu.Unlock()
	os.RemoveAll(root)
	restore()
	os.Exit(code)
}

// InMemoryTempDir points TMPDIR, for this process and what it starts, at a
// new folder on a tmpfs (/dev/shm on Linux, when it has room), so that the
// many small files and fsyncs of tests' repositories and databases cost no
// disk writes; praxis's own durability is unchanged, only where tests keep
// their data. It does nothing when TMPDIR is set (the person running the
// tests chose) or a benchmark runs (benchmarks measure the disk). It returns
// what removes the folder; call it after the tests. TestMain calls it (Main
// does), after flag.Parse if it parses flags.
func InMemoryTempDir() (restore func()) {
	if !flag.Parsed() {
		flag.Parse()
	}
	if os.Getenv("TMPDIR") != "" {
		return func() {}
	}
	if bench := flag.Lookup("test.bench"); bench != nil && bench.Value.String() != "" {
		return func() {}
	}
	dir := memoryTempDir()
	if dir == "" {
		return func() {}
	}
	os.Setenv("TMPDIR", dir)
	return func() {
		os.Unsetenv("TMPDIR")
		os.RemoveAll(dir)
	}
}

// seededTemplate returns a data directory seeded with the starter curriculum
// by author with message, seeding it on first use; "" outside Main.
func seededTemplate(author praxis.Signature, message string) (string, error) {
	templates.mu.Lock()
	defer templates.mu.Unlock()
	if templates.root == "" {
		return "", nil
	}
	key := seedKey{name: author.Name, email: author.Email, message: message}
	if !author.When.IsZero() {
		key.when = author.When.UTC().String()
	}
	if dir, ok := templates.seeded[key]; ok {
		return dir, nil
	}
	if err, ok := templates.failed[key]; ok {
		return "", err
	}
	dir := filepath.Join(templates.root, fmt.Sprintf("seeded-%d", len(templates.seeded)+len(templates.failed)))
	err := func() error {
		env, err := openServices(dir, db.Options{})
		if err != nil {
			return err
		}
		_, seedErr := env.Store.Seed(context.Background(), curriculum.FS, author, message)
		if err := env.close(); seedErr == nil {
			seedErr = err
		}
		return seedErr
	}()
	if err != nil {
		err = fmt.Errorf("testenv: seed the template: %w", err)
		templates.failed[key] = err
		return "", err
	}
	templates.seeded[key] = dir
	return dir, nil
}

// NewDB opens a database at dir/praxis.db with every migration applied and no
// rows (under Main, a copy of one migrated once), closed when the test ends.
func NewDB(t testing.TB, dir string, opts db.Options) *db.DB {
	t.Helper()
	path := filepath.Join(dir, "praxis.db")
	template, err := migratedTemplate()
	if err != nil {
		t.Fatal(err)
	}
	if template != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := copyFile(template, path, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	database, err := db.OpenWith(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { database.Close() })
	return database
}

// migratedTemplate returns a migrated, empty database file, making it on
// first use; "" outside Main.
func migratedTemplate() (string, error) {
	templates.mu.Lock()
	defer templates.mu.Unlock()
	if templates.root == "" || templates.db != "" || templates.dbErr != nil {
		return templates.db, templates.dbErr
	}
	path := filepath.Join(templates.root, "migrated", "praxis.db")
	database, err := db.Open(context.Background(), path)
	if err == nil {
		// Closing the last connection checkpoints the WAL into the file
		// and removes it, so the one file is the whole database.
		err = database.Close()
	}
	if err != nil {
		templates.dbErr = fmt.Errorf("testenv: migrate the template database: %w", err)
		return "", templates.dbErr
	}
	templates.db = path
	return path, nil
}

// PasswordHashing is the cost of password hashes in tests: the cheapest
// argon2id allows, so that an account costs microseconds. The hashes have the
// same form as praxis's and verify the same way.
func PasswordHashing() account.Hashing {
	return account.Hashing{Memory: 8, Time: 1, Threads: 1}
}

// CopyDir copies the files and folders under from into to, which may exist:
// a data directory copied to be broken, say.
func CopyDir(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode().IsRegular():
			return copyFile(p, target, info.Mode().Perm())
		}
		return nil
	})
}

// copyFile copies the file at from to a new file at to with mode perm.
func copyFile(from, to string, perm fs.FileMode) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
