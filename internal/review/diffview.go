package review

import (
	"bytes"
	"context"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/diff"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/module"
)

// FileDiff is how one file differs between two versions.
type FileDiff struct {
	Path   string `json:"path"`
	Status string `json:"status"` // added, deleted, modified
	Binary bool   `json:"binary"`
	// Unified is the source diff in unified format.
	Unified string `json:"unified"`
	// Words is the readable text of a Markdown file, word by word: what a
	// reader would see added and removed.
	Words []diff.Segment `json:"-"`
}

// Diff compares two commits below a folder ("" for everything), file by file.
// Results are cached by the pair of commits.
func (s *Service) Diff(ctx context.Context, from, to, prefix string) ([]FileDiff, error) {
	return s.diffMoved(ctx, from, prefix, to, prefix)
}

// diffMoved compares folder fromDir at from with folder toDir at to (a module
// before and after its folder moved), naming files by their paths under toDir.
func (s *Service) diffMoved(ctx context.Context, from, fromDir, to, toDir string) ([]FileDiff, error) {
	key := from + " " + fromDir + " " + to + " " + toDir
	if d, ok := s.diffs.Get(key); ok {
		return d, nil
	}
	changed, err := s.store.ChangedFilesMoved(ctx, from, fromDir, to, toDir)
	if err != nil {
		return nil, err
	}
	out := make([]FileDiff, 0, len(changed))
	for _, c := range changed {
		fd, err := s.fileDiff(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, fd)
	}
	s.diffs.Add(key, out)
	return out, nil
}

func (s *Service) fileDiff(ctx context.Context, c gitstore.FileDiff) (FileDiff, error) {
	fd := FileDiff{Path: c.Path, Status: "modified"}
	switch {
	case c.OldID == "":
		fd.Status = "added"
	case c.NewID == "":
		fd.Status = "deleted"
	}
	var old, new []byte
	var err error
	if c.OldID != "" {
		if old, err = s.store.ReadBlob(ctx, c.OldID); err != nil {
			return fd, err
		}
	}
	if c.NewID != "" {
		if new, err = s.store.ReadBlob(ctx, c.NewID); err != nil {
			return fd, err
		}
	}
	if isBinaryContent(old) || isBinaryContent(new) {
		fd.Binary = true
		return fd, nil
	}
	nameA, nameB := "a/"+c.Path, "b/"+c.Path
	if c.OldID == "" {
		nameA = "/dev/null"
	}
	if c.NewID == "" {
		nameB = "/dev/null"
	}
	fd.Unified = diff.Unified(nameA, nameB, string(old), string(new), 3)
	if ext := strings.ToLower(path.Ext(c.Path)); ext == ".md" || ext == ".markdown" {
		fd.Words = diff.Words(readable(string(old)), readable(string(new)))
	}
	return fd, nil
}

// readable is the text of a Markdown file as a reader sees it; a plan's front
// matter is left out (its changes show in the source diff and agenda table).
func readable(src string) string {
	if strings.HasPrefix(src, "---\n") {
		if _, body, ok := strings.Cut(src[4:], "\n---\n"); ok {
			src = body
		}
	}
	return module.ReadableText(src)
}

func isBinaryContent(b []byte) bool {
	return bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b)
}
