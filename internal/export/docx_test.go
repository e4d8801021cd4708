package export

import (
	"bytes"
	"io"
	"path"
	"slices"
	"strings"
	"testing"
)

const docxTestRelNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

func TestDOCX(t *testing.T) {
	t.Parallel()
	for _, c := range wpTextCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := DOCX(&buf, c.doc); err != nil {
				t.Fatalf("DOCX: %v", err)
			}
			pkg := wpOpenPackage(t, buf.Bytes())
			pkg.requireParts(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels",
				"word/styles.xml", "word/numbering.xml", "word/footer1.xml", "docProps/core.xml", "docProps/app.xml")
			trees := pkg.xml(t)
			docxCheckContentTypes(t, pkg, trees["[Content_Types].xml"])
			for name, tree := range trees {
				if strings.HasSuffix(name, ".rels") {
					docxCheckRelationships(t, pkg, name, tree)
				}
			}
			pkg.requireNoScript(t)

			document := trees["word/document.xml"]
			rels := docxRelationships(trees["word/_rels/document.xml.rels"])
			docxCheckRelationshipIDs(t, document, rels)
			text := document.Content.String()
			for _, want := range c.want {
				if !strings.Contains(text, want) {
					t.Errorf("document.xml lacks %q", want)
				}
			}
			tables := document.find("tbl")
			if len(tables) == 0 {
				t.Fatal("document.xml has no table")
			}
			if got, want := len(tables[0].find("tr")), len(c.doc.Module.Agenda)+2; got != want {
				t.Errorf("agenda table has %d rows, want %d (header, items, total)", got, want)
			}
			if got := len(tables[0].find("tblHeader")); got != 1 {
				t.Errorf("agenda table has %d header rows, want 1", got)
			}
			docxCheckNumbering(t, document, trees["word/numbering.xml"])
			docxCheckStyles(t, trees["word/styles.xml"])
			docxCheckFooter(t, document, rels, trees, c.doc.Footer())
			docxCheckProperties(t, trees, c.doc.Module.Title)
		})
	}
}

func TestDOCXStigma(t *testing.T) {
	t.Parallel()
	document := docxDocumentTree(t, wpStigmaDocument(t)).document
	docxRequireHeading(t, document, "Welcome and check-in (15 min)", "Heading2", false)
	docxRequireHeading(t, document, "How stigma works", "Heading1", true)
	tables := document.find("tbl")
	if len(tables) < 2 {
		t.Fatalf("document.xml has %d tables, want the agenda and the session at a glance", len(tables))
	}
	if got := len(tables[1].find("tr")); got != 10 {
		t.Errorf("session at a glance table has %d rows, want 10", got)
	}
	if got := docxListLevels(document); !slices.Contains(got, "1") {
		t.Errorf("list levels %v lack a nested level 1", got)
	}
	for _, style := range []string{"Say", "FacilitatorNote", "Code"} {
		if len(docxParagraphs(document, style)) == 0 {
			t.Errorf("no paragraph has style %s", style)
		}
	}
}

