package catalog

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Listing is the whole curriculum at one commit: every module that could be read,
// every one that could not, and the series.
type Listing struct {
	// Commit is the id of the commit listed.
	Commit string
	// Modules holds every module whose plan could be parsed, sorted by series,
	// order, then title; modules with lint problems are included and say so.
	Modules []Entry
	// Broken holds modules whose plan could not be parsed at all.
	Broken []Broken
	// Series holds every series, sorted by title.
	Series []SeriesEntry

	bySlug map[string]int
}

// Entry is one module in a listing.
type Entry struct {
	praxis.Module
	Problems []praxis.Problem
	// SeriesTitle is the title of the module's series, when the series exists.
	SeriesTitle string
}

// Broken is a module whose plan cannot be read, with what is wrong.
type Broken struct {
	Slug     string
	Problems []praxis.Problem
}

// SeriesEntry is a series and its modules in order.
type SeriesEntry struct {
	praxis.Series
	// Modules are the series' modules that exist, in the series' order.
	Modules []praxis.Module
	// Minutes is the total duration of those modules.
	Minutes  int
	Problems []praxis.Problem
}

// Module returns the listed module with the given slug.
func (l *Listing) Module(slug string) (Entry, bool) {
	i, ok := l.bySlug[slug]
	if !ok {
		return Entry{}, false
	}
	return l.Modules[i], true
}

// Has reports whether the listing holds a module folder with the given slug,
// whether or not its plan could be read.
func (l *Listing) Has(slug string) bool {
	if _, ok := l.bySlug[slug]; ok {
		return true
	}
	for _, b := range l.Broken {
		if b.Slug == slug {
			return true
		}
	}
	return false
}

// FindSeries returns the series with the given slug.
func (l *Listing) FindSeries(slug string) (SeriesEntry, bool) {
	for _, s := range l.Series {
		if s.Slug == slug {
			return s, true
		}
	}
	return SeriesEntry{}, false
}

// Tags returns every tag used by a listed module, sorted.
func (l *Listing) Tags() []string {
	seen := map[string]bool{}
	for _, m := range l.Modules {
		for _, t := range m.Tags {
			seen[t] = true
		}
	}
	tags := make([]string, 0, len(seen))
	for t := range seen {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return tags
}

// Listing reads the whole curriculum at a revision. Listings are cached by
// commit id, and the modules in them by folder id, so listing main after a
// one-module change re-reads only that module.
func (c *Catalog) Listing(ctx context.Context, rev string) (*Listing, error) {
	id, err := c.Resolve(ctx, rev)
	if err != nil {
		return nil, err
	}
	if l, ok := c.listings.Get(id); ok {
		return l, nil
	}
	snap, err := c.store.Snapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	slugs, err := moduleSlugs(snap)
	if err != nil {
		return nil, err
	}
	l := &Listing{Commit: id, bySlug: map[string]int{}}
	docs := map[string]*module.Document{}
	for _, slug := range slugs {
		cm, err := c.checkModule(snap, slug)
		if err != nil {
			return nil, err
		}
		if cm.Doc == nil {
			l.Broken = append(l.Broken, Broken{Slug: slug, Problems: cm.Problems})
			continue
		}
		docs[slug] = cm.Doc
		l.Modules = append(l.Modules, Entry{Module: cm.Doc.Module, Problems: cm.Problems})
	}
	sort.SliceStable(l.Modules, func(i, j int) bool {
		a, b := l.Modules[i], l.Modules[j]
		if (a.Series == "") != (b.Series == "") {
			return a.Series != ""
		}
		if a.Series != b.Series {
			return a.Series < b.Series
		}
		if a.Order != b.Order {
			return a.Order < b.Order
		}
		return strings.ToLower(a.Title) < strings.ToLower(b.Title)
	})
	for i, m := range l.Modules {
		l.bySlug[m.Slug] = i
	}

	seriesSlugs, err := seriesSlugs(snap)
	if err != nil {
		return nil, err
	}
	var seriesDocs []*module.SeriesDocument
	for _, slug := range seriesSlugs {
		sf, err := c.readSeries(snap, slug)
		if err != nil {
			return nil, err
		}
		if sf.Doc == nil {
			continue
		}
		seriesDocs = append(seriesDocs, sf.Doc)
		entry := SeriesEntry{Series: sf.Doc.Series, Problems: slices.Clone(sf.Problems)}
		for _, slug := range sf.Doc.Series.Modules {
			if m, ok := l.Module(slug); ok {
				entry.Modules = append(entry.Modules, m.Module)
				entry.Minutes += m.Duration
			}
		}
		l.Series = append(l.Series, entry)
	}
	// Cross-checks between series files and modules belong to the series page.
	for _, p := range module.CheckSeries(seriesDocs, docs) {
		for i := range l.Series {
			if p.Path == module.SeriesPath(l.Series[i].Slug) {
				l.Series[i].Problems = append(l.Series[i].Problems, p)
			}
		}
	}
	sort.SliceStable(l.Series, func(i, j int) bool { return l.Series[i].Title < l.Series[j].Title })
	titles := map[string]string{}
	for _, s := range l.Series {
		titles[s.Slug] = s.Title
	}
	for i := range l.Modules {
		l.Modules[i].SeriesTitle = titles[l.Modules[i].Series]
	}
	c.listings.Add(id, l)
	return l, nil
}

// Filter narrows a listing. Zero fields do not filter.
type Filter struct {
	Series      string
	Tag         string
	Format      string
	MinDuration int
	MaxDuration int
}

// Filter returns the listed modules that match every set field of f.
func (l *Listing) Filter(f Filter) []Entry {
	var out []Entry
	for _, m := range l.Modules {
		switch {
		case f.Series != "" && m.Series != f.Series:
		case f.Tag != "" && !m.HasTag(f.Tag):
		case f.Format != "" && !m.HasFormat(f.Format):
		case f.MinDuration > 0 && m.Duration < f.MinDuration:
		case f.MaxDuration > 0 && m.Duration > f.MaxDuration:
		default:
			out = append(out, m)
		}
	}
	return out
}
