package export

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// licenceFile is the curriculum's licence at the top of the repository.
const licenceFile = "LICENSE.md"

// writeModuleBundle writes a module's zip: plan.pdf, plan.md, each handout as
// it is stored and, for Markdown ones, as PDF, the licence, and a README.
func (s *Service) writeModuleBundle(ctx context.Context, w io.Writer, doc *Document, skipped []string, opts Options) error {
	z := zip.NewWriter(w)
	if err := s.addModule(ctx, z, "", doc, skipped, opts); err != nil {
		return err
	}
	if err := s.addLicence(ctx, z, "", doc.Version.Commit); err != nil {
		return err
	}
	return z.Close()
}

// addModule adds a module's files under dir.
func (s *Service) addModule(ctx context.Context, z *zip.Writer, dir string, doc *Document, skipped []string, opts Options) error {
	when := doc.Version.Date
	var pdf bytes.Buffer
	if err := render(&pdf, doc, "pdf", opts.Paper); err != nil {
		return err
	}
	if err := addFile(z, path.Join(dir, "plan.pdf"), pdf.Bytes(), when); err != nil {
		return err
	}
	snap, err := s.catalog.Snapshot(ctx, doc.Version.Commit)
	if err != nil {
		return err
	}
	plan, err := snap.ReadFile(module.PlanPath(doc.Module.Slug))
	if err != nil {
		return err
	}
	if err := addFile(z, path.Join(dir, "plan.md"), plan, when); err != nil {
		return err
	}
	// Every handout as stored (images and PDFs too), and Markdown ones as PDF.
	handoutDir := path.Join(module.Dir(doc.Module.Slug), module.HandoutDir)
	var walkSkipped []string
	err = fs.WalkDir(snap, handoutDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == handoutDir {
				return fs.SkipDir // no handouts folder
			}
			walkSkipped = append(walkSkipped, fmt.Sprintf("%s: %v", strings.TrimPrefix(p, module.Dir(doc.Module.Slug)+"/"), err))
			return nil
		}
		if d.IsDir() {
			return nil
		}
		name := strings.TrimPrefix(p, module.Dir(doc.Module.Slug)+"/")
		info, err := d.Info()
		if err == nil && info.Size() > MaxHandout {
			walkSkipped = append(walkSkipped, fmt.Sprintf("%s: larger than %d MB", name, MaxHandout>>20))
			return nil
		}
		if err := copyFile(z, snap, p, path.Join(dir, name), when); err != nil {
			if errors.Is(err, errWrite) {
				return err
			}
			walkSkipped = append(walkSkipped, fmt.Sprintf("%s: %s", name, praxis.ErrorMessage(err)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, h := range doc.Handouts {
		var buf bytes.Buffer
		hd := &Document{Module: praxis.Module{Slug: doc.Module.Slug, Title: h.Title, Licence: doc.Module.Licence, Body: h.Markdown},
			Version: doc.Version, Start: -1}
		if err := render(&buf, hd, "pdf", opts.Paper); err != nil {
			skipped = append(skipped, fmt.Sprintf("handouts/%s as PDF: %v", h.Name, err))
			continue
		}
		if err := addFile(z, path.Join(dir, module.HandoutDir, strings.TrimSuffix(h.Name, path.Ext(h.Name))+".pdf"), buf.Bytes(), when); err != nil {
			return err
		}
	}
	return addFile(z, path.Join(dir, "README.md"), []byte(bundleReadme(doc, append(skipped, walkSkipped...))), when)
}

// bundleReadme names what a bundle holds and where it came from.
func bundleReadme(doc *Document, skipped []string) string {
	var b strings.Builder
	m := doc.Module
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", m.Title, m.Summary)
	fmt.Fprintf(&b, "- Module: `%s`\n", m.Slug)
	fmt.Fprintf(&b, "- Version: %s (commit %s, %s)\n", doc.Version.Label(), doc.Version.Commit, doc.Version.Date.UTC().Format("2 January 2006"))
	if doc.Version.Release != "" {
		fmt.Fprintf(&b, "- Release: %s\n", doc.Version.Release)
	} else {
		b.WriteString("- Release: not yet in a release\n")
	}
	fmt.Fprintf(&b, "- From: %s\n", doc.Version.URL)
	fmt.Fprintf(&b, "- Licence: %s (see LICENSE.md)\n\n", m.Licence)
	b.WriteString("## In this bundle\n\n- `plan.pdf`: the session plan to print or read on a tablet\n- `plan.md`: the plan as written, to adapt in any text editor\n")
	if len(doc.Handouts) > 0 {
		b.WriteString("- `handouts/`: each handout as written, and Markdown handouts as PDF\n")
	}
	if len(skipped) > 0 {
		b.WriteString("\n## Left out\n\nThese files could not be included:\n\n")
		for _, s := range skipped {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}
	b.WriteString("\nMade by praxis. Share and adapt it under the licence; improvements are welcome as proposals.\n")
	return b.String()
}

func (s *Service) addLicence(ctx context.Context, z *zip.Writer, dir, commit string) error {
	snap, err := s.catalog.Snapshot(ctx, commit)
	if err != nil {
		return err
	}
	data, err := snap.ReadFile(licenceFile)
	if err != nil {
		return nil // a curriculum without a licence file: the README names the licence
	}
	return addFile(z, path.Join(dir, licenceFile), data, time.Time{})
}

// addFile adds a file to a zip (createEntry).
func addFile(z *zip.Writer, name string, data []byte, when time.Time) error {
	w, err := createEntry(z, name, when)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// createEntry starts a file in a zip under a name every unzip program on
// every system extracts where it belongs (zipName): deflated, unless its kind
// is compressed already (images, PDFs, office files), which would only cost
// time.
func createEntry(z *zip.Writer, name string, when time.Time) (io.Writer, error) {
	if when.IsZero() {
		when = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	method := zip.Deflate
	switch strings.ToLower(path.Ext(name)) {
	case ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".zip", ".docx", ".odt", ".pptx", ".xlsx", ".mp3", ".mp4", ".gz":
		method = zip.Store
	}
	return z.CreateHeader(&zip.FileHeader{Name: zipName(name), Method: method, Modified: when.UTC()})
}

// errWrite marks a failure to write the zip itself (the client went away), as
// opposed to a file that could not be read, which is left out.
var errWrite = errors.New("export: writing the zip failed")

// copyFile copies a file of the snapshot into a zip as a stream from the
// repository, so a large handout is never held in memory whole. A file that
// cannot be read (too large, say) gives its error before anything is added.
func copyFile(z *zip.Writer, snap fs.FS, src, name string, when time.Time) error {
	f, err := snap.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := createEntry(z, name, when)
	if err != nil {
		return fmt.Errorf("%w: %w", errWrite, err)
	}
	if _, err := io.Copy(w, f); err != nil {
		// A read that fails midway leaves a short entry; the zip as a
		// whole is then not to be trusted.
		return fmt.Errorf("%w: %s: %w", errWrite, src, err)
	}
	return nil
}

// Series returns a series' bundle: a folder per module, in the series' order.
func (s *Service) Series(ctx context.Context, slug string, opts Options) (*File, error) {
	entry, _, err := s.catalog.Series(ctx, slug, opts.Rev)
	if err != nil {
		return nil, err
	}
	v, err := s.version(ctx, opts.Rev)
	if err != nil {
		return nil, err
	}
	commit := v.Commit
	key := fmt.Sprintf("series %s %s %d %s", commit, slug, opts.Paper, opts.BaseURL)
	return s.generate(ctx, key, func(ctx context.Context) (*File, error) {
		var buf bytes.Buffer
		z := zip.NewWriter(&buf)
		var readme strings.Builder
		fmt.Fprintf(&readme, "# %s\n\n%s\n\n- Version: %s\n- From: %s/series/%s\n\n## Modules\n\n", entry.Title, entry.Summary,
			v.Label(), strings.TrimRight(opts.BaseURL, "/"), slug)
		for i, m := range entry.Modules {
			dir := fmt.Sprintf("%02d-%s", i+1, m.Slug)
			doc, _, skipped, err := s.Document(ctx, m.Slug, Options{Rev: commit, Start: -1, Paper: opts.Paper, BaseURL: opts.BaseURL})
			if err != nil {
				fmt.Fprintf(&readme, "%d. %s: left out (%s)\n", i+1, m.Title, praxis.ErrorMessage(err))
				continue
			}
			if err := s.addModule(ctx, z, dir, doc, skipped, opts); err != nil {
				return nil, err
			}
			fmt.Fprintf(&readme, "%d. `%s/`: %s (%s)\n", i+1, dir, m.Title, formatDuration(m.Duration))
		}
		if err := addFile(z, "README.md", []byte(readme.String()), time.Time{}); err != nil {
			return nil, err
		}
		if err := s.addLicence(ctx, z, "", commit); err != nil {
			return nil, err
		}
		if err := z.Close(); err != nil {
			return nil, err
		}
		return &File{Name: fileName(slug, v, "zip"), ContentType: "application/zip", Body: buf.Bytes(), ETag: etag(key),
			Module: "series:" + slug, Format: "zip", Commit: commit}, nil
	})
}

// Curriculum returns the whole curriculum at a revision as a zip of its files,
// as git archive would, under one folder. The zip is streamed (File.Stream):
// each file is copied from the repository into the response as it goes, so
// neither large files nor the whole zip are held in memory, and nothing is
// cached. Files over gitstore.MaxStreamSize are left out and named in
// LEFT-OUT.txt.
func (s *Service) Curriculum(ctx context.Context, opts Options) (*File, error) {
	v, err := s.version(ctx, opts.Rev)
	if err != nil {
		return nil, err
	}
	commit := v.Commit
	snap, err := s.catalog.Snapshot(ctx, commit)
	if err != nil {
		return nil, err
	}
	info, err := s.catalog.Commit(ctx, commit)
	if err != nil {
		return nil, err
	}
	root := strings.TrimSuffix(fileName("curriculum", v, "zip"), ".zip")
	f := &File{Name: root + ".zip", ContentType: "application/zip", ETag: etag("curriculum " + commit),
		Module: "curriculum", Format: "zip", Commit: commit}
	f.Stream = func(ctx context.Context, w io.Writer) error {
		wait, cancel := context.WithTimeout(ctx, streamWait)
		defer cancel()
		select {
		case s.streams <- struct{}{}:
		case <-wait.Done():
			return praxis.Errorf(praxis.EUNAVAILABLE, "praxis is busy sending other copies of the curriculum; try again in a minute")
		}
		defer func() { <-s.streams }()
		z := zip.NewWriter(w)
		var skipped []string
		err := fs.WalkDir(snap, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := copyFile(z, snap, p, path.Join(root, p), info.Committer.When); err != nil {
				if errors.Is(err, errWrite) {
					return err
				}
				skipped = append(skipped, fmt.Sprintf("%s: %s", p, praxis.ErrorMessage(err)))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(skipped) > 0 {
			note := "These files of the curriculum are not in this zip; clone the repository with git to get them:\n\n" + strings.Join(skipped, "\n") + "\n"
			if err := addFile(z, path.Join(root, "LEFT-OUT.txt"), []byte(note), info.Committer.When); err != nil {
				return err
			}
		}
		return z.Close()
	}
	return f, nil
}

// streamWait is how long a streamed download waits for a place.
const streamWait = 5 * time.Second

// formatDuration says a length in minutes for people: "2 hours 30 minutes".
func formatDuration(m int) string {
	h, min := m/60, m%60
	plural := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case h == 0:
		return plural(min, "minute")
	case min == 0:
		return plural(h, "hour")
	}
	return plural(h, "hour") + " " + plural(min, "minute")
}

// zipName makes a path from the repository safe to extract anywhere. Names
// come from contributors, and a push can bring any name git allows, such as
// `..\..\evil.bat`: on Windows a backslash separates folders and that file
// would land outside the folder it was unzipped into. Each part of the path
// keeps its letters; backslashes, the characters Windows forbids, control
// characters, "." and ".." parts, trailing dots and spaces, and Windows's
// device names (CON, NUL, COM1...) are replaced.
func zipName(name string) string {
	parts := strings.Split(name, "/")
	out := parts[:0]
	for _, part := range parts {
		part = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || strings.ContainsRune(`\<>:"|?*`, r) {
				return '_'
			}
			return r
		}, part)
		part = strings.TrimRight(part, ". ")
		switch {
		case part == "":
			part = "_"
		case module.IsWindowsDevice(part):
			part = "_" + part
		}
		out = append(out, part)
	}
	return strings.Join(out, "/")
}
