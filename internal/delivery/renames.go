package delivery

import (
	"context"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// withAliases adds to a filter on modules the names those modules had before
// their folders were moved on main, so deliveries logged under an old name
// are listed and counted under the module's name now.
func (s *Service) withAliases(ctx context.Context, f *praxis.DeliveryFilter) error {
	if s.history == nil || (f.Module == "" && len(f.Modules) == 0) {
		return nil
	}
	renames, err := s.history.Renames(ctx)
	if err != nil || !renames.Any() {
		return err
	}
	f.Aliases, f.Moved = nil, nil
	for _, slug := range append([]string{f.Module}, f.Modules...) {
		if slug == "" {
			continue
		}
		for _, a := range renames.Aliases(slug) {
			f.Aliases = append(f.Aliases, praxis.ModuleAlias{Of: slug, Slug: a.Slug, Before: a.Before})
		}
		if seq, ok := renames.MovedAway(slug); ok {
			f.Moved = append(f.Moved, praxis.ModuleAlias{Of: slug, Slug: slug, Before: seq})
		}
	}
	return nil
}

// CurrentModule returns the module a delivery counts under on main now: the
// module it was logged against, under the name it has had since its folder
// moved, if it did.
func (s *Service) CurrentModule(ctx context.Context, d *praxis.Delivery) (string, error) {
	if s.history == nil {
		return d.Module, nil
	}
	renames, err := s.history.Renames(ctx)
	if err != nil || !renames.Any() {
		return d.Module, err
	}
	seq, err := s.history.Seq(ctx, d.Version)
	if err != nil {
		return d.Module, err
	}
	return renames.Current(d.Module, seq), nil
}

// Totals counts the deliveries matching f that user may see (as List).
func (s *Service) Totals(ctx context.Context, user *praxis.User, f praxis.DeliveryFilter, all bool) (deliveries, participants, firstTime int64, err error) {
	if err := s.scope(ctx, user, &f, all); err != nil {
		return 0, 0, 0, err
	}
	return s.db.DeliveryTotals(ctx, f)
}
