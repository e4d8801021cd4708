package review

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/diff"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Edit is a change to one file of a module, by path inside the module's folder
// ("module.md", "handouts/cards.md"). Content is saved byte for byte, unless
// Typed says it was typed in a browser's text box.
type Edit struct {
	Path    string
	Content []byte
	Delete  bool
	// Typed says the content comes from a text box in a browser, which sends
	// every line break as CRLF and cannot hold a byte-order mark, a lone CR or
	// anything that is not text. The line breaks are made the file's own (as
	// the file is at the version edited: CRLF when it uses CRLF, LF
	// otherwise), a leading byte-order mark is kept when the file had one,
	// and a file that could not be edited in a text box (TextEditable) is
	// refused, so a save never turns bytes it could not show into others.
	Typed bool
}

// ProblemsError is EINVALID carrying the lint problems that refused a save, so
// that forms and the API can show them beside the text.
type ProblemsError struct {
	Problems []praxis.Problem
}

func (e *ProblemsError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error, so ErrorCode finds EINVALID.
func (e *ProblemsError) Unwrap() error {
	msg := "the module has problems; fix them and save again"
	if len(e.Problems) == 1 {
		msg = "the module has a problem: " + e.Problems[0].String()
	}
	return &praxis.Error{Code: praxis.EINVALID, Message: msg}
}

// ProblemList returns the problems, for the API's error body.
func (e *ProblemsError) ProblemList() []praxis.Problem { return e.Problems }

// bom is the UTF-8 byte-order mark.
var bom = []byte("\ufeff")

// TextEditable reports whether a file can go through a browser's text box
// and come back byte for byte once its line breaks are made its own again:
// UTF-8 (after an optional byte-order mark, which the editor keeps aside),
// no control characters but tab and line breaks (HTML turns NUL into U+FFFD),
// and line breaks all LF or all CRLF (a text box sends every one as CRLF and
// keeps no lone CR). Any other file is shown for download and replacement,
// never in a text box.
func TextEditable(content []byte) bool {
	content = bytes.TrimPrefix(content, bom)
	if !utf8.Valid(content) {
		return false
	}
	crlf := bytes.Contains(content, []byte("\r\n"))
	for i, r := range string(content) {
		switch {
		case r == '\t' || r == '\n' && (!crlf || i > 0 && content[i-1] == '\r'):
		case r == '\r' && crlf && i+1 < len(content) && content[i+1] == '\n':
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return false
		}
	}
	return true
}

// ForTextBox returns a text-editable file as a browser's text box should
// hold it: without its byte-order mark.
func ForTextBox(content []byte) string {
	return string(bytes.TrimPrefix(content, bom))
}

// fromTextBox turns what a browser's text box sent back into the bytes of
// the file as it was (base; nil for a new file): its line breaks and its
// byte-order mark.
func fromTextBox(typed, base []byte) []byte {
	text := bytes.ReplaceAll(typed, []byte("\r\n"), []byte("\n"))
	text = bytes.ReplaceAll(text, []byte("\r"), []byte("\n"))
	text = bytes.TrimPrefix(text, bom)
	if bytes.Contains(base, []byte("\r\n")) {
		text = bytes.ReplaceAll(text, []byte("\n"), []byte("\r\n"))
	}
	if bytes.HasPrefix(base, bom) {
		text = append(slices.Clip(bom), text...)
	}
	return text
}

// moduleChanges checks edits to a module's files and turns them into repository
// changes: paths stay inside the module (module.md or handouts/), files stay
// under the size limit, the plan and Markdown handouts are UTF-8 without
// conflict markers. base is the branch's files where the edits apply, for
// edits typed in a browser (Edit.Typed).
func moduleChanges(slug string, edits []Edit, base fs.FS) ([]praxis.FileChange, error) {
	if len(edits) == 0 {
		return nil, praxis.Errorf(praxis.EINVALID, "the change touches no files")
	}
	var out []praxis.FileChange
	for _, e := range edits {
		p, err := gitstore.CleanPath(e.Path)
		if err != nil {
			return nil, err
		}
		if p != module.PlanFile && !strings.HasPrefix(p, module.HandoutDir+"/") {
			return nil, praxis.Errorf(praxis.EINVALID, "the path %q is not allowed: a module holds module.md and files under handouts/", e.Path)
		}
		if problem := module.CheckPortablePath(p); problem != "" && !e.Delete {
			return nil, praxis.Errorf(praxis.EINVALID, "%s: rename the file and add it again", problem)
		}
		if p == module.PlanFile && e.Delete {
			return nil, praxis.Errorf(praxis.EINVALID, "module.md cannot be deleted: it is the plan")
		}
		content := e.Content
		if e.Typed && !e.Delete {
			old, err := fs.ReadFile(base, module.Dir(slug)+"/"+p)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				old = nil
			case err != nil:
				return nil, err
			case !TextEditable(old):
				return nil, praxis.Errorf(praxis.EINVALID, "%s is not a text file, so it cannot be saved from a text box: nothing was saved. Upload a replacement instead", p)
			}
			content = fromTextBox(content, old)
		}
		if len(content) > MaxFileSize {
			return nil, praxis.Errorf(praxis.ETOOLARGE, "%s is %d bytes; the limit is %d (5 MB)", p, len(content), MaxFileSize)
		}
		if !e.Delete && isText(p) && utf8.Valid(content) && diff.HasConflictMarkers(string(content)) {
			return nil, praxis.Errorf(praxis.EINVALID, "%s still holds conflict markers (<<<<<<< and >>>>>>>): choose what to keep and remove them", p)
		}
		if !e.Delete && isMarkdown(p) && !utf8.Valid(content) {
			return nil, praxis.Errorf(praxis.EINVALID, "%s is not UTF-8 text; save it as UTF-8", p)
		}
		out = append(out, praxis.FileChange{Path: module.Dir(slug) + "/" + p, Content: content, Delete: e.Delete})
	}
	return out, nil
}

