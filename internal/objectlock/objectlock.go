// Package objectlock is the lock that keeps a git repository's objects from
// being pruned while anyone relies on them: praxis's own writes (objects are
// written before the ref that makes them reachable moves), pushes (git moves
// a push's objects out of quarantine before its refs), fetches by praxis sync,
// and backups (refs are read first, objects copied after). Each of those holds
// the lock shared; a prune takes it exclusively, and only when nobody holds it.
//
// It is a file lock (flock) on a file in the repository's folder, so it holds
// across processes (praxis backup and praxis sync run beside praxis serve) as
// well as within one. A process that dies lets go of it.
package objectlock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// FileName is the lock file in the repository's folder.
const FileName = "praxis-objects.lock"

// Shared holds the repository's objects against pruning until release is
// called; any number may hold it at once. It waits while a prune holds the
// lock (a prune takes seconds).
func Shared(repo string) (release func(), err error) {
	f, err := open(repo)
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		// A repository this process cannot write to (a backup from a
		// read-only copy): read the lock file if there is one; if there
		// is none, no prune can run either, for it needs the file.
		if f, err = os.Open(filepath.Join(repo, FileName)); errors.Is(err, fs.ErrNotExist) {
			return func() {}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if err := lockShared(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("objectlock: %w", err)
	}
	return func() { f.Close() }, nil // closing the file releases the lock
}

// TryExclusive takes the lock a prune needs, and reports false at once,
// without waiting, when anyone holds it.
func TryExclusive(repo string) (release func(), ok bool, err error) {
	f, err := open(repo)
	if err != nil {
		return nil, false, err
	}
	ok, err = tryLockExclusive(f)
	if err != nil || !ok {
		f.Close()
		if err != nil {
			err = fmt.Errorf("objectlock: %w", err)
		}
		return nil, false, err
	}
	return func() { f.Close() }, true, nil
}

func open(repo string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(repo, FileName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("objectlock: %w", err)
	}
	return f, nil
}
