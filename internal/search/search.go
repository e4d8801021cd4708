// Package search finds workshops: full-text search over the modules on main
// (title, summary, objectives, tags, agenda, body and handouts) with English
// stemming and ranking, combined with filters on what the front matter says.
// The text lives in SQLite's FTS4 (compiled into the driver without build
// tags); the index follows main, module by module, by folder id.
package search

import (
	"cmp"
	"context"
	"errors"
	"html"
	"io/fs"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// indexFormat changes whenever what is indexed changes; an index of another
// format is rebuilt at start.
const indexFormat = "1"

// weights rank matches by column: a title match counts most.
var weights = []float64{10, 5, 3, 4, 3, 1, 0.5} // title, summary, objectives, tags, agenda, body, handouts

// Index is the search index of the curriculum's main branch. Safe for
// concurrent use.
type Index struct {
	db      *db.DB
	catalog *catalog.Catalog

	mu      sync.Mutex // one update at a time
	current string     // the commit indexed, once checked
}

// New returns the index over a database and the curriculum.
func New(database *db.DB, cat *catalog.Catalog) *Index {
	return &Index{db: database, catalog: cat}
}

// Update brings the index up to main: modules whose folder changed are
// indexed again, deleted ones removed; a missing index or one of an older
// format is rebuilt. It returns how many modules it indexed.
func (x *Index) Update(ctx context.Context) (int, error) {
	main, err := x.catalog.Main(ctx)
	if err != nil {
		return 0, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.current == main {
		return 0, nil
	}
	format, err := x.db.SearchState(ctx, "format")
	if err != nil {
		return 0, err
	}
	indexed, err := x.db.SearchState(ctx, "commit")
	if err != nil {
		return 0, err
	}
	if indexed == main && format == indexFormat {
		x.current = main
		return 0, nil
	}
	reset := format != indexFormat
	trees := map[string]string{}
	if !reset {
		if trees, err = x.db.SearchTrees(ctx); err != nil {
			return 0, err
		}
	}
	snap, err := x.catalog.Snapshot(ctx, main)
	if err != nil {
		return 0, err
	}
	listing, err := x.catalog.Listing(ctx, main)
	if err != nil {
		return 0, err
	}
	// Folder ids come from main's folders by name, never through a parsed
	// module: a module is indexed under the folder it is in.
	folders, err := snap.ReadDir(module.ModulesDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	folderIDs := map[string]string{}
	for _, f := range folders {
		if f.IsDir() {
			if folderIDs[f.Name()], err = snap.ID(module.Dir(f.Name())); err != nil {
				return 0, err
			}
		}
	}
	var docs []db.SearchDoc
	seen := map[string]bool{}
	for _, m := range listing.Modules {
		tree, ok := folderIDs[m.Slug]
		if !ok {
			continue
		}
		seen[m.Slug] = true
		if trees[m.Slug] == tree {
			continue
		}
		docs = append(docs, x.document(ctx, m.Module, tree, main))
	}
	var removed []string
	for slug := range trees {
		if !seen[slug] {
			removed = append(removed, slug)
		}
	}
	if err := x.db.UpdateSearch(ctx, reset, docs, removed, map[string]string{"commit": main, "format": indexFormat}); err != nil {
		return 0, err
	}
	x.current = main
	return len(docs), nil
}

// document gathers a module's text for the index.
func (x *Index) document(ctx context.Context, m praxis.Module, tree, commit string) db.SearchDoc {
	agenda := make([]string, len(m.Agenda))
	for i, item := range m.Agenda {
		agenda[i] = item.Title
	}
	d := db.SearchDoc{Slug: m.Slug, Tree: tree, Title: m.Title, Summary: m.Summary,
		Objectives: strings.Join(m.Objectives, "\n"), Tags: strings.Join(m.Tags, " "),
		Agenda: strings.Join(agenda, "\n"), Body: module.ReadableText(m.Body)}
	view, err := x.catalog.Module(ctx, m.Slug, commit)
	if err != nil {
		return d
	}
	var handouts []string
	for _, h := range view.Handouts {
		if !strings.HasSuffix(strings.ToLower(h.Name), ".md") || h.Size > 1<<20 {
			continue
		}
		if f, err := x.catalog.Handout(ctx, m.Slug, h.Name, commit); err == nil {
			handouts = append(handouts, module.ReadableText(string(f.Content)))
		}
	}
	d.Handouts = strings.Join(handouts, "\n\n")
	return d
}

// Filter narrows results by what modules' front matter says. Zero fields
// do not filter.
type Filter struct {
	Series      string
	Tags        []string // every one of these
	Format      string
	MinDuration int
	MaxDuration int
	// GroupSize keeps modules designed for a group of this many.
	GroupSize int
	Audience  string
	Language  string
}

// Result is one module found.
type Result struct {
	Module  praxis.Module `json:"-"`
	Slug    string        `json:"slug"`
	Title   string        `json:"title"`
	Summary string        `json:"summary"`
	// Snippet is HTML: text around the matches, escaped, with each match in
	// <mark>. Empty for a browse.
	Snippet string  `json:"snippet"`
	Score   float64 `json:"score"`
}

// Results are a page of results and how many there are in all.
type Results struct {
	Query   Query
	Results []Result
	Total   int
}

// Markers around matches in snippets: private-use characters that cannot
// come from a plan's text after escaping, swapped for <mark> at the end.
const (
	markOpen  = "\ue000"
	markClose = "\ue001"
	ellipsis  = "…"
)

// Search finds modules on main matching q and f, best first, and returns
// limit of them from offset. An empty query with filters browses.
func (x *Index) Search(ctx context.Context, raw string, f Filter, limit, offset int) (*Results, error) {
	if _, err := x.Update(ctx); err != nil {
		return nil, err
	}
	q := Parse(raw)
	listing, err := x.catalog.Listing(ctx, "")
	if err != nil {
		return nil, err
	}
	var results []Result
	if q.Empty() {
		if strings.TrimSpace(raw) != "" {
			return &Results{Query: q, Results: []Result{}}, nil // only stop words or symbols: nothing to find
		}
		for _, e := range listing.Modules {
			if f.keeps(e.Module) {
				results = append(results, Result{Module: e.Module, Slug: e.Slug, Title: e.Title, Summary: e.Summary})
			}
		}
	} else {
		hits, err := x.db.SearchModules(ctx, q.Match(), markOpen, markClose, ellipsis)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			e, ok := listing.Module(h.Slug)
			if !ok || !f.keeps(e.Module) {
				continue
			}
			results = append(results, Result{Module: e.Module, Slug: e.Slug, Title: e.Title, Summary: e.Summary,
				Snippet: snippetHTML(h.Snippet), Score: bm25(h.MatchInfo)})
		}
		slices.SortStableFunc(results, func(a, b Result) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(a.Title, b.Title))
		})
	}
	out := &Results{Query: q, Total: len(results), Results: []Result{}}
	if offset >= 0 && offset < len(results) && limit > 0 {
		out.Results = results[offset : offset+min(limit, len(results)-offset)]
	}
	return out, nil
}

