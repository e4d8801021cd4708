package review

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// A proposal is a row in the database and a branch in the repository, and
// the two are written one after the other: a crash, a failed write or a
// backup taken between them leaves them disagreeing. The refs are the truth
// about the curriculum, so the rows are brought into line with them: at start
// (Reconcile), when a proposal is read (settle), and after each push
// (Pushed).

// Reconciled lists what Reconcile changed.
type Reconciled struct {
	// Opened are proposals opened for branches that had none.
	Opened []int64
	// Merged are open proposals whose head main already holds.
	Merged []int64
	// Closed are open proposals whose branch is gone.
	Closed []int64
	// Removed are proposals whose creation never finished (no branch, no
	// commit of their own, no discussion).
	Removed []int64
	// Updated are open proposals whose recorded head was behind their branch.
	Updated []int64
	// Forks counts fork branches given the record they lacked.
	Forks int
}

// Changed reports whether Reconcile changed anything.
func (r Reconciled) Changed() bool {
	return len(r.Opened)+len(r.Merged)+len(r.Closed)+len(r.Removed)+len(r.Updated)+r.Forks > 0
}

// Reconcile brings every proposal and fork into agreement with the
// repository, as praxis starts (nothing else runs then): an open proposal
// whose head main holds is merged, with the merge commit that brought it in;
// one whose branch is gone is closed, or removed when it never had a commit
// of its own; a proposals/<id>/<topic> branch without a proposal gets one, as
// a push would have given it; a fork branch without its record gets one.
func (s *Service) Reconcile(ctx context.Context) (Reconciled, error) {
	var done Reconciled
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return done, err
	}
	open, err := s.db.OpenProposalRefs(ctx)
	if err != nil {
		return done, err
	}
	// One proposal that cannot be settled does not hold up the others.
	var errs []error
	for _, ref := range open {
		if err := s.reconcileOpen(ctx, main, ref, &done); err != nil {
			errs = append(errs, fmt.Errorf("proposal %d: %w", ref.ID, err))
		}
	}
	if err := s.adoptBranches(ctx, "proposals/", &done); err != nil {
		errs = append(errs, err)
	}
	n, err := s.adoptForks(ctx)
	done.Forks = n
	return done, errors.Join(append(errs, err)...)
}

// reconcileOpen settles one open proposal against the refs.
func (s *Service) reconcileOpen(ctx context.Context, main string, ref db.ProposalRef, done *Reconciled) error {
	p, err := s.db.FindProposal(ctx, ref.ID)
	if err != nil {
		return err
	}
	if isPlaceholder(p.Branch) {
		// Creation stopped between the row and its branch's name.
		final := ProposalBranch(p.AuthorID, firstModule(p), p.ID)
		if _, err := s.store.Branch(ctx, final); err != nil {
			if praxis.ErrorCode(err) != praxis.ENOTFOUND {
				return err
			}
			if err := s.db.DeleteProposal(ctx, p.ID); err != nil {
				return err
			}
			done.Removed = append(done.Removed, p.ID)
			return nil
		}
		if err := s.db.SetProposalBranch(ctx, p.ID, final); err != nil {
			return err
		}
		p.Branch = final
	}
	head, err := s.store.Branch(ctx, p.Branch)
	switch {
	case praxis.ErrorCode(err) == praxis.ENOTFOUND:
		return s.branchGone(ctx, p, done)
	case err != nil:
		return err
	}
	commit, err := s.findMerge(ctx, main, head)
	if err != nil {
		return err
	}
	if commit != "" {
		if err := s.recordFoundMerge(ctx, p, head, commit); err != nil {
			return err
		}
		done.Merged = append(done.Merged, p.ID)
		return nil
	}
	if head != p.Head {
		event := praxis.Activity{At: s.now(), ActorID: p.AuthorID, Kind: praxis.ActivityProposalUpdated, ProposalID: p.ID,
			Module: firstModule(p), Title: p.Title, Detail: "pushed"}
		if err := s.refresh(ctx, p.ID, head, event); err != nil {
			return err
		}
		done.Updated = append(done.Updated, p.ID)
	}
	return nil
}

// branchGone settles an open proposal whose branch no longer exists. One
// that never had a commit of its own or a word of discussion was a creation
// that failed half way, and goes; any other was deleted with git (which
// closes a proposal) and is closed. Its recorded head stays, so reopening it
// brings the branch back.
func (s *Service) branchGone(ctx context.Context, p *praxis.Proposal, done *Reconciled) error {
	if p.Head == "" || p.Head == p.Base {
		err := s.db.DeleteProposal(ctx, p.ID)
		if err == nil {
			done.Removed = append(done.Removed, p.ID)
			return nil
		}
		if praxis.ErrorCode(err) != praxis.ECONFLICT {
			return err
		}
	}
	event := praxis.Activity{At: s.now(), ActorID: p.AuthorID, Kind: praxis.ActivityProposalClosed, ProposalID: p.ID,
		Module: firstModule(p), Title: p.Title, Detail: "its branch is gone"}
	if err := s.db.SetProposalStatus(ctx, p.ID, praxis.ProposalOpen, praxis.ProposalClosed, p.AuthorID, "", event); err != nil {
		return err
	}
	done.Closed = append(done.Closed, p.ID)
	return nil
}