// isText reports whether a file holds text by its name.
func isText(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown", ".txt", ".yaml", ".yml", ".csv":
		return true
	}
	return false
}

// isMarkdown reports whether a file is Markdown, which praxis renders and so
// needs as UTF-8.
func isMarkdown(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".md", ".markdown":
		return true
	}
	return false
}

// checkModule lints a module as it would be after changes, refusing with its
// problems.
func checkModule(snap fs.FS, slug string, changes []praxis.FileChange) error {
	overlay := newOverlay(snap, changes)
	if _, err := fs.Stat(overlay, module.PlanPath(slug)); errors.Is(err, fs.ErrNotExist) {
		return praxis.Errorf(praxis.ENOTFOUND, "there is no module %q here", slug)
	}
	if _, problems := module.CheckModule(overlay, slug); len(problems) > 0 {
		return &ProblemsError{Problems: problems}
	}
	return nil
}

// overlay is a read-only file system: a snapshot with pending changes on top.
type overlay struct {
	base    fs.FS
	files   map[string][]byte
	deleted map[string]bool
}

func newOverlay(base fs.FS, changes []praxis.FileChange) *overlay {
	o := &overlay{base: base, files: map[string][]byte{}, deleted: map[string]bool{}}
	for _, c := range changes {
		if c.Delete {
			o.deleted[c.Path] = true
			delete(o.files, c.Path)
		} else {
			o.files[c.Path] = c.Content
			delete(o.deleted, c.Path)
		}
	}
	return o
}

func (o *overlay) Open(name string) (fs.File, error) {
	if data, ok := o.files[name]; ok {
		return &memFile{name: path.Base(name), Reader: bytes.NewReader(data), size: int64(len(data))}, nil
	}
	if o.deleted[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return o.base.Open(name)
}

func (o *overlay) ReadFile(name string) ([]byte, error) {
	if data, ok := o.files[name]; ok {
		return data, nil
	}
	if o.deleted[name] {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return fs.ReadFile(o.base, name)
}

func (o *overlay) Stat(name string) (fs.FileInfo, error) {
	if data, ok := o.files[name]; ok {
		return &memFile{name: path.Base(name), size: int64(len(data))}, nil
	}
	if o.deleted[name] {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Stat(o.base, name)
}

type memFile struct {
	name string
	*bytes.Reader
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Size() int64                { return f.size }
func (f *memFile) Mode() fs.FileMode          { return 0o644 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }
func (f *memFile) Read(p []byte) (int, error) {
	if f.Reader == nil {
		return 0, io.EOF
	}
	return f.Reader.Read(p)
}

// writeModule commits edits to a module on a branch, after checking them
// against the module rules at the branch's head. base is the commit the edit
// started from: if the branch has moved since, the save is refused with
// ECONFLICT and nothing is written.
func (s *Service) writeModule(ctx context.Context, branch, slug, base string, edits []Edit, user *praxis.User, message string) (string, error) {
	head, err := s.store.Branch(ctx, branch)
	if err != nil {
		return "", err
	}
	if base == "" {
		return "", praxis.Errorf(praxis.EINVALID, "say which version the edit started from (base)")
	}
	if base != head {
		return "", staleError(head)
	}
	snap, err := s.store.Snapshot(ctx, head)
	if err != nil {
		return "", err
	}
	changes, err := moduleChanges(slug, edits, snap)
	if err != nil {
		return "", err
	}
	if err := checkModule(snap, slug, changes); err != nil {
		return "", err
	}
	if strings.TrimSpace(message) == "" {
		message = "Edit " + slug
	}
	next, err := s.store.WriteCommit(ctx, gitstore.CommitRequest{
		Branch: branch, Expected: head, Changes: changes, Author: s.signature(user), Message: message, By: user.ID,
	})
	if praxis.ErrorCode(err) == praxis.ECONFLICT {
		current, _ := s.store.Branch(ctx, branch)
		return "", staleError(current)
	}
	return next, err
}

func staleError(head string) error {
	return &StaleError{Head: head}
}

// StaleError is ECONFLICT: someone saved a newer version since the edit began.
type StaleError struct {
	// Head is the newer version.
	Head string
}

func (e *StaleError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error.
func (e *StaleError) Unwrap() error {
	return praxis.Errorf(praxis.ECONFLICT, "someone saved a newer version (%s) since you started editing; nothing was overwritten", praxis.ShortID(e.Head))
}

// StaleHead returns the newer version, for the API's error body.
func (e *StaleError) StaleHead() string { return e.Head }
