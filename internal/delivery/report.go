package delivery

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/praxis"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Filter narrows the statistics. Zero fields do not filter.
type Filter struct {
	From   string `json:"from,omitempty"` // YYYY-MM-DD, inclusive
	To     string `json:"to,omitempty"`
	Region string `json:"region,omitempty"`
	Series string `json:"series,omitempty"`
	Module string `json:"module,omitempty"`
	Format string `json:"format,omitempty"`
}

// Grouping is one way the dashboard groups deliveries.
type Grouping struct {
	Key, Title string
	// Column names the groups in a table's first column.
	Column string
}

// Groupings of the dashboard, in the order it shows them.
var Groupings = []Grouping{
	{"month", "Deliveries and participants per month", "Month"},
	{"module", "By module", "Module"},
	{"series", "By series", "Series"},
	{"region", "By region", "Region"},
	{"country", "By country", "Country"},
	{"host_type", "By host group", "Host group"},
	{"format", "By format", "Format"},
	{"frequency", "Facilitators by how often they teach", "Deliveries each"},
	{"version", "Versions in use", "Release"},
	{"feedback", "Participant feedback by module and version", "Module and release"},
}

// IsGrouping reports whether key names a grouping.
func IsGrouping(key string) bool {
	return slices.ContainsFunc(Groupings, func(g Grouping) bool { return g.Key == key })
}

// Group is one row of a statistics table.
type Group struct {
	Key          string `json:"key"`
	Label        string `json:"label"`
	Deliveries   int    `json:"deliveries"`
	Participants int    `json:"participants"`
	FirstTime    int    `json:"first_time"`
	// Facilitators is set in the frequency table only: how many
	// facilitators taught that often.
	Facilitators    *int     `json:"facilitators,omitempty"`
	FeedbackCount   int      `json:"feedback_count"`
	FeedbackAverage *float64 `json:"feedback_average"`
}

func group(key, label string, a Acc) Group {
	return Group{Key: key, Label: label, Deliveries: a.Deliveries, Participants: a.Participants, FirstTime: a.FirstTime,
		FeedbackCount: a.FeedbackCount, FeedbackAverage: average(a)}
}

func average(a Acc) *float64 {
	if a.FeedbackCount == 0 {
		return nil
	}
	v := float64(a.FeedbackSum) / float64(a.FeedbackCount)
	return &v
}

// Table is one grouping of the statistics.
type Table struct {
	GroupBy string  `json:"group_by"`
	Title   string  `json:"title"`
	Column  string  `json:"column"`
	Groups  []Group `json:"groups"`
}

// Totals sum up the deliveries matching a filter.
type Totals struct {
	Deliveries   int `json:"deliveries"`
	Participants int `json:"participants"`
	FirstTime    int `json:"first_time"`
	// Facilitators led or co-facilitated at least one of the deliveries;
	// ActiveFacilitators did so in the 90 days to ActiveSince's end.
	Facilitators       int      `json:"facilitators"`
	ActiveFacilitators int      `json:"active_facilitators"`
	ActiveSince        string   `json:"active_since"`
	Regions            int      `json:"regions"`
	Countries          int      `json:"countries"`
	FeedbackCount      int      `json:"feedback_count"`
	FeedbackAverage    *float64 `json:"feedback_average"`
	// LatestRelease is the newest release of the curriculum; OlderThanLatest
	// counts deliveries of material from an earlier release.
	LatestRelease   string `json:"latest_release"`
	OlderThanLatest int    `json:"older_than_latest"`
}

// Report is the answer to a statistics query.
type Report struct {
	Filter Filter  `json:"filter"`
	Totals Totals  `json:"totals"`
	Tables []Table `json:"tables"`
}

// Table returns the report's table for a grouping, or nil.
func (r *Report) Table(key string) *Table {
	for i := range r.Tables {
		if r.Tables[i].GroupBy == key {
			return &r.Tables[i]
		}
	}
	return nil
}

// ActiveWindow is how recent a delivery makes a facilitator active.
const ActiveWindow = 90

