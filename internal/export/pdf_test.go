package export

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

const stigmaSlug = "exploring-class-2-stigma"

// Names in Welsh, Polish and Bengali that must survive into the PDF's text.
var (
	welshName    = "Gwenllïan ap Dafydd o Fôn, Ŵyn a Ŷr"
	polishName   = "Małgorzata Źdźbło-Ślęzak z Łodzi"
	bengaliName  = "রবীন্দ্রনাথ"
	bengaliName2 = "সুমাইয়া"
)

// testVersion is a version as the export service builds it.
func testVersion(slug string) Version {
	return Version{Commit: "3f2a1c9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39", Release: "v2026.11",
		Date: time.Date(2026, 11, 2, 17, 30, 0, 0, time.UTC), URL: "https://praxis.example.org/modules/" + slug}
}

// readModule reads a module of the curriculum with its Markdown handouts.
func readModule(t testing.TB, slug string) *Document {
	t.Helper()
	dir := filepath.Join("..", "..", "curriculum", "modules", slug)
	src, err := os.ReadFile(filepath.Join(dir, "module.md"))
	if err != nil {
		t.Fatal(err)
	}
	parsed, problems := module.Parse(filepath.Join(dir, "module.md"), slug, src)
	if parsed == nil {
		t.Fatalf("module.Parse(%s): %v", slug, problems)
	}
	doc := &Document{Module: parsed.Module, Version: testVersion(slug), Start: 18*60 + 30}
	names, err := filepath.Glob(filepath.Join(dir, "handouts", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		md, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		doc.Handouts = append(doc.Handouts, Handout{Name: filepath.Base(name), Title: firstHeading(string(md), filepath.Base(name)), Markdown: string(md)})
	}
	return doc
}

// firstHeading is a Markdown file's first level 1 heading, or fallback.
func firstHeading(md, fallback string) string {
	for _, line := range strings.Split(md, "\n") {
		if title, ok := strings.CutPrefix(line, "# "); ok {
			return strings.TrimSpace(title)
		}
	}
	return fallback
}

// syntheticBody exercises every kind of block, hostile Markdown and
// several scripts.
func syntheticBody() string {
	var b strings.Builder
	b.WriteString("# Names and places\n\n## Welcome and names (10 min)\n\n")
	fmt.Fprintf(&b, "Facilitators: %s, %s, %s and %s. **Bold**, *italic*, ~~struck~~, `inline code` and a [link to the union](https://union.example.org/join?from=praxis).\n\n", welshName, polishName, bengaliName, bengaliName2)
	b.WriteString("See [the handout](handouts/names.md) and [click me](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=).\n\n")
	b.WriteString("<script>alert('stolen')</script>\n\n")
	b.WriteString("Inline <iframe src=\"https://evil.example.org\"></iframe> and <img src=x onerror=alert(1)> are dropped.\n\n")
	b.WriteString("> **Say:** \"Welcome, everyone. Croeso i bawb. Witamy wszystkich.\"\n\n")
	b.WriteString("> **Facilitator note:** Check how people want their names said.\n>\n> - even inside a note\n> - lists work\n\n")
	b.WriteString("> A plain quotation from a member.\n\n")
	b.WriteString("## Nested lists (15 min)\n\n")
	b.WriteString("1. First step\n   - a point under it\n     - and a point under that with a long sentence that has to wrap across more than one line of the page to show the indentation holds\n   - another point\n2. Second step\n3. Third step\n\n- [x] done task\n- [ ] open task\n\n")
	b.WriteString("## A wide table (20 min)\n\n")
	b.WriteString("| Time | Who | What happens, in full, with every detail a facilitator could want to know about it | Notes |\n| ---: | --- | --- | :---: |\n")
	for i := range 12 {
		fmt.Fprintf(&b, "| 0:%02d | %s | Participants discuss a question in pairs, then report back to the whole group with one point each, while the co-facilitator writes the points on the flipchart. | averyveryverylongunbrokenwordthatcannotpossiblyfitinanarrowtablecolumnatall%d |\n", i*5, polishName, i)
	}
	b.WriteString("\n## Code (5 min)\n\n```text\n")
	for i := range 120 {
		fmt.Fprintf(&b, "line %03d\t%s\n", i, strings.Repeat("x", i*2))
	}
	b.WriteString("```\n\n---\n\n")
	b.WriteString("A word with no spaces: " + strings.Repeat("solidarity", 40) + ".\n\n")
	b.WriteString("Characters no font has, such as 😀, become a replacement character.\n\n")
	b.WriteString("| " + strings.Repeat("c | ", 40) + "\n|" + strings.Repeat(" --- |", 40) + "\n| " + strings.Repeat("wide | ", 40) + "\n\n")
	return b.String()
}

func syntheticDocument() *Document {
	return &Document{
		Module: praxis.Module{
			Slug: "names-and-places", Title: "Names and places: " + welshName, Summary: "A workshop about names, for " + polishName + " and " + bengaliName + ".",
			Duration: 150, GroupSize: praxis.GroupSize{Min: 6, Max: 24}, Facilitators: 2, Formats: []string{"in-person", "online"},
			Objectives: []string{"Say each other's names well"}, Materials: []string{"Name cards"},
			Licence: "CC-BY-SA-4.0", Authors: []string{"praxis contributors"},
			Agenda: []praxis.AgendaItem{{Title: "Welcome and names", Minutes: 10}, {Title: "Nested lists", Minutes: 15}, {Title: "A wide table", Minutes: 20}, {Title: "Code", Minutes: 5}},
			Body:   syntheticBody(),
		},
		Handouts: []Handout{{Name: "names.md", Title: "Names sheet", Markdown: "# Names sheet\n\nWrite " + bengaliName2 + " here: ________\n"}},
		Version:  testVersion("names-and-places"),
		Start:    -1,
	}
}

// writePDF renders doc to a file in a temporary folder.
func writePDF(t *testing.T, doc *Document, size PageSize) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := PDF(&buf, doc, size); err != nil {
		t.Fatalf("PDF: %v", err)
	}
	path := filepath.Join(t.TempDir(), "plan.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, buf.Bytes()
}

// poppler runs a poppler-utils tool, skipping the test when it is missing.
func poppler(t *testing.T, tool string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s (poppler-utils) is not installed", tool)
	}
	out, err := exec.Command(tool, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", tool, args, err)
	}
	return string(out)
}