// keeps reports whether a module passes the filter.
func (f Filter) keeps(m praxis.Module) bool {
	switch {
	case f.Series != "" && m.Series != f.Series,
		f.Format != "" && !slices.Contains(m.Formats, f.Format),
		f.MinDuration > 0 && m.Duration < f.MinDuration,
		f.MaxDuration > 0 && m.Duration > f.MaxDuration,
		f.GroupSize > 0 && (f.GroupSize < m.GroupSize.Min || (m.GroupSize.Max > 0 && f.GroupSize > m.GroupSize.Max)),
		f.Audience != "" && !slices.Contains(m.Audience, f.Audience),
		f.Language != "" && m.Language != f.Language:
		return false
	}
	for _, t := range f.Tags {
		if !slices.Contains(m.Tags, t) {
			return false
		}
	}
	return true
}

// snippetHTML escapes a snippet and turns the markers into <mark>.
func snippetHTML(s string) string {
	s = html.EscapeString(strings.ToValidUTF8(s, ""))
	s = strings.ReplaceAll(s, markOpen, "<mark>")
	return strings.ReplaceAll(s, markClose, "</mark>")
}

// bm25 ranks a hit from FTS4's matchinfo 'pcnalx': p phrases, c columns,
// n rows, a average tokens per column, l tokens in this row's columns, x
// per phrase and column (hits here, hits in all rows, rows with a hit).
// Okapi BM25 with k1 = 1.2, b = 0.75, summed over columns with weights.
func bm25(info []uint32) float64 {
	if len(info) < 3 {
		return 0
	}
	p, c, n := int(info[0]), int(info[1]), float64(info[2])
	if len(info) < 3+2*c+3*p*c {
		return 0
	}
	avg := info[3 : 3+c]
	length := info[3+c : 3+2*c]
	x := info[3+2*c:]
	const k1, b = 1.2, 0.75
	score := 0.0
	for i := range p {
		for j := range c {
			base := 3 * (i*c + j)
			hits, docsWith := float64(x[base]), float64(x[base+2])
			if hits == 0 {
				continue
			}
			idf := math.Log((n-docsWith+0.5)/(docsWith+0.5) + 1)
			norm := 1 - b
			if avg[j] > 0 {
				norm += b * float64(length[j]) / float64(avg[j])
			}
			w := 1.0
			if j < len(weights) {
				w = weights[j]
			}
			score += w * idf * hits * (k1 + 1) / (hits + k1*norm)
		}
	}
	return math.Round(score*1000) / 1000
}
