// Package jobs is praxis's durable job queue: River (github.com/riverqueue/river)
// over the praxis database, through River's SQLite driver on the same
// connection pool as GORM. Jobs are rows in River's tables, so a job inserted
// in the transaction of a change commits or rolls back with it; they survive a
// restart, are retried with exponential backoff, and a job left running by a
// crash is taken up again. It is the only package that imports River.
//
// A consumer defines its job's arguments (a struct with a Kind method),
// registers a handler for them (Handle), and inserts jobs (InsertTx inside a
// database transaction, Insert outside one). A handler that writes its
// results to the database completes its job in the same transaction
// (CompleteTx), so the results and the completion commit together.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Defaults of Config.
const (
	// DefaultTimeout is the longest a job may run. A job a crash left
	// running is taken up again after twice this (River's rescuer).
	DefaultTimeout = time.Minute
	// DefaultPollInterval is how often the queue looks for jobs to run.
	DefaultPollInterval = time.Second
	// DefaultMaxAttempts is how often a job is tried before it is given up
	// (discarded, shown as failed to admins). River waits attempt⁴ seconds
	// (with jitter) between tries, so 13 attempts span about a day.
	DefaultMaxAttempts = 13
	// QueueDefault is where jobs go unless their options name a queue.
	QueueDefault = river.QueueDefault
)

// Args are a job's arguments, stored as JSON. Kind names the job type and
// must stay the same once jobs of it have been stored.
type Args interface {
	Kind() string
}

// Job is a job being worked.
type Job[T Args] struct {
	ID      int64
	Attempt int
	Args    T
	// CreatedAt is when the job was inserted.
	CreatedAt time.Time

	river *river.Job[T]
}

// HandlerOptions shape how a job type is worked.
type HandlerOptions struct {
	// Queue is the queue its jobs run in; QueueDefault when empty. Each
	// queue works up to Workers jobs at once (the most any handler asks,
	// at least 1).
	Queue   string
	Workers int
	// Timeout bounds one attempt; the queue's timeout when zero.
	Timeout time.Duration
	// Backoff is how long to wait after a failed attempt (attempt counts
	// from 1) before the next; River's attempt⁴ seconds when nil.
	Backoff func(attempt int) time.Duration
}

// Handle registers fn to work the jobs whose arguments are T, before the
// queue is Ready. fn returning an error fails the attempt (it is retried
// later; Cancel gives it up); returning nil completes the job unless fn
// completed it already with CompleteTx.
func Handle[T Args](q *Queue, fn func(ctx context.Context, job *Job[T]) error, opts HandlerOptions) {
	var zero T
	queue := opts.Queue
	if queue == "" {
		queue = QueueDefault
	}
	q.queues[queue] = max(q.queues[queue], opts.Workers, 1)
	q.kinds = append(q.kinds, zero.Kind())
	river.AddWorker(q.workers, &worker[T]{fn: fn, timeout: opts.Timeout, backoff: opts.Backoff})
}

// Kinds lists the registered job kinds.
func (q *Queue) Kinds() []string { return slices.Clone(q.kinds) }

// worker adapts a handler to River's Worker.
type worker[T Args] struct {
	river.WorkerDefaults[T]
	fn      func(ctx context.Context, job *Job[T]) error
	timeout time.Duration
	backoff func(attempt int) time.Duration
}

func (w *worker[T]) Timeout(*river.Job[T]) time.Duration { return w.timeout }

func (w *worker[T]) NextRetry(j *river.Job[T]) time.Time {
	if w.backoff == nil {
		return time.Time{} // River's policy
	}
	return time.Now().Add(w.backoff(j.Attempt))
}

func (w *worker[T]) Work(ctx context.Context, j *river.Job[T]) error {
	return w.fn(ctx, &Job[T]{ID: j.ID, Attempt: j.Attempt, Args: j.Args, CreatedAt: j.CreatedAt, river: j})
}

// CompleteTx marks job completed inside tx, a transaction on the queue's
// database: the job completes if and only if tx commits. Only inside a
// handler.
func CompleteTx[T Args](ctx context.Context, tx *sql.Tx, job *Job[T]) error {
	if _, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, job.river); err != nil {
		return fmt.Errorf("jobs: complete job %d: %w", job.ID, err)
	}
	return nil
}

// Periodic is a job inserted on a schedule by the queue that works jobs.
type Periodic struct {
	// Next returns when the job should next be inserted after t.
	Next func(t time.Time) time.Time
	// Make returns the job to insert at time t (a second after the time it
	// was inserted at, which may be up to 100 ms before it was due).
	Make func(t time.Time) (Args, Options)
	// OnStart inserts one at start too (with the time of start), so a
	// schedule missed while praxis was stopped is caught up.
	OnStart bool
}

type schedule func(time.Time) time.Time

// periodicSlack is added to the time a periodic job is made at: River
// inserts one up to 100 ms before it is due.
const periodicSlack = time.Second

func (s schedule) Next(t time.Time) time.Time { return s(t) }