func TestDOCXSynthetic(t *testing.T) {
	t.Parallel()
	trees := docxDocumentTree(t, wpSyntheticDocument(t))
	document := trees.document
	docxRequireHeading(t, document, "Steps in order", "Heading3", false)
	docxRequireHeading(t, document, "Deepest heading", "Heading4", false)
	docxRequireHeading(t, document, "Cards for Łucja", "Heading1", true)

	tables := document.find("tbl")
	if len(tables) != 3 {
		t.Fatalf("document.xml has %d tables, want the agenda, the names table and the table in a list", len(tables))
	}
	if got := len(tables[1].find("tr")); got != 4 {
		t.Errorf("names table has %d rows, want 4", got)
	}
	if got := len(tables[1].find("gridCol")); got != 3 {
		t.Errorf("names table has %d columns, want 3", got)
	}
	if got, want := docxListLevels(document), []string{"0", "1", "2"}; !slices.Equal(got, want) {
		t.Errorf("list levels = %v, want %v", got, want)
	}
	docxCheckListFormats(t, document, trees.numbering)

	var links []string
	for _, h := range document.find("hyperlink") {
		links = append(links, trees.rels[docxAttr(h, docxTestRelNS, "id")].target)
	}
	wantLinks := []string{"https://example.org/guide?a=1&b=2", "https://praxis.example.org/modules/synthetic/handouts/cards.md", "mailto:hello@example.org"}
	if !slices.Equal(links, wantLinks) {
		t.Errorf("links = %q, want %q", links, wantLinks)
	}

	code := docxParagraphs(document, "Code")
	if len(code) != 1 {
		t.Fatalf("%d code paragraphs, want 1", len(code))
	}
	if got := len(code[0].find("br")); got != 39 {
		t.Errorf("code block has %d line breaks, want 39", got)
	}
	if got := len(code[0].find("tab")); got != 40 {
		t.Errorf("code block has %d tabs, want 40", got)
	}
	if text := code[0].Content.String(); !strings.Contains(text, "   line 03") || !strings.Contains(text, "of   the") {
		t.Errorf("code block lost its spaces: %q", text[:80])
	}

	for _, style := range []string{"Say", "FacilitatorNote", "Quote", "HorizontalLine"} {
		if len(docxParagraphs(document, style)) == 0 {
			t.Errorf("no paragraph has style %s", style)
		}
	}
	var formats []string
	for _, r := range document.find("r") {
		for _, p := range r.find("rPr") {
			for _, f := range p.Children {
				formats = append(formats, f.Name.Local+f.attr("val")+":"+r.Content.String())
			}
		}
	}
	for _, want := range []string{"strike:old", "i:gentle", "b:firm", "rStyleCodeChar:time"} {
		if !slices.Contains(formats, want) {
			t.Errorf("run formats %q lack %q", formats, want)
		}
	}
}

// docxTrees are the parsed parts of a DOCX that tests look into.
type docxTrees struct {
	document, numbering *wpNode
	rels                map[string]docxRelationship
}

// docxDocumentTree writes doc as DOCX and parses its document, numbering and
// relationships.
func docxDocumentTree(t *testing.T, doc *Document) docxTrees {
	t.Helper()
	var buf bytes.Buffer
	if err := DOCX(&buf, doc); err != nil {
		t.Fatalf("DOCX: %v", err)
	}
	pkg := wpOpenPackage(t, buf.Bytes())
	trees := pkg.xml(t)
	return docxTrees{trees["word/document.xml"], trees["word/numbering.xml"], docxRelationships(trees["word/_rels/document.xml.rels"])}
}

// docxRelationship is a Relationship of a .rels part.
type docxRelationship struct {
	kind, target string
	external     bool
}

func docxRelationships(rels *wpNode) map[string]docxRelationship {
	byID := map[string]docxRelationship{}
	for _, r := range rels.find("Relationship") {
		byID[r.attr("Id")] = docxRelationship{kind: path.Base(r.attr("Type")), target: r.attr("Target"), external: r.attr("TargetMode") == "External"}
	}
	return byID
}

