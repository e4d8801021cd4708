package review

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// RefUpdate is one ref a push changed: its full name and the commits before
// and after (praxis.ZeroID for none).
type RefUpdate struct {
	Ref, Old, New string
}

// Pushed handles a push by user, after git has accepted it: each of their
// proposal branches it changed opens, updates or closes its proposal
// (ProposalFromPush), and then any branch of theirs still without a proposal
// gets one, so that a push whose handling was lost is
// proposed at the person's next push, even one that changes nothing. Refs
// outside their namespace are ignored (git's hook refused them). It returns
// the proposals opened or changed, and what failed, branch by branch.
func (s *Service) Pushed(ctx context.Context, user *praxis.User, updates []RefUpdate) ([]*praxis.Proposal, error) {
	lock := s.pushLock(user.ID)
	lock.Lock()
	defer lock.Unlock()
	prefix := fmt.Sprintf("refs/heads/proposals/%d/", user.ID)
	var out []*praxis.Proposal
	var errs []error
	for _, up := range updates {
		if !strings.HasPrefix(up.Ref, prefix) {
			continue
		}
		branch := strings.TrimPrefix(up.Ref, "refs/heads/")
		p, err := s.ProposalFromPush(ctx, user, branch, up.Old, up.New)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", up.Ref, err))
		} else if p != nil {
			out = append(out, p)
		}
	}
	var done Reconciled
	if err := s.adoptBranches(ctx, fmt.Sprintf("proposals/%d/", user.ID), &done); err != nil {
		errs = append(errs, err)
	}
	for _, id := range done.Opened {
		if p, err := s.db.FindProposal(ctx, id); err == nil {
			out = append(out, p)
		}
	}
	return out, errors.Join(errs...)
}

// ProposalFromPush turns a pushed branch (proposals/<user id>/<topic>) into a
// proposal, or updates the one already on that branch: its head moves, its
// modules are found again, and the push is recorded (as a force-push when the
// old head is not in the new history). A new proposal takes its title and
// description from the first commit's message. A deleted branch closes its
// proposal. It returns the proposal, or nil when the branch has no changes
// yet (a branch at main).
func (s *Service) ProposalFromPush(ctx context.Context, user *praxis.User, branch, old, head string) (*praxis.Proposal, error) {
	existing, err := s.openProposalOn(ctx, branch)
	if err != nil {
		return nil, err
	}
	if head == praxis.ZeroID {
		if existing == nil {
			return nil, nil
		}
		return s.SetStatus(ctx, user, existing.ID, praxis.ProposalClosed)
	}
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		detail := "pushed"
		if old != praxis.ZeroID {
			if cmp, err := s.store.Compare(ctx, old, head); err == nil && cmp.Behind > 0 {
				detail = "force-pushed"
			}
		}
		event := praxis.Activity{At: s.now(), ActorID: user.ID, Kind: praxis.ActivityProposalUpdated, ProposalID: existing.ID,
			Module: firstModule(existing), Title: existing.Title, Detail: detail}
		if err := s.refresh(ctx, existing.ID, head, event); err != nil {
			return nil, err
		}
		return s.db.FindProposal(ctx, existing.ID)
	}
	commits, err := s.store.Log(ctx, head, main, 10_000)
	if err != nil {
		return nil, err
	}
	if len(commits) == 0 {
		return nil, nil
	}
	first := commits[len(commits)-1] // Log is newest first
	title, description, _ := strings.Cut(strings.TrimSpace(first.Message), "\n")
	title, description, err = cleanProposalText(title, description)
	if err != nil {
		title, description = "Changes pushed to "+branch, strings.TrimSpace(first.Message)
		if title, description, err = cleanProposalText(title, description); err != nil {
			return nil, err
		}
	}
	return s.openFromBranch(ctx, user, branch, main, head, title, description)
}

// UpstreamProposal opens (or updates) the proposal that brings a fetched
// upstream branch into main, titled for its source and listing its commits.
// It returns nil when the branch has nothing main lacks.
func (s *Service) UpstreamProposal(ctx context.Context, user *praxis.User, branch, source string) (*praxis.Proposal, error) {
	head, err := s.store.Branch(ctx, branch)
	if err != nil {
		return nil, err
	}
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return nil, err
	}
	commits, err := s.store.Log(ctx, head, main, 200)
	if err != nil {
		return nil, err
	}
	if len(commits) == 0 {
		return nil, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Changes from %s not yet in this curriculum:\n\n", source)
	for _, c := range commits {
		subject, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
		fmt.Fprintf(&b, "- %s (%s, %s)\n", subject, praxis.ShortID(c.ID), c.Author.Name)
	}
	title, description, err := cleanProposalText("Changes from "+source, b.String())
	if err != nil {
		return nil, err
	}
	existing, err := s.openProposalOn(ctx, branch)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		event := praxis.Activity{At: s.now(), ActorID: user.ID, Kind: praxis.ActivityProposalUpdated, ProposalID: existing.ID,
			Module: firstModule(existing), Title: existing.Title, Detail: "synced from " + source}
		if err := s.db.UpdateProposal(ctx, existing.ID, praxis.ProposalUpdate{Description: &description}); err != nil {
			return nil, err
		}
		if err := s.refresh(ctx, existing.ID, head, event); err != nil {
			return nil, err
		}
		return s.db.FindProposal(ctx, existing.ID)
	}
	return s.openFromBranch(ctx, user, branch, main, head, title, description)
}

// openProposalOn returns the open proposal on a branch, or nil. A merged or
// closed proposal gives the branch up (its record keeps the branch renamed
// and its last head), so that new work pushed there opens a new proposal.
func (s *Service) openProposalOn(ctx context.Context, branch string) (*praxis.Proposal, error) {
	p, err := s.db.FindProposalByBranch(ctx, branch)
	switch {
	case praxis.ErrorCode(err) == praxis.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	case p.Status == praxis.ProposalOpen:
		return p, nil
	}
	if err := s.db.SetProposalBranch(ctx, p.ID, fmt.Sprintf("%s-was-%d", branch, p.ID)); err != nil {
		return nil, err
	}
	return nil, nil
}

// openFromBranch opens a proposal from a branch's commits beyond main.
func (s *Service) openFromBranch(ctx context.Context, user *praxis.User, branch, main, head, title, description string) (*praxis.Proposal, error) {
	cmp, err := s.store.Compare(ctx, main, head)
	if err != nil {
		return nil, err
	}
	modules, err := s.touchedModules(ctx, main, head)
	if err != nil {
		return nil, err
	}
	p := &praxis.Proposal{AuthorID: user.ID, Title: title, Description: description, Base: cmp.Base, Head: head,
		Modules: modules, Branch: branch}
	if p.ID, err = s.db.CreateProposal(ctx, p); err != nil {
		return nil, err
	}
	return s.db.FindProposal(ctx, p.ID)
}
