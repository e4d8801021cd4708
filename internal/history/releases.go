package history

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// MaxNotesLength bounds release notes.
const MaxNotesLength = 50_000

// releaseName is how releases are named: vYYYY.MM, then vYYYY.MM.1, .2 ...
var releaseName = regexp.MustCompile(`^v(\d{4})\.(\d{2})(?:\.(\d{1,4}))?$`)

// Release is a named, stable version of the whole curriculum.
type Release struct {
	Name   string    `json:"name"`
	Commit string    `json:"commit"`
	Date   time.Time `json:"date"`
	By     string    `json:"by"`
	// Account is the praxis account that cut the release; nil when none did
	// (a tag made with git).
	Account *praxis.Attribution `json:"account"`
	Notes   string              `json:"notes"`
	// Modules counts, per module, the commits that first appeared in this
	// release: what changed since the previous one.
	Modules []ModuleChanges `json:"modules"`

	tag            string // the tag's object id
	year, month, n int
}

// ModuleChanges is how much a module changed in a release.
type ModuleChanges struct {
	Slug    string `json:"slug"`
	Commits int    `json:"commits"`
}

// Releases answers questions about releases and versions over the history
// index and the repository.
type Releases struct {
	index *Index
	store *gitstore.Store
	db    *db.DB
	now   func() time.Time

	mu       sync.Mutex
	cacheKey string
	first    map[string]string // commit -> release it first appeared in
	modules  map[string]map[string]int
}

// NewReleases returns the release service.
func NewReleases(index *Index, store *gitstore.Store, database *db.DB) *Releases {
	return &Releases{index: index, store: store, db: database, now: time.Now}
}

func parseReleaseName(name string) (year, month, n int, ok bool) {
	m := releaseName.FindStringSubmatch(name)
	if m == nil {
		return 0, 0, 0, false
	}
	year, _ = strconv.Atoi(m[1])
	month, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		n, _ = strconv.Atoi(m[3])
		if n == 0 {
			return 0, 0, 0, false
		}
	}
	return year, month, n, year >= 2000 && year <= 2999 && month >= 1 && month <= 12
}

// List lists releases, newest first, with the account that cut each.
func (v *Releases) List(ctx context.Context) ([]Release, error) {
	out, err := v.releases(ctx)
	if err != nil {
		return nil, err
	}
	tagIDs := make([]string, len(out))
	for i, r := range out {
		tagIDs[i] = r.tag
	}
	accounts, err := v.db.Attributions(ctx, tagIDs)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Account = accounts[out[i].tag]
	}
	return out, nil
}

// releases lists releases, newest first, and keeps the first release of
// every commit worked out.
func (v *Releases) releases(ctx context.Context) ([]Release, error) {
	tags, err := v.store.Tags(ctx)
	if err != nil {
		return nil, err
	}
	var out []Release
	for _, t := range tags {
		y, m, n, ok := parseReleaseName(t.Name)
		if !ok {
			continue
		}
		r := Release{Name: t.Name, Commit: t.Commit, Notes: strings.TrimSpace(t.Message), tag: t.ID, year: y, month: m, n: n}
		if t.Annotated {
			r.Date, r.By = t.Tagger.When, t.Tagger.Name
		} else if c, err := v.store.FindCommit(ctx, t.Commit); err == nil {
			r.Date = c.Committer.When
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return later(out[i], out[j]) })
	if err := v.assign(ctx, out); err != nil {
		return nil, err
	}
	v.mu.Lock()
	for i := range out {
		for slug, n := range v.modules[out[i].Name] {
			out[i].Modules = append(out[i].Modules, ModuleChanges{Slug: slug, Commits: n})
		}
		sort.Slice(out[i].Modules, func(a, b int) bool { return out[i].Modules[a].Slug < out[i].Modules[b].Slug })
	}
	v.mu.Unlock()
	return out, nil
}

// later orders releases by their names' numbers, newest first.
func later(a, b Release) bool {
	if a.year != b.year {
		return a.year > b.year
	}
	if a.month != b.month {
		return a.month > b.month
	}
	return a.n > b.n
}

// assign works out, for every commit, the first release it appeared in, and
// what each release changed, walking the in-memory graph once per set of
// releases.
func (v *Releases) assign(ctx context.Context, releases []Release) error {
	key := ""
	for _, r := range releases {
		key += r.Name + "=" + r.Commit + ";"
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if key == v.cacheKey && v.first != nil {
		return nil
	}
	if err := v.index.ensure(ctx); err != nil {
		return err
	}
	for _, r := range releases {
		if v.index.node(r.Commit) != nil {
			continue
		}
		// A release made a moment ago may be newer than the graph: find
		// catches up; ENOTFOUND is a tag outside main's history.
		if _, err := v.index.find(ctx, r.Commit); err != nil && praxis.ErrorCode(err) != praxis.ENOTFOUND {
			return err
		}
	}
	first := map[string]string{}
	modules := map[string]map[string]int{}
	v.index.mu.RLock()
	defer v.index.mu.RUnlock()
	for i := len(releases) - 1; i >= 0; i-- { // oldest first
		r := releases[i]
		start := v.index.nodes[r.Commit]
		if start == nil {
			continue // a tag outside main's history
		}
		counts := map[string]int{}
		stack := []*node{start}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n == nil {
				continue
			}
			if _, done := first[n.commit.ID]; done {
				continue
			}
			first[n.commit.ID] = r.Name
			if len(n.parents) <= 1 {
				for slug := range n.touched {
					counts[slug]++
				}
			}
			stack = append(stack, n.parents...)
		}
		modules[r.Name] = counts
	}
	v.cacheKey, v.first, v.modules = key, first, modules
	return nil
}

