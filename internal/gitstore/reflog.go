package gitstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Main's reflog is git's own file, logs/refs/heads/main: one line per move,
// "<old> <new> <name> <<email>> <unix time> <zone>\t<message>". praxis appends
// to it under the ref's lock on every move it makes; git appends to it too
// (receive-pack, a push behind praxis's back) because the file exists, even
// with core.logAllRefUpdates off, which is git's default for a bare
// repository and what praxis writes. It is what `praxis repair` reads to put
// a damaged main back.

// reflogIdentity signs praxis's reflog lines.
const reflogIdentity = "praxis <praxis@localhost>"

func (s *Store) reflogPath(name string) string {
	return filepath.Join(s.path, "logs", filepath.FromSlash(name))
}

// appendReflog adds a line to a ref's reflog when the ref keeps one, and
// flushes it: a reflog that a power cut empties cannot repair anything.
func (s *Store) appendReflog(name, old, next, message string) error {
	f, err := os.OpenFile(s.reflogPath(name), os.O_WRONLY|os.O_APPEND, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("gitstore: reflog of %s: %w", name, err)
	}
	defer f.Close()
	if _, err := f.WriteString(reflogLine(old, next, time.Now(), message)); err != nil {
		return fmt.Errorf("gitstore: reflog of %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("gitstore: reflog of %s: %w", name, err)
	}
	return nil
}

func reflogLine(old, next string, when time.Time, message string) string {
	if old == "" {
		old = praxis.ZeroID
	}
	message = strings.NewReplacer("\n", " ", "\t", " ").Replace(message)
	return fmt.Sprintf("%s %s %s %d +0000\t%s\n", old, next, reflogIdentity, when.Unix(), message)
}

// startMainReflog makes sure main keeps a reflog: a repository made by an
// older praxis, cloned, or restored from a backup has none. The first line
// records where main is now, so that there is always something to go back
// to. A damaged main is left alone (praxis repair deals with it).
func (s *Store) startMainReflog() error {
	path := s.reflogPath(BranchRef(praxis.MainBranch))
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("gitstore: reflog: %w", err)
	}
	var first string
	if main, ok, err := s.readRef(BranchRef(praxis.MainBranch)); err == nil && ok {
		first = reflogLine("", main, time.Now(), "praxis: reflog started")
	}
	if err := writeFileSync(path, []byte(first)); err != nil {
		return fmt.Errorf("gitstore: reflog: %w", err)
	}
	return nil
}

// ReflogEntry is one line of a ref's reflog.
type ReflogEntry struct {
	Old, New string
	When     time.Time
	Message  string
}