// CheckRange validates a date range given as from and to (YYYY-MM-DD, each
// optional), trimming them, and names the field at fault.
func CheckRange(from, to *string) error {
	for _, d := range []struct {
		field string
		v     *string
	}{{"from", from}, {"to", to}} {
		*d.v = strings.TrimSpace(*d.v)
		if *d.v == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", *d.v); err != nil {
			return invalid(d.field, "give the date as YYYY-MM-DD")
		}
	}
	if *from != "" && *to != "" && *from > *to {
		return invalid("to", "the end of the range is before its start")
	}
	return nil
}

// CheckFilter validates a statistics filter, naming the field at fault.
func (s *Service) CheckFilter(ctx context.Context, f *Filter) error {
	if err := CheckRange(&f.From, &f.To); err != nil {
		return err
	}
	if f.Format != "" && !praxis.IsFormat(f.Format) {
		return invalid("format", "the format is in-person, online or hybrid")
	}
	if f.Series != "" {
		listing, err := s.catalog.Listing(ctx, "")
		if err != nil {
			return err
		}
		if _, ok := listing.FindSeries(f.Series); !ok {
			return invalid("series", "there is no series %q", f.Series)
		}
	}
	for _, v := range []struct{ field, value string }{{"region", f.Region}, {"module", f.Module}} {
		if len(v.value) > 200 {
			return invalid(v.field, "this is too long")
		}
	}
	return nil
}

// Report computes the statistics of the deliveries matching f, grouped by
// each of groupBy (every grouping when it is empty). Coordinators only.
func (s *Service) Report(ctx context.Context, user *praxis.User, f Filter, groupBy []string) (*Report, error) {
	if err := access.Authorize(user, access.ViewStats); err != nil {
		return nil, err
	}
	if err := s.CheckFilter(ctx, &f); err != nil {
		return nil, err
	}
	if len(groupBy) == 0 {
		for _, g := range Groupings {
			groupBy = append(groupBy, g.Key)
		}
	}
	for _, g := range groupBy {
		if !IsGrouping(g) {
			keys := make([]string, len(Groupings))
			for i, g := range Groupings {
				keys[i] = g.Key
			}
			return nil, invalid("group_by", "%q is not a grouping; choose from %s", g, strings.Join(keys, ", "))
		}
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return nil, err
	}
	var filters [numDims][]string
	if f.Region != "" {
		filters[dimRegion] = []string{f.Region}
	}
	if f.Format != "" {
		filters[dimFormat] = []string{f.Format}
	}
	if f.Module != "" {
		filters[dimModule] = []string{f.Module}
	}
	if f.Series != "" {
		series, _ := listing.FindSeries(f.Series)
		modules := []string{}
		for _, m := range series.Modules {
			if f.Module == "" || f.Module == m.Slug {
				modules = append(modules, m.Slug)
			}
		}
		filters[dimModule] = modules
	}
	end := s.now().UTC()
	if f.To != "" {
		if to, _ := time.Parse("2006-01-02", f.To); to.Before(end) {
			end = to
		}
	}
	since := end.AddDate(0, 0, -ActiveWindow+1)
	q := query{people: true, activeOn: int32(since.Unix() / epochDay)}
	q.dims[dimRegion], q.dims[dimCountry], q.dims[dimVersion] = true, true, true
	for _, g := range groupBy {
		switch g {
		case "month":
			q.dims[dimMonth] = true
		case "module", "series":
			q.dims[dimModule] = true
		case "host_type":
			q.dims[dimHostType] = true
		case "format":
			q.dims[dimFormat] = true
		case "feedback":
			q.pairs = true
		}
	}
	res, err := s.stats.run(ctx, f.From, f.To, filters, q)
	if err != nil {
		return nil, err
	}
	releases, err := s.releases.List(ctx)
	if err != nil {
		return nil, err
	}
	latest := ""
	if len(releases) > 0 {
		latest = releases[0].Name
	}
	versions := sortedKeys(res.by[dimVersion])
	for p := range res.pairs {
		versions = append(versions, p[1])
	}
	releaseOf, err := s.releases.ReleaseMap(ctx, versions)
	if err != nil {
		return nil, err
	}
	rep := &Report{Filter: f, Tables: []Table{}}
	t := &rep.Totals
	t.Deliveries, t.Participants, t.FirstTime = res.total.Deliveries, res.total.Participants, res.total.FirstTime
	t.FeedbackCount, t.FeedbackAverage = res.total.FeedbackCount, average(res.total)
	t.Facilitators, t.ActiveFacilitators, t.ActiveSince = len(res.counts), res.active, since.Format("2006-01-02")
	for region := range res.by[dimRegion] {
		if region != "" {
			t.Regions++
		}
	}
	t.Countries = len(res.by[dimCountry])
	t.LatestRelease = latest
	for version, a := range res.by[dimVersion] {
		if r := releaseOf[version]; r != "" && r != latest {
			t.OlderThanLatest += a.Deliveries
		}
	}
	for _, key := range groupBy {
		g := groupingOf(key)
		table := Table{GroupBy: key, Title: g.Title, Column: g.Column}
		switch key {
		case "month":
			table.Groups = months(res.by[dimMonth], f)
		case "module":
			table.Groups = labelled(res.by[dimModule], func(slug string) string { return moduleTitle(listing, slug) })
		case "series":
			bySeries := map[string]Acc{}
			for slug, a := range res.by[dimModule] {
				m, _ := listing.Module(slug)
				acc := bySeries[m.Series]
				acc.merge(a)
				bySeries[m.Series] = acc
			}
			table.Groups = labelled(bySeries, func(slug string) string {
				if series, ok := listing.FindSeries(slug); ok {
					return series.Title
				}
				if slug == "" {
					return "Not in a series"
				}
				return slug
			})
		case "region":
			table.Groups = labelled(res.by[dimRegion], func(r string) string { return cmp.Or(r, "Not given") })
		case "country":
			table.Groups = labelled(res.by[dimCountry], countryName)
		case "host_type":
			table.Groups = labelled(res.by[dimHostType], capitalise)
		case "format":
			table.Groups = labelled(res.by[dimFormat], FormatLabel)
		case "frequency":
			groups, err := s.frequency(ctx, res.counts)
			if err != nil {
				return nil, err
			}
			table.Groups = groups
		case "version":
			table.Groups = versionGroups(res.by[dimVersion], releaseOf, latest)
		case "feedback":
			table.Groups = feedbackGroups(res.pairs, releaseOf, listing)
		}
		rep.Tables = append(rep.Tables, table)
	}
	return rep, nil
}

