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
	// Size is the larger of the file's two versions, in bytes. Over
	// MaxDiffSize, TooLarge is set and the file is not compared at all (its
	// content is never read).
	Size     int64 `json:"size"`
	TooLarge bool  `json:"too_large"`
	// Unified is the source diff in unified format.
	Unified string `json:"unified"`
	// Words is the readable text of a Markdown file, word by word: what a
	// reader would see added and removed.
	Words []diff.Segment `json:"-"`
}

// MaxDiffSize is the largest file compared line by line and word by word:
// larger ones are listed as changed, their content unread.
const MaxDiffSize = 1 << 20

// Diff compares two commits below a folder ("" for everything), file by file.
// Results are cached by the pair of commits.
func (s *Service) Diff(ctx context.Context, from, to, prefix string) ([]FileDiff, error) {
	key := from + " " + to + " " + prefix
	if d, ok := s.diffs.Get(key); ok {
		return d, nil
	}
	changed, err := s.store.ChangedFiles(ctx, from, to, prefix)
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
	for _, id := range []string{c.OldID, c.NewID} {
		if id == "" {
			continue
		}
		size, err := s.store.BlobSize(ctx, id)
		if err != nil {
			return fd, err
		}
		fd.Size = max(fd.Size, size)
	}
	if fd.Size > MaxDiffSize {
		fd.TooLarge = true
		return fd, nil
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
