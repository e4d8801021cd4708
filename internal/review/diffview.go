package review

import (
	"bytes"
	"context"
	"path"
	"sort"
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
	// MovedFrom, on an entry for a module folder (Status "moved"), is the
	// folder it was moved from; the entries after it compare the folder's
	// files with the old folder's.
	MovedFrom string `json:"moved_from,omitempty"`
}

// changesDiff compares two commits as a reviewer reads them: a module folder
// moved between them is one "moved" entry followed by how its files differ
// from the old folder's, not every file deleted and added again.
func (s *Service) changesDiff(ctx context.Context, from, to string) ([]FileDiff, error) {
	all, err := s.Diff(ctx, from, to, "")
	if err != nil {
		return nil, err
	}
	moved, err := s.store.ModuleRenames(ctx, from, to)
	if err != nil || len(moved) == 0 {
		return all, err
	}
	inMove := func(p string) bool {
		for _, m := range moved {
			if strings.HasPrefix(p, module.Dir(m.From)+"/") || strings.HasPrefix(p, module.Dir(m.To)+"/") {
				return true
			}
		}
		return false
	}
	var out []FileDiff
	for _, f := range all {
		if !inMove(f.Path) {
			out = append(out, f)
		}
	}
	for _, m := range moved {
		oldDir, newDir := module.Dir(m.From), module.Dir(m.To)
		out = append(out, FileDiff{Path: newDir, Status: "moved", MovedFrom: oldDir,
			Unified: "diff --git a/" + oldDir + " b/" + newDir + "\nrename from " + oldDir + "\nrename to " + newDir + "\n"})
		files, err := s.diffMoved(ctx, from, oldDir, to, newDir)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// MaxDiffSize is the largest file compared line by line and word by word:
// larger ones are listed as changed, their content unread.
const MaxDiffSize = 1 << 20

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
