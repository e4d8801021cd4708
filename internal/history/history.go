// Package history answers "which commits changed this module?" from the
// history index, exactly as `git log -- modules/<slug>` would on main, without
// walking git objects per request. It keeps the commit graph in memory (loaded
// once from the database, then extended as the index catches up) and replays
// git's default history simplification on it.
package history

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Index is the history index: it stores records through the database and keeps
// the commit graph in memory for walks. It implements gitstore.Indexer.
type Index struct {
	db   *db.DB
	main MainFollower // nil until Follow

	mu      sync.RWMutex
	loaded  bool
	lastSeq int64
	nodes   map[string]*node
	// last is the newest indexed commit: main's head when the index last
	// caught up (every commit indexed with it is its ancestor).
	last *node
	// line is main's first-parent line as of last, worked out on demand.
	line *mainLine
}

var (
	_ gitstore.Indexer    = (*Index)(nil)
	_ gitstore.Attributor = (*Index)(nil)
)

// node is a commit in the in-memory graph.
type node struct {
	commit  praxis.Commit
	parents []*node
	date    int64 // committer time, as git orders by it
	// touched holds, for each module the commit changed, which parents it
	// differs from (bit i for parent i).
	touched map[string]uint64
	// renames are the module folders the commit moved.
	renames []praxis.ModuleRename
	seq     int64
}

// New returns the index over a database.
func New(database *db.DB) *Index {
	return &Index{db: database, nodes: map[string]*node{}}
}

// MainFollower catches the index up with main; gitstore.Store implements it.
type MainFollower interface {
	// CatchUp indexes the commits main has and the index lacks, returning
	// at once when there are none.
	CatchUp(ctx context.Context) (int, error)
}

var _ MainFollower = (*gitstore.Store)(nil)

// Follow names the repository whose main the index follows, so that a
// lookup of a commit the index does not hold yet (main moved a moment ago: a
// merge, a push, a change behind praxis's back) catches up before it answers
// rather than saying the commit does not exist. The store is made with the
// index as its indexer, so this is a second step of wiring, done before use.
func (x *Index) Follow(main MainFollower) { x.main = main }

// find returns the graph node of a commit. A commit the graph lacks is looked
// for in the database (another catch-up may have indexed it) and then, when
// the index follows a repository, after catching up with main, bounded by
// ctx. ENOTFOUND means the commit is not on main; EUNAVAILABLE that the index
// could not catch up (the background indexer keeps trying).
func (x *Index) find(ctx context.Context, id string) (*node, error) {
	if err := x.ensure(ctx); err != nil {
		return nil, err
	}
	if n := x.node(id); n != nil {
		return n, nil
	}
	if err := x.refresh(ctx); err != nil {
		return nil, err
	}
	if n := x.node(id); n != nil {
		return n, nil
	}
	if x.main != nil {
		// A catch-up extends the loaded graph itself (AddCommits).
		if _, err := x.main.CatchUp(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w (%v)", praxis.Errorf(praxis.EUNAVAILABLE,
				"the history is catching up with a change to the curriculum; try again in a moment"), err)
		}
		if n := x.node(id); n != nil {
			return n, nil
		}
	}
	return nil, praxis.Errorf(praxis.ENOTFOUND, "the version %s is not in the history index", praxis.ShortID(id))
}

// node returns the graph node of a commit, nil when the graph lacks it.
func (x *Index) node(id string) *node {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.nodes[id]
}

// ExpandCommitID returns the commit on main whose id starts with prefix,
// catching up with main first when the index has none (a commit made a
// moment ago). It implements catalog.CommitIDs.
func (x *Index) ExpandCommitID(ctx context.Context, prefix string) (string, error) {
	id, err := x.db.ExpandCommitID(ctx, prefix)
	if praxis.ErrorCode(err) != praxis.ENOTFOUND || x.main == nil {
		return id, err
	}
	if _, cerr := x.main.CatchUp(ctx); cerr != nil {
		return id, err
	}
	return x.db.ExpandCommitID(ctx, prefix)
}

