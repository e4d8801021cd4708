package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/export"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// exportOptions reads ?rev=, ?start=HH:MM and ?paper=a4|letter. Links in the
// files point at the configured public address, so a made-up Host header
// neither changes a file nor makes a new one to cache.
func (s *Server) exportOptions(c echo.Context) (export.Options, error) {
	opts := export.Options{Rev: c.QueryParam("rev"), Start: -1, Paper: export.A4, BaseURL: s.baseURL}
	if start := strings.TrimSpace(c.QueryParam("start")); start != "" {
		t, err := time.Parse("15:04", start)
		if err != nil {
			return opts, praxis.Invalid("start", "give the start time as HH:MM, such as 18:30")
		}
		opts.Start = t.Hour()*60 + t.Minute()
	}
	switch strings.ToLower(c.QueryParam("paper")) {
	case "", "a4":
	case "letter":
		opts.Paper = export.Letter
	default:
		return opts, praxis.Invalid("paper", "the paper is a4 or letter")
	}
	return opts, nil
}

// downloadModule serves /modules/{slug}/plan.{pdf,md,odt,docx} and
// /modules/{slug}/bundle.zip.
func (s *Server) downloadModule(c echo.Context) error {
	format := c.Path()[strings.LastIndexByte(c.Path(), '.')+1:]
	return s.download(c, func(ctx context.Context, opts export.Options) (*export.File, error) {
		return s.exports.Module(ctx, c.Param("slug"), format, opts)
	})
}

func (s *Server) downloadSeries(c echo.Context) error {
	return s.download(c, func(ctx context.Context, opts export.Options) (*export.File, error) {
		return s.exports.Series(ctx, c.Param("slug"), opts)
	})
}

func (s *Server) downloadCurriculum(c echo.Context) error {
	return s.download(c, s.exports.Curriculum)
}

// download reads the export options, makes the file and sends it.
func (s *Server) download(c echo.Context, build func(context.Context, export.Options) (*export.File, error)) error {
	opts, err := s.exportOptions(c)
	if err != nil {
		return err
	}
	f, err := build(c.Request().Context(), opts)
	if err != nil {
		return err
	}
	return s.sendDownload(c, f, opts)
}

// sendDownload answers with a generated file: its name, an ETag from what it
// was made of, caching (for a year when the revision is a commit id, which
// never changes; briefly for main and releases), 304 for a repeat, and the
// download counted.
func (s *Server) sendDownload(c echo.Context, f *export.File, opts export.Options) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.ContentType)
	disposition := "attachment"
	if f.Format == "pdf" || f.Format == "md" {
		disposition = "inline"
	}
	h.Set(echo.HeaderContentDisposition, contentDisposition(disposition, f.Name))
	h.Set("ETag", f.ETag)
	if opts.Rev != "" && strings.HasPrefix(f.Commit, strings.ToLower(opts.Rev)) && len(opts.Rev) == len(f.Commit) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=60")
	}
	if match := c.Request().Header.Get("If-None-Match"); match != "" && strings.Contains(match, f.ETag) {
		return c.NoContent(http.StatusNotModified)
	}
	if c.Request().Method == http.MethodGet {
		s.exports.Count(c.Request().Context(), f)
	}
	if f.Stream != nil {
		return s.streamDownload(c, f)
	}
	return c.Blob(http.StatusOK, f.ContentType, f.Body)
}

// streamDownload writes a file made as it is sent. An error before the first
// byte is answered as any other; one after it can only cut the download short.
func (s *Server) streamDownload(c echo.Context, f *export.File) error {
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	w := &firstWrite{res: c.Response()}
	err := f.Stream(c.Request().Context(), w)
	switch {
	case err != nil && !w.started:
		return err
	case err != nil:
		s.streamFailed(c, f.Name, err)
		return nil
	case !w.started:
		c.Response().WriteHeader(http.StatusOK)
	}
	return nil
}

// firstWrite sends the response's status with its first byte, so that a
// stream that fails before writing anything can still answer with an error.
type firstWrite struct {
	res     *echo.Response
	started bool
}

func (w *firstWrite) Write(p []byte) (int, error) {
	if !w.started {
		w.started = true
		w.res.WriteHeader(http.StatusOK)
	}
	return w.res.Write(p)
}

// printPage is a module laid out for paper.
type printPage struct {
	Doc      *export.Document
	Agenda   []export.AgendaRow
	Body     template.HTML
	Handouts []printHandout
	Skipped  []string
	Paper    string
	Start    string
	Rev      string
	Query    template.URL // the options as a query string, from url.Values.Encode
}

type printHandout struct {
	Title string
	HTML  template.HTML
}

// showPrint is /modules/{slug}/print: the plan for paper, A4 or Letter.
func (s *Server) showPrint(c echo.Context) error {
	ctx := c.Request().Context()
	opts, err := s.exportOptions(c)
	if err != nil {
		return err
	}
	doc, mv, skipped, err := s.exports.Document(ctx, c.Param("slug"), opts)
	if err != nil {
		return err
	}
	page := printPage{Doc: doc, Agenda: doc.Agenda(), Body: template.HTML(mv.HTML), Skipped: skipped, Paper: "a4",
		Start: c.QueryParam("start"), Rev: opts.Rev}
	if opts.Paper == export.Letter {
		page.Paper = "letter"
	}
	for _, h := range doc.Handouts {
		f, err := s.catalog.Handout(ctx, doc.Module.Slug, h.Name, doc.Version.Commit)
		if err != nil {
			return err
		}
		page.Handouts = append(page.Handouts, printHandout{Title: h.Title, HTML: template.HTML(f.HTML)})
	}
	q := c.QueryParams()
	page.Query = template.URL(q.Encode())
	return s.renderStandalone(c, http.StatusOK, "print", "print-document", view{Title: doc.Module.Title, Data: page})
}

// renderStandalone renders a page that has its own document, not the site's
// layout (the print view).
func (s *Server) renderStandalone(c echo.Context, status int, page, entry string, v view) error {
	t, ok := s.pages.byName[page]
	if !ok {
		return fmt.Errorf("web: no page template %q", page)
	}
	v.User = currentUser(c)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, entry, v); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// alreadyCompressed reports whether a route serves files that gzip cannot
// shrink (PDFs, zips and the zip-based documents).
func alreadyCompressed(routePath string) bool {
	for _, ext := range []string{".pdf", ".zip", ".odt", ".docx", ".png"} {
		if strings.HasSuffix(routePath, ext) {
			return true
		}
	}
	return false
}
