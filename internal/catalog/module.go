package catalog

import (
	"context"
	"io/fs"
	"net/url"
	"path"
	"sort"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// ModuleView is one module at one revision, ready to show.
type ModuleView struct {
	// Module is the parsed module; when Parsed is false only Slug is set.
	Module praxis.Module
	Parsed bool
	// Problems are what praxis lint says of this module at this revision.
	Problems []praxis.Problem
	// Source is module.md as stored.
	Source []byte
	// HTML is the rendered, sanitised body; Headings its headings.
	HTML     string
	Headings []module.Heading
	// AgendaAnchors holds, for each agenda item in order, the anchor of its
	// section in the body ("" when it has none).
	AgendaAnchors []string
	// Commit is the commit read; Current reports whether it is main's head.
	Commit  praxis.Commit
	Current bool
	// Rev is the revision as asked for ("" for main).
	Rev string
	// PlanID is the blob id of module.md.
	PlanID   string
	Handouts []Handout
	// Series, Previous and Next place the module in its series, when it has one.
	Series         *SeriesEntry
	Previous, Next *praxis.Module
}

// Handout is a file in a module's handouts folder.
type Handout struct {
	Name string
	Size int64
}

// URL returns the module's page, keeping the revision when it is not main.
func URL(slug, rev string) string {
	u := "/modules/" + slug
	if rev != "" {
		u += "?rev=" + url.QueryEscape(rev)
	}
	return u
}

// Module reads a module at a revision ("" for main). ENOTFOUND when the revision
// or the module does not exist; a module whose plan is broken is returned with
// Parsed false and its problems.
func (c *Catalog) Module(ctx context.Context, slug, rev string) (*ModuleView, error) {
	if !module.ValidSlug(slug) {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no module %q", slug)
	}
	snap, err := c.snapshot(ctx, rev)
	if err != nil {
		return nil, err
	}
	cm, err := c.checkModule(snap, slug)
	if err != nil {
		return nil, notFound(err, "there is no module %q at this version", slug)
	}
	view := &ModuleView{Problems: cm.Problems, PlanID: cm.PlanID, Rev: rev, Handouts: cm.Handouts}
	view.Commit, err = c.Commit(ctx, snap.Commit())
	if err != nil {
		return nil, err
	}
	if main, err := c.Main(ctx); err == nil {
		view.Current = main == snap.Commit()
	}
	if cm.Doc == nil {
		view.Module.Slug = slug
		if cm.PlanID != "" {
			if view.Source, err = snap.ReadFile(module.PlanPath(slug)); err != nil {
				return nil, err
			}
		}
		return view, nil
	}
	view.Module, view.Parsed, view.Source = cm.Doc.Module, true, cm.Doc.Source
	opts := module.RenderOptions{LinkBase: "/modules/" + slug + "/"}
	if rev != "" {
		opts.LinkQuery = "rev=" + url.QueryEscape(rev)
	}
	rendered := c.render(cm.PlanID, cm.Doc.Module.Body, opts)
	view.HTML, view.Headings = rendered.HTML, rendered.Headings
	for _, item := range view.Module.Agenda {
		view.AgendaAnchors = append(view.AgendaAnchors, rendered.Sections[module.SectionKey(item.Title)])
	}

	if view.Module.Series != "" {
		listing, err := c.Listing(ctx, snap.Commit())
		if err != nil {
			return nil, err
		}
		if s, ok := listing.FindSeries(view.Module.Series); ok {
			view.Series = &s
			for i, m := range s.Modules {
				if m.Slug != slug {
					continue
				}
				if i > 0 {
					view.Previous = &s.Modules[i-1]
				}
				if i+1 < len(s.Modules) {
					view.Next = &s.Modules[i+1]
				}
			}
		}
	}
	return view, nil
}

func handouts(snap fs.FS, slug string) ([]Handout, error) {
	dir := path.Join(module.Dir(slug), module.HandoutDir)
	var out []Handout
	err := fs.WalkDir(snap, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return fs.SkipDir // no handouts folder
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, Handout{Name: p[len(dir)+1:], Size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// File is a file read from a module's folder.
type File struct {
	Name    string
	Content []byte
	// Size is the file's size in bytes.
	Size int64
	// ID is the blob id, usable as an ETag.
	ID string
	// HTML is the rendered file when it is Markdown.
	HTML string
	// Commit is the commit read.
	Commit string
}

// Handout reads a handout of a module at a revision, rendering it when it is
// Markdown. name is relative to the handouts folder and may hold sub-folders.
// A file over gitstore.MaxBlobSize gives ETOOLARGE: OpenHandout streams it.
func (c *Catalog) Handout(ctx context.Context, slug, name, rev string) (*File, error) {
	snap, full, f, err := c.findHandout(ctx, slug, name, rev)
	if err != nil {
		return nil, err
	}
	data, err := snap.ReadFile(full)
	if err != nil {
		return nil, err
	}
	f.Content, f.Size = data, int64(len(data))
	if isMarkdown(name) {
		opts := module.RenderOptions{LinkBase: "/modules/" + slug + "/" + path.Join(module.HandoutDir, path.Dir(name)) + "/"}
		if rev != "" {
			opts.LinkQuery = "rev=" + url.QueryEscape(rev)
		}
		f.HTML = c.render(f.ID, string(data), opts).HTML
	}
	return f, nil
}

// OpenHandout opens a handout to send as it is stored: its content is a stream
// from the repository, never held in memory whole, so large images and PDFs
// cost no more than small ones. Close the file when done. The File it returns
// has no Content or HTML.
func (c *Catalog) OpenHandout(ctx context.Context, slug, name, rev string) (*File, fs.File, error) {
	snap, full, f, err := c.findHandout(ctx, slug, name, rev)
	if err != nil {
		return nil, nil, err
	}
	r, err := snap.Open(full)
	if err != nil {
		return nil, nil, err
	}
	if info, err := r.Stat(); err == nil {
		f.Size = info.Size()
	}
	return f, r, nil
}

// findHandout finds a handout without reading it.
func (c *Catalog) findHandout(ctx context.Context, slug, name, rev string) (*gitstore.Snapshot, string, *File, error) {
	if !module.ValidSlug(slug) {
		return nil, "", nil, praxis.Errorf(praxis.ENOTFOUND, "there is no module %q", slug)
	}
	full := path.Join(module.Dir(slug), module.HandoutDir, name)
	if !fs.ValidPath(name) || path.Clean(name) != name || !fs.ValidPath(full) {
		return nil, "", nil, praxis.Errorf(praxis.ENOTFOUND, "there is no handout %q", name)
	}
	snap, err := c.snapshot(ctx, rev)
	if err != nil {
		return nil, "", nil, err
	}
	id, err := snap.ID(full)
	if err != nil {
		return nil, "", nil, notFound(err, "there is no handout %q in module %q", name, slug)
	}
	info, err := snap.Stat(full)
	if err != nil || info.IsDir() {
		return nil, "", nil, praxis.Errorf(praxis.ENOTFOUND, "there is no handout %q in module %q", name, slug)
	}
	return snap, full, &File{Name: name, ID: id, Commit: snap.Commit()}, nil
}

// Series returns a series at a revision; ENOTFOUND when it does not exist.
func (c *Catalog) Series(ctx context.Context, slug, rev string) (*SeriesEntry, *Listing, error) {
	listing, err := c.Listing(ctx, rev)
	if err != nil {
		return nil, nil, err
	}
	s, ok := listing.FindSeries(slug)
	if !ok {
		return nil, nil, praxis.Errorf(praxis.ENOTFOUND, "there is no series %q", slug)
	}
	return &s, listing, nil
}

// RenderRootFile renders a Markdown file at the top of the curriculum on main,
// such as CODE_OF_CONDUCT.md, so each organisation's own text is shown. A
// missing file renders as "" rather than failing.
func (c *Catalog) RenderRootFile(ctx context.Context, name string) (string, error) {
	if !fs.ValidPath(name) || !isMarkdown(name) {
		return "", praxis.Errorf(praxis.ENOTFOUND, "there is no document %q", name)
	}
	snap, err := c.snapshot(ctx, "")
	if err != nil {
		return "", err
	}
	id, err := snap.ID(name)
	if err != nil {
		return "", nil
	}
	data, err := snap.ReadFile(name)
	if err != nil {
		return "", err
	}
	return c.render(id, string(data), module.RenderOptions{}).HTML, nil
}
