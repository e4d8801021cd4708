// Package catalog is the curriculum as readers see it: the modules and series of
// the repository at any revision, parsed, checked and rendered. Everything it
// derives is cached by git object id together with the path it was read at (a
// module folder's path and tree id, a series file's path and blob id, a plan's
// blob id and link base, a commit id), so unchanged Markdown is never parsed or
// rendered twice, a change on main shows at once (new content means a new id),
// and a folder renamed or copied with the same content is read under its own
// name (the same id at another path is another entry).
package catalog

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/lru"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// CommitIDs expands abbreviated commit ids; the history index implements it.
type CommitIDs interface {
	ExpandCommitID(ctx context.Context, prefix string) (string, error)
}

// Catalog reads the curriculum. It is safe for concurrent use.
type Catalog struct {
	store     *gitstore.Store
	commitIDs CommitIDs

	modules  *lru.Cache[string, *checkedModule]   // by module folder path and tree id
	series   *lru.Cache[string, *seriesFile]      // by series file path and blob id
	html     *lru.Cache[string, module.Rendered]  // by plan blob id and link base
	listings *lru.Cache[string, *Listing]         // by commit id
	commits  *lru.Cache[string, praxis.Commit]    // by commit id
	lints    *lru.Cache[string, []praxis.Problem] // by root tree id
}

// New returns a catalog over a repository. commitIDs may be nil, in which case
// only full commit ids, branches and tags name revisions.
func New(store *gitstore.Store, commitIDs CommitIDs) *Catalog {
	return &Catalog{
		store:     store,
		commitIDs: commitIDs,
		modules:   lru.New[string, *checkedModule](4096),
		series:    lru.New[string, *seriesFile](256),
		html:      lru.New[string, module.Rendered](2048),
		listings:  lru.New[string, *Listing](32),
		commits:   lru.New[string, praxis.Commit](1024),
		lints:     lru.New[string, []praxis.Problem](64),
	}
}

// checkedModule is a module folder parsed and validated. Doc is nil when the plan
// could not be parsed at all.
type checkedModule struct {
	Doc      *module.Document
	Problems []praxis.Problem
	PlanID   string // blob id of module.md, "" when missing
	Handouts []Handout
}

type seriesFile struct {
	Doc      *module.SeriesDocument
	Problems []praxis.Problem
}

// Resolve turns a revision as a user writes it into a commit id: a branch, a
// tag, a full commit id or an abbreviated one of at least 4 hex digits. "" is main.
func (c *Catalog) Resolve(ctx context.Context, rev string) (string, error) {
	id, err := c.store.Resolve(ctx, rev)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND && c.commitIDs != nil && looksLikeShortID(rev) {
		return c.commitIDs.ExpandCommitID(ctx, rev)
	}
	return id, err
}

func looksLikeShortID(rev string) bool {
	if len(rev) < 4 || len(rev) >= 40 {
		return false
	}
	return strings.Trim(strings.ToLower(rev), "0123456789abcdef") == ""
}

// Commit returns a commit's metadata, cached.
func (c *Catalog) Commit(ctx context.Context, id string) (praxis.Commit, error) {
	if commit, ok := c.commits.Get(id); ok {
		return commit, nil
	}
	commit, err := c.store.FindCommit(ctx, id)
	if err != nil {
		return praxis.Commit{}, err
	}
	c.commits.Add(id, commit)
	return commit, nil
}

// Main returns the commit id at the head of main.
func (c *Catalog) Main(ctx context.Context) (string, error) {
	return c.store.Branch(ctx, praxis.MainBranch)
}

// snapshot resolves rev and opens the files at that commit.
// Snapshot returns the curriculum at a revision ("" for main) as an fs.FS,
// for exports that read whole folders.
func (c *Catalog) Snapshot(ctx context.Context, rev string) (*gitstore.Snapshot, error) {
	return c.snapshot(ctx, rev)
}

func (c *Catalog) snapshot(ctx context.Context, rev string) (*gitstore.Snapshot, error) {
	id, err := c.Resolve(ctx, rev)
	if err != nil {
		return nil, err
	}
	return c.store.Snapshot(ctx, id)
}

// objectKey is a cache key for what was derived from the object id at a path:
// the same content at another path (a renamed or copied folder) is read as
// itself, since a module's slug, its problems' paths and its links come from
// where it is.
func objectKey(p, id string) string { return p + "\x00" + id }

