package module_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// validPlan is a complete module.md that passes every rule. Line numbers matter to
// the tests below: title is on line 2, duration on line 7, agenda starts on line 20.
const validPlan = `---
title: "Where we come from"
summary: Class backgrounds, stories and identity.
series: exploring-class
order: 1
audience: [community groups]
duration: 60
group_size: {min: 6, max: 20}
facilitators: 2
formats: [in-person, online]
objectives:
  - Describe their own class background
materials:
  - Flipchart
tags: [class identity]
language: en
licence: CC-BY-SA-4.0
authors: ["praxis contributors"]
agenda:
  - {title: "Welcome and agreements", minutes: 15}
  - {title: "Class journeys", minutes: 45}
---

## About this workshop

Some words. See [the worksheet](handouts/journey.md).

## 1. Welcome and agreements (15 min)

> **Say:** "Welcome."

## Class journeys (45 min)

> **Facilitator note:** Watch for people who go quiet.
`

const validSeries = `title: Exploring Class
summary: Workshops on class.
modules:
  - where-we-come-from
`

func curriculum(plan, series string) fstest.MapFS {
	fsys := fstest.MapFS{
		"modules/where-we-come-from/module.md":           {Data: []byte(plan)},
		"modules/where-we-come-from/handouts/journey.md": {Data: []byte("# Journey\n")},
	}
	if series != "" {
		fsys["series/exploring-class.yaml"] = &fstest.MapFile{Data: []byte(series)}
	}
	return fsys
}

func TestParseValid(t *testing.T) {
	doc, problems := module.Parse("module.md", "where-we-come-from", []byte(validPlan))
	if len(problems) != 0 {
		t.Fatalf("Parse problems = %v, want none", problems)
	}
	m := doc.Module
	want := praxis.Module{
		Slug: "where-we-come-from", Title: "Where we come from",
		Summary: "Class backgrounds, stories and identity.", Series: "exploring-class", Order: 1,
		Duration: 60, Audience: []string{"community groups"}, GroupSize: praxis.GroupSize{Min: 6, Max: 20},
		Facilitators: 2, Formats: []string{"in-person", "online"},
		Objectives: []string{"Describe their own class background"}, Materials: []string{"Flipchart"},
		Tags: []string{"class identity"}, Language: "en", Licence: "CC-BY-SA-4.0",
		Authors: []string{"praxis contributors"},
		Agenda:  []praxis.AgendaItem{{Title: "Welcome and agreements", Minutes: 15}, {Title: "Class journeys", Minutes: 45}},
		Body:    m.Body,
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Fatalf("Parse mismatch (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(m.Body, "\n## About this workshop") {
		t.Errorf("Body starts %q, want the text after the front matter", m.Body[:30])
	}
	if got := doc.BodyLine(); got != 23 {
		t.Errorf("BodyLine = %d, want 23", got)
	}
	if got := doc.FieldLine("duration"); got != 7 {
		t.Errorf("FieldLine(duration) = %d, want 7", got)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantDoc  bool
		wantLine int
		wantMsg  string
	}{
		{"no front matter", "# Title\n\nBody\n", false, 1, "has no front matter"},
		{"unclosed front matter", "---\ntitle: x\n", false, 1, "has no front matter"},
		{"bad yaml", "---\ntitle: x\nsummary: a: b\n---\n", false, 3, "front matter is not valid YAML"},
		{"not a mapping", "---\n- a\n- b\n---\n", false, 2, "must be a set of fields"},
		{"not utf8", "---\ntitle: \xff\xfe\n---\n", false, 0, "is not UTF-8 text"},
		{"unknown field with hint", "---\ntitle: x\nlicense: MIT\n---\n", true, 3, `unknown field "license" (did you mean "licence"?)`},
		{"unknown field", "---\ncolour: red\n---\n", true, 2, `unknown field "colour"`},
		{"duplicate field", "---\ntitle: a\ntitle: b\n---\n", true, 3, `field "title" is given twice`},
		{"duration not a number", "---\nduration: ninety\n---\n", true, 2, "duration: must be a whole number"},
		{"list not a list", "---\ntags: stigma\n---\n", true, 2, "tags: must be a list"},
		{"group size not a mapping", "---\ngroup_size: 12\n---\n", true, 2, "group_size: must be {min: N, max: N}"},
		{"group size unknown key", "---\ngroup_size: {min: 1, most: 3}\n---\n", true, 2, `group_size: unknown field "most"`},
		{"agenda item not a mapping", "---\nagenda:\n  - Welcome\n---\n", true, 3, "agenda: each item must be {title: ..., minutes: N}"},
		{"agenda minutes not a number", "---\nagenda:\n  - {title: a, minutes: lots}\n---\n", true, 3, "agenda: minutes must be a whole number"},
		{"agenda unknown key", "---\nagenda:\n  - title: a\n    mins: 3\n---\n", true, 4, `agenda: unknown field "mins"`},
		{"text field given a list", "---\ntitle: [a, b]\n---\n", true, 2, "title: must be text"},
		{"empty title", "---\ntitle:\n---\n", true, 2, "title: must be text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, problems := module.Parse("m.md", "m", []byte(tt.src))
			if (doc != nil) != tt.wantDoc {
				t.Errorf("Parse returned document %v, want %v", doc != nil, tt.wantDoc)
			}
			assertProblem(t, problems, "m.md", tt.wantLine, tt.wantMsg)
		})
	}
}

