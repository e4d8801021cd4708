package review

import (
	"context"
	"fmt"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// CheckConflicts tries every open proposal against main as it is now (a dry
// merge, cached by the pair) and records what it finds. A proposal that
// merged cleanly at its last check and now conflicts at the same head gets
// a proposal.conflicting event, for its author: main moved under it. One
// never checked, or that conflicts at a new head of its own, is only
// recorded: its author made that version. It returns how many began to
// conflict. Slow work for the job queue, after each proposal is opened,
// updated, reopened or merged; a pair of head and main checked already is
// not checked again. Proposals still being opened (their branch not yet
// made) are named in an *OpeningError after the others are checked, so
// that the job runs again shortly.
func (s *Service) CheckConflicts(ctx context.Context) (int, error) {
	began, opening, err := s.checkConflicts(ctx)
	if err == nil && len(opening) > 0 {
		err = &OpeningError{IDs: opening}
	}
	return began, err
}

// OpeningError says some proposals were still being opened (their branch
// not yet made) when the others were checked: check again shortly.
type OpeningError struct{ IDs []int64 }

func (e *OpeningError) Error() string {
	return fmt.Sprintf("review: proposals %v are still being opened; check them again shortly", e.IDs)
}

// Again reports that the check should simply run again soon.
func (e *OpeningError) Again() bool { return true }

func (s *Service) checkConflicts(ctx context.Context) (int, []int64, error) {
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return 0, nil, err
	}
	began := 0
	var opening []int64
	for offset := 0; ; offset += 200 {
		open, _, err := s.db.ListProposals(ctx, praxis.ProposalFilter{Status: praxis.ProposalOpen, Limit: 200, Offset: offset})
		if err != nil {
			return began, nil, err
		}
		for _, p := range open {
			if isPlaceholder(p.Branch) {
				// Its event came before its branch: check it again once it
				// has one, so that a later change to main is judged
				// against a known first check.
				opening = append(opening, p.ID)
				continue
			}
			head, err := s.store.Branch(ctx, p.Branch)
			if err != nil {
				continue // reconciliation deals with a missing branch
			}
			before, checked, err := s.db.FindProposalConflict(ctx, p.ID)
			if err != nil {
				return began, nil, err
			}
			if checked && before.Head == head && before.Main == main {
				continue
			}
			merge, err := s.dryMerge(ctx, main, head, "main", "proposal")
			if err != nil {
				return began, nil, fmt.Errorf("review: check proposal %d against main: %w", p.ID, err)
			}
			now := db.ProposalConflict{Head: head, Main: main, Conflicting: len(merge.Conflicts) > 0}
			var event praxis.Activity
			if now.Conflicting && checked && !before.Conflicting && before.Head == head {
				event = praxis.Activity{At: s.now(), Kind: praxis.ActivityProposalConflict, ProposalID: p.ID, Module: firstModule(p),
					Title: p.Title, Ref: main, Detail: fmt.Sprintf("%d files", len(merge.Conflicts))}
			}
			var last *db.ProposalConflict
			if checked {
				last = &before
			}
			written, err := s.db.SetProposalConflict(ctx, p.ID, last, now, event)
			if err != nil {
				return began, nil, err
			}
			if written && event.Kind != "" {
				began++
			}
		}
		if len(open) < 200 {
			return began, opening, nil
		}
	}
}