// checkModule parses and validates a module folder, cached by the folder's path
// and tree id (the tree id changes with any file in it, so a change to a
// handout, which can break a link, is seen too).
func (c *Catalog) checkModule(snap *gitstore.Snapshot, slug string) (*checkedModule, error) {
	dir := module.Dir(slug)
	dirID, err := snap.ID(dir)
	if err != nil {
		return nil, err
	}
	key := objectKey(dir, dirID)
	if cm, ok := c.modules.Get(key); ok {
		return cm, nil
	}
	doc, problems := module.CheckModule(snap, slug)
	cm := &checkedModule{Doc: doc, Problems: problems}
	if id, err := snap.ID(module.PlanPath(slug)); err == nil {
		cm.PlanID = id
	}
	if cm.Handouts, err = handouts(snap, slug); err != nil {
		return nil, err
	}
	c.modules.Add(key, cm)
	return cm, nil
}

// readSeries reads a series file, cached by its path and blob id.
func (c *Catalog) readSeries(snap *gitstore.Snapshot, slug string) (*seriesFile, error) {
	name := module.SeriesPath(slug)
	id, err := snap.ID(name)
	if err != nil {
		return nil, err
	}
	key := objectKey(name, id)
	if sf, ok := c.series.Get(key); ok {
		return sf, nil
	}
	doc, problems := module.ReadSeries(snap, name, slug)
	sf := &seriesFile{Doc: doc, Problems: problems}
	c.series.Add(key, sf)
	return sf, nil
}

// Lint returns what `praxis lint` says of the whole curriculum in a snapshot
// (a commit, or a tree such as a merge's result), with the modules and series
// files read through the caches; cached by the root tree id.
func (c *Catalog) Lint(ctx context.Context, snap *gitstore.Snapshot) ([]praxis.Problem, error) {
	root, err := snap.ID(".")
	if err != nil {
		return nil, err
	}
	if problems, ok := c.lints.Get(root); ok {
		return problems, nil
	}
	problems := module.LintWith(snap, module.Checks{
		Module: func(fsys fs.FS, slug string) (*module.Document, []praxis.Problem) {
			cm, err := c.checkModule(snap, slug)
			if err != nil {
				return module.CheckModule(fsys, slug)
			}
			return cm.Doc, cm.Problems
		},
		Series: func(fsys fs.FS, name, slug string) (*module.SeriesDocument, []praxis.Problem) {
			if !module.ValidSlug(slug) {
				return module.ReadSeries(fsys, name, slug)
			}
			sf, err := c.readSeries(snap, slug)
			if err != nil {
				return module.ReadSeries(fsys, name, slug)
			}
			return sf.Doc, sf.Problems
		},
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.lints.Add(root, problems)
	return problems, nil
}

// render returns a Markdown file rendered, cached by blob id and link base.
func (c *Catalog) render(blobID, markdown string, opts module.RenderOptions) module.Rendered {
	key := blobID + "\x00" + opts.LinkBase + "\x00" + opts.LinkQuery
	if r, ok := c.html.Get(key); ok {
		return r
	}
	r := module.Render(markdown, opts)
	c.html.Add(key, r)
	return r
}

// CacheStats reports hits and misses of the rendered-HTML cache.
func (c *Catalog) CacheStats() (hits, misses uint64) { return c.html.Stats() }

// notFound converts fs.ErrNotExist into ENOTFOUND with a message for users.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
		return praxis.Errorf(praxis.ENOTFOUND, format, args...)
	}
	return err
}

// moduleSlugs lists the folders in modules/ whose names are valid slugs.
func moduleSlugs(snap *gitstore.Snapshot) ([]string, error) {
	entries, err := snap.ReadDir(module.ModulesDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var slugs []string
	for _, e := range entries {
		if e.IsDir() {
			slugs = append(slugs, e.Name())
		}
	}
	return slugs, nil
}

func seriesSlugs(snap *gitstore.Snapshot) ([]string, error) {
	entries, err := snap.ReadDir(module.SeriesDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var slugs []string
	for _, e := range entries {
		if slug, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() && module.ValidSlug(slug) {
			slugs = append(slugs, slug)
		}
	}
	sort.Strings(slugs)
	return slugs, nil
}

// isMarkdown reports whether a file name is Markdown.
// IsMarkdown reports whether a file is Markdown by its name, as the catalog
// decides which handouts to render.
func IsMarkdown(name string) bool { return isMarkdown(name) }

func isMarkdown(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".md" || ext == ".markdown"
}