// adoptBranches opens a proposal for each proposal branch under prefix that
// has none, as the push that made it would have. A branch still held by the
// merged or closed proposal it last belonged to (at the head recorded) is
// not new work; nor is one that main already holds.
func (s *Service) adoptBranches(ctx context.Context, prefix string, done *Reconciled) error {
	branches, err := s.store.Branches(ctx, prefix)
	if err != nil {
		return err
	}
	if len(branches) == 0 {
		return nil
	}
	refs, err := s.db.ProposalRefs(ctx, prefix)
	if err != nil {
		return err
	}
	byBranch := map[string][]db.ProposalRef{}
	ids := map[int64]db.ProposalRef{}
	for _, r := range refs {
		byBranch[r.Branch] = append(byBranch[r.Branch], r)
		ids[r.ID] = r
	}
	names := make([]string, 0, len(branches))
	for name := range branches {
		names = append(names, name)
	}
	slices.Sort(names)
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return err
	}
	var errs []error
	for _, branch := range names {
		head := branches[branch]
		if !adoptable(branch, head, byBranch[branch], ids) {
			continue
		}
		userID, ok := branchOwner(branch)
		if !ok {
			continue
		}
		user, err := s.db.FindUser(ctx, userID)
		if err != nil || user.Status == praxis.StatusDeleted {
			s.log.Warn("a proposal branch belongs to nobody praxis knows; left alone", "branch", branch)
			continue
		}
		if cmp, err := s.store.Compare(ctx, main, head); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", branch, err))
			continue
		} else if cmp.Ahead == 0 {
			continue // nothing main lacks
		}
		p, err := s.ProposalFromPush(ctx, user, branch, praxis.ZeroID, head)
		if err != nil {
			errs = append(errs, fmt.Errorf("open a proposal for %s: %w", branch, err))
			continue
		}
		if p != nil {
			s.log.Info("opened a proposal for a branch that had none", "branch", branch, "proposal", p.ID)
			done.Opened = append(done.Opened, p.ID)
		}
	}
	return errors.Join(errs...)
}

// adoptable reports whether a proposal branch at head lacks a proposal:
// none is open on it, none of those it held last is at head, and it is not
// the branch of a proposal being opened in the browser this moment (its row
// exists under a placeholder until the branch is made).
func adoptable(branch, head string, on []db.ProposalRef, ids map[int64]db.ProposalRef) bool {
	for _, r := range on {
		if r.Status == praxis.ProposalOpen || r.Head == head {
			return false
		}
	}
	if id, ok := browserProposalID(branch); ok {
		if r, ok := ids[id]; ok && isPlaceholder(r.Branch) {
			return false
		}
	}
	return true
}

