package review

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Limits on proposal text.
const (
	MaxTitleLength       = 200
	MaxDescriptionLength = 20_000
	MaxCommentLength     = 20_000
)

// ProposalBranch is the branch of a proposal opened in the browser: under its
// author's id, named for the module and the proposal's number.
func ProposalBranch(userID int64, slug string, id int64) string {
	return fmt.Sprintf("proposals/%d/%s-%d", userID, slug, id)
}

// NewProposal opens a proposal, either from a fork or from edits to a module as
// it stood at Base (a commit of main).
type NewProposal struct {
	Title, Description string
	ForkID             int64
	Module             string
	Base               string
	Edits              []Edit
	Message            string
	// MoveTo, with Module, proposes moving the module's folder to this new
	// slug instead of edits (its old addresses then redirect there); with
	// Copy, copying the module there as a new one outside any series.
	MoveTo string
	Copy   bool
}

func cleanProposalText(title, description string) (string, string, error) {
	title = strings.TrimSpace(title)
	description = strings.TrimSpace(strings.ReplaceAll(description, "\r\n", "\n"))
	switch {
	case title == "":
		return "", "", praxis.Errorf(praxis.EINVALID, "give the proposal a title saying what it changes")
	case utf8.RuneCountInString(title) > MaxTitleLength:
		return "", "", praxis.Errorf(praxis.EINVALID, "the title is longer than %d characters", MaxTitleLength)
	case strings.ContainsAny(title, "\n\r\x00"):
		return "", "", praxis.Errorf(praxis.EINVALID, "the title must be one line")
	case utf8.RuneCountInString(description) > MaxDescriptionLength:
		return "", "", praxis.Errorf(praxis.EINVALID, "the description is longer than %d characters", MaxDescriptionLength)
	}
	return title, description, nil
}