// Config is how to open a queue.
type Config struct {
	// Pool is the database's connection pool: the praxis database, whose
	// schema Migrate has brought up to date.
	Pool   *sql.DB
	Logger *slog.Logger
	// Timeout bounds each attempt of a job; DefaultTimeout when zero. A job
	// a crash left running is tried again after twice this.
	Timeout time.Duration
	// PollInterval is how often to look for jobs; DefaultPollInterval when
	// zero.
	PollInterval time.Duration
}

// Queue inserts jobs and, once started, works them. Register its handlers
// (Handle) and periodic jobs (Schedule), then call Ready; after that it is
// safe for concurrent use.
type Queue struct {
	cfg      Config
	workers  *river.Workers
	queues   map[string]int
	kinds    []string
	periodic []Periodic

	client  *river.Client[*sql.Tx]
	working bool
}

// New returns a queue over cfg.Pool, to be given its handlers and made
// Ready.
func New(cfg Config) *Queue {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Queue{cfg: cfg, workers: river.NewWorkers(), queues: map[string]int{}}
}

// Migrate brings River's tables in the database up to date (River's own
// migrations, recorded in its table river_migration). It does nothing when
// they are.
func Migrate(ctx context.Context, pool *sql.DB) error {
	migrator, err := rivermigrate.New(riversqlite.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// Schedule adds a periodic job, before the queue is Ready.
func (q *Queue) Schedule(p Periodic) { q.periodic = append(q.periodic, p) }

// Ready makes the queue usable: it can insert jobs of every registered
// kind, and Start works them.
func (q *Queue) Ready() error {
	cfg := q.cfg
	timeout := cmpOr(cfg.Timeout, DefaultTimeout)
	rc := &river.Config{
		Logger:               slog.New(quieter{cfg.Logger.Handler()}).With("component", "jobs"),
		Workers:              q.workers,
		JobTimeout:           timeout,
		RescueStuckJobsAfter: 2 * timeout,
		MaxAttempts:          DefaultMaxAttempts,
		FetchPollInterval:    cmpOr(cfg.PollInterval, DefaultPollInterval),
		// SQLite has no LISTEN/NOTIFY: River would poll an outbox table
		// every 50 ms instead. Polling for jobs alone is enough.
		PollOnly: true,
		// Completed jobs are kept a week for the admins' page; what was
		// sent is recorded for good by the handlers themselves.
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
	}
	if rc.FetchPollInterval < river.FetchCooldownDefault {
		rc.FetchCooldown = rc.FetchPollInterval
	}
	if len(q.queues) > 0 {
		rc.Queues = map[string]river.QueueConfig{}
		for name, n := range q.queues {
			rc.Queues[name] = river.QueueConfig{MaxWorkers: n}
		}
		for _, p := range q.periodic {
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(schedule(p.Next),
				func() (river.JobArgs, *river.InsertOpts) {
					// River inserts a periodic job up to 100 ms before it
					// is due (and the wall clock may be slewed): a second
					// later is past the time it was due, so a job named by
					// its day or slot is the one due, not the one before.
					args, opts := p.Make(time.Now().Add(periodicSlack))
					return args, opts.river()
				}, &river.PeriodicJobOpts{RunOnStart: p.OnStart}))
		}
	}
	client, err := river.NewClient(riversqlite.New(cfg.Pool), rc)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	q.client, q.working = client, len(rc.Queues) > 0
	return nil
}

func cmpOr(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}

// Start works jobs until ctx ends or Stop is called. A queue without
// handlers does nothing.
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop stops taking jobs and waits, until ctx ends, for those running to
// finish. Jobs cut short are tried again after a restart.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.working {
		return nil
	}
	if err := q.client.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// Options shape a job's insertion.
type Options struct {
	// Queue names the queue; QueueDefault when empty.
	Queue string
	// Unique inserts nothing when a job of the same kind with the same
	// arguments is waiting, running or completed (within the week completed
	// jobs are kept): an idempotent insert.
	Unique bool
	// MaxAttempts overrides DefaultMaxAttempts.
	MaxAttempts int
	// At schedules the job for later; now when zero.
	At time.Time
}

func (o Options) river() *river.InsertOpts {
	opts := &river.InsertOpts{Queue: o.Queue, MaxAttempts: o.MaxAttempts, ScheduledAt: o.At}
	if o.Unique {
		opts.UniqueOpts = river.UniqueOpts{ByArgs: true}
	}
	return opts
}

