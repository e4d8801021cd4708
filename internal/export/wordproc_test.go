package export

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/module"
)

const wpStigmaSlug = "exploring-class-2-stigma"

// wpSyntheticPlan exercises what the real modules rarely do: a table with
// aligned columns, nested ordered and bullet lists, a long code block, links
// good and bad, raw HTML, a control character and names in Welsh, Polish and
// Bengali. The code block is added by wpSyntheticDocument.
const wpSyntheticPlan = "---\n" +
	`title: "Trefnu gyda’n gilydd: ŵ ŷ â"
summary: "Organising together, with Małgorzata, Siân and সুমাইয়া."
duration: 90
audience: [community groups]
group_size: {min: 4, max: 16}
facilitators: 2
formats: [in-person, online]
objectives:
  - "Name three people who hold power over the campaign"
materials:
  - "Flipchart paper"
language: cy
licence: CC-BY-SA-4.0
authors: ["Siân ap Dafydd", "Małgorzata Żółkiewska"]
agenda:
  - {title: "Croeso a chyflwyniadau", minutes: 30}
  - {title: "Mapa władzy z Łucją", minutes: 45}
  - {title: "রবীন্দ্রনাথ পাঠ", minutes: 15}
---

## Names in the room

Welcome Siân ap Dafydd (ŵ ŷ â), Małgorzata Żółkiewska (ł ś ż ą ę) and সুমাইয়া, reading রবীন্দ্রনাথ.

| Name | Role | Hours |
| :--- | :---: | ---: |
| Siân | lead | 2 |
| Łucja | co-facilitator | 3 |
| সুমাইয়া | note-taker | 1 |

### Steps in order

1. Outer step one
   - Middle bullet
     1. Innermost ordered item
     2. Innermost second item
2. Outer step two

Then carry on:

3. Restarted list item three

Read [the guide](https://example.org/guide?a=1&b=2), [the cards](handouts/cards.md), [contact us](mailto:hello@example.org) and [do not click](javascript:alert(1)) today.

<script>alert("x")</script>

Escapes: 1\. not a list, \*not emphasis\*, Bryant &amp; May &copy; 1888.

Some <script>inline()</script> raw HTML and a bell` + "\a" + ` character.

> **Say:** "Croeso, pawb."

> **Facilitator note:** Keep ~~old~~ *gentle* **firm** ` + "`time`" + ` today.

> A plain quotation.

---

- A bullet holding a table:

  | Left | Right |
  | --- | --- |
  | l1 | r1 |

#### Deepest heading

The end of the plan body.
`

// wpSyntheticCode is the long code block of the synthetic plan: its spaces
// and lines must survive.
func wpSyntheticCode() string {
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "%sline %02d\tof   the code block\n", strings.Repeat(" ", i%4), i)
	}
	return b.String()
}

// wpVersion is the version every test document comes from.
func wpVersion(slug string) Version {
	return Version{
		Commit:  "3f2a1c9d0e4b5a6978812345abcdef0123456789",
		Release: "v2026.11",
		Date:    time.Date(2026, 11, 3, 18, 30, 0, 0, time.UTC),
		URL:     "https://praxis.example.org/modules/" + slug,
	}
}

// wpParse parses a module.md into a Document.
func wpParse(tb testing.TB, slug string, src []byte, handouts []Handout) *Document {
	tb.Helper()
	parsed, problems := module.Parse("modules/"+slug+"/module.md", slug, src)
	if parsed == nil {
		tb.Fatalf("Parse(%s) = nil, problems %v", slug, problems)
	}
	return &Document{Module: parsed.Module, Handouts: handouts, Version: wpVersion(slug), Start: 18*60 + 30}
}

// wpStigmaDocument is the real stigma module with its Markdown handouts.
func wpStigmaDocument(t *testing.T) *Document {
	t.Helper()
	dir := filepath.Join("..", "..", "curriculum", "modules", wpStigmaSlug)
	src, err := os.ReadFile(filepath.Join(dir, "module.md"))
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "handouts", "*.md"))
	if err != nil || len(names) == 0 {
		t.Fatalf("handouts of %s: %v, %v", wpStigmaSlug, names, err)
	}
	var handouts []Handout
	for _, name := range names {
		markdown, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		handouts = append(handouts, Handout{Name: filepath.Base(name), Title: wpFirstHeading(string(markdown)), Markdown: string(markdown)})
	}
	return wpParse(t, wpStigmaSlug, src, handouts)
}

func wpFirstHeading(markdown string) string {
	for line := range strings.Lines(markdown) {
		if title, ok := strings.CutPrefix(line, "# "); ok {
			return strings.TrimSpace(title)
		}
	}
	return ""
}

