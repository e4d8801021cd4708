package review

import (
	"context"

	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// AgendaChange is how one agenda item differs between two versions.
type AgendaChange struct {
	Title  string `json:"title"`
	Change string `json:"change"` // added, removed, retimed, unchanged
	// FromMinutes and ToMinutes are 0 when the item is absent on that side.
	FromMinutes int `json:"from_minutes"`
	ToMinutes   int `json:"to_minutes"`
}

// Comparison is how a module differs between two versions.
type Comparison struct {
	Slug     string
	From, To *catalog.ModuleView
	Files    []FileDiff
	Agenda   []AgendaChange
}

// CompareModule compares a module at two revisions: its files (source and word
// diffs) and its agenda. Either side may lack the module (it was added or
// removed), but not both.
func (s *Service) CompareModule(ctx context.Context, slug, from, to string) (*Comparison, error) {
	fromID, err := s.catalog.Resolve(ctx, from)
	if err != nil {
		return nil, err
	}
	toID, err := s.catalog.Resolve(ctx, to)
	if err != nil {
		return nil, err
	}
	cmp := &Comparison{Slug: slug}
	fromSlug, err := s.nameAt(ctx, slug, fromID)
	if err != nil {
		return nil, err
	}
	toSlug, err := s.nameAt(ctx, slug, toID)
	if err != nil {
		return nil, err
	}
	cmp.From, err = s.catalog.Module(ctx, fromSlug, fromID)
	if err != nil && praxis.ErrorCode(err) != praxis.ENOTFOUND {
		return nil, err
	}
	cmp.To, err = s.catalog.Module(ctx, toSlug, toID)
	if err != nil && praxis.ErrorCode(err) != praxis.ENOTFOUND {
		return nil, err
	}
	if cmp.From == nil && cmp.To == nil {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no module %q in either version", slug)
	}
	if cmp.Files, err = s.diffMoved(ctx, fromID, module.Dir(fromSlug), toID, module.Dir(toSlug)); err != nil {
		return nil, err
	}
	var before, after []praxis.AgendaItem
	if cmp.From != nil && cmp.From.Parsed {
		before = cmp.From.Module.Agenda
	}
	if cmp.To != nil && cmp.To.Parsed {
		after = cmp.To.Module.Agenda
	}
	cmp.Agenda = agendaChanges(before, after)
	return cmp, nil
}

// nameAt returns the name the module at slug on main had at a commit: slug
// itself when its folder is there, else the newest of its former names (its
// folder was moved since) that is.
func (s *Service) nameAt(ctx context.Context, slug, commit string) (string, error) {
	if s.history == nil {
		return slug, nil
	}
	listing, err := s.catalog.Listing(ctx, commit)
	if err != nil || listing.Has(slug) {
		return slug, err
	}
	main, err := s.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return "", err
	}
	names, err := s.history.FormerNames(ctx, slug, main)
	if err != nil {
		return "", err
	}
	for _, name := range names {
		if listing.Has(name) {
			return name, nil
		}
	}
	return slug, nil
}

// agendaChanges lines two agendas up by title (as sections match them) and says
// what happened to each item, in the new agenda's order with removed items
// after.
func agendaChanges(before, after []praxis.AgendaItem) []AgendaChange {
	old := map[string]praxis.AgendaItem{}
	for _, item := range before {
		old[module.SectionKey(item.Title)] = item
	}
	var out []AgendaChange
	matched := map[string]bool{}
	for _, item := range after {
		key := module.SectionKey(item.Title)
		prev, ok := old[key]
		switch {
		case !ok:
			out = append(out, AgendaChange{Title: item.Title, Change: "added", ToMinutes: item.Minutes})
		case prev.Minutes != item.Minutes:
			out = append(out, AgendaChange{Title: item.Title, Change: "retimed", FromMinutes: prev.Minutes, ToMinutes: item.Minutes})
		default:
			out = append(out, AgendaChange{Title: item.Title, Change: "unchanged", FromMinutes: prev.Minutes, ToMinutes: item.Minutes})
		}
		matched[key] = true
	}
	for _, item := range before {
		if !matched[module.SectionKey(item.Title)] {
			out = append(out, AgendaChange{Title: item.Title, Change: "removed", FromMinutes: item.Minutes})
		}
	}
	if out == nil {
		out = []AgendaChange{}
	}
	return out
}