// InsertTx inserts a job inside tx, a transaction on the queue's database:
// it exists if and only if tx commits. It reports whether a job was
// inserted (false when Unique found one already).
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args Args, opts Options) (bool, error) {
	res, err := q.client.InsertTx(ctx, tx, args, opts.river())
	if err != nil {
		return false, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// Insert inserts a job on its own.
func (q *Queue) Insert(ctx context.Context, args Args, opts Options) (bool, error) {
	res, err := q.client.Insert(ctx, args, opts.river())
	if err != nil {
		return false, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// States that the admins' page groups jobs by.
const (
	// StatePending is waiting to run: available, scheduled for later, or
	// waiting to be retried after a failed attempt.
	StatePending = "pending"
	// StateRunning is being worked now.
	StateRunning = "running"
	// StateFailed has failed every attempt and is given up (or was
	// cancelled); an admin may retry it.
	StateFailed = "failed"
	// StateDone has completed.
	StateDone = "done"
)

var riverStates = map[string][]rivertype.JobState{
	StatePending: {rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStatePending},
	StateRunning: {rivertype.JobStateRunning},
	StateFailed:  {rivertype.JobStateDiscarded, rivertype.JobStateCancelled},
	StateDone:    {rivertype.JobStateCompleted},
}

// Info is a job as the admins' page shows it.
type Info struct {
	ID          int64
	Kind        string
	Queue       string
	State       string // one of the State constants
	RiverState  string // River's own: available, retryable, discarded, ...
	Attempt     int
	MaxAttempts int
	CreatedAt   time.Time
	// At is when it runs next (pending), started (running) or finished.
	At time.Time
	// Error is the last attempt's error, when it failed.
	Error string
	// Args are the job's arguments as stored (JSON).
	Args string
}

// Retryable reports whether an admin may retry the job now.
func (i Info) Retryable() bool {
	return i.State == StateFailed || i.RiverState == string(rivertype.JobStateRetryable) || i.RiverState == string(rivertype.JobStateScheduled)
}

// List returns up to limit jobs in a state (one of the State constants),
// newest first.
func (q *Queue) List(ctx context.Context, state string, limit int) ([]Info, error) {
	states, ok := riverStates[state]
	if !ok {
		return nil, praxis.Errorf(praxis.EINVALID, "there is no job state %q: use pending, running, failed or done", state)
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	res, err := q.client.JobList(ctx, river.NewJobListParams().States(states...).First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc))
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]Info, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		out = append(out, info(j))
	}
	return out, nil
}

func info(j *rivertype.JobRow) Info {
	i := Info{ID: j.ID, Kind: j.Kind, Queue: j.Queue, RiverState: string(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		CreatedAt: j.CreatedAt.UTC(), At: j.ScheduledAt.UTC(), Args: string(j.EncodedArgs)}
	for name, states := range riverStates {
		if slices.Contains(states, j.State) {
			i.State = name
		}
	}
	switch {
	case j.State == rivertype.JobStateRunning && j.AttemptedAt != nil:
		i.At = j.AttemptedAt.UTC()
	case j.FinalizedAt != nil:
		i.At = j.FinalizedAt.UTC()
	}
	if n := len(j.Errors); n > 0 {
		i.Error = j.Errors[n-1].Error
	}
	return i
}

// Counts returns how many jobs there are in each state (the State
// constants).
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	rows, err := q.cfg.Pool.QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("jobs: count: %w", err)
	}
	defer rows.Close()
	out := map[string]int{StatePending: 0, StateRunning: 0, StateFailed: 0, StateDone: 0}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("jobs: count: %w", err)
		}
		for name, states := range riverStates {
			if slices.Contains(states, rivertype.JobState(state)) {
				out[name] += n
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: count: %w", err)
	}
	return out, nil
}

// Retry makes a failed job (or one waiting for its next attempt) run again
// now, with one more attempt when it had used them all.
// ENOTFOUND when there is no such job; EINVALID when it is running or done.
func (q *Queue) Retry(ctx context.Context, id int64) error {
	job, err := q.client.JobGet(ctx, id)
	if err != nil {
		if errors.Is(err, river.ErrNotFound) {
			return praxis.Errorf(praxis.ENOTFOUND, "there is no job %d", id)
		}
		return fmt.Errorf("jobs: retry %d: %w", id, err)
	}
	if !info(job).Retryable() {
		return praxis.Errorf(praxis.EINVALID, "job %d is %s: only a failed job, or one waiting to be tried again, can be retried", id, strings.ReplaceAll(string(job.State), "_", " "))
	}
	if _, err := q.client.JobRetry(ctx, id); err != nil {
		return fmt.Errorf("jobs: retry %d: %w", id, err)
	}
	return nil
}

// Snooze makes the job run again after d, without counting an attempt: for
// work that is not ready yet, which is no failure.
func Snooze(d time.Duration) error { return river.JobSnooze(d) }

// Cancel wraps the error of an attempt that can never succeed (a mail
// server refusing the recipient for good): the job is not tried again and
// shows as failed, with err, for an admin to retry or leave.
func Cancel(err error) error { return river.JobCancel(err) }

// quieter passes River's log on with its information (job counts every few
// seconds, clients starting and stopping) as debug: praxis's own log says
// what an operator needs; warnings and errors stay as they are.
type quieter struct{ slog.Handler }

func (q quieter) Enabled(ctx context.Context, level slog.Level) bool {
	return q.Handler.Enabled(ctx, demote(level))
}

func (q quieter) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return q.Handler.Handle(ctx, r)
}

func (q quieter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quieter{q.Handler.WithAttrs(attrs)}
}

func (q quieter) WithGroup(name string) slog.Handler { return quieter{q.Handler.WithGroup(name)} }

func demote(level slog.Level) slog.Level {
	if level < slog.LevelWarn {
		return slog.LevelDebug
	}
	return level
}
