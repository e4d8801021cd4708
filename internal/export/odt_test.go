package export

import (
	"archive/zip"
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestODT(t *testing.T) {
	t.Parallel()
	for _, c := range wpTextCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := ODT(&buf, c.doc); err != nil {
				t.Fatalf("ODT: %v", err)
			}
			pkg := wpOpenPackage(t, buf.Bytes())
			odtCheckMimetype(t, pkg)
			pkg.requireParts(t, "mimetype", "META-INF/manifest.xml", "content.xml", "styles.xml", "meta.xml")
			trees := pkg.xml(t)
			odtCheckManifest(t, pkg, trees["META-INF/manifest.xml"])
			pkg.requireNoScript(t)

			content := trees["content.xml"]
			text := content.Content.String()
			for _, want := range c.want {
				if !strings.Contains(text, want) {
					t.Errorf("content.xml lacks %q", want)
				}
			}
			tables := content.find("table")
			if len(tables) == 0 {
				t.Fatal("content.xml has no table")
			}
			if got, want := len(tables[0].find("table-row")), len(c.doc.Module.Agenda)+2; got != want {
				t.Errorf("agenda table has %d rows, want %d (header, items, total)", got, want)
			}
			if got := len(tables[0].find("table-header-rows")); got != 1 {
				t.Errorf("agenda table has %d header row groups, want 1", got)
			}
			odtCheckStyles(t, trees["styles.xml"], c.doc.Footer())
			odtCheckMeta(t, trees["meta.xml"], c.doc.Module.Title)
		})
	}
}

func TestODTStigma(t *testing.T) {
	t.Parallel()
	content := odtContentTree(t, wpStigmaDocument(t))
	odtRequireHeading(t, content, "Welcome and check-in (15 min)", "Heading_20_2", "2")
	odtRequireHeading(t, content, "How stigma works", "Heading_1_PageBreak", "1")
	tables := content.find("table")
	if len(tables) < 2 {
		t.Fatalf("content.xml has %d tables, want the agenda and the session at a glance", len(tables))
	}
	if got := len(tables[1].find("table-row")); got != 10 {
		t.Errorf("session at a glance table has %d rows, want 10", got)
	}
	if got := content.depth("list"); got < 2 {
		t.Errorf("lists nest %d deep, want 2", got)
	}
	for _, style := range []string{"Say", "Facilitator_20_Note", "Preformatted_20_Text"} {
		if len(odtParagraphs(content, style)) == 0 {
			t.Errorf("no paragraph has style %s", style)
		}
	}
}

func TestODTSynthetic(t *testing.T) {
	t.Parallel()
	content := odtContentTree(t, wpSyntheticDocument(t))
	odtRequireHeading(t, content, "Steps in order", "Heading_20_3", "3")
	odtRequireHeading(t, content, "Deepest heading", "Heading_20_4", "4")
	odtRequireHeading(t, content, "Cards for Łucja", "Heading_1_PageBreak", "1")

	tables := content.find("table")
	if len(tables) != 2 {
		t.Fatalf("content.xml has %d tables, want the agenda and the names table", len(tables))
	}
	if got := len(tables[1].find("table-row")); got != 4 {
		t.Errorf("names table has %d rows, want 4", got)
	}
	if got := len(tables[1].find("table-column")); got != 3 {
		t.Errorf("names table has %d columns, want 3", got)
	}

	lists := content.find("list")
	if got := content.depth("list"); got != 3 {
		t.Errorf("lists nest %d deep, want 3", got)
	}
	var styles []string
	for _, l := range lists {
		styles = append(styles, l.attr("style-name"))
	}
	for _, want := range []string{"Numbers", "Bullets"} {
		if !slices.Contains(styles, want) {
			t.Errorf("list styles %v lack %s", styles, want)
		}
	}
	if !slices.ContainsFunc(content.find("list-item"), func(n *wpNode) bool { return n.attr("start-value") == "3" }) {
		t.Error("no list item starts at 3")
	}

	var links []string
	for _, a := range content.find("a") {
		links = append(links, a.attr("href"))
	}
	wantLinks := []string{"https://example.org/guide?a=1&b=2", "https://praxis.example.org/modules/synthetic/handouts/cards.md", "mailto:hello@example.org"}
	if !slices.Equal(links, wantLinks) {
		t.Errorf("links = %q, want %q", links, wantLinks)
	}

	code := odtParagraphs(content, "Preformatted_20_Text")
	if len(code) != 1 {
		t.Fatalf("%d code paragraphs, want 1", len(code))
	}
	if got := len(code[0].find("line-break")); got != 39 {
		t.Errorf("code block has %d line breaks, want 39", got)
	}
	if got := len(code[0].find("tab")); got != 40 {
		t.Errorf("code block has %d tabs, want 40", got)
	}
	if !slices.ContainsFunc(code[0].find("s"), func(n *wpNode) bool { return n.attr("c") == "3" }) {
		t.Error("code block lost its runs of three spaces")
	}

	for _, style := range []string{"Say", "Facilitator_20_Note", "Quotations", "Horizontal_20_Line"} {
		if len(odtParagraphs(content, style)) == 0 {
			t.Errorf("no paragraph has style %s", style)
		}
	}
	var spans []string
	for _, s := range content.find("span") {
		spans = append(spans, s.attr("style-name")+":"+s.Content.String())
	}
	for _, want := range []string{"Strikethrough:old", "Emphasis:gentle", "Strong_20_Emphasis:firm", "Source_20_Text:time"} {
		if !slices.Contains(spans, want) {
			t.Errorf("spans %q lack %q", spans, want)
		}
	}
}

