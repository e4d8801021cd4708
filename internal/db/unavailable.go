package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// Messages for the failures that are the server's state, not the request's:
// shown to people with status 503.
const (
	msgDiskFull = "the server's disk is full; nothing was saved"
	msgBusy     = "the database is busy with other changes and did not answer in time; nothing was saved. Try again in a moment"
	msgReadOnly = "the server's database cannot be written to (it is read-only); nothing was saved"
	msgIO       = "the server could not read or write its database; nothing was saved"
)

// translatingDialector is GORM's SQLite dialector with praxis's translation
// of errors (gorm.Config.TranslateError).
type translatingDialector struct {
	*sqlite.Dialector
}

// Translate turns the SQLite errors that mean the database cannot serve the
// request now into EUNAVAILABLE with a plain message: disk full, busy or
// locked after the busy timeout, read-only, I/O errors. Others pass through
// unchanged (a unique violation stays a sqlite3.Error for isUniqueViolation).
func (translatingDialector) Translate(err error) error {
	return unavailable(err)
}

func unavailable(err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	var msg string
	switch se.Code {
	case sqlite3.ErrFull:
		msg = msgDiskFull
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		msg = msgBusy
	case sqlite3.ErrReadonly:
		msg = msgReadOnly
	case sqlite3.ErrIoErr:
		msg = msgIO
	default:
		return err
	}
	return &unavailableError{message: msg, cause: err}
}

// unavailableError is EUNAVAILABLE carrying the SQLite error behind it, for
// the log.
type unavailableError struct {
	message string
	cause   error
}

func (e *unavailableError) Error() string { return "db: " + e.cause.Error() }

// Unwrap gives both the praxis error (for ErrorCode and the message) and the
// SQLite error.
func (e *unavailableError) Unwrap() []error {
	return []error{&praxis.Error{Code: praxis.EUNAVAILABLE, Message: e.message}, e.cause}
}

// CheckWritable makes a small committed write, waiting at most wait for the
// write lock, so a health check learns whether the database takes writes now
// (disk full, locked, read-only) without waiting the whole busy timeout.
func (db *DB) CheckWritable(ctx context.Context, wait time.Duration) error {
	return db.gorm.WithContext(ctx).Connection(func(conn *gorm.DB) (err error) {
		if err := conn.Exec(fmt.Sprintf("PRAGMA busy_timeout = %d", wait.Milliseconds())).Error; err != nil {
			return err
		}
		defer func() {
			if resetErr := conn.Exec(fmt.Sprintf("PRAGMA busy_timeout = %d", db.busyTimeout.Milliseconds())).Error; resetErr != nil && err == nil {
				err = resetErr
			}
		}()
		return conn.Transaction(func(tx *gorm.DB) error {
			return tx.Exec(`INSERT INTO settings (key, value) VALUES ('health_checked_at', ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, time.Now().UTC().Format(time.RFC3339Nano)).Error
		})
	})
}