// CreateProposal opens a proposal. From a fork, the proposal starts at the
// fork's head; from edits, a new branch at Base receives them as its first
// commit. A proposal must change something, and its module must exist on main.
func (s *Service) CreateProposal(ctx context.Context, user *praxis.User, req NewProposal) (*praxis.Proposal, error) {
	if err := access.Authorize(user, access.ProposeChange); err != nil {
		return nil, err
	}
	title, description, err := cleanProposalText(req.Title, req.Description)
	if err != nil && req.MoveTo == "" && !req.Copy {
		return nil, err
	}
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return nil, err
	}
	var start, slug string
	var changes []praxis.FileChange
	switch {
	case req.ForkID != 0:
		fork, err := s.ownFork(ctx, user, req.ForkID)
		if err != nil {
			return nil, err
		}
		if start, err = s.store.Branch(ctx, fork.Branch); err != nil {
			return nil, err
		}
		slug = fork.Module
		cmp, err := s.store.Compare(ctx, main, start)
		if err != nil {
			return nil, err
		}
		if cmp.Ahead == 0 {
			return nil, praxis.Errorf(praxis.EINVALID, "your copy has no changes to propose yet")
		}
	case req.Module != "" && (req.MoveTo != "" || req.Copy):
		slug = req.Module
		if _, err := s.catalog.Module(ctx, slug, ""); err != nil {
			return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no module %q in the curriculum now", slug)
		}
		start = main
		if changes, err = s.moveProposal(ctx, req, start); err != nil {
			return nil, err
		}
		if strings.TrimSpace(req.Message) == "" {
			req.Message = moveMessage(req)
		}
		// A move or a copy reuses the module's files: it adds nothing to
		// count against the write rate, but one already past the storage
		// limit may not open more.
		if err := s.allowWrite(ctx, user, nil); err != nil {
			return nil, err
		}
	case req.Module != "":
		slug = req.Module
		if !module.ValidSlug(slug) {
			return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no module %q", slug)
		}
		if _, err := s.catalog.Module(ctx, slug, ""); err != nil {
			return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no module %q in the curriculum now", slug)
		}
		start = req.Base
		if start == "" {
			start = main
		}
		cmp, err := s.store.Compare(ctx, main, start)
		if err != nil || cmp.Ahead != 0 {
			return nil, praxis.Errorf(praxis.EINVALID, "the base %q is not a version of the curriculum", req.Base)
		}
		snap, err := s.store.Snapshot(ctx, start)
		if err != nil {
			return nil, err
		}
		if changes, err = moduleChanges(slug, req.Edits, snap); err != nil {
			return nil, err
		}
		if err := checkModule(snap, slug, changes); err != nil {
			return nil, err
		}
		if err := s.allowWrite(ctx, user, req.Edits); err != nil {
			return nil, err
		}
	default:
		return nil, praxis.Errorf(praxis.EINVALID, "say which copy (fork_id) or module the proposal changes")
	}
	if _, err := s.catalog.Module(ctx, slug, ""); err != nil {
		// A fork of a module whose folder has moved since proposes its
		// changes to the module under its new name: the merge follows.
		if _, moved, merr := s.movedTo(ctx, slug); merr != nil || !moved || req.ForkID == 0 {
			return nil, praxis.Errorf(praxis.EINVALID, "the module %q is no longer in the curriculum", slug)
		}
	}

	// The first commit, then the row, then the branch, so that a failure at
	// any step leaves nothing behind (the commit alone is an unreferenced
	// object) and a crash between them leaves what Reconcile finishes or
	// removes at start. The objects are held from the commit to the branch,
	// so no prune takes the commit before the branch reaches it.
	release, err := s.store.HoldObjects()
	if err != nil {
		return nil, err
	}
	defer release()
	head := start
	if len(changes) > 0 {
		message := req.Message
		if strings.TrimSpace(message) == "" {
			message = title
		}
		head, err = s.store.CreateCommit(ctx, gitstore.CommitRequest{Parents: []string{start}, Changes: changes, Author: s.signature(user), Message: message, By: user.ID})
		if err != nil {
			return nil, err
		}
	}
	modules, err := s.touchedModules(ctx, main, head)
	if err != nil {
		return nil, err
	}
	if len(modules) == 0 {
		modules = []string{slug}
	}
	p := &praxis.Proposal{AuthorID: user.ID, Title: title, Description: description, Base: main, Head: head,
		ForkID: req.ForkID, Modules: modules, Branch: placeholderBranch(user.ID, s.now().UnixNano())}
	if p.ID, err = s.db.CreateProposal(ctx, p); err != nil {
		return nil, err
	}
	branch := ProposalBranch(user.ID, slug, p.ID)
	if err := s.store.CreateBranch(ctx, branch, head); err != nil {
		s.undoCreate(ctx, p.ID, "", "")
		return nil, err
	}
	if err := s.db.SetProposalBranch(ctx, p.ID, branch); err != nil {
		s.undoCreate(ctx, p.ID, branch, head)
		return nil, err
	}
	return s.db.FindProposal(ctx, p.ID)
}

// undoCreate removes what a failed CreateProposal made: its branch (when
// made) and its row. What cannot be removed now, Reconcile removes at start.
func (s *Service) undoCreate(ctx context.Context, id int64, branch, head string) {
	ctx = context.WithoutCancel(ctx)
	if branch != "" {
		if err := s.store.DeleteBranch(ctx, branch, head); err != nil {
			// The row stays too: at start, Reconcile gives it the branch.
			s.log.Error("could not undo a proposal's branch after its creation failed", "proposal", id, "branch", branch, "err", err)
			return
		}
	}
	if err := s.db.DeleteProposal(ctx, id); err != nil {
		s.log.Error("could not undo a proposal after its creation failed", "proposal", id, "err", err)
	}
}

// refresh records a proposal's head and the modules it touches.
func (s *Service) refresh(ctx context.Context, id int64, head string, event praxis.Activity) error {
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return err
	}
	modules, err := s.touchedModules(ctx, main, head)
	if err != nil {
		return err
	}
	return s.db.UpdateProposal(ctx, id, praxis.ProposalUpdate{Head: &head, Modules: modules, Activity: event})
}

