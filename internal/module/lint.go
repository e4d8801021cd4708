package module

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// MaxPlanSize bounds the size of a module.md that praxis will parse.
const MaxPlanSize = 1 << 20

// CheckModule reads, parses and validates the module with the given slug in a
// curriculum, and looks for conflict markers left in its text files. The
// document is nil when the plan could not be read or parsed.
func CheckModule(fsys fs.FS, slug string) (*Document, []praxis.Problem) {
	doc, problems := checkPlan(fsys, slug)
	return doc, append(problems, ConflictMarkers(fsys, Dir(slug))...)
}

func checkPlan(fsys fs.FS, slug string) (*Document, []praxis.Problem) {
	planPath := PlanPath(slug)
	src, err := readLimited(fsys, planPath, MaxPlanSize)
	if err != nil {
		return nil, []praxis.Problem{{Path: planPath, Message: err.Error()}}
	}
	doc, problems := Parse(planPath, slug, src)
	if doc == nil {
		return nil, problems
	}
	exists := func(p string) bool {
		info, err := fs.Stat(fsys, p)
		return err == nil && !info.IsDir()
	}
	return doc, append(problems, Validate(doc, exists)...)
}

// IsTextFile reports whether a file in a module is edited as text, by its
// name: Markdown, plain text, YAML and CSV.
func IsTextFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".txt", ".yaml", ".yml", ".csv":
		return true
	}
	return false
}

// Conflict markers as git writes them: a line that opens or closes a conflict.
// "=======" alone is not counted: in Markdown it underlines a heading.
const (
	markerOpen  = "<<<<<<< "
	markerClose = ">>>>>>> "
)

// HasConflictMarkers reports whether text holds a line that opens or closes a
// conflict (the unfinished result of a merge), and the first such line.
func HasConflictMarkers(text string) (int, bool) {
	for i, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, markerOpen) || strings.HasPrefix(l, markerClose) {
			return i + 1, true
		}
	}
	return 0, false
}

// ConflictMarkers checks every text file under dir (up to MaxPlanSize each)
// for conflict markers, one problem per file.
func ConflictMarkers(fsys fs.FS, dir string) []praxis.Problem {
	var problems []praxis.Problem
	_ = fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !IsTextFile(p) {
			return nil
		}
		data, err := readLimited(fsys, p, MaxPlanSize)
		if err != nil {
			return nil
		}
		if line, ok := HasConflictMarkers(string(data)); ok {
			problems = append(problems, praxis.Problem{Path: p, Line: line,
				Message: "holds conflict markers (<<<<<<< and >>>>>>>) left by a merge: choose what to keep and remove them"})
		}
		return nil
	})
	return problems
}

// ReadSeries reads and parses the series file name (series/<slug>.yaml).
func ReadSeries(fsys fs.FS, name, slug string) (*SeriesDocument, []praxis.Problem) {
	src, err := readLimited(fsys, name, MaxPlanSize)
	if err != nil {
		return nil, []praxis.Problem{{Path: name, Message: err.Error()}}
	}
	return ParseSeries(name, slug, src)
}

func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	info, err := fs.Stat(fsys, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errors.New("is missing: every module folder needs a module.md")
	case err != nil:
		return nil, fmt.Errorf("cannot be read: %v", err)
	case info.IsDir():
		return nil, errors.New("is a folder, not a file")
	case info.Size() > limit:
		return nil, fmt.Errorf("is %d bytes, more than the limit of %d", info.Size(), limit)
	}
	return fs.ReadFile(fsys, name)
}

// Checks are the two steps of Lint that a caller may answer from a cache:
// checking one module folder and reading one series file. Nil fields mean
// CheckModule and ReadSeries.
type Checks struct {
	Module func(fsys fs.FS, slug string) (*Document, []praxis.Problem)
	Series func(fsys fs.FS, name, slug string) (*SeriesDocument, []praxis.Problem)
}

// Lint checks a whole curriculum: every module, every series file, and how they
// refer to each other. Problems are sorted by path and line.
func Lint(fsys fs.FS) []praxis.Problem { return LintWith(fsys, Checks{}) }

