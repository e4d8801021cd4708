package history

import (
	"context"
	"strconv"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// mainLine is what the renames on main's first-parent line say, as of one
// head of main: the history every reader of main has seen, one commit after
// another.
type mainLine struct {
	tip string
	// renames are the module folders moved by commits on the line, relative
	// to their first parent, oldest first.
	renames []lineRename
	// lastChange holds, for each module folder, the newest commit on the line
	// that changed it, and where that commit moved it ("" when it did not).
	lastChange map[string]lineChange
}

type lineRename struct {
	seq      int64
	from, to string
}

type lineChange struct {
	seq       int64
	renamedTo string
}

// lineOf works out main's first-parent line from n. The caller holds x.mu.
func lineOf(n *node) *mainLine {
	line := &mainLine{tip: n.commit.ID, lastChange: map[string]lineChange{}}
	for ; n != nil; n = firstParent(n) {
		for slug, bits := range n.touched {
			if bits&1 == 0 {
				continue
			}
			if _, newer := line.lastChange[slug]; !newer {
				line.lastChange[slug] = lineChange{seq: n.seq}
			}
		}
		for i := len(n.renames) - 1; i >= 0; i-- {
			r := n.renames[i]
			if r.Parents&1 == 0 {
				continue
			}
			line.renames = append(line.renames, lineRename{seq: n.seq, from: r.From, to: r.To})
			if c := line.lastChange[r.From]; c.seq == n.seq {
				c.renamedTo = r.To
				line.lastChange[r.From] = c
			}
		}
	}
	for i, j := 0, len(line.renames)-1; i < j; i, j = i+1, j-1 {
		line.renames[i], line.renames[j] = line.renames[j], line.renames[i]
	}
	return line
}

func firstParent(n *node) *node {
	if len(n.parents) == 0 {
		return nil
	}
	return n.parents[0]
}

// Renames is how module folders moved on main, as of one head of main: what
// redirects an old address, and which module a record made under an old name
// belongs to now. It is immutable.
type Renames struct {
	line *mainLine
}

// Renames returns the renames on main's first-parent line as the index last
// caught up with it.
func (x *Index) Renames(ctx context.Context) (*Renames, error) {
	if err := x.ensure(ctx); err != nil {
		return nil, err
	}
	x.mu.RLock()
	line := x.line
	fresh := line != nil && x.last != nil && line.tip == x.last.commit.ID
	x.mu.RUnlock()
	if fresh {
		return &Renames{line: line}, nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.last == nil {
		return &Renames{line: &mainLine{lastChange: map[string]lineChange{}}}, nil
	}
	if x.line == nil || x.line.tip != x.last.commit.ID {
		x.line = lineOf(x.last)
	}
	return &Renames{line: x.line}, nil
}

// Key changes whenever the renames do, for caches of what depends on them.
func (r *Renames) Key() string {
	if len(r.line.renames) == 0 {
		return ""
	}
	last := r.line.renames[len(r.line.renames)-1]
	return last.from + ">" + last.to + "@" + strconv.FormatInt(last.seq, 10) + "#" + strconv.Itoa(len(r.line.renames))
}

// Any reports whether main ever moved a module folder.
func (r *Renames) Any() bool { return len(r.line.renames) > 0 }

// MovedTo returns where the module once at slug lives now, when the newest
// change to slug on main moved it away (following later moves of the new
// folder too); false when slug's last change was anything else (a deletion,
// or a new module that took the name after the move). The caller checks that
// the answer is a module on main.
func (r *Renames) MovedTo(slug string) (string, bool) {
	seen := map[string]bool{}
	moved := false
	for !seen[slug] {
		seen[slug] = true
		c, ok := r.line.lastChange[slug]
		if !ok || c.renamedTo == "" {
			break
		}
		slug, moved = c.renamedTo, true
	}
	return slug, moved
}

// Alias is an earlier name of a module: records made under it at versions
// before the move (seq Before in the history index) belong to the module.
type Alias struct {
	Slug   string
	Before int64
}

// Aliases returns the earlier names of the module at slug, newest first.
func (r *Renames) Aliases(slug string) []Alias {
	var out []Alias
	seen := map[string]bool{slug: true}
	for i := len(r.line.renames) - 1; i >= 0; i-- {
		m := r.line.renames[i]
		if m.to != slug || seen[m.from] {
			continue
		}
		seen[m.from] = true
		out = append(out, Alias{Slug: m.from, Before: m.seq})
		slug = m.from
	}
	return out
}

// MovedAway returns, when the module at slug was moved to another name and
// slug is now held by another module or none, the place in the history index
// of that move: records made under slug at older versions belong elsewhere.
func (r *Renames) MovedAway(slug string) (int64, bool) {
	for i := len(r.line.renames) - 1; i >= 0; i-- {
		m := r.line.renames[i]
		if m.from == slug {
			return m.seq, r.Current(slug, m.seq-1) != slug
		}
	}
	return 0, false
}

// Current returns the name on main now of the module that was at slug at a
// version (its place in the index; 0 when the version is not on main, which
// counts as older than every move).
func (r *Renames) Current(slug string, versionSeq int64) string {
	for _, m := range r.line.renames {
		if m.seq > versionSeq && m.from == slug {
			slug = m.to
		}
	}
	return slug
}

// Seq returns where a commit is in the history index (0 when it is not).
func (x *Index) Seq(ctx context.Context, id string) (int64, error) {
	if err := x.ensure(ctx); err != nil {
		return 0, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if n, ok := x.nodes[id]; ok {
		return n.seq, nil
	}
	return 0, nil
}

// FormerNames returns the names the module at slug on main had before, newest
// first, as its history (which follows moves) passes through them.
func (x *Index) FormerNames(ctx context.Context, slug, tip string) ([]string, error) {
	if err := x.ensure(ctx); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	start, ok := x.nodes[tip]
	if !ok {
		return nil, nil
	}
	var names []string
	current := slug
	walk(start, slug, true, func(n *node) bool {
		for _, r := range n.renames {
			if r.To == current {
				current = r.From
				names = append(names, current)
				break
			}
		}
		return true
	})
	return names, nil
}

// RenameLister finds the module folders a commit moved; the store implements
// it (gitstore.Store.CommitRenames).
type RenameLister func(ctx context.Context, commit string) ([]praxis.ModuleRename, error)

// ScanRenames looks once for module renames in the commits indexed before
// renames were recorded (a database from an earlier praxis), and records
// them. It returns how many commits it looked at.
func (x *Index) ScanRenames(ctx context.Context, renames RenameLister) (int, error) {
	commits, err := x.db.RenameScan(ctx)
	if err != nil || len(commits) == 0 {
		return 0, err
	}
	found := map[int64][]praxis.ModuleRename{}
	for _, c := range commits {
		list, err := renames(ctx, c.ID)
		if err != nil {
			return 0, err
		}
		if len(list) > 0 {
			found[c.Seq] = list
		}
	}
	if err := x.db.FinishRenameScan(ctx, found); err != nil {
		return 0, err
	}
	// Load the graph afresh, renames and all.
	x.mu.Lock()
	x.loaded, x.lastSeq, x.nodes, x.last, x.line = false, 0, map[string]*node{}, nil, nil
	x.mu.Unlock()
	return len(commits), nil
}