// wpSyntheticDocument is the synthetic module, with control characters
// slipped into fields that the front matter could not carry.
func wpSyntheticDocument(t *testing.T) *Document {
	t.Helper()
	src := wpSyntheticPlan + "\n```text\n" + wpSyntheticCode() + "```\n"
	doc := wpParse(t, "synthetic", []byte(src), []Handout{{
		Name:     "cards.md",
		Title:    "Cards for Łucja",
		Markdown: "# Cards for Łucja\n\nEach card names a Polish organiser: Łucja Wąsowska.\n",
	}})
	doc.Module.Summary += "\x01\x1b[31m"
	doc.Module.Authors = append(doc.Module.Authors, "Null\x00Byte")
	return doc
}

// wpBenchDocument is a generated module of about 10 KB with one handout.
func wpBenchDocument(b *testing.B) *Document {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	src := demo.Plan(r, "module-0001", "", 0, demo.ModuleOptions{BodyBytes: 10_000})
	return wpParse(b, "module-0001", []byte(src), []Handout{{
		Name: "handout-1.md", Title: "Handout 1", Markdown: "# Handout 1\n\nA generated handout.\n",
	}})
}

// wpPackage is an opened zip package.
type wpPackage struct {
	files []*zip.File
	parts map[string][]byte
}

func wpOpenPackage(t *testing.T, data []byte) *wpPackage {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("zip.NewReader: %v", err)
	}
	p := &wpPackage{files: zr.File, parts: map[string][]byte{}}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		p.parts[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
	}
	return p
}

// requireParts fails unless every named part is in the package.
func (p *wpPackage) requireParts(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, ok := p.parts[name]; !ok {
			t.Errorf("package has no part %q", name)
		}
	}
}

// xml parses every XML part, failing on any that is not well-formed.
func (p *wpPackage) xml(t *testing.T) map[string]*wpNode {
	t.Helper()
	trees := map[string]*wpNode{}
	for name, data := range p.parts {
		if strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
			trees[name] = wpParseXML(t, name, data)
		}
	}
	return trees
}

