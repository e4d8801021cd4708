package history_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// lockedBuffer is a log destination safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestCatchUpIsRetriedUntilItSucceeds holds the database's write lock from
// another connection for longer than praxis's busy timeout while main moves.
// The catch-up after the write fails; a lookup of the new head says "try
// again" (503), never "not found"; and once the lock goes, the background
// indexer brings the index up to main with no further writes.
func TestCatchUpIsRetriedUntilItSucceeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "praxis.db")
	database := testenv.NewDB(t, dir, db.Options{BusyTimeout: 100 * time.Millisecond})
	logs := &lockedBuffer{}
	index := history.New(database)
	store, _, err := gitstore.Open(filepath.Join(dir, "c.git"), gitstore.Options{Indexer: index,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	index.Follow(store)
	plan := "modules/alpha/module.md"
	first, err := store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Changes: []praxis.FileChange{{Path: plan, Content: []byte("one\n")}},
		Author: praxis.Signature{Name: "T", Email: "t@example.org"}, Message: "First"})
	if err != nil {
		t.Fatal(err)
	}

	keep, stop := context.WithCancel(ctx)
	defer stop()
	go store.KeepIndexed(keep, 20*time.Millisecond)

	// Another connection holds the write lock.
	other, err := sql.Open("sqlite3", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	head, err := store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: first, Changes: []praxis.FileChange{{Path: plan, Content: []byte("two\n")}},
		Author: praxis.Signature{Name: "T", Email: "t@example.org"}, Message: "Second"})
	if err != nil {
		t.Fatalf("the write itself must succeed while the index cannot: %v", err)
	}
	if _, _, err := index.ModuleHistory(ctx, "alpha", head, 10, ""); praxis.ErrorCode(err) != praxis.EUNAVAILABLE {
		t.Errorf("history at a head the index cannot reach yet: %v (code %s), want EUNAVAILABLE", err, praxis.ErrorCode(err))
	}
	// Let the background indexer fail a few times.
	for deadline := time.Now().Add(10 * time.Second); strings.Count(logs.String(), "history index catch-up failed; retrying") < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("the background indexer did not retry while the database was locked; logs:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if indexed, _ := database.IndexedCommits(ctx, []string{head}); indexed[head] {
		t.Fatal("the head was indexed while the database was locked: the test did not hold the lock")
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}

	// No further writes: the index catches up on its own.
	for deadline := time.Now().Add(20 * time.Second); ; {
		if indexed, err := database.IndexedCommits(ctx, []string{head}); err == nil && indexed[head] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index never caught up after the lock went; logs:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	entries, _, err := index.ModuleHistory(ctx, "alpha", head, 10, "")
	if err != nil || len(entries) != 2 || entries[0].ID != head {
		t.Errorf("history after the catch-up: %v %v", entries, err)
	}
	if !strings.Contains(logs.String(), "caught up after failed attempts") {
		t.Errorf("the recovery was not logged:\n%s", logs.String())
	}
}

// TestKeepIndexedFollowsMainMovedElsewhere moves main behind the store's back
// (as git receive-pack would) and expects the background indexer to notice.
func TestKeepIndexedFollowsMainMovedElsewhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRepo(t, 1)
	r.index.Follow(r.store)
	first := r.commit("main", praxis.FileChange{Path: "modules/alpha/module.md", Content: []byte("one\n")})
	// A second store over the same repository writes without an indexer:
	// to the first store, main moved behind its back.
	outside, _, err := gitstore.Open(filepath.Join(r.dir, "c.git"), gitstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer outside.Close()
	keep, stop := context.WithCancel(ctx)
	defer stop()
	go r.store.KeepIndexed(keep, 20*time.Millisecond)
	head, err := outside.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: first,
		Changes: []praxis.FileChange{{Path: "modules/alpha/module.md", Content: []byte("two\n")}}, Author: r.sig(), Message: "Outside"})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if n, err := r.index.IndexedCommits(ctx, []string{head}); err == nil && n[head] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background indexer did not index a commit made behind its back")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