// MainReflog returns main's reflog, oldest first. Lines it cannot read are
// skipped: a crash can leave the last one half written.
func (s *Store) MainReflog() ([]ReflogEntry, error) {
	data, err := os.ReadFile(s.reflogPath(BranchRef(praxis.MainBranch)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("gitstore: read main's reflog: %w", err)
	}
	var out []ReflogEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if e, ok := parseReflogLine(sc.Text()); ok {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

func parseReflogLine(line string) (ReflogEntry, bool) {
	head, message, _ := strings.Cut(line, "\t")
	fields := strings.Fields(head)
	if len(fields) < 4 || !isObjectID(fields[0]) || !isObjectID(fields[1]) {
		return ReflogEntry{}, false
	}
	e := ReflogEntry{Old: fields[0], New: fields[1], Message: message}
	// The identity ends with "> <unix time> <zone>".
	if i := strings.LastIndex(head, "> "); i >= 0 {
		if parts := strings.Fields(head[i+2:]); len(parts) == 2 {
			if secs, err := strconv.ParseInt(parts[0], 10, 64); err == nil {
				e.When = time.Unix(secs, 0).UTC()
			}
		}
	}
	return e, true
}

// DamagedRefError says a ref cannot be used: its file is empty or garbled,
// it is missing, or it names a commit the repository does not have.
type DamagedRefError struct {
	// Path is the ref's file.
	Path string
	// Problem says what is wrong, for people: "is empty".
	Problem string
}

func (e *DamagedRefError) Error() string { return e.Path + " " + e.Problem }

// CheckMain reports whether main is usable: nil when it names a commit the
// repository has, or when the repository is new (no refs at all, no reflog
// lines). Otherwise a *DamagedRefError.
func (s *Store) CheckMain(ctx context.Context) error {
	name := BranchRef(praxis.MainBranch)
	path := filepath.Join(s.path, filepath.FromSlash(name))
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		value := strings.TrimSpace(string(data))
		if value == "" {
			return &DamagedRefError{Path: path, Problem: "is empty"}
		}
		if !isObjectID(value) {
			return &DamagedRefError{Path: path, Problem: "does not hold a commit id"}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return &DamagedRefError{Path: path, Problem: "cannot be read (" + reasonOf(err) + ")"}
	}
	id, ok, err := s.readRef(name)
	if err != nil {
		return &DamagedRefError{Path: path, Problem: "cannot be read (" + err.Error() + ")"}
	}
	if !ok {
		refs, err := s.listRefs("refs/")
		if err != nil {
			return err
		}
		log, err := s.MainReflog()
		if err != nil {
			return err
		}
		if len(refs) == 0 && len(log) == 0 {
			return nil // a new repository: the seed makes main
		}
		return &DamagedRefError{Path: path, Problem: "is missing"}
	}
	if _, err := s.FindCommit(ctx, id); err != nil {
		if praxis.ErrorCode(err) == praxis.ENOTFOUND {
			return &DamagedRefError{Path: path, Problem: "names the commit " + praxis.ShortID(id) + ", which the repository does not have"}
		}
		return err
	}
	return nil
}

func reasonOf(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}

// Where RepairMain found the commit it put main back at.
const (
	FromReflog   = "reflog"
	FromFallback = "fallback"
)

// Repair says what RepairMain did.
type Repair struct {
	// Problem is what was wrong with main; "" when nothing was (and nothing
	// changed).
	Problem string
	// Commit is where main points now.
	Commit praxis.Commit
	// Source says where the commit came from: FromReflog or FromFallback;
	// When is the time of the reflog line.
	Source string
	When   time.Time
	// Skipped counts newer reflog lines whose commit the repository lacks.
	Skipped int
}

// RepairMain points a damaged main back at the newest commit of its reflog
// that the repository has whole (commit and tree), or failing that at the
// first of fallbacks (such as the history index's newest commit) that it has.
// A usable main is left alone. It moves main with the lockfile protocol and
// records the move in the reflog. ENOTFOUND when no candidate is usable. Run
// it while praxis is stopped.
func (s *Store) RepairMain(ctx context.Context, fallbacks ...string) (Repair, error) {
	var rep Repair
	err := s.CheckMain(ctx)
	var damaged *DamagedRefError
	switch {
	case err == nil:
		main, ok, err := s.readRef(BranchRef(praxis.MainBranch))
		if err != nil || !ok {
			return rep, err
		}
		rep.Commit, err = s.FindCommit(ctx, main)
		return rep, err
	case !errors.As(err, &damaged):
		return rep, err
	}
	rep.Problem = damaged.Problem

	log, err := s.MainReflog()
	if err != nil {
		return rep, err
	}
	tried := map[string]bool{}
	found := ""
	for i := len(log) - 1; i >= 0 && found == ""; i-- {
		id := log[i].New
		if id == praxis.ZeroID || tried[id] {
			continue
		}
		tried[id] = true
		if s.wholeCommit(ctx, id) {
			found, rep.Source, rep.When = id, FromReflog, log[i].When
		} else {
			rep.Skipped++
		}
	}
	for _, id := range fallbacks {
		if found != "" {
			break
		}
		if isObjectID(id) && !tried[id] && s.wholeCommit(ctx, id) {
			found, rep.Source = id, FromFallback
		}
	}
	if found == "" {
		return rep, praxis.Errorf(praxis.ENOTFOUND, "no commit for main was found in its reflog or the history index that the repository still has")
	}
	// A prune (of a praxis running meanwhile, against the advice) must not
	// take the commit before main reaches it again.
	release, err := s.HoldObjects()
	if err != nil {
		return rep, err
	}
	defer release()
	if !s.wholeCommit(ctx, found) {
		return rep, praxis.Errorf(praxis.ENOTFOUND, "the commit %s for main went while it was being repaired", praxis.ShortID(found))
	}
	if err := s.forceMain(found, "praxis: repair: main "+damaged.Problem); err != nil {
		return rep, err
	}
	rep.Commit, err = s.FindCommit(ctx, found)
	return rep, err
}

// wholeCommit reports whether the repository has a commit and its root tree.
func (s *Store) wholeCommit(ctx context.Context, id string) bool {
	tree, _, err := s.commitTree(ctx, id)
	if err != nil {
		return false
	}
	_, err = s.tree(ctx, tree)
	return err == nil && tree != plumbing.ZeroHash
}

// forceMain points main at a commit whatever main holds now (it may hold
// nothing readable), with the lockfile protocol.
func (s *Store) forceMain(next, message string) error {
	name := BranchRef(praxis.MainBranch)
	s.refMu.Lock()
	defer s.refMu.Unlock()
	refPath := filepath.Join(s.path, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(refPath), 0o755); err != nil {
		return fmt.Errorf("gitstore: repair main: %w", err)
	}
	lock, err := acquireLock(refPath + ".lock")
	if err != nil {
		return err
	}
	if err := s.commitRefLock(lock, name, "", next, message); err != nil {
		lock.Close()
		os.Remove(lock.Name())
		return err
	}
	return nil
}