// IndexedCommits implements gitstore.Indexer.
func (x *Index) IndexedCommits(ctx context.Context, ids []string) (map[string]bool, error) {
	return x.db.IndexedCommits(ctx, ids)
}

// AddCommits implements gitstore.Indexer: it stores the records, then extends
// the in-memory graph if it is loaded.
func (x *Index) AddCommits(ctx context.Context, records []praxis.CommitRecord) error {
	if err := x.db.AddCommits(ctx, records); err != nil {
		return err
	}
	x.mu.RLock()
	loaded := x.loaded
	x.mu.RUnlock()
	if loaded {
		return x.refresh(ctx)
	}
	return nil
}

// refresh loads into memory the commits indexed since the last load.
func (x *Index) refresh(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	rows, err := x.db.LoadHistory(ctx, x.lastSeq)
	if err != nil {
		return err
	}
	for _, r := range rows {
		n := &node{commit: r.Commit, date: r.Committer.When.Unix(), touched: make(map[string]uint64, len(r.Modules)),
			renames: r.Renames, seq: r.Seq}
		for _, m := range r.Modules {
			n.touched[m.Slug] = m.Parents
		}
		// Parents come first in the index, so they are already here.
		for _, p := range r.Parents {
			if pn, ok := x.nodes[p]; ok {
				n.parents = append(n.parents, pn)
			} else {
				n.parents = append(n.parents, nil) // outside the index: treat as absent
			}
		}
		x.nodes[r.ID] = n
		x.lastSeq = r.Seq
		x.last, x.line = n, nil
	}
	x.loaded = true
	return nil
}

// ensure loads the graph on first use.
func (x *Index) ensure(ctx context.Context) error {
	x.mu.RLock()
	loaded := x.loaded
	x.mu.RUnlock()
	if loaded {
		return nil
	}
	return x.refresh(ctx)
}

// Preload loads the graph now (serve does it in the background at start).
func (x *Index) Preload(ctx context.Context) error { return x.refresh(ctx) }

// RecordAttributions implements gitstore.Attributor: it records which
// account is responsible for commits and tags praxis writes.
func (x *Index) RecordAttributions(ctx context.Context, attributions []praxis.Attribution) error {
	return x.db.RecordAttributions(ctx, attributions)
}

// RecordPush records that user pushed commits (those a push brought that no
// other ref had), naming the account as it is now. Commits already
// attributed keep their first record.
func (x *Index) RecordPush(ctx context.Context, user *praxis.User, commits []string) error {
	now := time.Now()
	attributions := make([]praxis.Attribution, len(commits))
	for i, id := range commits {
		attributions[i] = praxis.Attribution{Object: id, UserID: user.ID, Action: praxis.ActionPushed,
			AuthorName: user.Name, AuthorEmail: user.Email, At: now}
	}
	return x.db.RecordAttributions(ctx, attributions)
}

// Entry is one commit of a module's history.
type Entry struct {
	praxis.Commit
	// Proposal is the proposal the commit came from, when it did.
	Proposal int64 `json:"proposal,omitempty"`
	// Account is the praxis account responsible for the commit; nil when
	// none is (the seed, a clone, a push behind praxis's back).
	Account *praxis.Attribution `json:"account"`
}

