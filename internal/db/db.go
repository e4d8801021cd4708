// Package db owns the relational data: a SQLite database opened through GORM with
// WAL, foreign keys, a busy timeout and immediate transactions, and versioned
// migrations that run once each, in order. It is the only package that imports
// GORM; it returns praxis types.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DB is the praxis database. It is safe for concurrent use.
type DB struct {
	gorm        *gorm.DB
	pool        *sql.DB
	path        string
	busyTimeout time.Duration
	// eventHook is told of every event in its transaction (OnEvent).
	eventHook atomic.Pointer[EventHook]
}

// DefaultBusyTimeout is how long a write waits for another to finish before
// it gives up with EUNAVAILABLE.
const DefaultBusyTimeout = 10 * time.Second

// Options shape how the database is opened.
type Options struct {
	// BusyTimeout is how long a write waits for the write lock;
	// DefaultBusyTimeout when zero.
	BusyTimeout time.Duration
}

// Open opens (creating if needed) the SQLite database at path and brings its
// schema up to date. A database written by a newer praxis is refused.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, opts Options) (*DB, error) {
	return openAt(ctx, path, SchemaVersion(), opts)
}

// openAt opens the database and migrates it up to version (tests open older
// schemas to check upgrades from them).
func openAt(ctx context.Context, path string, version int, opts Options) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	if err := makePrivate(path); err != nil {
		return nil, err
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	// _txlock=immediate makes every transaction take the write lock at BEGIN, so
	// two writers never deadlock upgrading from read to write; the busy timeout
	// makes the second wait rather than fail.
	dsn := fmt.Sprintf("file:%s?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=%d&_txlock=immediate&_synchronous=NORMAL",
		path, opts.BusyTimeout.Milliseconds())
	// TranslateError passes every error GORM meets (statements, BEGIN,
	// COMMIT) through the dialector's Translate: disk full, locked and
	// read-only become EUNAVAILABLE there, at the boundary.
	g, err := gorm.Open(translatingDialector{&sqlite.Dialector{DSN: dsn}}, &gorm.Config{
		SkipDefaultTransaction: true,
		Logger:                 logger.Default.LogMode(logger.Silent),
		PrepareStmt:            true,
		TranslateError:         true,
	})
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	conns := max(4, 2*runtime.GOMAXPROCS(0))
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	db := &DB{gorm: g, pool: sqlDB, path: path, busyTimeout: opts.BusyTimeout}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("db: open %s: %w", path, err)
	}
	if err := db.migrate(ctx, version); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// makePrivate makes the database file readable and writable by its owner
// only (0600): it holds password hashes, session and token hashes, and
// people's details. A new file is created so before SQLite opens it (SQLite
// gives its -wal and -shm files the database's mode); a file left readable by
// others by an older praxis, and its -wal and -shm, are tightened.
func makePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("db: open %s: %w", path, err)
	}
	f.Close()
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(name)
		if err != nil {
			continue // no -wal or -shm yet
		}
		if info.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(name, 0o600); err != nil {
				return fmt.Errorf("db: make %s private: %w", name, err)
			}
		}
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Pool returns the connection pool under GORM, for its statistics (the
// metrics page); queries go through DB's methods, never through the pool.
func (db *DB) Pool() *sql.DB { return db.pool }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.gorm.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	return nil
}

// translate maps GORM's errors to praxis codes at the boundary.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return praxis.Errorf(praxis.ENOTFOUND, "%s not found", what)
	default:
		return fmt.Errorf("db: %s: %w", what, err)
	}
}

// WithTx runs fn inside one database transaction and gives it the
// transaction under GORM, for packages that write beside the database's own
// tables in the same transaction (the job queue). fn's error rolls it back.
func (db *DB) WithTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sqlTx, err := sqlTxOf(tx)
		if err != nil {
			return err
		}
		return fn(sqlTx)
	})
}

// sqlTxOf returns the *sql.Tx under a GORM transaction (prepared statements
// wrap it).
func sqlTxOf(tx *gorm.DB) (*sql.Tx, error) {
	pool := tx.Statement.ConnPool
	if prepared, ok := pool.(*gorm.PreparedStmtTX); ok {
		pool = prepared.Tx
	}
	sqlTx, ok := pool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("db: not inside a transaction (%T)", tx.Statement.ConnPool)
	}
	return sqlTx, nil
}

// withSQLTx calls then, when not nil, with the *sql.Tx under tx.
func withSQLTx(tx *gorm.DB, then func(tx *sql.Tx) error) error {
	if then == nil {
		return nil
	}
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	return then(sqlTx)
}