// touchedModules lists the modules a branch changes relative to its merge base
// with main.
func (s *Service) touchedModules(ctx context.Context, main, head string) ([]string, error) {
	cmp, err := s.store.Compare(ctx, main, head)
	if err != nil {
		return nil, err
	}
	if cmp.Base == "" {
		return []string{}, nil
	}
	changed, err := s.store.ChangedFiles(ctx, cmp.Base, head, module.ModulesDir)
	if err != nil {
		return nil, err
	}
	modules := []string{}
	for _, c := range changed {
		rest := strings.TrimPrefix(c.Path, module.ModulesDir+"/")
		slug, _, _ := strings.Cut(rest, "/")
		if !slices.Contains(modules, slug) {
			modules = append(modules, slug)
		}
	}
	return modules, nil
}

// ProposalView is a proposal with everything a reviewer needs.
type ProposalView struct {
	*praxis.Proposal
	// Head is the proposal branch's commit now.
	Head string
	// Main is main's head; MergeBase where the proposal and main diverged.
	Main, MergeBase string
	// Behind counts commits on main that the proposal lacks.
	Behind int
	// Commits are the proposal's own commits, newest first.
	Commits []praxis.Commit
	Files   []FileDiff
	// Lint is what `praxis lint` says of the whole curriculum as merging the
	// proposal would leave it (of Head while the two conflict), for open
	// proposals; Lint.Introduced stop the merge.
	Lint      MergeLint
	Conflicts []praxis.MergeConflict
	Mergeable bool
	Comments  []praxis.Comment
	Reviews   []praxis.Review
	// Approval tallies the verdicts on Head.
	Approval Approval
	// Approved is true when Head has the approvals a merge needs and nobody
	// asks for changes to it.
	Approved bool
	// Pruned is true when the proposal is closed, its branch was deleted and
	// its files were reclaimed since (a prune of the repository): its
	// discussion is all that is left; there is no diff.
	Pruned bool
}

// Proposal returns a proposal with its diff, lint results, mergeability,
// comments and reviews. Anyone may read proposals.
func (s *Service) Proposal(ctx context.Context, id int64) (*ProposalView, error) {
	p, err := s.db.FindProposal(ctx, id)
	if err != nil {
		return nil, err
	}
	if p, err = s.settle(ctx, p); err != nil {
		return nil, err
	}
	view := &ProposalView{Proposal: p}
	if view.Head, err = s.store.Branch(ctx, p.Branch); err != nil {
		if p.Status == praxis.ProposalOpen || p.Head == "" {
			return nil, praxis.Errorf(praxis.ENOTFOUND, "the branch of proposal %d is missing", id)
		}
		// A merged or closed proposal may have given its branch up (a new
		// push to the same topic); its recorded head is what it was.
		view.Head = p.Head
		if _, err := s.store.FindCommit(ctx, p.Head); praxis.ErrorCode(err) == praxis.ENOTFOUND {
			view.Pruned = true
		}
	}
	if view.Main, err = s.store.Branch(ctx, praxis.MainBranch); err != nil {
		return nil, err
	}
	if view.Comments, err = s.db.ListComments(ctx, id); err != nil {
		return nil, err
	}
	if view.Reviews, err = s.db.ListReviews(ctx, id); err != nil {
		return nil, err
	}
	required, err := s.RequiredApprovals(ctx)
	if err != nil {
		return nil, err
	}
	view.Approval = approvalAt(view.Reviews, p.AuthorID, view.Head, required)
	view.Approved = view.Approval.Approved()
	if view.Pruned {
		return view, nil
	}

	diffFrom := p.Base
	if p.Status == praxis.ProposalMerged && p.MergeCommit != "" {
		// Once merged, show what the merge brought: its first parent to its
		// second side as merged, or to the proposal's own head when that
		// came in deeper, inside another proposal's merge.
		if c, err := s.store.FindCommit(ctx, p.MergeCommit); err == nil && len(c.Parents) == 2 {
			side := c.Parents[1]
			if p.Head != "" && p.Head != side {
				side = p.Head
			}
			if cmp, err := s.store.Compare(ctx, c.Parents[0], side); err == nil {
				diffFrom, view.Head = cmp.Base, side
			}
		}
	} else {
		cmp, err := s.store.Compare(ctx, view.Main, view.Head)
		if err != nil {
			return nil, err
		}
		view.MergeBase, view.Behind = cmp.Base, cmp.Behind
		if cmp.Base != "" {
			diffFrom = cmp.Base
		}
		merge, err := s.dryMerge(ctx, view.Main, view.Head, "main", "proposal")
		if err != nil {
			return nil, err
		}
		view.Conflicts = merge.Conflicts
	}
	if view.Files, err = s.changesDiff(ctx, diffFrom, view.Head); err != nil {
		return nil, err
	}
	if view.Commits, err = s.store.Log(ctx, view.Head, diffFrom, 100); err != nil {
		return nil, err
	}
	if p.Status == praxis.ProposalOpen {
		lint, err := s.proposalLint(ctx, view.Main, view.Head, len(view.Conflicts) == 0)
		if err != nil {
			return nil, err
		}
		view.Lint = *lint
	}
	view.Mergeable = p.Status == praxis.ProposalOpen && len(view.Conflicts) == 0 && len(view.Lint.Introduced) == 0 && len(view.Files) > 0
	return view, nil
}