func TestLintRules(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replaced once in validPlan
		path     string
		line     int
		msg      string
	}{
		{"title missing", `title: "Where we come from"`, "", "module.md", 1, "title: is required"},
		{"summary missing", "summary: Class backgrounds, stories and identity.", "", "module.md", 1, "summary: is required"},
		{"title too long", `title: "Where we come from"`, "title: " + strings.Repeat("x", 201), "module.md", 2, "title: is longer than 200 characters"},
		{"agenda does not sum", "duration: 60", "duration: 90", "module.md", 7, "duration is 90 minutes but the agenda adds up to 60"},
		{"zero duration", "duration: 60", "duration: 0", "module.md", 7, "duration: must be a positive number of minutes"},
		{"agenda missing", "agenda:\n  - {title: \"Welcome and agreements\", minutes: 15}\n  - {title: \"Class journeys\", minutes: 45}\n", "", "module.md", 1, "agenda: list the workshop's parts"},
		{"agenda item zero minutes", `{title: "Class journeys", minutes: 45}`, `{title: "Class journeys", minutes: 0}`, "module.md", 21, "needs a positive number of minutes"},
		{"agenda item without title", `{title: "Class journeys", minutes: 45}`, `{minutes: 45}`, "module.md", 21, "agenda: item 2 has no title"},
		{"agenda item without section", `{title: "Class journeys", minutes: 45}`, `{title: "Power walk", minutes: 45}`, "module.md", 21, `agenda item "Power walk" has no section in the plan`},
		{"group size min above max", "{min: 6, max: 20}", "{min: 30, max: 20}", "module.md", 8, "group_size: min (30) is larger than max (20)"},
		{"group size not positive", "{min: 6, max: 20}", "{min: 0, max: 20}", "module.md", 8, "group_size: min and max must both be positive"},
		{"group size missing", "group_size: {min: 6, max: 20}\n", "", "module.md", 1, "group_size: min and max must both be positive"},
		{"facilitators zero", "facilitators: 2", "facilitators: 0", "module.md", 9, "facilitators: must be 1 or more"},
		{"unknown format", "[in-person, online]", "[in-person, radio]", "module.md", 10, `formats: unknown format "radio"`},
		{"no formats", "[in-person, online]", "[]", "module.md", 10, "formats: list at least one"},
		{"empty objectives", "objectives:\n  - Describe their own class background", "objectives: []", "module.md", 11, "objectives: list at least one"},
		{"empty list item", "tags: [class identity]", `tags: [""]`, "module.md", 15, "tags: has an empty item"},
		{"bad language", "language: en", "language: English!", "module.md", 16, `language: "English!" is not a language tag`},
		{"missing language", "language: en\n", "", "module.md", 1, "language: give the language"},
		{"bad licence", "licence: CC-BY-SA-4.0", "licence: CC-BY-SA", "module.md", 17, `licence: "CC-BY-SA" is not an SPDX licence id`},
		{"missing licence", "licence: CC-BY-SA-4.0\n", "", "module.md", 1, "licence: give an SPDX licence id"},
		{"series without order", "order: 1\n", "", "module.md", 4, "series: a module in a series needs an order"},
		{"order without series", "series: exploring-class\n", "", "module.md", 4, "order: only a module in a series has an order"},
		{"negative order", "order: 1", "order: -1", "module.md", 5, "order: must be 1 or more"},
		{"handout link missing", "(handouts/journey.md)", "(handouts/jorney.md)", "module.md", 26, `link "handouts/jorney.md" does not resolve: there is no file handouts/jorney.md`},
		{"link outside module", "(handouts/journey.md)", "(../other/module.md)", "module.md", 26, `link "../other/module.md" points outside the module's folder`},
		{"image link missing", "Some words.", "![map](handouts/map.png)", "module.md", 26, `link "handouts/map.png" does not resolve`},
		{"series file missing module order", "order: 1", "order: 2", "series/exploring-class.yaml", 4, `module "where-we-come-from" is number 1 in this list but its front matter says order: 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(validPlan, tt.old) {
				t.Fatalf("fixture does not contain %q", tt.old)
			}
			plan := strings.Replace(validPlan, tt.old, tt.new, 1)
			problems := module.Lint(curriculum(plan, validSeries))
			path := tt.path
			if path == "module.md" {
				path = "modules/where-we-come-from/module.md"
			}
			assertProblem(t, problems, path, tt.line, tt.msg)
		})
	}
}

func TestLintValidCurriculum(t *testing.T) {
	if problems := module.Lint(curriculum(validPlan, validSeries)); len(problems) != 0 {
		t.Fatalf("Lint = %v, want no problems", problems)
	}
}

func TestLintStructure(t *testing.T) {
	withSecond := func(order int, series string) fstest.MapFS {
		fsys := curriculum(validPlan, validSeries)
		second := strings.Replace(validPlan, "order: 1", "order: "+string(rune('0'+order)), 1)
		second = strings.Replace(second, "series: exploring-class", "series: "+series, 1)
		second = strings.Replace(second, "(handouts/journey.md)", "(https://example.org/)", 1)
		fsys["modules/stigma/module.md"] = &fstest.MapFile{Data: []byte(second)}
		return fsys
	}
	tests := []struct {
		name string
		fsys fstest.MapFS
		path string
		line int
		msg  string
	}{
		{"series lists a module that does not exist", func() fstest.MapFS {
			return curriculum(validPlan, validSeries+"  - no-such-module\n")
		}(), "series/exploring-class.yaml", 5, `module "no-such-module" does not exist`},
		{"series lists a module twice", curriculum(validPlan, validSeries+"  - where-we-come-from\n"),
			"series/exploring-class.yaml", 5, `module "where-we-come-from" is listed twice`},
		{"duplicate order in a series", withSecond(1, "exploring-class"),
			"modules/where-we-come-from/module.md", 5, `order: 1 is also the order of "stigma" in series "exploring-class"`},
		{"module not listed in its series", withSecond(2, "exploring-class"),
			"modules/stigma/module.md", 4, "series: this module is not listed in series/exploring-class.yaml"},
		{"module names a series with no file", withSecond(1, "organising"),
			"modules/stigma/module.md", 4, "series: there is no series file series/organising.yaml"},
		{"series lists a module of another series", func() fstest.MapFS {
			fsys := withSecond(1, "organising")
			fsys["series/exploring-class.yaml"] = &fstest.MapFile{Data: []byte(validSeries + "  - stigma\n")}
			return fsys
		}(), "series/exploring-class.yaml", 5, `module "stigma" is listed here but its front matter says series: "organising"`},
		{"module folder without plan", func() fstest.MapFS {
			fsys := curriculum(validPlan, validSeries)
			fsys["modules/empty/handouts/x.md"] = &fstest.MapFile{Data: []byte("x")}
			return fsys
		}(), "modules/empty/module.md", 0, "is missing: every module folder needs a module.md"},
		{"file in modules folder", func() fstest.MapFS {
			fsys := curriculum(validPlan, validSeries)
			fsys["modules/notes.txt"] = &fstest.MapFile{Data: []byte("x")}
			return fsys
		}(), "modules/notes.txt", 0, "is not a folder"},
		{"folder name not a slug", func() fstest.MapFS {
			fsys := curriculum(validPlan, validSeries)
			plan := strings.Replace(validPlan, "series: exploring-class\norder: 1\n", "", 1)
			fsys["modules/Bad_Name/module.md"] = &fstest.MapFile{Data: []byte(plan)}
			fsys["modules/Bad_Name/handouts/journey.md"] = &fstest.MapFile{Data: []byte("x")}
			return fsys
		}(), "modules/Bad_Name/module.md", 0, `folder name "Bad_Name" is not a valid slug`},
		{"series file not yaml", func() fstest.MapFS {
			fsys := curriculum(validPlan, validSeries)
			fsys["series/notes.md"] = &fstest.MapFile{Data: []byte("x")}
			return fsys
		}(), "series/notes.md", 0, "is not a series file"},
		{"series file unknown field", curriculum(validPlan, validSeries+"colour: red\n"),
			"series/exploring-class.yaml", 5, `unknown field "colour"`},
		{"series file without title", curriculum(validPlan, strings.Replace(validSeries, "title: Exploring Class\n", "", 1)),
			"series/exploring-class.yaml", 1, "title: is required"},
		{"series file not yaml syntax", curriculum(validPlan, "title: x\nsummary: a: b\n"),
			"series/exploring-class.yaml", 2, "is not valid YAML"},
		{"no modules folder", fstest.MapFS{"README.md": {Data: []byte("x")}}, "modules", 0, "is missing"},
		{"conflict markers left in a handout", func() fstest.MapFS {
			fsys := curriculum(validPlan, validSeries)
			fsys["modules/where-we-come-from/handouts/journey.md"] = &fstest.MapFile{Data: []byte("# Journey\n\n<<<<<<< yours\nours\n=======\ntheirs\n>>>>>>> main\n")}
			return fsys
		}(), "modules/where-we-come-from/handouts/journey.md", 3, "holds conflict markers"},
		{"plan too large", func() fstest.MapFS {
			fsys := curriculum(validPlan, validSeries)
			fsys["modules/where-we-come-from/module.md"] = &fstest.MapFile{Data: []byte(validPlan + strings.Repeat("x", module.MaxPlanSize))}
			return fsys
		}(), "modules/where-we-come-from/module.md", 0, "more than the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertProblem(t, module.Lint(tt.fsys), tt.path, tt.line, tt.msg)
		})
	}
}

func TestSectionKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Welcome and agreements", "welcome and agreements"},
		{"1. Welcome and agreements (15 min)", "welcome and agreements"},
		{"  3)  Images   of class [30 minutes]", "images of class"},
		{"Who\u2019s heard?", "who's heard?"},
		{"Break (tea and biscuits)", "break (tea and biscuits)"},
		{"Break (tea and biscuits) (10 mins)", "break (tea and biscuits)"},
	}
	for _, tt := range tests {
		if got := module.SectionKey(tt.in); got != tt.want {
			t.Errorf("SectionKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSectionMatchesTypographerQuotes(t *testing.T) {
	plan := strings.Replace(validPlan, `"Class journeys"`, `"Who's heard"`, 1)
	plan = strings.Replace(plan, "## Class journeys (45 min)", "## Who's heard (45 min)", 1)
	if problems := module.Lint(curriculum(plan, validSeries)); len(problems) != 0 {
		t.Fatalf("Lint = %v, want none: an apostrophe in a heading must still match", problems)
	}
}

func assertProblem(t *testing.T, problems []praxis.Problem, path string, line int, msg string) {
	t.Helper()
	for _, p := range problems {
		if p.Path == path && p.Line == line && strings.Contains(p.Message, msg) {
			return
		}
	}
	t.Fatalf("problems = %v\nwant one at %s:%d containing %q", problems, path, line, msg)
}

// TestTitlesAreOneLine: a title written as a YAML block scalar reads as one
// line (it becomes a page's heading, a file's name and an email's subject).
func TestTitlesAreOneLine(t *testing.T) {
	t.Parallel()
	src := strings.Replace(validPlan, `title: "Where we come from"`, "title: |\n  Where we\n  come from", 1)
	doc, problems := module.Parse("module.md", "where-we-come-from", []byte(src))
	if doc == nil || doc.Module.Title != "Where we come from" || len(problems) != 0 {
		t.Fatalf("%+v (problems %v), want the title on one line", doc, problems)
	}
}