// adoptForks records fork branches that have no fork record (a backup copies
// the database before the refs, so a fork made meanwhile is only a branch).
func (s *Service) adoptForks(ctx context.Context) (int, error) {
	branches, err := s.store.Branches(ctx, "forks/")
	if err != nil || len(branches) == 0 {
		return 0, err
	}
	known, err := s.db.ForkBranches(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for branch := range branches {
		if known[branch] {
			continue
		}
		parts := strings.Split(branch, "/")
		if len(parts) != 3 || !module.ValidSlug(parts[2]) {
			continue
		}
		userID, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			continue
		}
		if _, err := s.db.FindUser(ctx, userID); err != nil {
			continue
		}
		if _, err := s.db.CreateFork(ctx, &praxis.Fork{UserID: userID, Module: parts[2], Branch: branch, CreatedAt: s.now()}); err != nil {
			if praxis.ErrorCode(err) == praxis.ECONFLICT {
				continue
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// settle brings an open proposal into line with the refs as it is read: one
// whose head main holds already is recorded as merged. A merge of it under
// way in this process is left to record its own outcome.
func (s *Service) settle(ctx context.Context, p *praxis.Proposal) (*praxis.Proposal, error) {
	if p.Status != praxis.ProposalOpen || isPlaceholder(p.Branch) {
		return p, nil
	}
	head, err := s.store.Branch(ctx, p.Branch)
	if err != nil {
		return p, nil // a missing branch is settled at start
	}
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return nil, err
	}
	commit, err := s.findMerge(ctx, main, head)
	if err != nil || commit == "" {
		return p, err
	}
	lock := s.proposalLock(p.ID)
	if !lock.TryLock() {
		return p, nil
	}
	defer lock.Unlock()
	if err := s.recordFoundMerge(ctx, p, head, commit); err != nil && praxis.ErrorCode(err) != praxis.ECONFLICT {
		return nil, err
	}
	return s.db.FindProposal(ctx, p.ID)
}

// findMerge returns the commit on main that brought head in ("" when main
// does not hold head), cached by the pair.
func (s *Service) findMerge(ctx context.Context, main, head string) (string, error) {
	key := main + " " + head
	if commit, ok := s.found.Get(key); ok {
		return commit, nil
	}
	commit, err := s.mergeCommitOf(ctx, main, head)
	if err != nil {
		return "", err
	}
	s.found.Add(key, commit)
	return commit, nil
}

// mergeCommitOf returns the commit on main's first-parent line that brought
// head into main, or "" when main does not hold head, or holds it on that
// line itself (a branch set to a version of main has nothing of its own).
// praxis merges a proposal as the second parent, so the walk down the line
// usually stops at a commit with head as a parent; failing that (head came
// in inside another merge), the oldest commit on the line that holds head is
// found by bisection.
func (s *Service) mergeCommitOf(ctx context.Context, main, head string) (string, error) {
	if main == head {
		return "", nil
	}
	cmp, err := s.store.Compare(ctx, main, head)
	if err != nil {
		return "", err
	}
	if cmp.Ahead > 0 || cmp.Base == "" {
		return "", nil
	}
	// Every commit on the line above head is one main has and head lacks,
	// so the line reaches head or below within Behind+1 steps.
	var line []string
	for id := main; len(line) <= cmp.Behind; {
		if id == head {
			return "", nil
		}
		c, err := s.store.FindCommit(ctx, id)
		if err != nil {
			return "", err
		}
		if len(c.Parents) > 1 && slices.Contains(c.Parents[1:], head) {
			return c.ID, nil
		}
		line = append(line, c.ID)
		if len(c.Parents) == 0 {
			break
		}
		id = c.Parents[0]
	}
	holds := func(commit string) (bool, error) {
		cmp, err := s.store.Compare(ctx, commit, head)
		return cmp.Ahead == 0 && cmp.Base != "", err
	}
	low, high := 0, len(line)-1 // line[low] holds head
	for low < high {
		mid := (low + high + 1) / 2
		ok, err := holds(line[mid])
		if err != nil {
			return "", err
		}
		if ok {
			low = mid
		} else {
			high = mid - 1
		}
	}
	return line[low], nil
}

// recordFoundMerge records an open proposal as merged by a commit found on
// main (a merge whose outcome was never saved), attributed to whoever made
// that commit when praxis knows them.
func (s *Service) recordFoundMerge(ctx context.Context, p *praxis.Proposal, head, commit string) error {
	c, err := s.store.FindCommit(ctx, commit)
	if err != nil {
		return err
	}
	commits := []string{commit}
	if len(c.Parents) > 0 {
		own, err := s.store.Log(ctx, head, c.Parents[0], 10_000)
		if err != nil {
			return err
		}
		for _, o := range own {
			commits = append(commits, o.ID)
		}
	}
	var by int64
	if u, _, err := s.db.FindCredentials(ctx, c.Author.Email); err == nil {
		by = u.ID
	}
	s.log.Info("a proposal's head is on main: recorded as merged", "proposal", p.ID, "commit", commit)
	return s.db.MarkProposalMerged(ctx, p.ID, db.MergeRecord{Head: head, Commit: commit, By: by, At: c.Committer.When, Commits: commits,
		Activity: praxis.Activity{At: s.now(), ActorID: by, Kind: praxis.ActivityProposalMerged, ProposalID: p.ID, Module: firstModule(p), Title: p.Title}})
}

// placeholderBranch names a proposal's row while its branch is being made
// (the branch's name needs the proposal's id). The colon makes it a name git
// refuses for a ref, so no push can ever make a branch by that name.
func placeholderBranch(userID int64, nanos int64) string {
	return fmt.Sprintf("proposals/%d/:creating-%d", userID, nanos)
}

var (
	placeholderPattern = regexp.MustCompile(`^proposals/\d+/:creating-\d+$`)
	browserPattern     = regexp.MustCompile(`^proposals/\d+/[a-z0-9-]+-(\d+)$`)
)

func isPlaceholder(branch string) bool { return placeholderPattern.MatchString(branch) }

// browserProposalID returns the proposal id in the name of a branch that
// praxis made for a proposal opened in the browser.
func browserProposalID(branch string) (int64, bool) {
	m := browserPattern.FindStringSubmatch(branch)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	return id, err == nil
}

// branchOwner returns the user id in a branch proposals/<user id>/<topic>.
func branchOwner(branch string) (int64, bool) {
	parts := strings.SplitN(branch, "/", 3)
	if len(parts) != 3 || parts[0] != "proposals" || parts[2] == "" {
		return 0, false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	return id, err == nil && id > 0
}