// requireNoScript fails if any part holds "<script", escaped or not.
func (p *wpPackage) requireNoScript(t *testing.T) {
	t.Helper()
	for name, data := range p.parts {
		lower := strings.ToLower(string(data))
		for _, bad := range []string{"<script", "&lt;script", "javascript:"} {
			if strings.Contains(lower, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}

// wpNode is an element of a parsed XML part.
type wpNode struct {
	Name     xml.Name
	Attr     []xml.Attr
	Children []*wpNode
	Parent   *wpNode
	// Content is the element's text and its children's, in order.
	Content strings.Builder
}

// wpParseXML parses an XML part to its end.
func wpParseXML(t *testing.T, name string, data []byte) *wpNode {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := &wpNode{}
	cur := root
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &wpNode{Name: tok.Name, Attr: tok.Attr, Parent: cur}
			cur.Children = append(cur.Children, n)
			cur = n
		case xml.EndElement:
			cur = cur.Parent
		case xml.CharData:
			for n := cur; n != nil; n = n.Parent {
				n.Content.Write(tok)
			}
		}
	}
	if len(root.Children) != 1 {
		t.Fatalf("%s has %d root elements, want 1", name, len(root.Children))
	}
	return root.Children[0]
}

// attr is the value of the attribute with this local name.
func (n *wpNode) attr(local string) string {
	for _, a := range n.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// find returns n and its descendants with this local name, in document order.
func (n *wpNode) find(local string) []*wpNode {
	var found []*wpNode
	if n.Name.Local == local {
		found = append(found, n)
	}
	for _, c := range n.Children {
		found = append(found, c.find(local)...)
	}
	return found
}

// depth is the greatest number of nested local elements at or under n.
func (n *wpNode) depth(local string) int {
	deepest := 0
	for _, c := range n.Children {
		deepest = max(deepest, c.depth(local))
	}
	if n.Name.Local == local {
		deepest++
	}
	return deepest
}

// wpTextCase says what a document must show, in its parts and as text.
type wpTextCase struct {
	name string
	doc  *Document
	// want is text the converted document must contain.
	want []string
}

func wpTextCases(t *testing.T) []wpTextCase {
	t.Helper()
	stigma := wpStigmaDocument(t)
	synthetic := wpSyntheticDocument(t)
	cases := []wpTextCase{
		{"stigma", stigma, []string{
			"Class, stigma and shame",
			"Identify common words, images and stories used to stigmatise",
			"Dramas that challenged public images of homelessness",
			"Look at the cycle. It starts with",
			"Stigma is a mark of disgrace",
			"In 1888 most workers at the Bryant & May match factory",
		}},
		{"synthetic", synthetic, []string{
			"Trefnu gyda’n gilydd: ŵ ŷ â",
			"Siân ap Dafydd (ŵ ŷ â)",
			"Małgorzata Żółkiewska (ł ś ż ą ę)",
			"সুমাইয়া",
			"রবীন্দ্রনাথ",
			"Innermost ordered item",
			"line 39",
			"The end of the plan body.",
			"Escapes: 1. not a list, *not emphasis*, Bryant & May © 1888.",
			"Łucja Wąsowska",
		}},
	}
	for i := range cases {
		for _, item := range cases[i].doc.Module.Agenda {
			cases[i].want = append(cases[i].want, item.Title)
		}
	}
	return cases
}

func TestWordprocLinkTarget(t *testing.T) {
	t.Parallel()
	plan := newWPWalker("https://praxis.example.org/modules/m", "", nil)
	handout := newWPWalker("https://praxis.example.org/modules/m", "handouts/cards.md", nil)
	offline := newWPWalker("", "", nil)
	tests := []struct {
		name   string
		walker *wpWalker
		dest   string
		want   string
	}{
		{"https", plan, "https://example.org/a?b=1", "https://example.org/a?b=1"},
		{"http", plan, "http://example.org", "http://example.org"},
		{"mailto", plan, "mailto:hello@example.org", "mailto:hello@example.org"},
		{"relative in plan", plan, "handouts/cards.md", "https://praxis.example.org/modules/m/handouts/cards.md"},
		{"anchor in plan", plan, "#welcome", "https://praxis.example.org/modules/m#welcome"},
		{"absolute path", plan, "/series/s", "https://praxis.example.org/series/s"},
		{"relative in handout", handout, "other.md", "https://praxis.example.org/modules/m/handouts/other.md"},
		{"up from handout", handout, "../module.md", "https://praxis.example.org/modules/m/module.md"},
		{"javascript", plan, "javascript:alert(1)", ""},
		{"javascript in capitals", plan, "JavaScript:alert(1)", ""},
		{"data", plan, "data:text/html;base64,PHNjcmlwdD4=", ""},
		{"control character", plan, "java\x01script:alert(1)", ""},
		{"relative without address", offline, "handouts/cards.md", ""},
		{"absolute without address", offline, "https://example.org", "https://example.org"},
		{"scheme without host", plan, "https:evil", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.walker.linkTarget(tt.dest); got != tt.want {
				t.Fatalf("linkTarget(%q) = %q, want %q", tt.dest, got, tt.want)
			}
		})
	}
}

func TestWordprocCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"keeps Welsh, Polish and Bengali", "ŵ ŷ â ł ś ż ą ę সুমাইয়া", "ŵ ŷ â ł ś ż ą ę সুমাইয়া"},
		{"keeps tab and newline", "a\tb\nc", "a\tb\nc"},
		{"drops control characters", "a\x00b\x07c\x1bd\re", "abcde"},
		{"drops non-characters", "a\uFFFEb\uFFFFc", "abc"},
		{"replaces invalid UTF-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wpCleanText(tt.in); got != tt.want {
				t.Fatalf("wpCleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestWordprocLibreOffice converts every test document to plain text with
// LibreOffice, in one run because LibreOffice starts slowly, and checks
// that what a facilitator reads survives.
func TestWordprocLibreOffice(t *testing.T) {
	t.Parallel()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice (soffice) is not installed")
	}
	dir := t.TempDir()
	formats := []struct {
		ext   string
		write func(io.Writer, *Document) error
	}{{"odt", ODT}, {"docx", DOCX}}
	cases := wpTextCases(t)
	var files []string
	for _, c := range cases {
		for _, f := range formats {
			var buf bytes.Buffer
			if err := f.write(&buf, c.doc); err != nil {
				t.Fatalf("%s %s: %v", c.name, f.ext, err)
			}
			file := filepath.Join(dir, c.name+"-"+f.ext+"."+f.ext)
			if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, file)
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--norestore", "-env:UserInstallation=file://" + filepath.Join(dir, "lo"),
		"--convert-to", "txt:Text", "--outdir", dir}, files...)
	if out, err := exec.CommandContext(ctx, soffice, args...).CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}

	for _, c := range cases {
		for _, f := range formats {
			t.Run(c.name+"/"+f.ext, func(t *testing.T) {
				txt, err := os.ReadFile(filepath.Join(dir, c.name+"-"+f.ext+".txt"))
				if err != nil {
					t.Fatalf("LibreOffice did not convert the %s: %v", f.ext, err)
				}
				text := string(txt)
				for _, want := range c.want {
					if !strings.Contains(text, want) {
						t.Errorf("text of the %s lacks %q", f.ext, want)
					}
				}
				if strings.Contains(text, "alert") {
					t.Errorf("text of the %s shows the raw HTML script", f.ext)
				}
			})
		}
	}
}