// odtContentTree writes doc as ODT and parses its content.xml.
func odtContentTree(t *testing.T, doc *Document) *wpNode {
	t.Helper()
	var buf bytes.Buffer
	if err := ODT(&buf, doc); err != nil {
		t.Fatalf("ODT: %v", err)
	}
	return wpParseXML(t, "content.xml", wpOpenPackage(t, buf.Bytes()).parts["content.xml"])
}

func odtCheckMimetype(t *testing.T, pkg *wpPackage) {
	t.Helper()
	first := pkg.files[0]
	if first.Name != "mimetype" {
		t.Fatalf("first entry = %q, want mimetype", first.Name)
	}
	if first.Method != zip.Store {
		t.Errorf("mimetype method = %d, want stored (%d)", first.Method, zip.Store)
	}
	if len(first.Extra) != 0 {
		t.Errorf("mimetype has a %d byte extra field, want none", len(first.Extra))
	}
	if got := string(pkg.parts["mimetype"]); got != "application/vnd.oasis.opendocument.text" {
		t.Errorf("mimetype = %q", got)
	}
	// Tools recognise an ODT by the media type at offset 38 of the file.
	raw, err := first.OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := io.ReadAll(raw); string(data) != string(pkg.parts["mimetype"]) {
		t.Errorf("mimetype is stored as %q", data)
	}
}

// odtCheckManifest checks that the manifest lists every part, and only parts
// that exist.
func odtCheckManifest(t *testing.T, pkg *wpPackage, manifest *wpNode) {
	t.Helper()
	listed := map[string]bool{}
	for _, entry := range manifest.find("file-entry") {
		path := entry.attr("full-path")
		listed[path] = true
		if _, ok := pkg.parts[path]; !ok && path != "/" {
			t.Errorf("manifest lists %q, which the package lacks", path)
		}
	}
	if !listed["/"] {
		t.Error("manifest does not describe the package itself")
	}
	for name := range pkg.parts {
		if name != "mimetype" && name != "META-INF/manifest.xml" && !listed[name] {
			t.Errorf("manifest does not list %q", name)
		}
	}
}

// odtCheckStyles checks the named styles the document relies on, and the footer.
func odtCheckStyles(t *testing.T, styles *wpNode, footer string) {
	t.Helper()
	named := map[string]*wpNode{}
	for _, s := range styles.find("style") {
		named[s.attr("name")] = s
	}
	for _, want := range []string{"Title", "Heading_20_1", "Heading_20_2", "Heading_20_3", "Heading_20_4", "Say", "Facilitator_20_Note", "Preformatted_20_Text", "Footer"} {
		if named[want] == nil {
			t.Errorf("styles.xml has no style %s", want)
		}
	}
	for _, callout := range []string{"Say", "Facilitator_20_Note"} {
		if s := named[callout]; s != nil {
			props := s.find("paragraph-properties")
			if len(props) == 0 || props[0].attr("background-color") == "" {
				t.Errorf("style %s has no shading", callout)
			}
		}
	}
	pages := styles.find("master-page")
	if len(pages) != 1 {
		t.Fatalf("styles.xml has %d master pages, want 1", len(pages))
	}
	if got := strings.TrimSpace(pages[0].Content.String()); got != footer {
		t.Errorf("footer = %q, want %q", got, footer)
	}
}

func odtCheckMeta(t *testing.T, meta *wpNode, title string) {
	t.Helper()
	for _, c := range []struct{ element, want string }{{"title", title}, {"generator", "praxis"}} {
		found := meta.find(c.element)
		if len(found) != 1 || found[0].Content.String() != c.want {
			t.Errorf("meta.xml %s = %v, want %q", c.element, found, c.want)
		}
	}
	if len(meta.find("subject")) != 1 {
		t.Error("meta.xml has no subject")
	}
}

// odtRequireHeading fails unless a text:h with this text has the style and
// outline level.
func odtRequireHeading(t *testing.T, content *wpNode, text, style, level string) {
	t.Helper()
	for _, h := range content.find("h") {
		if h.Content.String() == text {
			if h.attr("style-name") != style || h.attr("outline-level") != level {
				t.Errorf("heading %q has style %q, level %q; want %q, %q", text, h.attr("style-name"), h.attr("outline-level"), style, level)
			}
			return
		}
	}
	t.Errorf("no heading %q", text)
}

// odtParagraphs are the text:p of a style.
func odtParagraphs(content *wpNode, style string) []*wpNode {
	var found []*wpNode
	for _, p := range content.find("p") {
		if p.attr("style-name") == style {
			found = append(found, p)
		}
	}
	return found
}

func BenchmarkODT(b *testing.B) {
	doc := wpBenchDocument(b)
	b.SetBytes(int64(len(doc.Module.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := ODT(io.Discard, doc); err != nil {
			b.Fatal(err)
		}
	}
}
