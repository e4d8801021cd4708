package gitstore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// Ref name prefixes.
const (
	headsPrefix = "refs/heads/"
	tagsPrefix  = "refs/tags/"
)

// lockWait is how long a ref update waits for another process's lock to go.
// git's own default (core.filesRefLockTimeout) is 100ms; a push can hold a lock a
// little longer while its hook runs.
const lockWait = 2 * time.Second

// ValidRefName reports whether name is a well-formed git ref name below refs/,
// following git-check-ref-format(1). It keeps ref names from escaping the
// repository's folder.
func ValidRefName(name string) bool {
	if !strings.HasPrefix(name, "refs/") || len(name) > 1024 {
		return false
	}
	if strings.Contains(name, "..") || strings.Contains(name, "//") || strings.Contains(name, "@{") ||
		strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") || name == "@" {
		return false
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || strings.ContainsRune(" ~^:?*[\\", c) {
			return false
		}
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock") {
			return false
		}
	}
	return true
}

// BranchRef returns the full ref name of a branch.
func BranchRef(branch string) string { return headsPrefix + branch }

// TagRef returns the full ref name of a tag.
func TagRef(tag string) string { return tagsPrefix + tag }

// readRef returns the object id a ref points at, following symbolic refs, and
// false when the ref does not exist. Loose refs win over packed ones, as in git.
func (s *Store) readRef(name string) (string, bool, error) {
	for depth := 0; depth < 5; depth++ {
		if name != "HEAD" && !ValidRefName(name) {
			return "", false, nil
		}
		data, err := os.ReadFile(filepath.Join(s.path, filepath.FromSlash(name)))
		switch {
		case err == nil:
			value := strings.TrimSpace(string(data))
			if target, ok := strings.CutPrefix(value, "ref: "); ok {
				name = target
				continue
			}
			if !isObjectID(value) {
				return "", false, fmt.Errorf("gitstore: ref %s holds %q, not an object id", name, value)
			}
			return value, true, nil
		case errors.Is(err, fs.ErrNotExist), isNotDir(err):
			return s.readPackedRef(name)
		default:
			return "", false, fmt.Errorf("gitstore: read ref %s: %w", name, err)
		}
	}
	return "", false, fmt.Errorf("gitstore: ref %s: symbolic refs nest too deep", name)
}

func isNotDir(err error) bool {
	var pathErr *fs.PathError
	return errors.As(err, &pathErr) && strings.Contains(pathErr.Err.Error(), "not a directory")
}

// readPackedRef looks a ref up in packed-refs. praxis never packs refs, but a
// repository cloned from elsewhere arrives with its refs packed.
func (s *Store) readPackedRef(name string) (string, bool, error) {
	data, err := os.ReadFile(filepath.Join(s.path, "packed-refs"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("gitstore: read packed-refs: %w", err)
	}
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		id, ref, ok := strings.Cut(line, " ")
		if ok && ref == name && isObjectID(id) {
			return id, true, nil
		}
	}
	return "", false, scanner.Err()
}