// Since is what changed in a proposal after a version someone saw.
type Since struct {
	// From is the version they saw.
	From string
	// Commits are those made since, newest first.
	Commits []praxis.Commit
	Files   []FileDiff
}

// ChangesSince returns what changed in a proposal between version from (one
// a person saw, such as the head their review form was for) and its head
// now; nil when nothing did. EINVALID when from is no version of the
// curriculum.
func (s *Service) ChangesSince(ctx context.Context, view *ProposalView, from string) (*Since, error) {
	if from == "" || from == view.Head {
		return nil, nil
	}
	if len(from) != 40 || strings.Trim(from, "0123456789abcdef") != "" {
		return nil, praxis.Errorf(praxis.EINVALID, "%q is not a version of the proposal", from)
	}
	if _, err := s.store.FindCommit(ctx, from); err != nil {
		return nil, praxis.Errorf(praxis.EINVALID, "%s is not a version of the proposal", praxis.ShortID(from))
	}
	since := &Since{From: from}
	var err error
	if since.Files, err = s.Diff(ctx, from, view.Head, ""); err != nil {
		return nil, err
	}
	if since.Commits, err = s.store.Log(ctx, view.Head, from, 100); err != nil {
		return nil, err
	}
	return since, nil
}

// Proposals lists proposals. Open ones that main already holds are recorded
// as merged first, so the list agrees with the curriculum. Filtered by
// module, it lists those touching the module under an earlier name too.
func (s *Service) Proposals(ctx context.Context, f praxis.ProposalFilter) ([]*praxis.Proposal, int64, error) {
	if f.Module != "" {
		names, err := s.formerNames(ctx, f.Module)
		if err != nil {
			return nil, 0, err
		}
		f.Modules = append(f.Modules, names...)
	}
	list, total, err := s.db.ListProposals(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	changed := false
	for _, p := range list {
		settled, err := s.settle(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		changed = changed || settled.Status != p.Status
	}
	if changed {
		return s.db.ListProposals(ctx, f)
	}
	return list, total, nil
}

// ownProposal returns an open proposal that user may edit: their own.
func (s *Service) ownProposal(ctx context.Context, user *praxis.User, id int64) (*praxis.Proposal, error) {
	if err := access.Authorize(user, access.ProposeChange); err != nil {
		return nil, err
	}
	p, err := s.db.FindProposal(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.AuthorID != user.ID {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "only the author of a proposal can change it; comment instead")
	}
	if p.Status != praxis.ProposalOpen {
		return nil, praxis.Errorf(praxis.ECONFLICT, "the proposal is %s; reopen it to change it", p.Status)
	}
	return p, nil
}

// EditProposal saves edits to one module of a proposal by compare-and-swap
// against base (the head the edit started from).
func (s *Service) EditProposal(ctx context.Context, user *praxis.User, id int64, slug, base string, edits []Edit, message string) (string, error) {
	p, err := s.ownProposal(ctx, user, id)
	if err != nil {
		return "", err
	}
	if slug == "" && len(p.Modules) > 0 {
		slug = p.Modules[0]
	}
	if err := s.allowWrite(ctx, user, edits); err != nil {
		return "", err
	}
	head, err := s.writeModule(ctx, p.Branch, slug, base, edits, user, message)
	if err != nil {
		return "", err
	}
	return head, s.refresh(ctx, id, head, praxis.Activity{At: s.now(), ActorID: user.ID, Kind: praxis.ActivityProposalUpdated, ProposalID: id, Module: slug, Title: p.Title})
}

// ProposalFile reads a file of one of a proposal's modules at its head.
func (s *Service) ProposalFile(ctx context.Context, id int64, slug, p string) ([]byte, string, error) {
	prop, err := s.db.FindProposal(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return s.branchFile(ctx, prop.Branch, slug, p)
}

// UpdateProposalText changes a proposal's title and description (its author).
func (s *Service) UpdateProposalText(ctx context.Context, user *praxis.User, id int64, title, description string) error {
	p, err := s.ownProposal(ctx, user, id)
	if err != nil {
		return err
	}
	if title, description, err = cleanProposalText(title, description); err != nil {
		return err
	}
	_ = p
	return s.db.UpdateProposal(ctx, id, praxis.ProposalUpdate{Title: &title, Description: &description})
}

// Comment adds a comment to a proposal, optionally on a line of a file's diff.
func (s *Service) Comment(ctx context.Context, user *praxis.User, id int64, body, path string, line int) (*praxis.Comment, error) {
	if err := access.Authorize(user, access.CommentProposal); err != nil {
		return nil, err
	}
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch {
	case body == "":
		return nil, praxis.Errorf(praxis.EINVALID, "write something to comment")
	case utf8.RuneCountInString(body) > MaxCommentLength:
		return nil, praxis.Errorf(praxis.EINVALID, "the comment is longer than %d characters", MaxCommentLength)
	case line < 0 || (line > 0 && path == ""):
		return nil, praxis.Errorf(praxis.EINVALID, "a comment on a line needs the file's path and a line number from 1")
	}
	p, err := s.db.FindProposal(ctx, id)
	if err != nil {
		return nil, err
	}
	head, err := s.store.Branch(ctx, p.Branch)
	if err != nil {
		return nil, err
	}
	if path != "" {
		if _, err := gitstore.CleanPath(path); err != nil {
			return nil, err
		}
		files, err := s.Diff(ctx, p.Base, head, "")
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(files, func(f FileDiff) bool { return f.Path == path }) {
			return nil, praxis.Errorf(praxis.EINVALID, "the proposal does not change %s", path)
		}
	}
	c := &praxis.Comment{ProposalID: id, AuthorID: user.ID, Author: user.Name, Body: body, Path: path, Line: line, Head: head, CreatedAt: s.now().UTC()}
	c.ID, err = s.db.AddComment(ctx, c, praxis.Activity{At: s.now(), ActorID: user.ID, Kind: praxis.ActivityComment, ProposalID: id, Module: firstModule(p), Title: p.Title})
	return c, err
}

func firstModule(p *praxis.Proposal) string {
	if len(p.Modules) == 0 {
		return ""
	}
	return p.Modules[0]
}

// ChangedError is ECONFLICT: the proposal has a newer version than the one
// the person looked at, so what they decided was not recorded.
type ChangedError struct {
	// Head is the proposal's version now.
	Head    string
	Message string
}

func (e *ChangedError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error.
func (e *ChangedError) Unwrap() error {
	return &praxis.Error{Code: praxis.ECONFLICT, Message: e.Message}
}

// StaleHead returns the proposal's version now, for the API's error body.
func (e *ChangedError) StaleHead() string { return e.Head }

// Review records a maintainer's verdict on the version of the proposal they
// saw: head, which must still be the proposal's head (a ChangedError, which
// records nothing, when the author has pushed since); "" means whatever the
// head is now. Nobody approves their own proposal.
func (s *Service) Review(ctx context.Context, user *praxis.User, id int64, verdict, body, head string) (*praxis.Review, error) {
	if err := access.Authorize(user, access.ReviewProposal); err != nil {
		return nil, err
	}
	if verdict != praxis.VerdictApprove && verdict != praxis.VerdictRequestChanges && verdict != praxis.VerdictComment {
		return nil, praxis.Errorf(praxis.EINVALID, "a verdict is approve, request_changes or comment")
	}
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if utf8.RuneCountInString(body) > MaxCommentLength {
		return nil, praxis.Errorf(praxis.EINVALID, "the review is longer than %d characters", MaxCommentLength)
	}
	if verdict == praxis.VerdictRequestChanges && body == "" {
		return nil, praxis.Errorf(praxis.EINVALID, "say what should change")
	}
	p, err := s.db.FindProposal(ctx, id)
	if err != nil {
		return nil, err
	}
	if p, err = s.settle(ctx, p); err != nil {
		return nil, err
	}
	if p.Status != praxis.ProposalOpen {
		return nil, praxis.Errorf(praxis.ECONFLICT, "the proposal is %s", p.Status)
	}
	if verdict == praxis.VerdictApprove && p.AuthorID == user.ID {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "you cannot approve your own proposal: another maintainer reviews it")
	}
	current, err := s.store.Branch(ctx, p.Branch)
	if err != nil {
		return nil, err
	}
	if head != "" && head != current {
		return nil, &ChangedError{Head: current, Message: fmt.Sprintf("the proposal changed since you loaded it: it is now at version %s, not %s. Your review was not recorded; look at the new changes and review again", praxis.ShortID(current), praxis.ShortID(head))}
	}
	r := &praxis.Review{ProposalID: id, ReviewerID: user.ID, Reviewer: user.Name, Verdict: verdict, Body: body, Head: current, CreatedAt: s.now().UTC()}
	r.ID, err = s.db.AddReview(ctx, r, praxis.Activity{At: s.now(), ActorID: user.ID, Kind: praxis.ActivityReview, ProposalID: id, Module: firstModule(p), Title: p.Title, Detail: verdict})
	return r, err
}

// SetStatus closes or reopens a proposal: its author, or a maintainer.
func (s *Service) SetStatus(ctx context.Context, user *praxis.User, id int64, status string) (*praxis.Proposal, error) {
	if err := access.Authorize(user, access.ProposeChange); err != nil {
		return nil, err
	}
	p, err := s.db.FindProposal(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.AuthorID != user.ID && !access.Can(user, access.ModerateReview) {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "only the author or a maintainer can close or reopen a proposal")
	}
	var from, kind string
	switch status {
	case praxis.ProposalClosed:
		from, kind = praxis.ProposalOpen, praxis.ActivityProposalClosed
	case praxis.ProposalOpen:
		from, kind = praxis.ProposalClosed, praxis.ActivityProposalReopen
	default:
		return nil, praxis.Errorf(praxis.EINVALID, "a proposal can be closed or reopened")
	}
	if p, err = s.settle(ctx, p); err != nil {
		return nil, err
	}
	if p.Status == praxis.ProposalMerged {
		return nil, praxis.Errorf(praxis.ECONFLICT, "the proposal is merged already")
	}
	if status == praxis.ProposalOpen && p.Status == praxis.ProposalClosed {
		// A proposal closed because its branch was gone comes back at the
		// version praxis last recorded.
		if _, err := s.store.Branch(ctx, p.Branch); praxis.ErrorCode(err) == praxis.ENOTFOUND {
			if p.Head == "" {
				return nil, praxis.Errorf(praxis.EINVALID, "the proposal's branch is gone and praxis has no version of it to bring back")
			}
			if err := s.store.CreateBranch(ctx, p.Branch, p.Head); err != nil {
				if praxis.ErrorCode(err) == praxis.ENOTFOUND {
					// A prune reclaimed the files of the deleted branch.
					return nil, praxis.Errorf(praxis.EINVALID, "the proposal's branch was deleted and its files have been reclaimed since; it cannot be reopened, but its discussion stays")
				}
				return nil, err
			}
		}
	}
	if err := s.db.SetProposalStatus(ctx, id, from, status, user.ID, "", praxis.Activity{At: s.now(), ActorID: user.ID, Kind: kind, ProposalID: id, Module: firstModule(p), Title: p.Title}); err != nil {
		return nil, err
	}
	return s.db.FindProposal(ctx, id)
}

// Activity returns recent events: proposals, reviews, merges, forks.
func (s *Service) Activity(ctx context.Context, f praxis.ActivityFilter) ([]praxis.Activity, error) {
	return s.db.ListActivity(ctx, f)
}
