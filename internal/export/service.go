package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/lru"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Limits that keep one request from taking the server down.
const (
	// MaxConcurrent is how many files are generated at once; others wait.
	MaxConcurrent = 4
	// Timeout bounds the wait for, and the generation of, one file.
	Timeout = 30 * time.Second
	// MaxPlan is the largest plan or handout exported (a 1 MB plan is absurd
	// for a workshop, but it must not hurt anyone).
	MaxPlan = 1 << 20
	// MaxHandout is the largest handout file put in a bundle as stored (an
	// image, a PDF); it is copied from the repository as a stream.
	MaxHandout = 20 << 20
	// MaxStreams is how many whole-curriculum zips are sent at once; each is
	// written to its client as it is made, never held in memory.
	MaxStreams = 4
	// cacheEntries and cacheBytes bound the generated files kept.
	cacheEntries = 256
	cacheBytes   = 256 << 20
)

// Config holds what the export service needs.
type Config struct {
	Catalog  *catalog.Catalog
	Releases *history.Releases
	DB       *db.DB
	Logger   *slog.Logger
}

// Service generates, caches and counts downloads. Safe for concurrent use.
type Service struct {
	catalog  *catalog.Catalog
	releases *history.Releases
	db       *db.DB
	log      *slog.Logger
	cache    *lru.Cache[string, *File]
	slots    chan struct{}
	streams  chan struct{}
}

// New returns the export service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{catalog: cfg.Catalog, releases: cfg.Releases, db: cfg.DB, log: cfg.Logger,
		cache: lru.NewSized[string](cacheEntries, cacheBytes, func(f *File) int64 { return int64(len(f.Body)) }),
		slots: make(chan struct{}, MaxConcurrent), streams: make(chan struct{}, MaxStreams)}
}

// File is a generated download.
type File struct {
	// Name is the file name offered, with slug and short version:
	// exploring-class-2-stigma-v2026.11-3f2a1c9.pdf.
	Name        string
	ContentType string
	// ETag names the content: it changes when the commit, the blobs or the
	// options change.
	ETag string
	Body []byte
	// Stream, when set instead of Body, writes the file to w as it is made:
	// a whole curriculum is never held in memory. Call it once; it takes a
	// place among MaxStreams while it runs (EUNAVAILABLE when none frees up
	// within a few seconds, before anything is written).
	Stream func(ctx context.Context, w io.Writer) error
	// Module, Format and Commit say what to count the download as.
	Module, Format, Commit string
}

// Options shape a download.
type Options struct {
	// Rev is the revision ("" for main): a release, branch or commit id.
	Rev string
	// Start is the agenda's start time in minutes after midnight; -1 for none.
	Start int
	// Paper is the page size of PDFs.
	Paper PageSize
	// BaseURL is the public address of praxis, for the footer's link.
	BaseURL string
}

