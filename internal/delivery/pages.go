package delivery

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Row is a delivery as lists and its own page show it.
type Row struct {
	*praxis.Delivery
	// Module is the module on main the delivery counts under now: the one it
	// was logged against, under its new name if its folder moved since.
	Module      string
	ModuleTitle string
	// Changed says the module changed on main after the version delivered.
	Changed bool
}

// Rows adds to deliveries their modules' titles and names now, and whether
// each module changed on main after the version delivered.
func (s *Service) Rows(ctx context.Context, list []*praxis.Delivery) ([]Row, error) {
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return nil, err
	}
	lastChange, versionDates := map[string]time.Time{}, map[string]time.Time{}
	rows := make([]Row, len(list))
	for i, d := range list {
		// A module moved since is shown and followed under its name now.
		slug, err := s.CurrentModule(ctx, d)
		if err != nil {
			return nil, err
		}
		rows[i] = Row{Delivery: d, ModuleTitle: d.Module, Module: slug}
		if m, ok := listing.Module(slug); ok {
			rows[i].ModuleTitle = m.Title
		}
		changed, ok := lastChange[slug]
		if !ok {
			entries, _, err := s.history.ModuleHistory(ctx, slug, listing.Commit, 1, "")
			if err == nil && len(entries) > 0 {
				changed = entries[0].Committer.When
			}
			lastChange[slug] = changed
		}
		when, ok := versionDates[d.Version]
		if !ok { // a page of deliveries shares a few versions: read each once
			if version, err := s.catalog.Commit(ctx, d.Version); err == nil {
				when = version.Committer.When
			}
			versionDates[d.Version] = when
		}
		rows[i].Changed = !when.IsZero() && changed.After(when)
	}
	return rows, nil
}

// Page is one page of a list of deliveries, with the totals of every
// delivery the filter matches.
type Page struct {
	Rows                           []Row
	Total, Participants, FirstTime int64
}

// Page lists a page of the deliveries matching f (f.Limit and f.Offset say
// which) that user may see, as List does, with their rows and the totals of
// all of them.
func (s *Service) Page(ctx context.Context, user *praxis.User, f praxis.DeliveryFilter, all bool) (*Page, error) {
	list, total, err := s.List(ctx, user, f, all)
	if err != nil {
		return nil, err
	}
	page := &Page{Total: total}
	if page.Rows, err = s.Rows(ctx, list); err != nil {
		return nil, err
	}
	f.Limit, f.Offset = 0, 0
	if _, page.Participants, page.FirstTime, err = s.Totals(ctx, user, f, all); err != nil {
		return nil, err
	}
	return page, nil
}

// Detail is a delivery as its own page shows it.
type Detail struct {
	Row
	// CanEdit says whether the person asking may change the record.
	CanEdit bool
	// Release is the release the version delivered first appeared in, ""
	// when none has it.
	Release  string
	Feedback []praxis.Feedback
}

// Detail returns a delivery that user may see, for its page.
func (s *Service) Detail(ctx context.Context, user *praxis.User, id int64) (*Detail, error) {
	d, err := s.Find(ctx, user, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.Rows(ctx, []*praxis.Delivery{d})
	if err != nil {
		return nil, err
	}
	out := &Detail{Row: rows[0], CanEdit: canEdit(user, d)}
	if release, err := s.releases.FirstRelease(ctx, d.Version); err == nil {
		out.Release = release
	}
	if out.Feedback, err = s.db.ListFeedback(ctx, id); err != nil {
		return nil, err
	}
	return out, nil
}

// Person is a member of the network as a delivery form offers them for a
// co-facilitator: an id and a name, never an email address.
type Person struct {
	ID   int64
	Name string
}

// CoFacilitatorChoices are the co-facilitators a delivery form offers as
// boxes to tick: those on the record being changed (edit; nil for a new
// one) under the names recorded there, then each of ticked that is a member
// of the network (a crafted form learns no name it could not find in the
// directory), each once, in that order.
func (s *Service) CoFacilitatorChoices(ctx context.Context, user *praxis.User, edit *praxis.Delivery, ticked []int64) ([]Person, error) {
	if err := access.Authorize(user, access.LogDelivery); err != nil {
		return nil, err
	}
	var out []Person
	if edit != nil {
		for i, id := range edit.CoFacilitators {
			out = append(out, Person{ID: id, Name: edit.CoFacilitatorNames[i]})
		}
	}
	var unknown []int64
	for _, id := range ticked {
		if id > 0 && !slices.ContainsFunc(out, func(p Person) bool { return p.ID == id }) && !slices.Contains(unknown, id) {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return out, nil
	}
	members, err := s.db.UsersExist(ctx, unknown)
	if err != nil {
		return nil, err
	}
	names, err := s.db.UserNames(ctx, unknown)
	if err != nil {
		return nil, err
	}
	for _, id := range unknown {
		if members[id] {
			out = append(out, Person{ID: id, Name: names[id]})
		}
	}
	return out, nil
}

// DownloadRow is one module's downloads by format beside its deliveries.
type DownloadRow struct {
	Slug, Title string
	Deliveries  int
	ByFormat    map[string]int
	Total       int
}

// DownloadCounts sums the downloads of each module and format between two
// days (YYYY-MM-DD, inclusive, each optional), of one module or all.
// Coordinators only.
func (s *Service) DownloadCounts(ctx context.Context, user *praxis.User, from, to, module string) ([]praxis.DownloadCount, error) {
	if err := access.Authorize(user, access.ViewStats); err != nil {
		return nil, err
	}
	if err := CheckRange(&from, &to); err != nil {
		return nil, err
	}
	counts, err := s.db.DownloadCounts(ctx, from, to, module)
	if counts == nil && err == nil {
		counts = []praxis.DownloadCount{}
	}
	return counts, err
}

// Downloads sets each module's downloads, by format, beside its deliveries
// in a report: most downloaded first. Bundles of a series or of the whole
// curriculum are not one module's and are left out. Coordinators only.
func (s *Service) Downloads(ctx context.Context, user *praxis.User, report *Report) ([]DownloadRow, error) {
	f := report.Filter
	counts, err := s.DownloadCounts(ctx, user, f.From, f.To, f.Module)
	if err != nil {
		return nil, err
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return nil, err
	}
	rows := map[string]*DownloadRow{}
	row := func(slug string) *DownloadRow {
		if r, ok := rows[slug]; ok {
			return r
		}
		r := &DownloadRow{Slug: slug, Title: moduleTitle(listing, slug), ByFormat: map[string]int{}}
		rows[slug] = r
		return r
	}
	for _, dc := range counts {
		if strings.Contains(dc.Module, ":") || dc.Module == "curriculum" {
			continue
		}
		r := row(dc.Module)
		r.ByFormat[dc.Format] += dc.Count
		r.Total += dc.Count
	}
	if t := report.Table("module"); t != nil {
		for _, g := range t.Groups {
			row(g.Key).Deliveries = g.Deliveries
		}
	}
	out := make([]DownloadRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b DownloadRow) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(b.Deliveries, a.Deliveries), strings.Compare(a.Title, b.Title))
	})
	return out, nil
}