// docxAttr is the value of an attribute in a namespace.
func docxAttr(n *wpNode, space, local string) string {
	for _, a := range n.Attr {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// docxCheckContentTypes checks that every part has a content type, and that
// every overridden part exists.
func docxCheckContentTypes(t *testing.T, pkg *wpPackage, types *wpNode) {
	t.Helper()
	defaults, overrides := map[string]bool{}, map[string]bool{}
	for _, d := range types.find("Default") {
		defaults[d.attr("Extension")] = true
	}
	for _, o := range types.find("Override") {
		name := strings.TrimPrefix(o.attr("PartName"), "/")
		overrides[name] = true
		if _, ok := pkg.parts[name]; !ok {
			t.Errorf("[Content_Types].xml names %q, which the package lacks", name)
		}
	}
	for name := range pkg.parts {
		if name != "[Content_Types].xml" && !overrides[name] && !defaults[strings.TrimPrefix(path.Ext(name), ".")] {
			t.Errorf("part %q has no content type", name)
		}
	}
}

// docxCheckRelationships checks that the internal targets of a .rels part exist.
func docxCheckRelationships(t *testing.T, pkg *wpPackage, name string, rels *wpNode) {
	t.Helper()
	// word/_rels/document.xml.rels describes word/document.xml, so its
	// targets are relative to word/.
	base := path.Dir(path.Dir(name))
	for id, r := range docxRelationships(rels) {
		if r.external {
			if !strings.HasPrefix(r.target, "https://") && !strings.HasPrefix(r.target, "http://") && !strings.HasPrefix(r.target, "mailto:") {
				t.Errorf("%s: external %s targets %q", name, id, r.target)
			}
			continue
		}
		target := path.Clean(path.Join(base, r.target))
		if _, ok := pkg.parts[target]; !ok {
			t.Errorf("%s: %s targets %q, which the package lacks", name, id, target)
		}
	}
}

// docxCheckRelationshipIDs checks that every r:id in the document is a
// relationship, and that hyperlinks are external.
func docxCheckRelationshipIDs(t *testing.T, document *wpNode, rels map[string]docxRelationship) {
	t.Helper()
	var walk func(*wpNode)
	walk = func(n *wpNode) {
		if id := docxAttr(n, docxTestRelNS, "id"); id != "" {
			r, ok := rels[id]
			if !ok {
				t.Errorf("%s refers to relationship %q, which does not exist", n.Name.Local, id)
			}
			if n.Name.Local == "hyperlink" && (r.kind != "hyperlink" || !r.external) {
				t.Errorf("hyperlink %s is %+v, want an external hyperlink", id, r)
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(document)
}

// docxCheckNumbering checks that every list paragraph's numbering exists.
func docxCheckNumbering(t *testing.T, document, numbering *wpNode) {
	t.Helper()
	abstract := map[string]bool{}
	for _, a := range numbering.find("abstractNum") {
		abstract[a.attr("abstractNumId")] = true
	}
	nums := map[string]bool{}
	for _, n := range numbering.find("num") {
		nums[n.attr("numId")] = true
		for _, a := range n.find("abstractNumId") {
			if !abstract[a.attr("val")] {
				t.Errorf("num %s uses abstractNum %s, which does not exist", n.attr("numId"), a.attr("val"))
			}
		}
	}
	used := document.find("numId")
	if len(used) == 0 {
		t.Error("no paragraph is in a list")
	}
	for _, n := range used {
		if !nums[n.attr("val")] {
			t.Errorf("a paragraph uses numId %s, which does not exist", n.attr("val"))
		}
	}
}

// docxCheckListFormats checks that the numbered lists of the synthetic module
// use numbers and its bullet list bullets.
func docxCheckListFormats(t *testing.T, document, numbering *wpNode) {
	t.Helper()
	abstractOf := map[string]string{}
	starts := map[string]string{}
	for _, n := range numbering.find("num") {
		abstractOf[n.attr("numId")] = n.find("abstractNumId")[0].attr("val")
		for _, s := range n.find("startOverride") {
			starts[n.attr("numId")] = s.attr("val")
		}
	}
	formatOf := map[string]string{}
	for _, a := range numbering.find("abstractNum") {
		formatOf[a.attr("abstractNumId")] = a.find("numFmt")[0].attr("val")
	}
	want := map[string]string{"Outer step one": "decimal", "Middle bullet": "bullet", "Innermost ordered item": "decimal", "Restarted list item three": "decimal"}
	for _, p := range document.find("p") {
		format, ok := want[p.Content.String()]
		if !ok {
			continue
		}
		numID := p.find("numId")[0].attr("val")
		if got := formatOf[abstractOf[numID]]; got != format {
			t.Errorf("%q is numbered with %s, want %s", p.Content.String(), got, format)
		}
		if p.Content.String() == "Restarted list item three" && starts[numID] != "3" {
			t.Errorf("%q starts at %q, want 3", p.Content.String(), starts[numID])
		}
		delete(want, p.Content.String())
	}
	for text := range want {
		t.Errorf("no list paragraph %q", text)
	}
}

func docxCheckStyles(t *testing.T, styles *wpNode) {
	t.Helper()
	ids := map[string]*wpNode{}
	for _, s := range styles.find("style") {
		ids[s.attr("styleId")] = s
	}
	for _, want := range []string{"Title", "Heading1", "Heading2", "Heading3", "Heading4", "Say", "FacilitatorNote", "Code", "PlanTable", "Hyperlink", "Footer"} {
		if ids[want] == nil {
			t.Errorf("styles.xml has no style %s", want)
		}
	}
	for level, id := range []string{"Heading1", "Heading2", "Heading3", "Heading4"} {
		if s := ids[id]; s != nil {
			outline := s.find("outlineLvl")
			if len(outline) != 1 || outline[0].attr("val") != string(rune('0'+level)) {
				t.Errorf("style %s has no outline level %d", id, level)
			}
		}
	}
	for _, callout := range []string{"Say", "FacilitatorNote"} {
		if s := ids[callout]; s != nil && len(s.find("shd")) == 0 {
			t.Errorf("style %s has no shading", callout)
		}
	}
}

func docxCheckFooter(t *testing.T, document *wpNode, rels map[string]docxRelationship, trees map[string]*wpNode, footer string) {
	t.Helper()
	refs := document.find("footerReference")
	if len(refs) != 1 {
		t.Fatalf("document has %d footer references, want 1", len(refs))
	}
	r := rels[docxAttr(refs[0], docxTestRelNS, "id")]
	if r.kind != "footer" {
		t.Fatalf("footer reference is %+v, want a footer", r)
	}
	part := trees[path.Join("word", r.target)]
	if part == nil {
		t.Fatalf("footer part %q is missing", r.target)
	}
	if got := part.Content.String(); got != footer {
		t.Errorf("footer = %q, want %q", got, footer)
	}
}

func docxCheckProperties(t *testing.T, trees map[string]*wpNode, title string) {
	t.Helper()
	for _, c := range []struct{ part, element, want string }{
		{"docProps/core.xml", "title", title},
		{"docProps/app.xml", "Application", "praxis"},
	} {
		found := trees[c.part].find(c.element)
		if len(found) != 1 || found[0].Content.String() != c.want {
			t.Errorf("%s %s = %v, want %q", c.part, c.element, found, c.want)
		}
	}
	if len(trees["docProps/core.xml"].find("subject")) != 1 {
		t.Error("core.xml has no subject")
	}
}

// docxRequireHeading fails unless a paragraph with this text has the style,
// and starts a page when it should.
func docxRequireHeading(t *testing.T, document *wpNode, text, style string, pageBreak bool) {
	t.Helper()
	for _, p := range docxParagraphs(document, style) {
		if p.Content.String() == text {
			if got := len(p.find("pageBreakBefore")) == 1; got != pageBreak {
				t.Errorf("heading %q starts a page: %v, want %v", text, got, pageBreak)
			}
			return
		}
	}
	t.Errorf("no %s heading %q", style, text)
}

// docxParagraphs are the w:p of a style.
func docxParagraphs(document *wpNode, style string) []*wpNode {
	var found []*wpNode
	for _, p := range document.find("p") {
		for _, s := range p.find("pStyle") {
			if s.attr("val") == style {
				found = append(found, p)
			}
		}
	}
	return found
}

// docxListLevels are the distinct list levels of the document's paragraphs, sorted.
func docxListLevels(document *wpNode) []string {
	var levels []string
	for _, l := range document.find("ilvl") {
		levels = append(levels, l.attr("val"))
	}
	slices.Sort(levels)
	return slices.Compact(levels)
}

func BenchmarkDOCX(b *testing.B) {
	doc := wpBenchDocument(b)
	b.SetBytes(int64(len(doc.Module.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := DOCX(io.Discard, doc); err != nil {
			b.Fatal(err)
		}
	}
}