// listRefs returns every ref under prefix (such as "refs/heads/forks/") with the
// object it points at, loose refs winning over packed ones.
func (s *Store) listRefs(prefix string) (map[string]string, error) {
	refs := map[string]string{}
	data, err := os.ReadFile(filepath.Join(s.path, "packed-refs"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("gitstore: read packed-refs: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if id, ref, ok := strings.Cut(line, " "); ok && isObjectID(id) && strings.HasPrefix(ref, prefix) {
			refs[ref] = id
		}
	}
	// Only the folder that holds the prefix is walked: the refs of one
	// person's proposals, not every branch.
	root := filepath.Join(s.path, filepath.FromSlash(prefix[:strings.LastIndex(prefix, "/")+1]))
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		rel, err := filepath.Rel(s.path, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !strings.HasPrefix(name, prefix) {
			return nil
		}
		id, ok, err := s.readRef(name)
		if err != nil {
			return err
		}
		if ok {
			refs[name] = id
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("gitstore: list refs: %w", err)
	}
	return refs, nil
}

// updateRef is moveRef with the storage's failures (disk full, read-only)
// as EUNAVAILABLE.
func (s *Store) updateRef(name, expected, next string) error {
	return storageError(s.moveRef(name, expected, next))
}

// moveRef moves ref name from expected to next with git's lockfile protocol:
// create name.lock exclusively, check the current value, write the new one, and
// rename the lock over the ref. Rename is atomic, so readers see the old value or
// the new one, never no ref. expected "" means the ref must not exist; next ""
// deletes it. A ref that moved meanwhile gives ECONFLICT and changes nothing.
func (s *Store) moveRef(name, expected, next string) error {
	if !ValidRefName(name) {
		return praxis.Errorf(praxis.EINVALID, "%q is not a valid ref name", name)
	}
	s.refMu.Lock()
	defer s.refMu.Unlock()

	refPath := filepath.Join(s.path, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(refPath), 0o755); err != nil {
		return fmt.Errorf("gitstore: update %s: %w", name, err)
	}
	lock, err := acquireLock(refPath + ".lock")
	if err != nil {
		return err
	}
	locked := true
	defer func() {
		if locked {
			lock.Close()
			os.Remove(lock.Name())
		}
	}()

	current, _, err := s.readRef(name)
	if err != nil {
		return err
	}
	if current != expected {
		if expected == "" {
			return praxis.Errorf(praxis.ECONFLICT, "%s already exists", strings.TrimPrefix(name, headsPrefix))
		}
		return praxis.Errorf(praxis.ECONFLICT, "%s has changed since you started (it is now at %s)", strings.TrimPrefix(name, headsPrefix), praxis.ShortID(current))
	}

	if next == "" {
		if err := s.deletePackedRef(name); err != nil {
			return err
		}
		if err := os.Remove(refPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("gitstore: delete %s: %w", name, err)
		}
		os.Remove(s.reflogPath(name)) // as git does
		return nil
	}
	message := "praxis: moved"
	if expected == "" {
		message = "praxis: created"
	}
	if err := s.commitRefLock(lock, name, expected, next, message); err != nil {
		return err
	}
	locked = false
	return nil
}

// commitRefLock finishes a ref update whose lock file is held: it writes the
// new value into the lock, flushes it, adds a line to the ref's reflog when
// the ref keeps one (git's order: the log first, then the ref), and renames
// the lock over the ref.
func (s *Store) commitRefLock(lock *os.File, name, old, next, message string) error {
	refPath := filepath.Join(s.path, filepath.FromSlash(name))
	if _, err := lock.WriteString(next + "\n"); err != nil {
		return fmt.Errorf("gitstore: update %s: %w", name, err)
	}
	if err := lock.Sync(); err != nil {
		return fmt.Errorf("gitstore: update %s: %w", name, err)
	}
	if err := lock.Close(); err != nil {
		return fmt.Errorf("gitstore: update %s: %w", name, err)
	}
	if err := s.appendReflog(name, old, next, message); err != nil {
		return err
	}
	if err := os.Rename(lock.Name(), refPath); err != nil {
		return fmt.Errorf("gitstore: update %s: %w", name, err)
	}
	syncDir(filepath.Dir(refPath))
	return nil
}

// acquireLock creates a lock file exclusively, waiting a little for another
// process (git) to release it.
func acquireLock(path string) (*os.File, error) {
	deadline := time.Now().Add(lockWait)
	delay := 5 * time.Millisecond
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("gitstore: lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			return nil, praxis.Errorf(praxis.EUNAVAILABLE, "the curriculum repository is busy with another update; try again")
		}
		time.Sleep(delay)
		delay = min(delay*2, 100*time.Millisecond)
	}
}

// deletePackedRef removes a ref from packed-refs under packed-refs.lock, as git
// does, when it is there.
func (s *Store) deletePackedRef(name string) error {
	packed := filepath.Join(s.path, "packed-refs")
	if _, err := os.Stat(packed); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	lock, err := acquireLock(packed + ".lock")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			lock.Close()
			os.Remove(lock.Name())
		}
	}()
	data, err := os.ReadFile(packed)
	if err != nil {
		return fmt.Errorf("gitstore: read packed-refs: %w", err)
	}
	var kept strings.Builder
	found, skipPeeled := false, false
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if skipPeeled && strings.HasPrefix(line, "^") {
			continue
		}
		skipPeeled = false
		if _, ref, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " "); ok && ref == name {
			found, skipPeeled = true, true
			continue
		}
		kept.WriteString(line)
	}
	if !found {
		return nil
	}
	if _, err := lock.WriteString(kept.String()); err != nil {
		return fmt.Errorf("gitstore: write packed-refs: %w", err)
	}
	if err := lock.Sync(); err != nil {
		return fmt.Errorf("gitstore: write packed-refs: %w", err)
	}
	if err := lock.Close(); err != nil {
		return fmt.Errorf("gitstore: write packed-refs: %w", err)
	}
	if err := os.Rename(lock.Name(), packed); err != nil {
		return fmt.Errorf("gitstore: write packed-refs: %w", err)
	}
	done = true
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func isObjectID(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