// Document reads a module at a revision as a Document; skipped lists the
// handouts left out, with why.
func (s *Service) Document(ctx context.Context, slug string, opts Options) (*Document, *catalog.ModuleView, []string, error) {
	view, err := s.catalog.Module(ctx, slug, opts.Rev)
	if err != nil {
		return nil, nil, nil, err
	}
	if !view.Parsed {
		return nil, nil, nil, praxis.Errorf(praxis.EINVALID, "the plan of %s cannot be read, so it cannot be exported: see the module page for its problems", slug)
	}
	if len(view.Source) > MaxPlan {
		return nil, nil, nil, praxis.Errorf(praxis.ETOOLARGE, "the plan of %s is larger than %d KB and cannot be exported", slug, MaxPlan>>10)
	}
	version, err := s.version(ctx, view.Commit.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	version.Date, version.URL = view.Commit.Committer.When, strings.TrimRight(opts.BaseURL, "/")+"/modules/"+slug
	doc := &Document{Module: view.Module, Start: opts.Start, Version: version}
	var skipped []string
	for _, h := range view.Handouts {
		if !strings.HasSuffix(strings.ToLower(h.Name), ".md") {
			continue
		}
		f, err := s.catalog.Handout(ctx, slug, h.Name, view.Commit.ID)
		switch {
		case err != nil:
			skipped = append(skipped, fmt.Sprintf("handouts/%s: %s", h.Name, praxis.ErrorMessage(err)))
			continue
		case len(f.Content) > MaxPlan:
			skipped = append(skipped, fmt.Sprintf("handouts/%s: larger than %d KB", h.Name, MaxPlan>>10))
			continue
		case !utf8.Valid(f.Content):
			skipped = append(skipped, fmt.Sprintf("handouts/%s: not UTF-8 text", h.Name))
			continue
		}
		doc.Handouts = append(doc.Handouts, Handout{Name: h.Name, Title: handoutTitle(h.Name, f.Content), Markdown: string(f.Content)})
	}
	return doc, view, skipped, nil
}

// version resolves a revision to its commit and the release the commit first
// appeared in.
func (s *Service) version(ctx context.Context, rev string) (Version, error) {
	commit, err := s.catalog.Resolve(ctx, rev)
	if err != nil {
		return Version{}, err
	}
	release, err := s.releases.FirstRelease(ctx, commit)
	if err != nil {
		return Version{}, err
	}
	return Version{Commit: commit, Release: release}, nil
}

// handoutTitle is a handout's first level 1 or 2 heading, or a title made
// from its file name.
func handoutTitle(name string, src []byte) string {
	for _, line := range strings.SplitN(string(src), "\n", 40) {
		line = strings.TrimSpace(line)
		if t, ok := strings.CutPrefix(line, "# "); ok {
			return strings.TrimSpace(t)
		}
		if t, ok := strings.CutPrefix(line, "## "); ok {
			return strings.TrimSpace(t)
		}
	}
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	base = strings.NewReplacer("-", " ", "_", " ").Replace(base)
	if base == "" {
		return name
	}
	return strings.ToUpper(base[:1]) + base[1:]
}

// fileName is slug-release-short.ext, or slug-short.ext before a release.
func fileName(slug string, v Version, ext string) string {
	if v.Release != "" {
		return fmt.Sprintf("%s-%s-%s.%s", slug, v.Release, v.Short(), ext)
	}
	return fmt.Sprintf("%s-%s.%s", slug, v.Short(), ext)
}

// etag names generated content by what it was made from.
func etag(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return `"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`
}

// generate runs fn under the concurrency limit and the timeout, caching the
// result under key. fn cannot be interrupted; when the deadline passes the
// caller gets EUNAVAILABLE and the work finishes (and is cached) behind it.
func (s *Service) generate(ctx context.Context, key string, fn func(ctx context.Context) (*File, error)) (*File, error) {
	if f, ok := s.cache.Get(key); ok {
		return f, nil
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, praxis.Errorf(praxis.EUNAVAILABLE, "praxis is busy making other downloads; try again in a moment")
	}
	type result struct {
		f   *File
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-s.slots }()
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("export panicked", "key", key, "panic", r)
				done <- result{err: fmt.Errorf("export: %v", r)}
			}
		}()
		// The work goes on when the request gives up, so it is cached for
		// the next: it must not stop with the request's context.
		f, err := fn(context.WithoutCancel(ctx))
		if err == nil {
			s.cache.Add(key, f)
		}
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		return r.f, r.err
	case <-ctx.Done():
		return nil, praxis.Errorf(praxis.EUNAVAILABLE, "making this download took too long; try again in a moment")
	}
}

// Formats of a module's plan: the extension is the format's name.
var moduleFormats = map[string]string{
	"pdf":  "application/pdf",
	"md":   "text/markdown; charset=utf-8",
	"odt":  "application/vnd.oasis.opendocument.text",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"zip":  "application/zip",
}

// Module returns a module's plan in a format (pdf, md, odt, docx) or its
// bundle (zip).
func (s *Service) Module(ctx context.Context, slug, format string, opts Options) (*File, error) {
	contentType, ok := moduleFormats[format]
	if !ok {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "plans download as pdf, md, odt, docx or zip, not %q", format)
	}
	if format == "md" { // the source as stored: no parsing, no cache
		view, err := s.catalog.Module(ctx, slug, opts.Rev)
		if err != nil {
			return nil, err
		}
		v, err := s.version(ctx, view.Commit.ID)
		if err != nil {
			return nil, err
		}
		return &File{Name: fileName(slug, v, "md"), ContentType: contentType, ETag: etag(slug, view.PlanID, "md"),
			Body: view.Source, Module: slug, Format: format, Commit: view.Commit.ID}, nil
	}
	commit, err := s.catalog.Resolve(ctx, opts.Rev)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("module %s %s %s %d %d %s", commit, slug, format, opts.Start, opts.Paper, opts.BaseURL)
	return s.generate(ctx, key, func(ctx context.Context) (*File, error) {
		doc, _, skipped, err := s.Document(ctx, slug, Options{Rev: commit, Start: opts.Start, Paper: opts.Paper, BaseURL: opts.BaseURL})
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		switch format {
		case "zip":
			err = s.writeModuleBundle(ctx, &buf, doc, skipped, opts)
		default:
			err = render(&buf, doc, format, opts.Paper)
		}
		if err != nil {
			return nil, err
		}
		return &File{Name: fileName(slug, doc.Version, format), ContentType: contentType, Body: buf.Bytes(),
			ETag: etag(key), Module: slug, Format: format, Commit: commit}, nil
	})
}

// Count records a download; failures are logged, never shown: a count must
// not cost anyone their file.
func (s *Service) Count(ctx context.Context, f *File) {
	if s.db == nil || f.Module == "" {
		return
	}
	day := time.Now().UTC().Format("2006-01-02")
	if err := s.db.CountDownload(context.WithoutCancel(ctx), f.Module, f.Format, f.Commit, day); err != nil {
		s.log.Warn("could not count a download", "module", f.Module, "err", err)
	}
}
