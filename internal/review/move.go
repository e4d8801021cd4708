package review

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// fieldsError is EINVALID naming every field at fault at once, so that a
// form shows them all beside their fields: with one, its message; with more,
// how many.
func fieldsError(fields []praxis.FieldError) error {
	err := praxis.InvalidFields(fields)
	if len(fields) > 1 {
		err.(*praxis.Error).Message = fmt.Sprintf("%d fields need fixing", len(fields))
	}
	return err
}

// moveProposal checks a proposal to move or copy a module's folder and
// returns its changes at base: every file under the new name, and for a
// move, the old files deleted and the series files naming the module
// updated; a copy leaves every series (its front matter's series and order
// go), so that the curriculum stays lint-clean.
func (s *Service) moveProposal(ctx context.Context, req NewProposal, base string) ([]praxis.FileChange, error) {
	var problems []praxis.FieldError
	fail := func(field, format string, args ...any) {
		problems = append(problems, praxis.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	from, to := req.Module, strings.TrimSpace(req.MoveTo)
	snap, err := s.store.Snapshot(ctx, base)
	if err != nil {
		return nil, err
	}
	switch _, err := snap.Stat(module.Dir(to)); {
	case to == "":
		fail("move_to", "give the new address, such as %s-for-tenants", from)
	case !module.ValidSlug(to):
		fail("move_to", "an address is lowercase letters, digits and single hyphens (such as %s-for-tenants), at most %d characters", from, module.MaxSlugLength)
	case to == from:
		fail("move_to", "this is the module's address already")
	case err == nil:
		fail("move_to", "there is a module at /modules/%s already; choose another address", to)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	// The address is named first: the API's "field" is the first field.
	if _, _, err := cleanProposalText(req.Title, req.Description); err != nil {
		fail("title", "%s", praxis.ErrorMessage(err))
	}
	if len(problems) > 0 {
		return nil, fieldsError(problems)
	}

	var changes []praxis.FileChange
	err = fs.WalkDir(snap, module.Dir(from), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := snap.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, module.Dir(from))
		if req.Copy && rel == "/"+module.PlanFile {
			data = leaveSeries(data)
		}
		changes = append(changes, praxis.FileChange{Path: module.Dir(to) + rel, Content: data})
		if !req.Copy {
			changes = append(changes, praxis.FileChange{Path: p, Delete: true})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if req.Copy {
		return changes, nil
	}
	series, err := fs.ReadDir(snap, module.SeriesDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	item := regexp.MustCompile(`^(\s*-\s*["']?)` + regexp.QuoteMeta(from) + `(["']?\s*(#.*)?)$`)
	for _, e := range series {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		p := module.SeriesDir + "/" + e.Name()
		data, err := snap.ReadFile(p)
		if err != nil {
			return nil, err
		}
		lines := strings.Split(string(data), "\n")
		changed := false
		for i, l := range lines {
			if item.MatchString(l) {
				lines[i], changed = item.ReplaceAllString(l, "${1}"+to+"${2}"), true
			}
		}
		if changed {
			changes = append(changes, praxis.FileChange{Path: p, Content: []byte(strings.Join(lines, "\n"))})
		}
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, nil
}

// seriesField matches the front matter lines that place a module in a series.
var seriesField = regexp.MustCompile(`^(series|order)\s*:`)

// leaveSeries takes a plan out of its series: the series and order lines of
// its front matter go.
func leaveSeries(plan []byte) []byte {
	lines := strings.SplitAfter(string(plan), "\n")
	var out []string
	inFrontMatter := false
	for i, l := range lines {
		trimmed := strings.TrimRight(l, "\r\n")
		if trimmed == "---" {
			if i == 0 {
				inFrontMatter = true
			} else if inFrontMatter {
				inFrontMatter = false
			}
		} else if inFrontMatter && seriesField.MatchString(trimmed) {
			continue
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, ""))
}

// moveMessage is the commit message of a move or a copy.
func moveMessage(req NewProposal) string {
	if req.Copy {
		return fmt.Sprintf("Copy %s to %s", req.Module, req.MoveTo)
	}
	return fmt.Sprintf("Rename %s to %s", req.Module, req.MoveTo)
}