func groupingOf(key string) Grouping {
	for _, g := range Groupings {
		if g.Key == key {
			return g
		}
	}
	return Grouping{Key: key, Title: key, Column: key}
}

// labelled turns accumulated groups into rows, most deliveries first.
func labelled(by map[string]Acc, label func(string) string) []Group {
	out := make([]Group, 0, len(by))
	for key, a := range by {
		out = append(out, group(key, label(key), a))
	}
	slices.SortFunc(out, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Deliveries, a.Deliveries), strings.Compare(a.Label, b.Label))
	})
	return out
}

// months lists every month from the first to the last in the range, those
// without deliveries as zero, oldest first, so charts have no gaps.
func months(by map[string]Acc, f Filter) []Group {
	keys := sortedKeys(by)
	first, last := "", ""
	if len(keys) > 0 {
		first, last = keys[0], keys[len(keys)-1]
	}
	if len(f.From) >= 7 && (first == "" || f.From[:7] < first) && f.To != "" {
		first = f.From[:7]
	}
	if len(f.To) >= 7 && (last == "" || f.To[:7] > last) && f.From != "" {
		last = f.To[:7]
	}
	out := []Group{}
	if first == "" {
		return out
	}
	start, err1 := time.Parse("2006-01", first)
	end, err2 := time.Parse("2006-01", last)
	if err1 != nil || err2 != nil {
		return out
	}
	for m := start; !m.After(end) && len(out) < 1200; m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		out = append(out, group(key, m.Format("Jan 2006"), by[key]))
	}
	return out
}

// FrequencyBands are how often a facilitator taught, for the frequency table.
var FrequencyBands = []struct {
	Key      string
	Min, Max int
}{{"never", 0, 0}, {"1-5", 1, 5}, {"6-10", 6, 10}, {"11-25", 11, 25}, {"26+", 26, 1 << 30}}