// pdfPages reads the page count and size from pdfinfo.
func pdfPages(t *testing.T, path string) (pages int, width, height float64) {
	t.Helper()
	info := poppler(t, "pdfinfo", path)
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(info)
	s := regexp.MustCompile(`(?m)^Page size:\s+([\d.]+) x ([\d.]+) pts`).FindStringSubmatch(info)
	if m == nil || s == nil {
		t.Fatalf("pdfinfo gave no page count or size:\n%s", info)
	}
	pages, _ = strconv.Atoi(m[1])
	width, _ = strconv.ParseFloat(s[1], 64)
	height, _ = strconv.ParseFloat(s[2], 64)
	return pages, width, height
}

func TestPDFText(t *testing.T) {
	t.Parallel()
	stigma := readModule(t, stigmaSlug)
	synthetic := syntheticDocument()
	tests := []struct {
		name     string
		doc      *Document
		size     PageSize
		want     []string
		pages    [2]int
		pageSize string
	}{
		{
			name: "stigma module", doc: stigma, size: A4, pages: [2]int{12, 40}, pageSize: "595.28 x 841.89",
			want: []string{"Class, stigma and shame", "2 hours 30 minutes", "6–24 participants", "18:30", "20:50",
				"Identify common words, images and stories", "Tissues and water",
				"The matchwomen, 1888", "Media images analysis sheet", "1. IMAGES AND WORDS"},
		},
		{
			name: "synthetic module", doc: synthetic, size: Letter, pages: [2]int{5, 20}, pageSize: "612 x 792",
			want: []string{welshName, polishName, bengaliName, bengaliName2, "Write " + bengaliName2 + " here",
				"a point under it", "done task", "line 119", "Welcome, everyone. Croeso i bawb.", "click me",
				"are dropped", "0:45", "�"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := writePDF(t, tt.doc, tt.size)
			text := poppler(t, "pdftotext", "-layout", path, "-")
			// pdftotext -layout pads words with spaces; compare on single spaces.
			flat := strings.Join(strings.Fields(text), " ")
			want := append([]string{tt.doc.Module.Title, tt.doc.Version.Label(), tt.doc.Module.Licence, "page 1 of"}, tt.want...)
			for _, row := range tt.doc.Agenda() {
				want = append(want, row.Title)
			}
			for _, h := range tt.doc.Handouts {
				want = append(want, h.Title)
			}
			for _, w := range want {
				if !strings.Contains(flat, w) {
					t.Errorf("extracted text lacks %q", w)
				}
			}
			for _, bad := range []string{"<script>", "alert('stolen')", "<iframe", "onerror"} {
				if strings.Contains(text, bad) {
					t.Errorf("extracted text contains %q", bad)
				}
			}
			pages, width, height := pdfPages(t, path)
			if pages < tt.pages[0] || pages > tt.pages[1] {
				t.Errorf("pages = %d, want %d to %d", pages, tt.pages[0], tt.pages[1])
			}
			if got := fmt.Sprintf("%g x %g", width, height); got != tt.pageSize {
				t.Errorf("page size = %s, want %s", got, tt.pageSize)
			}
			if last := fmt.Sprintf("page %d of %d", pages, pages); !strings.Contains(flat, last) {
				t.Errorf("extracted text lacks %q", last)
			}
		})
	}
}

