package gitstore

import (
	"errors"
	"os"
	"strings"
	"syscall"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// Messages for the repository's storage failing, shown to people with 503.
const (
	msgDiskFull = "the server's disk is full; nothing was saved"
	msgReadOnly = "the server's storage cannot be written to (it is read-only); nothing was saved"
)

// storageError turns a failed write that is the server's state, not the
// request's, into EUNAVAILABLE with a plain message: no space left (or over a
// quota), a read-only file system. Other errors pass through unchanged.
// Writes never leave half a change behind: objects are written to temporary
// files and renamed into place, and a ref moves only by renaming its lock
// file, after the objects it names are written.
func storageError(err error) error {
	if err == nil {
		return nil
	}
	var msg string
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT),
		// go-git loses the errno behind some of its own messages.
		strings.Contains(err.Error(), "no space left on device"), strings.Contains(err.Error(), "disk quota exceeded"):
		msg = msgDiskFull
	case errors.Is(err, syscall.EROFS), strings.Contains(err.Error(), "read-only file system"):
		msg = msgReadOnly
	default:
		return err
	}
	return &unavailableError{message: msg, cause: err}
}

// unavailableError is EUNAVAILABLE carrying the error behind it, for the log.
type unavailableError struct {
	message string
	cause   error
}

func (e *unavailableError) Error() string { return e.cause.Error() }

// Unwrap gives both the praxis error (for ErrorCode and the message) and the
// cause.
func (e *unavailableError) Unwrap() []error {
	return []error{&praxis.Error{Code: praxis.EUNAVAILABLE, Message: e.message}, e.cause}
}

// CheckWritable creates, writes, syncs and removes a small file in the
// repository's folder, so a health check learns whether a commit could be
// written now (EUNAVAILABLE when the disk is full or read-only).
func (s *Store) CheckWritable() error {
	f, err := os.CreateTemp(s.path, ".praxis-health-")
	if err != nil {
		return storageError(err)
	}
	name := f.Name()
	defer os.Remove(name)
	if _, err := f.Write(make([]byte, 4096)); err != nil {
		f.Close()
		return storageError(err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return storageError(err)
	}
	return storageError(f.Close())
}
