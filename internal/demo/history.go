package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// HistoryOptions shapes a generated curriculum history.
type HistoryOptions struct {
	Modules  int
	Commits  int
	Seed     uint64
	Module   ModuleOptions
	Start    time.Time // time of the first commit; zero means 2020-01-01
	Interval time.Duration
}

// BuildHistory fills an empty repository with a curriculum of opts.Modules
// generated modules and opts.Commits commits on main, each editing one or two
// modules (sometimes a handout, sometimes adding a line to the plan), as years
// of contributions would. Commits are written without moving main until the
// end, so building 10,000 takes seconds. It returns main's head.
func BuildHistory(ctx context.Context, store *gitstore.Store, opts HistoryOptions) (string, error) {
	if opts.Start.IsZero() {
		opts.Start = time.Date(2020, 1, 1, 9, 0, 0, 0, time.UTC)
	}
	if opts.Interval == 0 {
		opts.Interval = 3 * time.Hour
	}
	r := rand.New(rand.NewPCG(opts.Seed, opts.Seed+1))
	files := Modules(opts.Modules, opts.Seed, opts.Module)
	plans := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f.Path, "/module.md") {
			plans[f.Path] = string(f.Content)
		}
	}
	when := opts.Start
	sig := func(i int) praxis.Signature {
		when = when.Add(opts.Interval)
		return praxis.Signature{Name: fmt.Sprintf("Contributor %d", i%97), Email: fmt.Sprintf("c%d@example.org", i%97), When: when}
	}
	head, err := store.CreateCommit(ctx, gitstore.CommitRequest{Changes: files, Author: sig(0), Message: "Generated curriculum"})
	if err != nil {
		return "", err
	}
	for i := 1; i < opts.Commits; i++ {
		var changes []praxis.FileChange
		for range 1 + r.IntN(2) {
			slug := ModuleSlug(r.IntN(opts.Modules))
			if r.IntN(4) == 0 {
				changes = append(changes, praxis.FileChange{
					Path:    fmt.Sprintf("modules/%s/handouts/handout-1.md", slug),
					Content: []byte(fmt.Sprintf("# Handout for %s\n\nRevised in change %d. %s\n", slug, i, paragraph(r, 3))),
				})
				continue
			}
			p := "modules/" + slug + "/module.md"
			plans[p] += fmt.Sprintf("\nA note added in change %d: %s\n", i, sentences[r.IntN(len(sentences))])
			changes = append(changes, praxis.FileChange{Path: p, Content: []byte(plans[p])})
		}
		next, err := store.CreateCommit(ctx, gitstore.CommitRequest{Parents: []string{head}, Changes: changes, Author: sig(i),
			Message: fmt.Sprintf("Improve %d: %s", i, strings.TrimPrefix(changes[0].Path, "modules/"))})
		if praxis.ErrorCode(err) == praxis.EINVALID {
			continue // the same text twice; try another change
		}
		if err != nil {
			return "", err
		}
		head = next
	}
	if err := store.CreateBranch(ctx, praxis.MainBranch, head); err != nil {
		return "", err
	}
	return head, nil
}

// historyFormat changes when BuildHistory's output changes, so that cached
// repositories from an older praxis are not reused.
const historyFormat = 1

// CachedHistory returns the folder of a bare repository built by BuildHistory
// with opts, building it on first use under dir (os.TempDir() when empty) and
// reusing it afterwards: benchmarks in several packages share one 10,000-commit
// repository instead of each spending half a minute on it. Callers must not
// write to main.
func CachedHistory(ctx context.Context, dir string, opts HistoryOptions) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("praxis-history-v%d-%dm-%dc-%d.git", historyFormat, opts.Modules, opts.Commits, opts.Seed))
	if _, err := os.Stat(filepath.Join(path, "refs", "heads", "main")); err == nil {
		return path, nil
	}
	tmp := path + fmt.Sprintf(".building-%d", os.Getpid())
	os.RemoveAll(tmp)
	store, _, err := gitstore.Open(tmp, gitstore.Options{})
	if err != nil {
		return "", err
	}
	_, err = BuildHistory(ctx, store, opts)
	store.Close()
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(filepath.Join(path, "refs", "heads", "main")); statErr == nil {
			return path, nil // built meanwhile by another process
		}
		return "", err
	}
	return path, nil
}
