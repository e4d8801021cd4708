package review

import (
	"context"
	"strings"

	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// formerNames returns the names the module at slug had before its folder was
// moved on main, leaving out any a module on main holds now (its forks and
// proposals are that module's).
func (s *Service) formerNames(ctx context.Context, slug string) ([]string, error) {
	if s.history == nil {
		return nil, nil
	}
	renames, err := s.history.Renames(ctx)
	if err != nil || !renames.Any() {
		return nil, err
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, a := range renames.Aliases(slug) {
		if !listing.Has(a.Slug) {
			names = append(names, a.Slug)
		}
	}
	return names, nil
}

// movedTo returns where the module once at slug is on main now, when its
// folder was moved (and no module took the name since).
func (s *Service) movedTo(ctx context.Context, slug string) (string, bool, error) {
	if s.history == nil {
		return "", false, nil
	}
	renames, err := s.history.Renames(ctx)
	if err != nil {
		return "", false, err
	}
	to, moved := renames.MovedTo(slug)
	if !moved {
		return "", false, nil
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return "", false, err
	}
	if listing.Has(slug) || !listing.Has(to) {
		return "", false, nil
	}
	return to, true, nil
}

// followMovedFork records that a fork's module folder moved, when bringing
// main into the fork's branch moved it there too.
func (s *Service) followMovedFork(ctx context.Context, branch string, moved []praxis.ModuleRename) error {
	if len(moved) == 0 {
		return nil
	}
	fork, err := s.db.FindForkByBranch(ctx, branch)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	for _, r := range moved {
		if r.From == fork.Module {
			return s.db.SetForkModule(ctx, fork.ID, r.To)
		}
	}
	return nil
}

// movedNames returns slugs with each moved folder under its new name.
func movedNames(slugs []string, moved []praxis.ModuleRename) []string {
	out := make([]string, len(slugs))
	for i, slug := range slugs {
		out[i] = slug
		for _, r := range moved {
			if r.From == slug {
				out[i] = r.To
			}
		}
	}
	return out
}

// ForkOf returns a person's fork of a module, if they have one: also a fork
// made under the module's earlier name.
func (s *Service) ForkOf(ctx context.Context, userID int64, slug string) (*praxis.Fork, error) {
	fork, err := s.db.FindForkOf(ctx, userID, slug)
	if praxis.ErrorCode(err) != praxis.ENOTFOUND {
		return fork, err
	}
	names, nerr := s.formerNames(ctx, slug)
	if nerr != nil {
		return nil, nerr
	}
	for _, name := range names {
		if fork, ferr := s.db.FindForkOf(ctx, userID, name); ferr == nil {
			return fork, nil
		}
	}
	return nil, err
}

// pathBeforeMoves returns where a path of a merge of main into a branch (head)
// is in the branch: under a module folder's old name when main moved it.
func (s *Service) pathBeforeMoves(ctx context.Context, head, main, p string) (string, error) {
	moved, err := s.store.ModuleRenames(ctx, head, main)
	if err != nil {
		return "", err
	}
	for _, m := range moved {
		if rest, ok := strings.CutPrefix(p, module.Dir(m.To)+"/"); ok {
			return module.Dir(m.From) + "/" + rest, nil
		}
	}
	return p, nil
}
