package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// mergeAttempts bounds how often a merge retries when main moves under it
// (another merge landed first); each attempt merges afresh onto the new main.
const mergeAttempts = 20

// ConflictError is ECONFLICT listing the files and lines that do not merge.
type ConflictError struct {
	Message   string
	Conflicts []praxis.MergeConflict
}

func (e *ConflictError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error.
func (e *ConflictError) Unwrap() error {
	return &praxis.Error{Code: praxis.ECONFLICT, Message: e.Message}
}

// ConflictList returns the conflicts, for the API's error body.
func (e *ConflictError) ConflictList() []praxis.MergeConflict { return e.Conflicts }

// Merge merges an open, approved, lint-clean proposal into main with a merge
// commit, and returns its id. It merges exactly the head that was approved: if
// expectedHead is given and the proposal has moved on, or its head is not the
// approved one, it refuses. Main is moved by compare-and-swap; when another
// merge lands first, the merge is recomputed on the new main.
func (s *Service) Merge(ctx context.Context, user *praxis.User, id int64, expectedHead string) (string, error) {
	commit, err := s.merge(ctx, user, id, expectedHead)
	s.countMerge(err)
	return commit, err
}

// MergeStats counts the outcomes of Merge since the service started.
type MergeStats struct {
	// Merged landed on main.
	Merged uint64
	// Conflicts did not merge cleanly with main as it was.
	Conflicts uint64
	// Refused were turned down before merging: not permitted, not approved,
	// lint problems, already merged or closed, changed since review.
	Refused uint64
	// Failed ended in an internal error (or the request gave up).
	Failed uint64
}

// mergeCounters are MergeStats as they are counted.
type mergeCounters struct {
	merged, conflicts, refused, failed atomic.Uint64
}

// MergeStats reports how merges have ended, for the metrics page.
func (s *Service) MergeStats() MergeStats {
	return MergeStats{Merged: s.mergeCount.merged.Load(), Conflicts: s.mergeCount.conflicts.Load(),
		Refused: s.mergeCount.refused.Load(), Failed: s.mergeCount.failed.Load()}
}

func (s *Service) countMerge(err error) {
	var conflict *ConflictError
	switch {
	case err == nil:
		s.mergeCount.merged.Add(1)
	case errors.As(err, &conflict):
		s.mergeCount.conflicts.Add(1)
	case slices.Contains([]string{praxis.EINVALID, praxis.ECONFLICT, praxis.ENOTFOUND, praxis.EFORBIDDEN, praxis.EUNAUTHORIZED}, praxis.ErrorCode(err)):
		s.mergeCount.refused.Add(1)
	default:
		s.mergeCount.failed.Add(1)
	}
}

func (s *Service) merge(ctx context.Context, user *praxis.User, id int64, expectedHead string) (string, error) {
	if err := access.Authorize(user, access.MergeProposal); err != nil {
		return "", err
	}
	lock := s.proposalLock(id)
	lock.Lock()
	defer lock.Unlock()

	p, err := s.db.FindProposal(ctx, id)
	if err != nil {
		return "", err
	}
	if p.Status != praxis.ProposalOpen {
		return "", praxis.Errorf(praxis.ECONFLICT, "the proposal is already %s", p.Status)
	}
	head, err := s.store.Branch(ctx, p.Branch)
	if err != nil {
		return "", err
	}
	if expectedHead != "" && expectedHead != head {
		return "", &ChangedError{Head: head, Message: fmt.Sprintf("the proposal changed (it is now at %s) since the version you reviewed; review it again", praxis.ShortID(head))}
	}
	// A merge that reached main but whose outcome was never saved (a crash,
	// a locked database) is recorded now, never made twice.
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return "", err
	}
	if commit, err := s.findMerge(ctx, main, head); err != nil {
		return "", err
	} else if commit != "" {
		if err := s.recordFoundMerge(context.WithoutCancel(ctx), p, head, commit); err != nil {
			return "", err
		}
		return "", praxis.Errorf(praxis.ECONFLICT, "the proposal is already merged (in %s)", praxis.ShortID(commit))
	}
	reviews, err := s.db.ListReviews(ctx, id)
	if err != nil {
		return "", err
	}
	required, err := s.RequiredApprovals(ctx)
	if err != nil {
		return "", err
	}
	if a := approvalAt(reviews, p.AuthorID, head, required); !a.Approved() {
		return "", praxis.Errorf(praxis.EINVALID, "%s", approvalNeeded(a, head))
	}
	s.mainMu.Lock()
	defer s.mainMu.Unlock()
	// The merge's objects are written before main reaches them: none may be
	// pruned meanwhile.
	release, err := s.store.HoldObjects()
	if err != nil {
		return "", err
	}
	defer release()
	message := fmt.Sprintf("Merge proposal #%d: %s\n\n%s\n\nProposal: /proposals/%d\nAuthor: %s\nApproved at: %s", id, p.Title, firstParagraph(p.Description), id, p.Author, head)
	for attempt := 0; ; attempt++ {
		main, err := s.store.Branch(ctx, praxis.MainBranch)
		if err != nil {
			return "", err
		}
		result, err := s.store.Merge(ctx, main, head, gitstore.MergeOptions{OursLabel: "main", TheirsLabel: "proposal", Write: true})
		if err != nil {
			return "", err
		}
		if !result.Clean() {
			return "", &ConflictError{Message: "the proposal conflicts with the curriculum as it is now; its author can update it from main to resolve this", Conflicts: result.Conflicts}
		}
		// Lint exactly the tree that would land on main: the whole
		// curriculum, as `praxis lint` would check it after the merge.
		merged, err := s.store.SnapshotTree(ctx, result.Tree)
		if err != nil {
			return "", err
		}
		if lint, err := s.lintMerge(ctx, main, merged); err != nil {
			return "", err
		} else if len(lint.Introduced) > 0 {
			return "", &ProblemsError{Problems: lint.Introduced}
		}
		// The proposal's own commits (not those it took from main), to link
		// each to the proposal in the history.
		own, err := s.store.Log(ctx, head, main, 10_000)
		if err != nil {
			return "", err
		}
		commit, err := s.store.WriteCommit(ctx, gitstore.CommitRequest{
			Branch: praxis.MainBranch, Expected: main, Parents: []string{main, head}, Tree: result.Tree,
			Author: s.signature(user), Message: message, By: user.ID,
		})
		if praxis.ErrorCode(err) == praxis.ECONFLICT && attempt < mergeAttempts {
			continue // another merge moved main first: merge again onto it
		}
		if err != nil {
			return "", err
		}
		// The merge is on main: record it even if the request ends now (a
		// client gone, a deadline passed). Should the record fail (a locked
		// database, a crash), the next read of the proposal or the next start
		// finds the merge on main and records it then.
		ctx := context.WithoutCancel(ctx)
		commits := []string{commit}
		for _, c := range own {
			commits = append(commits, c.ID)
		}
		record := db.MergeRecord{Head: head, Commit: commit, By: user.ID, At: s.now(), Commits: commits,
			Activity: praxis.Activity{At: s.now(), ActorID: user.ID, Kind: praxis.ActivityProposalMerged, ProposalID: id, Module: firstModule(p), Title: p.Title}}
		if err := s.db.MarkProposalMerged(ctx, id, record); err != nil {
			s.log.Error("proposal merged into main but its status was not saved; it will be recorded when next read", "proposal", id, "commit", commit, "err", err)
		}
		return commit, nil
	}
}