// frequency counts facilitators by how many deliveries they led or
// co-facilitated; "never" counts active accounts with none.
func (s *Service) frequency(ctx context.Context, counts map[int64]int) ([]Group, error) {
	active, err := s.db.ActiveUserIDs(ctx)
	if err != nil {
		return nil, err
	}
	never := 0
	for _, id := range active {
		if counts[id] == 0 {
			never++
		}
	}
	out := make([]Group, len(FrequencyBands))
	for i, b := range FrequencyBands {
		label := fmt.Sprintf("%s deliveries", b.Key)
		switch b.Key {
		case "never":
			label = "Never"
		case "1-5":
			label = "1 to 5"
		case "6-10":
			label = "6 to 10"
		case "11-25":
			label = "11 to 25"
		case "26+":
			label = "26 or more"
		}
		n := 0
		if b.Key == "never" {
			n = never
		}
		out[i] = Group{Key: b.Key, Label: label, Facilitators: &n}
	}
	for _, c := range counts {
		for i, b := range FrequencyBands {
			if c >= b.Min && c <= b.Max {
				*out[i].Facilitators++
				out[i].Deliveries += c
				break
			}
		}
	}
	return out, nil
}

// versionGroups groups deliveries by the release their material first
// appeared in, newest first; material in no release yet (newer than the
// latest, or an adapted copy) is "Not yet released".
func versionGroups(by map[string]Acc, releaseOf map[string]string, latest string) []Group {
	byRelease := map[string]Acc{}
	for version, a := range by {
		acc := byRelease[releaseOf[version]]
		acc.merge(a)
		byRelease[releaseOf[version]] = acc
	}
	out := []Group{}
	for _, name := range sortedKeys(byRelease) {
		label := name
		switch name {
		case "":
			label = "Not yet released"
		case latest:
			label = name + " (latest)"
		}
		out = append(out, group(name, label, byRelease[name]))
	}
	slices.SortStableFunc(out, func(a, b Group) int { // newest first, unreleased at the top
		if a.Key == "" || b.Key == "" {
			return cmp.Compare(len(a.Key), len(b.Key))
		}
		return releaseCompare(b.Key, a.Key)
	})
	return out
}

// releaseCompare orders release names vYYYY.MM[.n] by date then number.
func releaseCompare(a, b string) int {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < 3; i++ {
		var x, y int
		if i < len(pa) {
			fmt.Sscan(pa[i], &x)
		}
		if i < len(pb) {
			fmt.Sscan(pb[i], &y)
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return 0
}

// feedbackGroups gives participants' ratings per module and release, so a
// coordinator sees whether a revision changed them. Module by module, newest
// release first.
func feedbackGroups(pairs map[[2]string]Acc, releaseOf map[string]string, listing *catalog.Listing) []Group {
	merged := map[[2]string]Acc{}
	for key, a := range pairs {
		k := [2]string{key[0], releaseOf[key[1]]}
		acc := merged[k]
		acc.merge(a)
		merged[k] = acc
	}
	out := make([]Group, 0, len(merged))
	for k, a := range merged {
		release := cmp.Or(k[1], "not yet released")
		out = append(out, group(k[0]+"@"+k[1], moduleTitle(listing, k[0])+", "+release, a))
	}
	slices.SortFunc(out, func(a, b Group) int {
		ma, ra, _ := strings.Cut(a.Key, "@")
		mb, rb, _ := strings.Cut(b.Key, "@")
		if ma != mb {
			return strings.Compare(moduleTitle(listing, ma), moduleTitle(listing, mb))
		}
		if ra == "" || rb == "" {
			return cmp.Compare(len(ra), len(rb))
		}
		return releaseCompare(rb, ra)
	})
	return out
}

// moduleTitle names a module by its title on main, or its slug when it is no
// longer there.
func moduleTitle(listing *catalog.Listing, slug string) string {
	if m, ok := listing.Module(slug); ok {
		return m.Title
	}
	return slug
}

// countryName gives a country's English name from its ISO code.
func countryName(code string) string {
	region, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if name := display.English.Regions().Name(region); name != "" {
		return name
	}
	return code
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// FormatLabel names a delivery format for people.
func FormatLabel(format string) string {
	switch format {
	case praxis.FormatInPerson:
		return "In person"
	case praxis.FormatOnline:
		return "Online"
	case praxis.FormatHybrid:
		return "Hybrid"
	}
	return format
}
