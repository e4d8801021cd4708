package gitstore

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Indexer keeps the history index: which modules each commit on main touched.
// go-git's log filtered by path diffs every commit on every request; the index
// answers history from the database instead.
type Indexer interface {
	// IndexedCommits returns which of ids the index holds.
	IndexedCommits(ctx context.Context, ids []string) (map[string]bool, error)
	// AddCommits stores records; each batch arrives parents first, and a commit is
	// only ever added after all its ancestors, so a partial catch-up never leaves
	// a gap behind an indexed commit.
	AddCommits(ctx context.Context, records []praxis.CommitRecord) error
}

// indexBatch is how many commits go to the index in one transaction.
const indexBatch = 1000

// catchUpRun is one catch-up in flight; everyone who needs it waits for it.
type catchUpRun struct {
	seq   uint64 // runs are numbered in the order they start
	done  chan struct{}
	added int
	err   error
}

// CatchUp adds every commit reachable from main that the index lacks, oldest
// first, and returns how many it added. When the index already covers main it
// returns at once (one read of main's ref). Catch-ups never overlap: a caller
// that finds one in flight waits for it, and starts its own only if that one
// began before the call (so it may have missed the newest main). The work
// runs on its own, so a caller that gives up (ctx ends) wastes nothing; it
// only stops waiting. It runs at start, after every write praxis makes to
// main, after a push, whenever KeepIndexed sees main move, and when a lookup
// meets a commit the index does not hold yet.
func (s *Store) CatchUp(ctx context.Context) (int, error) {
	if s.indexer == nil {
		return 0, nil
	}
	s.flightMu.Lock()
	ticket := s.runs
	for {
		tip, ok, err := s.readRef(BranchRef(praxis.MainBranch))
		if err != nil || !ok || tip == s.indexedTip {
			s.flightMu.Unlock()
			return 0, err
		}
		run := s.flight
		if run == nil {
			s.runs++
			run = &catchUpRun{seq: s.runs, done: make(chan struct{})}
			s.flight = run
			go s.runCatchUp(run)
		}
		s.flightMu.Unlock()
		select {
		case <-run.done:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		if run.err != nil || run.seq > ticket {
			return run.added, run.err
		}
		// That run began before this call: main may have moved since.
		s.flightMu.Lock()
	}
}

// runCatchUp does one catch-up under the store's own context (ended by Close)
// and publishes its result.
func (s *Store) runCatchUp(run *catchUpRun) {
	tip, added, err := s.catchUp(s.life)
	s.flightMu.Lock()
	if err == nil {
		s.indexedTip = tip
	}
	s.flight = nil
	s.flightMu.Unlock()
	run.added, run.err = added, err
	close(run.done)
}

// catchUp indexes what main has and the index lacks, and returns the tip it
// covered.
func (s *Store) catchUp(ctx context.Context) (string, int, error) {
	tip, ok, err := s.readRef(BranchRef(praxis.MainBranch))
	if err != nil || !ok {
		return "", 0, err
	}

	// Walk back from the tip, a generation at a time, until every path reaches
	// an indexed commit or a root.
	var found []*object.Commit
	seen := map[string]bool{}
	frontier := []string{tip}
	for len(frontier) > 0 {
		known, err := s.indexer.IndexedCommits(ctx, frontier)
		if err != nil {
			return "", 0, fmt.Errorf("gitstore: catch up: %w", err)
		}
		var next []string
		for _, id := range frontier {
			if known[id] || seen[id] {
				continue
			}
			seen[id] = true
			var c *object.Commit
			err := s.withHandle(ctx, func(h *filesystem.Storage) error {
				var err error
				c, err = getCommit(h, plumbing.NewHash(id))
				return err
			})
			if err != nil {
				return "", 0, fmt.Errorf("gitstore: catch up: read commit %s: %w", id, err)
			}
			found = append(found, c)
			for _, p := range c.ParentHashes {
				next = append(next, p.String())
			}
		}
		frontier = next
	}

	ordered := parentsFirst(found)
	added := 0
	for start := 0; start < len(ordered); start += indexBatch {
		batch := ordered[start:min(start+indexBatch, len(ordered))]
		records, err := s.records(ctx, batch)
		if err != nil {
			return "", added, err
		}
		if err := s.indexer.AddCommits(ctx, records); err != nil {
			return "", added, fmt.Errorf("gitstore: catch up: %w", err)
		}
		added += len(records)
	}
	return tip, added, nil
}

// KeepIndexed keeps the history index caught up with main until ctx ends.
// Every poll it reads main's ref (one small file) and catches up when main
// moved, whoever moved it: praxis, a push through praxis, or git behind
// praxis's back. A catch-up that fails (the database locked, say) is retried
// with growing pauses, from retryMin to retryMax, until it succeeds; each
// failure is logged, and so is the recovery. serve runs it.
func (s *Store) KeepIndexed(ctx context.Context, poll time.Duration) {
	s.keeping.Add(1)
	defer s.keeping.Add(-1)
	timer := time.NewTimer(0)
	defer timer.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-s.kick:
		}
		added, err := s.CatchUp(ctx)
		wait := poll
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			wait = retryDelay(failures)
			s.log.Error("history index catch-up failed; retrying", "attempt", failures, "retry_in", wait, "err", err)
		case failures > 0:
			s.log.Info("history index caught up after failed attempts", "failed_attempts", failures, "commits", added)
			failures = 0
		case added > 0:
			s.log.Debug("history index caught up", "commits", added)
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}
}