// LintWith is Lint with its per-module and per-series steps given, so that a
// cache of checked modules gives exactly the problems Lint would.
func LintWith(fsys fs.FS, checks Checks) []praxis.Problem {
	if checks.Module == nil {
		checks.Module = CheckModule
	}
	if checks.Series == nil {
		checks.Series = ReadSeries
	}
	var problems []praxis.Problem
	modules := map[string]*Document{}
	entries, err := fs.ReadDir(fsys, ModulesDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		problems = append(problems, praxis.Problem{Path: ModulesDir, Message: "cannot be read: " + err.Error()})
	}
	if errors.Is(err, fs.ErrNotExist) {
		problems = append(problems, praxis.Problem{Path: ModulesDir, Message: "is missing: a curriculum keeps its modules in modules/<slug>/module.md"})
	}
	for _, entry := range entries {
		name := path.Join(ModulesDir, entry.Name())
		if !entry.IsDir() {
			problems = append(problems, praxis.Problem{Path: name, Message: "is not a folder: each module is a folder modules/<slug>/ holding module.md"})
			continue
		}
		doc, found := checks.Module(fsys, entry.Name())
		problems = append(problems, found...)
		if doc != nil {
			modules[entry.Name()] = doc
		}
	}

	var series []*SeriesDocument
	seriesEntries, err := fs.ReadDir(fsys, SeriesDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		problems = append(problems, praxis.Problem{Path: SeriesDir, Message: "cannot be read: " + err.Error()})
	}
	for _, entry := range seriesEntries {
		name := path.Join(SeriesDir, entry.Name())
		slug, isYAML := strings.CutSuffix(entry.Name(), ".yaml")
		if entry.IsDir() || !isYAML {
			problems = append(problems, praxis.Problem{Path: name, Message: "is not a series file: series are series/<slug>.yaml"})
			continue
		}
		doc, found := checks.Series(fsys, name, slug)
		problems = append(problems, found...)
		if doc != nil {
			series = append(series, doc)
		}
	}

	problems = append(problems, CheckSeries(series, modules)...)
	SortProblems(problems)
	return problems
}

// SortProblems orders problems by path, then line.
func SortProblems(problems []praxis.Problem) {
	sort.SliceStable(problems, func(i, j int) bool {
		if problems[i].Path != problems[j].Path {
			return problems[i].Path < problems[j].Path
		}
		return problems[i].Line < problems[j].Line
	})
}

// CheckSeries checks that series files and the modules' series and order fields
// agree: every listed module exists and names the series at the position of its
// order, no module is listed twice, no two modules of a series share an order, and
// every module that names a series is listed in it.
func CheckSeries(series []*SeriesDocument, modules map[string]*Document) []praxis.Problem {
	var problems []praxis.Problem
	add := func(path string, line int, format string, args ...any) {
		problems = append(problems, praxis.Problem{Path: path, Line: line, Message: fmt.Sprintf(format, args...)})
	}
	bySlug := map[string]*SeriesDocument{}
	for _, s := range series {
		bySlug[s.Series.Slug] = s
		listed := map[string]bool{}
		for i, slug := range s.Series.Modules {
			line := s.moduleLine(i)
			if listed[slug] {
				add(s.Path, line, "module %q is listed twice", slug)
				continue
			}
			listed[slug] = true
			doc, ok := modules[slug]
			switch {
			case !ok:
				add(s.Path, line, "module %q does not exist (or its plan cannot be read)", slug)
			case doc.Module.Series != s.Series.Slug:
				add(s.Path, line, "module %q is listed here but its front matter says series: %q", slug, doc.Module.Series)
			case doc.Module.Order != i+1:
				add(s.Path, line, "module %q is number %d in this list but its front matter says order: %d", slug, i+1, doc.Module.Order)
			}
		}
	}

	slugs := make([]string, 0, len(modules))
	for slug := range modules {
		slugs = append(slugs, slug)
	}
	sort.Strings(slugs)
	orders := map[string]map[int]string{} // series -> order -> first module with it
	for _, slug := range slugs {
		doc := modules[slug]
		m := doc.Module
		if m.Series == "" {
			continue
		}
		s, ok := bySlug[m.Series]
		switch {
		case !ok:
			add(doc.Path, doc.FieldLine("series"), "series: there is no series file %s", SeriesPath(m.Series))
		case !slices.Contains(s.Series.Modules, slug):
			add(doc.Path, doc.FieldLine("series"), "series: this module is not listed in %s", s.Path)
		}
		if m.Order <= 0 {
			continue
		}
		if orders[m.Series] == nil {
			orders[m.Series] = map[int]string{}
		}
		if other, taken := orders[m.Series][m.Order]; taken {
			add(doc.Path, doc.FieldLine("order"), "order: %d is also the order of %q in series %q", m.Order, other, m.Series)
			continue
		}
		orders[m.Series][m.Order] = slug
	}
	return problems
}