// ModuleHistory returns the commits that changed a module, newest first as git
// log orders them, starting from tip (normally main's head): at most limit of
// them, starting after the commit before ("" for the first page). more reports
// whether there are further commits.
func (x *Index) ModuleHistory(ctx context.Context, slug, tip string, limit int, before string) (entries []Entry, more bool, err error) {
	start, err := x.find(ctx, tip)
	if err != nil {
		return nil, false, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	passed := before == ""
	walk(start, slug, true, func(n *node) bool {
		if !passed {
			passed = n.commit.ID == before
			return true
		}
		if len(entries) == limit {
			more = true
			return false
		}
		entries = append(entries, Entry{Commit: n.commit})
		return true
	})
	if !passed {
		return nil, false, praxis.Errorf(praxis.EINVALID, "%s is not in this module's history", praxis.ShortID(before))
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	proposals, err := x.db.ProposalsOfCommits(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	accounts, err := x.db.Attributions(ctx, ids)
	if err != nil {
		return nil, false, err
	}
	for i := range entries {
		entries[i].Proposal = proposals[entries[i].ID]
		entries[i].Account = accounts[entries[i].ID]
	}
	return entries, more, nil
}

// walk replays `git log -- modules/<slug>` from start: commits come off a queue
// ordered by committer date (newest first; equal dates in the order they were
// queued), each is simplified against its parents, and it is shown when it is
// not TREESAME. A merge TREESAME to one of its parents follows that parent
// alone (git's default history simplification). With follow, a shown commit
// that made the folder by moving another one switches the walk to the old
// name, as `git log --follow` does. visit returns false to stop.
func walk(start *node, slug string, follow bool, visit func(*node) bool) {
	seen := map[*node]bool{start: true}
	q := &queue{}
	heap.Push(q, queued{n: start, order: 0})
	order := 1
	for q.Len() > 0 {
		n := heap.Pop(q).(queued).n
		mask := n.touched[slug]
		parents := n.parents
		show := true
		if len(parents) == 0 {
			show = mask&1 != 0 // a root shows when it has the module
		} else {
			for i, p := range parents {
				if i < 64 && mask&(1<<i) == 0 {
					// TREESAME to parent i: follow it alone, show nothing.
					parents = []*node{p}
					show = false
					break
				}
			}
		}
		for _, p := range parents {
			if p == nil || seen[p] {
				continue
			}
			seen[p] = true
			heap.Push(q, queued{n: p, order: order})
			order++
		}
		if show && !visit(n) {
			return
		}
		if show && follow {
			for _, r := range n.renames {
				if r.To == slug {
					slug = r.From
					break
				}
			}
		}
	}
}

type queued struct {
	n     *node
	order int
}

// queue pops the newest committer date first, and among equal dates the one
// queued first, as git's commit_list_insert_by_date does.
type queue []queued

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].n.date != q[j].n.date {
		return q[i].n.date > q[j].n.date
	}
	return q[i].order < q[j].order
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(queued)) }
func (q *queue) Pop() any {
	old := *q
	n := len(old)
	it := old[n-1]
	*q = old[:n-1]
	return it
}

// MainAt returns the commit that was the head of main at the end of a day: the
// newest commit on main's first-parent line committed before that moment, or
// main's first commit when the day is earlier than all of them.
func (x *Index) MainAt(ctx context.Context, tip string, endOfDay time.Time) (string, error) {
	n, err := x.find(ctx, tip)
	if err != nil {
		return "", err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	limit := endOfDay.Unix()
	for n.date > limit && len(n.parents) > 0 && n.parents[0] != nil {
		n = n.parents[0]
	}
	return n.commit.ID, nil
}

// Attributed returns commits as history entries, each with the praxis account
// responsible for it (nil when none is), in the order given.
func (x *Index) Attributed(ctx context.Context, commits []praxis.Commit) ([]Entry, error) {
	ids := make([]string, len(commits))
	for i, c := range commits {
		ids[i] = c.ID
	}
	accounts, err := x.db.Attributions(ctx, ids)
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, len(commits))
	for i, c := range commits {
		entries[i] = Entry{Commit: c, Account: accounts[c.ID]}
	}
	return entries, nil
}

// RecentChanges returns the newest commits on main that changed a module,
// newest first, with the modules each touched: at most limit of them.
func (x *Index) RecentChanges(ctx context.Context, limit int) ([]praxis.CommitSummary, error) {
	return x.db.RecentCommits(ctx, limit, true)
}

// Changes returns one page of every commit on main, newest first: at most
// limit, after skipping offset.
func (x *Index) Changes(ctx context.Context, limit, offset int) ([]praxis.CommitSummary, error) {
	return x.db.RecentCommitsPage(ctx, limit, offset)
}