// Pauses between failed catch-ups in KeepIndexed.
const (
	retryMin = 250 * time.Millisecond
	retryMax = 30 * time.Second
)

// retryDelay is the pause after the given number of failures in a row:
// doubling from retryMin, at most retryMax.
func retryDelay(failures int) time.Duration {
	d := retryMin
	for i := 1; i < failures && d < retryMax; i++ {
		d *= 2
	}
	return min(d, retryMax)
}

// records works out the records of a batch of commits, spreading the work over
// the storage handles: each commit's record depends only on its own trees and
// its parents'.
func (s *Store) records(ctx context.Context, commits []*object.Commit) ([]praxis.CommitRecord, error) {
	records := make([]praxis.CommitRecord, len(commits))
	workers := min(cap(s.handles), len(commits))
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rec, err := s.record(ctx, commits[i])
				if err != nil {
					errs <- err
					return
				}
				records[i] = rec
			}
		}()
	}
	var err error
feed:
	for i := range commits {
		select {
		case jobs <- i:
		case err = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	if err != nil {
		return nil, fmt.Errorf("gitstore: catch up: %w", err)
	}
	return records, nil
}

// catchUpQuietly catches the index up after a write. The write has already
// succeeded; a failure is logged, and whoever retries it is named honestly:
// KeepIndexed when serve runs it (nudged at once), else the next lookup of a
// commit the index lacks, or the next start.
func (s *Store) catchUpQuietly(ctx context.Context) {
	_, err := s.CatchUp(context.WithoutCancel(ctx))
	switch {
	case err == nil:
	case s.keeping.Load() > 0:
		s.log.Error("history index catch-up failed after a write; the background indexer retries it", "err", err)
		select {
		case s.kick <- struct{}{}:
		default:
		}
	default:
		s.log.Error("history index catch-up failed after a write; the next lookup of a new version or the next start retries it", "err", err)
	}
}

// parentsFirst orders commits so that each comes after all of its parents that
// are in the set (Kahn's algorithm), keeping discovery order among equals.
func parentsFirst(commits []*object.Commit) []*object.Commit {
	inSet := make(map[plumbing.Hash]bool, len(commits))
	for _, c := range commits {
		inSet[c.Hash] = true
	}
	pending := make(map[plumbing.Hash]int, len(commits))
	children := map[plumbing.Hash][]*object.Commit{}
	var ready []*object.Commit
	for _, c := range commits {
		for _, p := range c.ParentHashes {
			if inSet[p] {
				pending[c.Hash]++
				children[p] = append(children[p], c)
			}
		}
	}
	// Discovery order is newest first, so start from the end.
	for i := len(commits) - 1; i >= 0; i-- {
		if pending[commits[i].Hash] == 0 {
			ready = append(ready, commits[i])
		}
	}
	out := make([]*object.Commit, 0, len(commits))
	for len(ready) > 0 {
		c := ready[0]
		ready = ready[1:]
		out = append(out, c)
		for _, child := range children[c.Hash] {
			pending[child.Hash]--
			if pending[child.Hash] == 0 {
				ready = append(ready, child)
			}
		}
	}
	return out
}

// record works out which modules a commit touched, comparing the entries of the
// modules/ folder with each parent's. Equal folder ids are skipped without
// reading them; differing folders are compared as raw bytes, entry by entry.
func (s *Store) record(ctx context.Context, c *object.Commit) (praxis.CommitRecord, error) {
	rec := praxis.CommitRecord{Commit: toCommit(c)}
	modules, err := s.modulesID(ctx, c.TreeHash)
	if err != nil {
		return rec, err
	}
	raw, err := s.rawTree(ctx, modules)
	if err != nil {
		return rec, err
	}
	touched := map[string]uint64{}
	if len(c.ParentHashes) == 0 {
		dirs, err := changedDirs(raw, nil)
		if err != nil {
			return rec, err
		}
		for _, d := range dirs {
			touched[d] |= 1
		}
	}
	for i, p := range c.ParentHashes {
		if i >= 64 {
			break
		}
		parentTree, _, err := s.commitTree(ctx, p.String())
		if err != nil {
			return rec, err
		}
		parent, err := s.modulesID(ctx, parentTree)
		if err != nil {
			return rec, err
		}
		if parent == modules {
			continue
		}
		parentRaw, err := s.rawTree(ctx, parent)
		if err != nil {
			return rec, err
		}
		dirs, gone, added, err := dirChanges(parentRaw, raw)
		if err != nil {
			return rec, err
		}
		for _, d := range dirs {
			touched[d] |= 1 << i
		}
		if len(gone) > 0 && len(added) > 0 {
			if err := s.recordRenames(ctx, &rec, i, gone, added); err != nil {
				return rec, err
			}
		}
	}
	for slug, bits := range touched {
		rec.Modules = append(rec.Modules, praxis.ModuleChange{Slug: slug, Parents: bits})
	}
	sort.Slice(rec.Modules, func(i, j int) bool { return rec.Modules[i].Slug < rec.Modules[j].Slug })
	return rec, nil
}

// recordRenames adds to rec the module folders moved relative to parent i,
// merging a move seen against several parents into one rename.
func (s *Store) recordRenames(ctx context.Context, rec *praxis.CommitRecord, i int, gone, added map[string]plumbing.Hash) error {
	renames, err := s.pairFolders(ctx, gone, added)
	if err != nil {
		return err
	}
next:
	for _, r := range renames {
		for j := range rec.Renames {
			if rec.Renames[j].From == r.From && rec.Renames[j].To == r.To {
				rec.Renames[j].Parents |= 1 << i
				continue next
			}
		}
		r.Parents = 1 << i
		rec.Renames = append(rec.Renames, r)
	}
	return nil
}

// modulesID returns the id of the modules/ folder of a root tree (zero when
// there is none).
func (s *Store) modulesID(ctx context.Context, root plumbing.Hash) (plumbing.Hash, error) {
	listing, err := s.tree(ctx, root)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	i, ok := listing.byName["modules"]
	if !ok || listing.entries[i].Mode != filemode.Dir {
		return plumbing.ZeroHash, nil
	}
	return listing.entries[i].Hash, nil
}
