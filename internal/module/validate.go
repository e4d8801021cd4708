package module

import (
	_ "embed"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// Limits on front matter text, so that a plan stays printable.
const (
	MaxTitleLength   = 200
	MaxSummaryLength = 2000
	MaxListItem      = 500
)

//go:embed spdx-ids.txt
var spdxList string

var spdxIDs = func() map[string]bool {
	ids := map[string]bool{}
	for _, line := range strings.Split(spdxList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			ids[line] = true
		}
	}
	return ids
}()

// IsLicence reports whether id is an SPDX licence identifier, or a LicenseRef-
// identifier that SPDX allows for licences not on its list.
func IsLicence(id string) bool {
	if strings.HasPrefix(id, "LicenseRef-") && len(id) > len("LicenseRef-") {
		return true
	}
	return spdxIDs[id]
}

var languagePattern = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$`)

// Validate applies the rules of the module format to a parsed module. exists
// reports whether a path inside the curriculum (such as
// "modules/x/handouts/y.md") is a file; Validate uses it to check links.
func Validate(doc *Document, exists func(path string) bool) []praxis.Problem {
	p := &problems{path: doc.Path}
	m := &doc.Module
	line := doc.FieldLine

	if !ValidSlug(m.Slug) {
		p.add(0, fmt.Sprintf("folder name %q is not a valid slug: use lowercase letters, digits and single hyphens (for example exploring-class-2-stigma), at most %d characters", m.Slug, MaxSlugLength))
	}
	requireText(p, line("title"), "title", m.Title, MaxTitleLength)
	requireText(p, line("summary"), "summary", m.Summary, MaxSummaryLength)

	switch {
	case m.Series != "" && m.Order == 0:
		p.add(line("series"), "series: a module in a series needs an order (1 for the first module)")
	case m.Series == "" && m.Order != 0:
		p.add(line("order"), "order: only a module in a series has an order; add series or remove order")
	case m.Series != "" && !ValidSlug(m.Series):
		p.add(line("series"), fmt.Sprintf("series: %q is not a valid series slug", m.Series))
	}
	if m.Order < 0 {
		p.add(line("order"), "order: must be 1 or more")
	}

	if m.Duration <= 0 {
		p.add(line("duration"), "duration: must be a positive number of minutes")
	}
	if len(m.Agenda) == 0 {
		p.add(line("agenda"), "agenda: list the workshop's parts, each with a title and minutes")
	}
	for i, item := range m.Agenda {
		itemLine := line("agenda")
		if i < len(doc.agendaLines) {
			itemLine = doc.agendaLines[i]
		}
		if item.Title == "" {
			p.add(itemLine, fmt.Sprintf("agenda: item %d has no title", i+1))
		}
		if item.Minutes <= 0 {
			p.add(itemLine, fmt.Sprintf("agenda: item %d (%s) needs a positive number of minutes", i+1, item.Title))
		}
	}
	if total := m.AgendaMinutes(); len(m.Agenda) > 0 && m.Duration > 0 && total != m.Duration {
		p.add(line("duration"), fmt.Sprintf("duration is %d minutes but the agenda adds up to %d", m.Duration, total))
	}

	switch gs := m.GroupSize; {
	case gs.Min <= 0 || gs.Max <= 0:
		p.add(line("group_size"), "group_size: min and max must both be positive, for example {min: 6, max: 20}")
	case gs.Min > gs.Max:
		p.add(line("group_size"), fmt.Sprintf("group_size: min (%d) is larger than max (%d)", gs.Min, gs.Max))
	}
	if m.Facilitators <= 0 {
		p.add(line("facilitators"), "facilitators: must be 1 or more")
	}
	if len(m.Formats) == 0 {
		p.add(line("formats"), "formats: list at least one of "+strings.Join(praxis.Formats, ", "))
	}
	for _, f := range m.Formats {
		if !praxis.IsFormat(f) {
			p.add(line("formats"), fmt.Sprintf("formats: unknown format %q (use %s)", f, strings.Join(praxis.Formats, ", ")))
		}
	}
	if len(m.Objectives) == 0 {
		p.add(line("objectives"), "objectives: list at least one thing participants will be able to do")
	}
	for _, f := range []struct {
		field string
		list  []string
	}{
		{"audience", m.Audience}, {"formats", m.Formats}, {"objectives", m.Objectives},
		{"materials", m.Materials}, {"tags", m.Tags}, {"authors", m.Authors},
	} {
		field := f.field
		for _, item := range f.list {
			if item == "" {
				p.add(line(field), field+": has an empty item")
			} else if utf8.RuneCountInString(item) > MaxListItem {
				p.add(line(field), fmt.Sprintf("%s: an item is longer than %d characters", field, MaxListItem))
			}
		}
	}
	switch {
	case m.Language == "":
		p.add(line("language"), "language: give the language of the plan, such as en or cy")
	case !languagePattern.MatchString(m.Language):
		p.add(line("language"), fmt.Sprintf("language: %q is not a language tag such as en, cy or pt-BR", m.Language))
	}
	switch {
	case m.Licence == "":
		p.add(line("licence"), "licence: give an SPDX licence id, such as CC-BY-SA-4.0")
	case !IsLicence(m.Licence):
		p.add(line("licence"), fmt.Sprintf("licence: %q is not an SPDX licence id (for example CC-BY-SA-4.0)", m.Licence))
	}

	checkBody(doc, p, exists)
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Line < p.list[j].Line })
	return p.list
}

func requireText(p *problems, line int, field, value string, max int) {
	switch {
	case value == "":
		p.add(line, field+": is required")
	case utf8.RuneCountInString(value) > max:
		p.add(line, fmt.Sprintf("%s: is longer than %d characters", field, max))
	}
}

// checkBody checks that every agenda item has a section and every relative link
// resolves inside the module's folder.
func checkBody(doc *Document, p *problems, exists func(string) bool) {
	body := []byte(doc.Module.Body)
	root := markdown.Parser().Parse(text.NewReader(body))
	lines := newLineIndex(body, doc.bodyLine)

	sections := map[string]bool{}
	moduleDir := Dir(doc.Module.Slug)
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest string
		switch n := n.(type) {
		case *ast.Heading:
			if n.Level == 2 || n.Level == 3 {
				sections[SectionKey(PlainText(n, body))] = true
			}
			return ast.WalkContinue, nil
		case *ast.Link:
			dest = string(n.Destination)
		case *ast.Image:
			dest = string(n.Destination)
		default:
			return ast.WalkContinue, nil
		}
		if !IsRelativeLink(dest) {
			return ast.WalkContinue, nil
		}
		target, ok := ResolveLink(moduleDir, dest)
		switch {
		case !ok:
			p.add(lines.of(n), fmt.Sprintf("link %q points outside the module's folder", dest))
		case exists != nil && !exists(target):
			p.add(lines.of(n), fmt.Sprintf("link %q does not resolve: there is no file %s", dest, strings.TrimPrefix(target, moduleDir+"/")))
		}
		return ast.WalkContinue, nil
	})

	for i, item := range doc.Module.Agenda {
		if item.Title == "" || sections[SectionKey(item.Title)] {
			continue
		}
		itemLine := doc.FieldLine("agenda")
		if i < len(doc.agendaLines) {
			itemLine = doc.agendaLines[i]
		}
		p.add(itemLine, fmt.Sprintf("agenda item %q has no section in the plan: add a heading '## %s'", item.Title, item.Title))
	}
}

// ResolveLink resolves a relative link in the plan of the module whose folder is
// dir to a path in the curriculum, and reports false when it leaves the folder.
func ResolveLink(dir, dest string) (string, bool) {
	u, err := url.Parse(dest)
	if err != nil {
		return "", false
	}
	target := path.Join(dir, u.Path)
	if !strings.HasPrefix(target, dir+"/") {
		return "", false
	}
	return target, true
}

var (
	sectionNumber = regexp.MustCompile(`^\d+[.)]\s*`)
	sectionTiming = regexp.MustCompile(`\s*[(\[]\s*\d+\s*(m|min|mins|minutes)\.?\s*[)\]]$`)
	spaces        = regexp.MustCompile(`\s+`)
	quotes        = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u201c", `"`, "\u201d", `"`, "\u2013", "-", "\u2014", "-")
)

// SectionKey normalises a heading or an agenda title for matching: case, spaces,
// curly quotes, a leading number ("3.") and a trailing timing ("(30 min)") do not
// count.
func SectionKey(s string) string {
	s = quotes.Replace(strings.TrimSpace(s))
	s = sectionNumber.ReplaceAllString(s, "")
	s = sectionTiming.ReplaceAllString(s, "")
	return strings.ToLower(spaces.ReplaceAllString(strings.TrimSpace(s), " "))
}

// lineIndex turns byte offsets in the body into line numbers of the file.
type lineIndex struct {
	starts    []int
	firstLine int
}

func newLineIndex(src []byte, firstLine int) lineIndex {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{starts: starts, firstLine: firstLine}
}

func (li lineIndex) at(offset int) int {
	return sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > offset }) - 1 + li.firstLine
}

// of returns the line of an inline node's first text, or of the nearest block that
// holds it.
func (li lineIndex) of(n ast.Node) int {
	for c := n.FirstChild(); c != nil; c = c.FirstChild() {
		if t, ok := c.(*ast.Text); ok {
			return li.at(t.Segment.Start)
		}
	}
	for ; n != nil; n = n.Parent() {
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			return li.at(n.Lines().At(0).Start)
		}
	}
	return li.firstLine
}