// bboxWord is a word as pdftotext -bbox places it, in points.
type bboxWord struct {
	page                   int
	xMin, yMin, xMax, yMax float64
	text                   string
}

var (
	bboxPage   = regexp.MustCompile(`<page width="([\d.]+)" height="([\d.]+)">`)
	bboxWordRE = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
)

// pdfWords returns every word of a PDF with its box, and the page size.
func pdfWords(t *testing.T, path string) (words []bboxWord, width, height float64) {
	t.Helper()
	out := poppler(t, "pdftotext", "-bbox", path, "-")
	page := 0
	for _, line := range strings.Split(out, "\n") {
		if m := bboxPage.FindStringSubmatch(line); m != nil {
			page++
			width, _ = strconv.ParseFloat(m[1], 64)
			height, _ = strconv.ParseFloat(m[2], 64)
			continue
		}
		if m := bboxWordRE.FindStringSubmatch(line); m != nil {
			w := bboxWord{page: page, text: m[5]}
			w.xMin, _ = strconv.ParseFloat(m[1], 64)
			w.yMin, _ = strconv.ParseFloat(m[2], 64)
			w.xMax, _ = strconv.ParseFloat(m[3], 64)
			w.yMax, _ = strconv.ParseFloat(m[4], 64)
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		t.Fatalf("pdftotext -bbox found no words")
	}
	return words, width, height
}

func TestPDFTextStaysInsideMargins(t *testing.T) {
	t.Parallel()
	const pt = 72 / 25.4
	for _, tt := range []struct {
		name string
		doc  *Document
		size PageSize
	}{
		{"stigma A4", readModule(t, stigmaSlug), A4},
		{"synthetic A4", syntheticDocument(), A4},
		{"synthetic Letter", syntheticDocument(), Letter},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := writePDF(t, tt.doc, tt.size)
			words, width, height := pdfWords(t, path)
			geo, _ := tt.size.geometry()
			left, right := geo.left*pt-0.5, width-geo.right*pt+0.5
			for _, w := range words {
				if w.xMin < left || w.xMax > right || w.yMax > height {
					t.Errorf("page %d: %q at x %.1f–%.1f, y %.1f is outside the margins (x %.1f–%.1f) or the page", w.page, w.text, w.xMin, w.xMax, w.yMax, left, right)
				}
			}
		})
	}
}