// FirstRelease returns the release a commit first appeared in ("" when it is
// in none yet).
func (v *Releases) FirstRelease(ctx context.Context, commit string) (string, error) {
	if _, err := v.releases(ctx); err != nil {
		return "", err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.first[commit], nil
}

// ReleaseMap returns the first release of each of the given commits.
func (v *Releases) ReleaseMap(ctx context.Context, commits []string) (map[string]string, error) {
	if _, err := v.releases(ctx); err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]string{}
	for _, c := range commits {
		if r := v.first[c]; r != "" {
			out[c] = r
		}
	}
	return out, nil
}

// Draft is what a maintainer starts from when cutting a release.
type Draft struct {
	Name      string
	Notes     string
	Previous  string
	Proposals []*praxis.Proposal
	// Commits counts the commits on main since the previous release.
	Commits int
}

// DraftRelease suggests the next release's name and notes: the proposals
// merged since the previous release.
func (v *Releases) DraftRelease(ctx context.Context) (*Draft, error) {
	releases, err := v.List(ctx)
	if err != nil {
		return nil, err
	}
	main, err := v.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return nil, err
	}
	d := &Draft{Name: nextName(releases, v.now())}
	exclude := ""
	if len(releases) > 0 {
		d.Previous, exclude = releases[0].Name, releases[0].Commit
	}
	log, err := v.store.Log(ctx, main, exclude, 100_000)
	if err != nil {
		return nil, err
	}
	d.Commits = len(log)
	ids := make([]string, len(log))
	for i, c := range log {
		ids[i] = c.ID
	}
	if d.Proposals, err = v.db.MergedProposalsAmong(ctx, ids); err != nil {
		return nil, err
	}
	var b strings.Builder
	if d.Previous != "" {
		fmt.Fprintf(&b, "Changes since %s.\n\n", d.Previous)
	}
	for _, p := range d.Proposals {
		fmt.Fprintf(&b, "- %s (#%d, %s)\n", p.Title, p.ID, p.Author)
	}
	if len(d.Proposals) == 0 {
		fmt.Fprintf(&b, "- %d %s to the curriculum.\n", d.Commits, plural(d.Commits, "change", "changes"))
	}
	d.Notes = b.String()
	return d, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// nextName suggests vYYYY.MM for the month, or the next .n when that exists.
func nextName(releases []Release, now time.Time) string {
	base := fmt.Sprintf("v%04d.%02d", now.Year(), int(now.Month()))
	n := -1
	for _, r := range releases {
		if r.year == now.Year() && r.month == int(now.Month()) && r.n > n {
			n = r.n
		}
	}
	if n < 0 {
		return base
	}
	return fmt.Sprintf("%s.%d", base, n+1)
}

// CreateRelease tags main as a release (maintainers). The name must be
// vYYYY.MM or vYYYY.MM.n (EINVALID) and new (ECONFLICT).
func (v *Releases) CreateRelease(ctx context.Context, user *praxis.User, name, notes string) (*Release, error) {
	if err := access.Authorize(user, access.CutRelease); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if _, _, _, ok := parseReleaseName(name); !ok {
		return nil, praxis.Errorf(praxis.EINVALID, "a release is named vYYYY.MM, or vYYYY.MM.n for a second one in a month (such as v2026.11 or v2026.11.1)")
	}
	notes = strings.TrimSpace(strings.ReplaceAll(notes, "\r\n", "\n"))
	if notes == "" {
		return nil, praxis.Errorf(praxis.EINVALID, "write release notes: what changed, for the people who use the curriculum")
	}
	if utf8.RuneCountInString(notes) > MaxNotesLength {
		return nil, praxis.Errorf(praxis.EINVALID, "the notes are longer than %d characters", MaxNotesLength)
	}
	main, err := v.store.Branch(ctx, praxis.MainBranch)
	if err != nil {
		return nil, err
	}
	tagger := praxis.Signature{Name: user.Name, Email: praxis.CommitEmail(user.ID), When: v.now()}
	if err := v.store.CreateTag(ctx, name, main, tagger, notes, user.ID); err != nil {
		return nil, err
	}
	// The tag is the release; its event follows it in a transaction of its
	// own (the database cannot be held open across the tag's writes, which
	// record its author there). A failure here leaves the release without
	// its notifications, never a notification without its release.
	_ = v.db.AddActivity(ctx, praxis.Activity{At: v.now(), ActorID: user.ID, Kind: praxis.ActivityReleaseCut, Ref: name, Title: name,
		Detail: firstLine(notes), Module: ""})
	releases, err := v.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range releases {
		if r.Name == name {
			return &r, nil
		}
	}
	return nil, praxis.Errorf(praxis.EINTERNAL, "the release %s was created but cannot be read", name)
}

// firstLine is the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