// approvalNeeded says what a head lacks before it can be merged.
func approvalNeeded(a Approval, head string) string {
	if len(a.ChangesRequested) > 0 {
		return fmt.Sprintf("%s asked for changes to the proposal's latest version (%s); it cannot be merged until they approve it", strings.Join(a.ChangesRequested, " and "), praxis.ShortID(head))
	}
	return fmt.Sprintf("the proposal's latest version (%s) has %d of the %d %s it needs from maintainers other than its author before merging",
		praxis.ShortID(head), a.Approvals, a.Required, plural(a.Required, "approval", "approvals"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func firstParagraph(s string) string {
	p, _, _ := strings.Cut(strings.TrimSpace(s), "\n\n")
	return p
}

// lintAt returns the problems of modules at a commit (modules it deletes are
// skipped).
func (s *Service) lintAt(ctx context.Context, commit string, modules []string) ([]praxis.Problem, error) {
	snap, err := s.store.Snapshot(ctx, commit)
	if err != nil {
		return nil, err
	}
	var problems []praxis.Problem
	for _, slug := range modules {
		if _, err := snap.Stat(module.Dir(slug)); err != nil {
			continue
		}
		_, found := module.CheckModule(snap, slug)
		problems = append(problems, found...)
	}
	return problems, nil
}

// lintMerge returns what `praxis lint` says of the whole curriculum in
// merged (the tree a merge into main would make), and which of those problems
// main does not have already: those a merge would bring, which refuse it.
// Problems main has already (an older curriculum, a newer lint rule) are
// shown but do not stop unrelated work. Problems are compared by file and
// message, not line, since a change above a problem moves it.
func (s *Service) lintMerge(ctx context.Context, main string, merged *gitstore.Snapshot) (*MergeLint, error) {
	all, err := s.catalog.Lint(ctx, merged)
	if err != nil || len(all) == 0 {
		return &MergeLint{All: all}, err
	}
	mainSnap, err := s.store.Snapshot(ctx, main)
	if err != nil {
		return nil, err
	}
	before, err := s.catalog.Lint(ctx, mainSnap)
	if err != nil {
		return nil, err
	}
	out := &MergeLint{All: all}
	had := map[[2]string]int{}
	for _, p := range before {
		had[[2]string{p.Path, p.Message}]++
	}
	for _, p := range all {
		key := [2]string{p.Path, p.Message}
		if had[key] > 0 {
			had[key]--
			out.OnMain = append(out.OnMain, p)
			continue
		}
		out.Introduced = append(out.Introduced, p)
	}
	return out, nil
}

// MergeLint is what `praxis lint` says of the curriculum a merge would make.
type MergeLint struct {
	// All is every problem, as `praxis lint` prints them.
	All []praxis.Problem
	// Introduced are those main does not have already: they stop the merge.
	Introduced []praxis.Problem
	// OnMain are those main has already.
	OnMain []praxis.Problem
}

// proposalLint is lintMerge for a proposal as it stands: the tree merging
// head into main would make, or, while they conflict (there is no such tree
// yet), head's own tree.
func (s *Service) proposalLint(ctx context.Context, main, head string, clean bool) (*MergeLint, error) {
	var snap *gitstore.Snapshot
	var err error
	if clean {
		result, err := s.cachedMerge(ctx, main, head, gitstore.MergeOptions{OursLabel: "main", TheirsLabel: "proposal", Write: true})
		if err != nil {
			return nil, err
		}
		if snap, err = s.store.SnapshotTree(ctx, result.Tree); err != nil {
			return nil, err
		}
	} else if snap, err = s.store.Snapshot(ctx, head); err != nil {
		return nil, err
	}
	return s.lintMerge(ctx, main, snap)
}

// Target names a branch a person edits: their fork, or their proposal.
type Target struct {
	ForkID, ProposalID int64
}

// target resolves a target to its branch and modules, checking that user owns it.
func (s *Service) target(ctx context.Context, user *praxis.User, t Target) (branch string, modules []string, err error) {
	switch {
	case t.ForkID != 0:
		fork, err := s.ownFork(ctx, user, t.ForkID)
		if err != nil {
			return "", nil, err
		}
		return fork.Branch, []string{fork.Module}, nil
	case t.ProposalID != 0:
		p, err := s.ownProposal(ctx, user, t.ProposalID)
		if err != nil {
			return "", nil, err
		}
		return p.Branch, p.Modules, nil
	}
	return "", nil, praxis.Errorf(praxis.EINVALID, "say which copy or proposal to update")
}

// Update is the result of bringing a fork or proposal up to date with main.
type Update struct {
	// Head is the branch's head: the new merge commit when the update was
	// clean, the unchanged head otherwise.
	Head string
	// Main is the commit of main merged in.
	Main string
	// UpToDate is true when there was nothing to bring in.
	UpToDate bool
	// Conflicts and Files describe what needs resolving when the update was
	// not clean. Nothing is written then.
	Conflicts []praxis.MergeConflict
	Files     []ConflictFile
}

// ConflictFile is a conflicted file as the merge left it, for resolving.
type ConflictFile struct {
	praxis.MergeConflict
	// Merged is the text with conflict markers; empty for binary files.
	Merged string
	Binary bool
}

// UpdateFromMain merges main into a fork or proposal. A clean merge is
// committed at once; a conflicted one is returned for resolving, with nothing
// written, so no work is ever lost.
func (s *Service) UpdateFromMain(ctx context.Context, user *praxis.User, t Target) (*Update, error) {
	branch, modules, err := s.target(ctx, user, t)
	if err != nil {
		return nil, err
	}
	head, err := s.store.Branch(ctx, branch)
	if err != nil {
		return nil, err
	}
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return nil, err
	}
	cmp, err := s.store.Compare(ctx, head, main)
	if err != nil {
		return nil, err
	}
	if cmp.Ahead == 0 {
		return &Update{Head: head, Main: main, UpToDate: true}, nil
	}
	// The merge's objects are written before the branch reaches them.
	release, err := s.store.HoldObjects()
	if err != nil {
		return nil, err
	}
	defer release()
	result, err := s.store.Merge(ctx, head, main, gitstore.MergeOptions{OursLabel: "your version", TheirsLabel: "main", Write: true})
	if err != nil {
		return nil, err
	}
	if !result.Clean() {
		up := &Update{Head: head, Main: main, Conflicts: result.Conflicts}
		snap, err := s.treeFiles(ctx, head, main, result)
		if err != nil {
			return nil, err
		}
		for _, c := range result.Conflicts {
			cf := ConflictFile{MergeConflict: c}
			data, err := snap(c.Path)
			if err == nil && !isBinaryContent(data) {
				cf.Merged = string(data)
			} else {
				cf.Binary = err == nil
			}
			up.Files = append(up.Files, cf)
		}
		return up, nil
	}
	next, err := s.commitUpdate(ctx, user, branch, head, main, result.Tree, nil, modules)
	if err != nil {
		return nil, err
	}
	return &Update{Head: next, Main: main}, nil
}

// treeFiles reads files of a merged tree by writing it as a provisional commit
// (no branch points at it) and reading that.
func (s *Service) treeFiles(ctx context.Context, head, main string, result *gitstore.MergeResult) (func(string) ([]byte, error), error) {
	provisional, err := s.store.CreateCommit(ctx, gitstore.CommitRequest{Parents: []string{head, main}, Tree: result.Tree,
		Author: praxis.Signature{Name: "praxis", Email: "praxis@localhost", When: s.now()}, Message: "provisional merge"})
	if err != nil {
		return nil, err
	}
	snap, err := s.store.Snapshot(ctx, provisional)
	if err != nil {
		return nil, err
	}
	return snap.ReadFile, nil
}

// Resolution is how a person resolved one conflicted file: its new text, or
// deleting it, or keeping one side's version as it is (for binary files).
type Resolution struct {
	Content []byte
	Delete  bool
	// Keep is "yours" or "main" to take that side's version unchanged.
	Keep string
}

// ResolveUpdate finishes an update from main that had conflicts: it merges the
// same two versions again, applies the person's resolution of every conflicted
// file, checks the modules, and commits, as long as the branch has not moved
// since head (compare-and-swap).
func (s *Service) ResolveUpdate(ctx context.Context, user *praxis.User, t Target, head, main string, resolutions map[string]Resolution) (string, error) {
	branch, modules, err := s.target(ctx, user, t)
	if err != nil {
		return "", err
	}
	current, err := s.store.Branch(ctx, branch)
	if err != nil {
		return "", err
	}
	if current != head {
		return "", staleError(current)
	}
	if _, err := s.store.FindCommit(ctx, main); err != nil {
		return "", err
	}
	// The merge's objects are written before the branch reaches them.
	release, err := s.store.HoldObjects()
	if err != nil {
		return "", err
	}
	defer release()
	result, err := s.store.Merge(ctx, head, main, gitstore.MergeOptions{OursLabel: "your version", TheirsLabel: "main", Write: true})
	if err != nil {
		return "", err
	}
	var changes []praxis.FileChange
	for _, c := range result.Conflicts {
		r, ok := resolutions[c.Path]
		if !ok {
			return "", praxis.Errorf(praxis.EINVALID, "%s is not resolved yet", c.Path)
		}
		change := praxis.FileChange{Path: c.Path}
		switch {
		case r.Delete:
			change.Delete = true
		case r.Keep == "yours" || r.Keep == "main":
			side := head
			if r.Keep == "main" {
				side = main
			}
			p := c.Path
			if side == head {
				// The merge moved the branch's module folders that main
				// moved: read the branch's file where it still is.
				if p, err = s.pathBeforeMoves(ctx, head, main, p); err != nil {
					return "", err
				}
			}
			data, err := s.fileAt(ctx, side, p)
			if err != nil {
				change.Delete = true // that side had deleted it
			} else {
				change.Content = data
			}
		default:
			// The text comes from a browser's text box: line breaks as the
			// file has them on your side (or main's, when yours deleted it).
			base, err := s.fileAt(ctx, head, c.Path)
			if err != nil {
				base, _ = s.fileAt(ctx, main, c.Path)
			}
			text := string(fromTextBox(r.Content, base))
			if strings.Contains(text, "\n<<<<<<< ") || strings.HasPrefix(text, "<<<<<<< ") || strings.Contains(text, "\n>>>>>>> ") {
				return "", praxis.Errorf(praxis.EINVALID, "%s still holds conflict markers: choose what to keep and remove the <<<<<<<, ======= and >>>>>>> lines", c.Path)
			}
			change.Content = []byte(text)
		}
		changes = append(changes, change)
	}
	var edits []Edit
	for _, c := range changes {
		edits = append(edits, Edit{Content: c.Content, Delete: c.Delete})
	}
	if err := s.allowWrite(ctx, user, edits); err != nil {
		return "", err
	}
	return s.commitUpdate(ctx, user, branch, head, main, result.Tree, changes, modules)
}

func (s *Service) fileAt(ctx context.Context, commit, p string) ([]byte, error) {
	snap, err := s.store.Snapshot(ctx, commit)
	if err != nil {
		return nil, err
	}
	return snap.ReadFile(p)
}

// commitUpdate writes the merge of main into a branch, checks the branch's
// modules at the result, and moves the branch if it is still at head.
func (s *Service) commitUpdate(ctx context.Context, user *praxis.User, branch, head, main, tree string, changes []praxis.FileChange, modules []string) (string, error) {
	commit, err := s.store.CreateCommit(ctx, gitstore.CommitRequest{
		Parents: []string{head, main}, Tree: tree, Changes: changes,
		Author: s.signature(user), Message: "Update from main", By: user.ID,
	})
	if err != nil {
		return "", err
	}
	// Main may have moved a module's folder; the merge moved it here too.
	moved, err := s.store.ModuleRenames(ctx, head, commit)
	if err != nil {
		return "", err
	}
	modules = movedNames(modules, moved)
	if problems, err := s.lintAt(ctx, commit, modules); err != nil {
		return "", err
	} else if len(problems) > 0 {
		return "", &ProblemsError{Problems: problems}
	}
	if err := s.store.MoveBranch(ctx, branch, head, commit); err != nil {
		if praxis.ErrorCode(err) == praxis.ECONFLICT {
			current, _ := s.store.Branch(ctx, branch)
			return "", staleError(current)
		}
		return "", err
	}
	if err := s.followMovedFork(ctx, branch, moved); err != nil {
		// The update is saved; the fork is still found under its old name.
		s.log.Warn("a fork took in a moved module but its record was not changed", "branch", branch, "err", err)
	}
	if p, err := s.db.FindProposalByBranch(ctx, branch); err == nil {
		if err := s.refresh(ctx, p.ID, commit, praxis.Activity{At: s.now(), ActorID: user.ID, Kind: praxis.ActivityProposalUpdated, ProposalID: p.ID, Module: firstModule(p), Title: p.Title, Detail: "updated from main"}); err != nil {
			return "", err
		}
	}
	return commit, nil
}