func TestPDFActivitiesStartHighOnAPage(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "## Activity marker%d\n\n", i)
		for range i % 7 {
			b.WriteString(strings.Repeat("Participants talk in pairs about what they noticed. ", 12) + "\n\n")
		}
	}
	doc := &Document{Module: praxis.Module{Title: "Breaks", Licence: "CC-BY-SA-4.0", Body: b.String()}, Version: testVersion("breaks"), Start: -1}
	path, _ := writePDF(t, doc, A4)
	words, _, height := pdfWords(t, path)
	seen := 0
	for _, w := range words {
		if strings.HasPrefix(w.text, "marker") {
			seen++
			if w.yMin > height*3/4 {
				t.Errorf("heading %q starts at %.0f of %.0f pt, in the bottom quarter of page %d", w.text, w.yMin, height, w.page)
			}
		}
	}
	if seen != 30 {
		t.Errorf("found %d activity headings, want 30", seen)
	}
}

// pdfStreams returns a PDF's streams decompressed: the pages' drawing
// operators among them.
func pdfStreams(raw []byte) string {
	var b strings.Builder
	for _, m := range regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(raw, -1) {
		z, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue
		}
		data, _ := io.ReadAll(z)
		b.Write(data)
	}
	return b.String()
}

func TestPDFCallouts(t *testing.T) {
	t.Parallel()
	const sayFill, noteFill = "0.933 0.957 0.973 rg", "1.000 0.969 0.878 rg"
	tests := []struct {
		name, body string
		fills      map[string]bool
	}{
		{"say", "> **Say:** \"Welcome.\"\n", map[string]bool{sayFill: true, noteFill: false}},
		{"facilitator note", "> **Facilitator note:** Watch the time.\n", map[string]bool{sayFill: false, noteFill: true}},
		{"plain quote", "> A member said this.\n", map[string]bool{sayFill: false, noteFill: false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := &Document{Module: praxis.Module{Title: "Callouts", Body: tt.body}, Version: testVersion("callouts"), Start: -1}
			var buf bytes.Buffer
			if err := PDF(&buf, doc, A4); err != nil {
				t.Fatal(err)
			}
			streams := pdfStreams(buf.Bytes())
			for fill, want := range tt.fills {
				if got := strings.Contains(streams, fill); got != want {
					t.Errorf("fill %q drawn = %v, want %v", fill, got, want)
				}
			}
		})
	}
}

func TestPDFLinks(t *testing.T) {
	t.Parallel()
	_, raw := writePDF(t, syntheticDocument(), A4)
	for _, want := range []string{
		"/URI (https://union.example.org/join?from=praxis)",
		"/URI (https://praxis.example.org/modules/names-and-places/handouts/names.md)",
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("PDF lacks link annotation %s", want)
		}
	}
	for _, bad := range []string{"javascript", "data:text"} {
		if bytes.Contains(bytes.ToLower(raw), []byte(bad)) {
			t.Errorf("PDF contains %q", bad)
		}
	}
}

func TestPDFLinkResolver(t *testing.T) {
	t.Parallel()
	plan := newPDFLinks("https://praxis.example.org/modules/slug", "")
	handouts := newPDFLinks("https://praxis.example.org/modules/slug", "handouts/")
	tests := []struct {
		name  string
		links pdfLinks
		dest  string
		want  string
	}{
		{"https", plan, "https://example.org/a?b=c", "https://example.org/a?b=c"},
		{"mailto", plan, "mailto:branch@example.org", "mailto:branch@example.org"},
		{"relative to the module", plan, "handouts/power-map.md", "https://praxis.example.org/modules/slug/handouts/power-map.md"},
		{"relative to a handout", handouts, "other.md", "https://praxis.example.org/modules/slug/handouts/other.md"},
		{"anchor", plan, "#preparation", "https://praxis.example.org/modules/slug/#preparation"},
		{"javascript", plan, "javascript:alert(1)", ""},
		{"javascript in capitals", plan, " JavaScript:alert(1)", ""},
		{"data", plan, "data:text/html,x", ""},
		{"file", plan, "file:///etc/passwd", ""},
		{"relative without a base", newPDFLinks("", ""), "handouts/x.md", ""},
		{"empty", plan, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.links.resolve(tt.dest); got != tt.want {
				t.Fatalf("resolve(%q) = %q, want %q", tt.dest, got, tt.want)
			}
		})
	}
}

