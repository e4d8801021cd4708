package review

import (
	"context"
	"fmt"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// ForkBranch is the branch of a person's fork of a module.
func ForkBranch(userID int64, slug string) string { return fmt.Sprintf("forks/%d/%s", userID, slug) }

// CreateFork makes the person's own copy of a module: a branch at main's head.
// ECONFLICT when they have one already (the error names it).
func (s *Service) CreateFork(ctx context.Context, user *praxis.User, slug string) (*praxis.Fork, string, error) {
	if err := access.Authorize(user, access.ForkModule); err != nil {
		return nil, "", err
	}
	if existing, err := s.ForkOf(ctx, user.ID, slug); err == nil {
		return existing, "", &ExistsError{ForkID: existing.ID}
	}
	view, err := s.catalog.Module(ctx, slug, "")
	if err != nil {
		return nil, "", err
	}
	main := view.Commit.ID
	fork := &praxis.Fork{UserID: user.ID, Module: slug, Branch: ForkBranch(user.ID, slug), CreatedAt: s.now().UTC()}
	if err := s.store.CreateBranch(ctx, fork.Branch, main); err != nil {
		return nil, "", err
	}
	if fork.ID, err = s.db.CreateFork(ctx, fork); err != nil {
		_ = s.store.DeleteBranch(ctx, fork.Branch, main) // undo: the branch is useless without its record
		return nil, "", err
	}
	_ = s.db.AddActivity(ctx, praxis.Activity{At: s.now(), ActorID: user.ID, Kind: praxis.ActivityFork, Module: slug, Title: view.Module.Title})
	return fork, main, nil
}

// ExistsError is ECONFLICT: the person already has a fork of this module.
type ExistsError struct{ ForkID int64 }

func (e *ExistsError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error.
func (e *ExistsError) Unwrap() error {
	return praxis.Errorf(praxis.ECONFLICT, "you already have your own copy of this module (fork %d)", e.ForkID)
}

// ForkView is a fork with where its branch stands against main.
type ForkView struct {
	*praxis.Fork
	Owner  string
	Head   string
	Ahead  int
	Behind int
}

// Fork returns a fork and how far it is ahead of and behind main.
func (s *Service) Fork(ctx context.Context, id int64) (*ForkView, error) {
	fork, err := s.db.FindFork(ctx, id)
	if err != nil {
		return nil, err
	}
	head, err := s.store.Branch(ctx, fork.Branch)
	if err != nil {
		return nil, err
	}
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return nil, err
	}
	cmp, err := s.store.Compare(ctx, main, head)
	if err != nil {
		return nil, err
	}
	view := &ForkView{Fork: fork, Head: head, Ahead: cmp.Ahead, Behind: cmp.Behind}
	if owner, err := s.db.FindUser(ctx, fork.UserID); err == nil {
		view.Owner = owner.Name
	}
	return view, nil
}

// ForkInfo tells a fork's module, owner and head commit.
func (s *Service) ForkInfo(ctx context.Context, id int64) (module string, owner int64, head string, err error) {
	fork, err := s.db.FindFork(ctx, id)
	if err != nil {
		return "", 0, "", err
	}
	head, err = s.store.Branch(ctx, fork.Branch)
	if err != nil {
		return "", 0, "", err
	}
	return fork.Module, fork.UserID, head, nil
}

// Forks lists a person's forks.
func (s *Service) Forks(ctx context.Context, userID int64) ([]*praxis.Fork, error) {
	return s.db.ListForks(ctx, userID)
}

// ownFork returns a fork that user may change: their own.
func (s *Service) ownFork(ctx context.Context, user *praxis.User, id int64) (*praxis.Fork, error) {
	if err := access.Authorize(user, access.ForkModule); err != nil {
		return nil, err
	}
	fork, err := s.db.FindFork(ctx, id)
	if err != nil {
		return nil, err
	}
	if fork.UserID != user.ID {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "this copy belongs to someone else; adapt the module to make your own")
	}
	return fork, nil
}

// EditFork saves edits to a fork by compare-and-swap against base.
func (s *Service) EditFork(ctx context.Context, user *praxis.User, id int64, base string, edits []Edit, message string) (string, error) {
	fork, err := s.ownFork(ctx, user, id)
	if err != nil {
		return "", err
	}
	if err := s.allowWrite(ctx, user, edits); err != nil {
		return "", err
	}
	return s.writeModule(ctx, fork.Branch, fork.Module, base, edits, user, message)
}

// ForkFile reads a file of a fork's module at its head ("module.md" or
// "handouts/x").
func (s *Service) ForkFile(ctx context.Context, id int64, p string) ([]byte, string, error) {
	fork, err := s.db.FindFork(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return s.branchFile(ctx, fork.Branch, fork.Module, p)
}

func (s *Service) branchFile(ctx context.Context, branch, slug, p string) ([]byte, string, error) {
	head, err := s.store.Branch(ctx, branch)
	if err != nil {
		return nil, "", err
	}
	snap, err := s.store.Snapshot(ctx, head)
	if err != nil {
		return nil, "", err
	}
	data, err := snap.ReadFile(module.Dir(slug) + "/" + p)
	if err != nil {
		return nil, head, praxis.Errorf(praxis.ENOTFOUND, "there is no file %s in this module", p)
	}
	return data, head, nil
}
