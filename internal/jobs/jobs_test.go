package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

type noteArgs struct {
	Text string `json:"text"`
}

func (noteArgs) Kind() string { return "test.note" }

type failArgs struct {
	N int `json:"n"`
}

func (failArgs) Kind() string { return "test.fail" }

// openDB opens a praxis database in dir with River's tables.
func openDB(t *testing.T, dir string) *db.DB {
	t.Helper()
	database, err := db.Open(context.Background(), filepath.Join(dir, "praxis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { database.Close() })
	if err := jobs.Migrate(context.Background(), database.Pool()); err != nil {
		t.Fatal(err)
	}
	return database
}

// notes is a handler that records each note in a table of its own, in the
// transaction that completes its job.
type notes struct {
	db   *db.DB
	done chan string
}

func (n *notes) handle(ctx context.Context, job *jobs.Job[noteArgs]) error {
	return n.db.WithTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO test_notes (text) VALUES (?)`, job.Args.Text); err != nil {
			return err
		}
		if err := jobs.CompleteTx(ctx, tx, job); err != nil {
			return err
		}
		n.done <- job.Args.Text
		return nil
	})
}

func newQueue(t *testing.T, database *db.DB, register func(q *jobs.Queue)) *jobs.Queue {
	t.Helper()
	q := jobs.New(jobs.Config{Pool: database.Pool(), PollInterval: 20 * time.Millisecond, Timeout: 2 * time.Second})
	register(q)
	if err := q.Ready(); err != nil {
		t.Fatal(err)
	}
	return q
}

func start(t *testing.T, q *jobs.Queue) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		q.Stop(stopCtx)
		cancel()
	})
}

func count(t *testing.T, database *db.DB, query string) int {
	t.Helper()
	var n int
	if err := database.Pool().QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrateIsIdempotentAndKeepsJobs(t *testing.T) {
	dir := t.TempDir()
	database := openDB(t, dir)
	if err := jobs.Migrate(context.Background(), database.Pool()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	register := func(q *jobs.Queue) {
		jobs.Handle(q, func(context.Context, *jobs.Job[noteArgs]) error { return nil }, jobs.HandlerOptions{})
	}
	if _, err := newQueue(t, database, register).Insert(context.Background(), noteArgs{Text: "kept"}, jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	database.Close()
	// A restart: the praxis schema and River's are both up to date; the job
	// is still there.
	database = openDB(t, dir)
	if n := count(t, database, `SELECT COUNT(*) FROM river_job WHERE kind = 'test.note'`); n != 1 {
		t.Fatalf("jobs after a restart = %d, want 1", n)
	}
}

func TestJobInsertedInATransactionCommitsWithIt(t *testing.T) {
	ctx := context.Background()
	database := openDB(t, t.TempDir())
	if _, err := database.Pool().Exec(`CREATE TABLE test_notes (text TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	n := &notes{db: database, done: make(chan string, 10)}
	register := func(q *jobs.Queue) {
		jobs.Handle(q, n.handle, jobs.HandlerOptions{})
	}
	q := newQueue(t, database, register)

	refused := errors.New("the change was refused")
	err := database.WithTx(ctx, func(tx *sql.Tx) error {
		if _, err := q.InsertTx(ctx, tx, noteArgs{Text: "rolled back"}, jobs.Options{}); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("WithTx = %v, want the refusal", err)
	}
	if err := database.WithTx(ctx, func(tx *sql.Tx) error {
		_, err := q.InsertTx(ctx, tx, noteArgs{Text: "committed"}, jobs.Options{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	select {
	case got := <-n.done:
		if got != "committed" {
			t.Fatalf("worked %q, want the committed job", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the committed job was not worked")
	}
	waitFor(t, func() bool {
		c, err := q.Counts(ctx)
		return err == nil && c[jobs.StateDone] == 1
	}, "the job completes")
	if got := count(t, database, `SELECT COUNT(*) FROM river_job`); got != 1 {
		t.Errorf("jobs = %d, want only the committed one", got)
	}
	if got := count(t, database, `SELECT COUNT(*) FROM test_notes`); got != 1 {
		t.Errorf("notes = %d, want 1", got)
	}
}

func TestUniqueInsertIsIdempotent(t *testing.T) {
	ctx := context.Background()
	database := openDB(t, t.TempDir())
	register := func(q *jobs.Queue) {
		jobs.Handle(q, func(context.Context, *jobs.Job[noteArgs]) error { return nil }, jobs.HandlerOptions{})
	}
	q := newQueue(t, database, register)
	for i, want := range []bool{true, false} {
		inserted, err := q.Insert(ctx, noteArgs{Text: "once"}, jobs.Options{Unique: true})
		if err != nil {
			t.Fatal(err)
		}
		if inserted != want {
			t.Errorf("insert %d: inserted = %v, want %v", i+1, inserted, want)
		}
	}
	if inserted, _ := q.Insert(ctx, noteArgs{Text: "other"}, jobs.Options{Unique: true}); !inserted {
		t.Error("a job with other arguments was not inserted")
	}
}

func TestFailedJobsAreRetriedShownAndRetriedByHand(t *testing.T) {
	ctx := context.Background()
	database := openDB(t, t.TempDir())
	var mu sync.Mutex
	attempts := 0
	succeed := false
	register := func(q *jobs.Queue) {
		jobs.Handle(q, func(ctx context.Context, job *jobs.Job[failArgs]) error {
			mu.Lock()
			defer mu.Unlock()
			attempts++
			if succeed {
				return nil
			}
			return errors.New("the mail server said no")
		}, jobs.HandlerOptions{Queue: "mail"})
	}
	q := newQueue(t, database, register)
	if _, err := q.Insert(ctx, failArgs{N: 1}, jobs.Options{Queue: "mail", MaxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	waitFor(t, func() bool {
		c, err := q.Counts(ctx)
		return err == nil && c[jobs.StateFailed] == 1
	}, "the job fails")
	failed, err := q.List(ctx, jobs.StateFailed, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].Error != "the mail server said no" || failed[0].Kind != "test.fail" || !failed[0].Retryable() {
		t.Fatalf("failed jobs = %+v, want the one with its error", failed)
	}
	if err := q.Retry(ctx, 9999); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("Retry(unknown) = %v, want ENOTFOUND", err)
	}
	mu.Lock()
	succeed = true
	mu.Unlock()
	if err := q.Retry(ctx, failed[0].ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		c, err := q.Counts(ctx)
		return err == nil && c[jobs.StateDone] == 1 && c[jobs.StateFailed] == 0
	}, "the retried job completes")
	mu.Lock()
	defer mu.Unlock()
	if attempts != 2 {
		t.Errorf("attempts = %d, want 2", attempts)
	}
	done, _ := q.List(ctx, jobs.StateDone, 10)
	if len(done) != 1 || done[0].Retryable() {
		t.Errorf("done = %+v, want one job that cannot be retried", done)
	}
	if err := q.Retry(ctx, done[0].ID); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("Retry(done) = %v, want EINVALID", err)
	}
	if _, err := q.List(ctx, "lost", 10); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("List(lost) = %v, want EINVALID", err)
	}
}

func TestAFailedAttemptIsRetriedWithBackoff(t *testing.T) {
	ctx := context.Background()
	database := openDB(t, t.TempDir())
	tries := make(chan time.Time, 5)
	register := func(q *jobs.Queue) {
		jobs.Handle(q, func(ctx context.Context, job *jobs.Job[failArgs]) error {
			tries <- time.Now()
			if job.Attempt == 1 {
				return errors.New("try again")
			}
			return nil
		}, jobs.HandlerOptions{})
	}
	q := newQueue(t, database, register)
	if _, err := q.Insert(ctx, failArgs{N: 2}, jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	first := <-tries
	waitFor(t, func() bool {
		pending, err := q.List(ctx, jobs.StatePending, 10)
		return err == nil && len(pending) == 1 && pending[0].Attempt == 1 && pending[0].Error == "try again"
	}, "the failed attempt waits to be retried")
	select {
	case second := <-tries:
		// River waits attempt⁴ seconds (1 s after the first) with jitter.
		if gap := second.Sub(first); gap < 500*time.Millisecond {
			t.Errorf("second attempt came %s after the first, want a backoff", gap)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the job was not tried again")
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A database whose River tables an older River made (version 6 of River's
// SQLite migrations) is brought up to date at start with its waiting jobs,
// which are then worked.
func TestMigrateUpgradesAnOlderQueueWithItsJobs(t *testing.T) {
	ctx := context.Background()
	database, err := db.Open(ctx, filepath.Join(t.TempDir(), "praxis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { database.Close() })
	migrator, err := rivermigrate.New(riversqlite.New(database.Pool()), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{TargetVersion: 6}); err != nil {
		t.Fatal(err)
	}
	if _, err := database.Pool().Exec(`INSERT INTO river_job (args, kind, max_attempts) VALUES (json('{"text":"from before"}'), 'test.note', 5)`); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, database.Pool()); err != nil {
		t.Fatalf("Migrate from River's version 6: %v", err)
	}
	if _, err := database.Pool().Exec(`CREATE TABLE test_notes (text TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	n := &notes{db: database, done: make(chan string, 10)}
	q := newQueue(t, database, func(q *jobs.Queue) { jobs.Handle(q, n.handle, jobs.HandlerOptions{}) })
	start(t, q)
	select {
	case got := <-n.done:
		if got != "from before" {
			t.Errorf("worked %q", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the job from before the upgrade was not worked")
	}
}