func TestPDFMetadata(t *testing.T) {
	t.Parallel()
	doc := syntheticDocument()
	path, _ := writePDF(t, doc, A4)
	info := map[string]string{}
	for _, line := range strings.Split(poppler(t, "pdfinfo", path), "\n") {
		if key, value, ok := strings.Cut(line, ":"); ok {
			info[key] = strings.TrimSpace(value)
		}
	}
	for key, want := range map[string]string{"Title": doc.Module.Title, "Subject": doc.Module.Summary, "Creator": "praxis", "Author": "praxis contributors"} {
		if info[key] != want {
			t.Errorf("pdfinfo %s = %q, want %q", key, info[key], want)
		}
	}
}

func TestPDFEmptyDocument(t *testing.T) {
	t.Parallel()
	doc := &Document{Module: praxis.Module{Title: "Only a title", Licence: "CC0-1.0"}, Version: testVersion("only"), Start: -1}
	path, _ := writePDF(t, doc, A4)
	pages, _, _ := pdfPages(t, path)
	if pages != 1 {
		t.Errorf("pages = %d, want 1", pages)
	}
	flat := strings.Join(strings.Fields(poppler(t, "pdftotext", "-layout", path, "-")), " ")
	for _, want := range []string{"Only a title", "page 1 of 1", "CC0-1.0"} {
		if !strings.Contains(flat, want) {
			t.Errorf("extracted text lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Agenda", "Objectives", "Materials", "LENGTH", "HANDOUT"} {
		if strings.Contains(flat, unwanted) {
			t.Errorf("extracted text has %q for an empty field", unwanted)
		}
	}
}

// TestPDFLeavesTheFontFilesAlone: fpdf subsets a font by slicing the bytes it
// is given and writing into the slices. The embedded font files are shared
// by every document in the process (and with golang.org/x/image), so a PDF
// that changed them made the next PDF of the same document differ, and two
// PDFs made at once raced.
func TestPDFLeavesTheFontFilesAlone(t *testing.T) {
	before := make([][sha256.Size]byte, len(pdfFaceFiles))
	for i, face := range pdfFaceFiles {
		before[i] = sha256.Sum256(face.ttf)
	}
	doc := syntheticDocument()
	doc.Module.Body += "\n\n```\ncode in the mono face\n```\n\nবাংলা\n"
	if err := PDF(io.Discard, doc, A4); err != nil {
		t.Fatal(err)
	}
	for i, face := range pdfFaceFiles {
		if sha256.Sum256(face.ttf) != before[i] {
			t.Errorf("making a PDF changed the font file of %s %q", face.family, face.style)
		}
	}
}

func TestPDFIsDeterministic(t *testing.T) {
	t.Parallel()
	doc := syntheticDocument()
	var first, second bytes.Buffer
	if err := PDF(&first, doc, A4); err != nil {
		t.Fatal(err)
	}
	if err := PDF(&second, doc, A4); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatalf("two PDFs of the same document differ (%d and %d bytes)", first.Len(), second.Len())
	}
}

func TestPDFUnknownPageSize(t *testing.T) {
	t.Parallel()
	if err := PDF(io.Discard, syntheticDocument(), PageSize(7)); err == nil {
		t.Fatal("PDF with page size 7 succeeded, want an error")
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestPDFWriteError(t *testing.T) {
	t.Parallel()
	err := PDF(failingWriter{}, syntheticDocument(), A4)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("PDF to a failing writer = %v, want the write error", err)
	}
}

func TestPDFHostileSizes(t *testing.T) {
	t.Parallel()
	paragraph := strings.Repeat("Organise the workplace, one conversation at a time. ", 20) + "\n\n"
	tests := []struct {
		name string
		body string
	}{
		{"1 MB of paragraphs", strings.Repeat(paragraph, 1<<20/len(paragraph))},
		{"1 MB word", strings.Repeat("x", 1<<20)},
		{"1 MB code block", "```\n" + strings.Repeat(strings.Repeat("y", 200)+"\n", 1<<20/201) + "```\n"},
		{"deep quotes", strings.Repeat("> ", 5000) + "deep\n"},
		{"deep lists", func() string {
			var b strings.Builder
			for i := range 300 {
				b.WriteString(strings.Repeat("  ", i) + "- item\n")
			}
			return b.String()
		}()},
		{"400 columns", "|" + strings.Repeat(" h |", 400) + "\n|" + strings.Repeat(" - |", 400) + "\n|" + strings.Repeat(" v |", 400) + "\n"},
		{"huge ordered list number", "123456789. item\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := &Document{Module: praxis.Module{Title: "Hostile", Body: tt.body}, Version: testVersion("hostile"), Start: -1}
			start := time.Now()
			var buf bytes.Buffer
			if err := PDF(&buf, doc, A4); err != nil {
				t.Fatalf("PDF: %v", err)
			}
			if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
				t.Fatalf("output does not start with %%PDF-")
			}
			t.Logf("%d bytes of PDF in %v", buf.Len(), time.Since(start))
		})
	}
}

func TestPDFDuration(t *testing.T) {
	t.Parallel()
	for minutes, want := range map[int]string{0: "", 45: "45 minutes", 60: "1 hour", 61: "1 hour 1 minute", 150: "2 hours 30 minutes"} {
		if got := pdfDuration(minutes); got != want {
			t.Errorf("pdfDuration(%d) = %q, want %q", minutes, got, want)
		}
	}
}

func TestPDFFitColumns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		natural, least []float64
		width          float64
		want           []float64
	}{
		{"natural widths fit and stretch", []float64{10, 30}, []float64{10, 10}, 80, []float64{20, 60}},
		{"least widths fit", []float64{20, 100}, []float64{10, 20}, 60, []float64{10 + 30*10/90.0, 20 + 30*80/90.0}},
		{"a long word needs only an equal share", []float64{30, 300}, []float64{10, 300}, 100, []float64{10 + 40*20/270.0, 50 + 40*250/270.0}},
		{"no column is narrower than the minimum", []float64{1, 100}, []float64{1, 1}, 100, []float64{pdfMinCellWidth, 100 - pdfMinCellWidth}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pdfFitColumns(tt.natural, tt.least, tt.width)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
				t.Fatalf("pdfFitColumns (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkPDF10KB measures a PDF of a generated module of about 10 KB of
// plan, uncached.
func BenchmarkPDF10KB(b *testing.B) {
	src := demo.Plan(rand.New(rand.NewPCG(1, 2)), "module-0001", "", 0, demo.ModuleOptions{BodyBytes: 10_000})
	parsed, problems := module.Parse("module.md", "module-0001", []byte(src))
	if parsed == nil {
		b.Fatalf("module.Parse: %v", problems)
	}
	doc := &Document{Module: parsed.Module, Version: testVersion("module-0001"), Start: 18 * 60,
		Handouts: []Handout{{Name: "handout-1.md", Title: "Handout 1", Markdown: "# Handout 1\n\n" + strings.Repeat("Keep an eye on the time. ", 40)}}}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if err := PDF(io.Discard, doc, A4); err != nil {
			b.Fatal(err)
		}
	}
}
