package export

// The editable formats, ODT and DOCX, share one walk from a Document to a
// small word-processing model (its types are prefixed wp): headings,
// paragraphs of formatted runs, lists, tables, code blocks and rules. Each
// writer then only spells that model in its own XML.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/module"
	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

// wpDocument is a module laid out for a word processor.
type wpDocument struct {
	Title, Subject, Creator, Language, Footer string
	Keywords                                  []string
	// Date is when the version was committed; zero when unknown.
	Date   time.Time
	Blocks []wpBlock
}

// wpBlock is one of *wpParagraph, *wpHeading, *wpList, *wpTable, *wpCode
// and *wpRule.
type wpBlock interface{ wpBlock() }

// wpStyle names the role of a paragraph; each writer maps it to a named style.
type wpStyle int

const (
	wpStyleBody wpStyle = iota
	wpStyleTitle
	wpStyleSubtitle
	wpStyleQuote
	wpStyleSay
	wpStyleNote
	wpStyleTableHeading
	wpStyleTableCell
)

// wpAlign is the alignment of a paragraph; table cells are the ones that have one.
type wpAlign int

const (
	wpAlignDefault wpAlign = iota
	wpAlignCenter
	wpAlignRight
)

// wpParagraph is a paragraph of formatted text.
type wpParagraph struct {
	Style wpStyle
	Align wpAlign
	Runs  []wpRun
}

// wpHeading is a heading of level 1 to 4.
type wpHeading struct {
	Level int
	Runs  []wpRun
	// PageBreakBefore starts the heading on a new page, as each handout does.
	PageBreakBefore bool
}

// wpList is a bullet or numbered list.
type wpList struct {
	Ordered bool
	Start   int // the first number of an ordered list
	Items   []wpListItem
}

// wpListItem is an item of a list: the paragraph that carries the bullet or
// number, then whatever else the item holds, nested lists among it.
type wpListItem struct {
	Lead wpParagraph
	Rest []wpBlock
}

// wpTable is a table whose first row is its header.
type wpTable struct {
	// Widths are the columns' relative widths.
	Widths []int
	Rows   [][]wpParagraph
}

// wpCode is a code block, shown in a monospace font with its lines and spaces kept.
type wpCode struct{ Text string }

// wpRule is a thematic break.
type wpRule struct{}

func (*wpParagraph) wpBlock() {}
func (*wpHeading) wpBlock()   {}
func (*wpList) wpBlock()      {}
func (*wpTable) wpBlock()     {}
func (*wpCode) wpBlock()      {}
func (*wpRule) wpBlock()      {}

// wpRun is text in one format. A "\n" in Text is a line break.
type wpRun struct {
	Text                       string
	Bold, Italic, Strike, Code bool
	// Link is an absolute http, https or mailto address, or "" for none.
	Link string
}

// sameFormat reports whether two runs differ only in their text.
func (r wpRun) sameFormat(o wpRun) bool {
	r.Text, o.Text = "", ""
	return r == o
}

// newWPDocument lays out the cover, the agenda, the plan and the handouts.
func newWPDocument(doc *Document) *wpDocument {
	m := &doc.Module
	d := &wpDocument{
		Title:    m.Title,
		Subject:  m.Summary,
		Creator:  strings.Join(m.Authors, ", "),
		Language: m.Language,
		Keywords: m.Tags,
		Footer:   doc.Footer(),
	}
	if !doc.Version.Date.IsZero() {
		d.Date = doc.Version.Date.UTC()
	}
	d.Blocks = wpCover(doc)
	plan := newWPWalker(doc.Version.URL, "", []byte(m.Body))
	d.Blocks = append(d.Blocks, plan.blocks(module.ParseMarkdown(plan.src), wpStyleBody)...)
	for _, h := range doc.Handouts {
		d.Blocks = append(d.Blocks, wpHandout(doc.Version.URL, h)...)
	}
	return d
}

// wpCover is the front of the plan: title, summary, key facts, objectives,
// materials and the agenda.
func wpCover(doc *Document) []wpBlock {
	m := &doc.Module
	blocks := []wpBlock{
		&wpParagraph{Style: wpStyleTitle, Runs: wpPlain(m.Title)},
		&wpParagraph{Style: wpStyleSubtitle, Runs: wpPlain(m.Summary)},
		wpFact("Duration", wpMinutes(m.Duration)),
		wpFact("Group size", fmt.Sprintf("%d–%d participants", m.GroupSize.Min, m.GroupSize.Max)),
		wpFact("Facilitators", strconv.Itoa(m.Facilitators)),
		wpFact("Formats", strings.Join(m.Formats, ", ")),
	}
	blocks = append(blocks, wpBulletSection("Objectives", m.Objectives)...)
	blocks = append(blocks, wpBulletSection("Materials", m.Materials)...)
	return append(blocks, &wpHeading{Level: 2, Runs: wpPlain("Agenda")}, wpAgenda(doc))
}

// wpFact is a line such as "Duration: 2 h 30 min".
func wpFact(label, value string) *wpParagraph {
	return &wpParagraph{Runs: []wpRun{{Text: label + ": ", Bold: true}, {Text: value}}}
}

// wpBulletSection is a heading and a bullet list of items, or nothing when
// there are no items.
func wpBulletSection(title string, items []string) []wpBlock {
	if len(items) == 0 {
		return nil
	}
	list := &wpList{}
	for _, item := range items {
		list.Items = append(list.Items, wpListItem{Lead: wpParagraph{Runs: wpPlain(item)}})
	}
	return []wpBlock{&wpHeading{Level: 2, Runs: wpPlain(title)}, list}
}

// wpAgenda is the agenda table: a header, one row per item and the total.
func wpAgenda(doc *Document) *wpTable {
	cell := func(style wpStyle, align wpAlign, s string, bold bool) wpParagraph {
		return wpParagraph{Style: style, Align: align, Runs: []wpRun{{Text: s, Bold: bold}}}
	}
	t := &wpTable{Widths: []int{2, 9, 2}, Rows: [][]wpParagraph{{
		cell(wpStyleTableHeading, wpAlignDefault, "Start", false),
		cell(wpStyleTableHeading, wpAlignDefault, "Activity", false),
		cell(wpStyleTableHeading, wpAlignRight, "Minutes", false),
	}}}
	for _, row := range doc.Agenda() {
		t.Rows = append(t.Rows, []wpParagraph{
			cell(wpStyleTableCell, wpAlignDefault, row.Clock, false),
			cell(wpStyleTableCell, wpAlignDefault, row.Title, false),
			cell(wpStyleTableCell, wpAlignRight, strconv.Itoa(row.Minutes), false),
		})
	}
	t.Rows = append(t.Rows, []wpParagraph{
		{Style: wpStyleTableCell},
		cell(wpStyleTableCell, wpAlignDefault, "Total", true),
		cell(wpStyleTableCell, wpAlignRight, strconv.Itoa(doc.Module.Duration), true),
	})
	return t
}

// wpHandout is a handout on a new page, headed by its title. A handout's
// opening heading is its title, so it becomes that heading rather than a
// second one.
func wpHandout(moduleURL string, h Handout) []wpBlock {
	w := newWPWalker(moduleURL, "handouts/"+h.Name, []byte(h.Markdown))
	root := module.ParseMarkdown(w.src)
	heading := &wpHeading{Level: 1, Runs: wpPlain(h.Title), PageBreakBefore: true}
	blocks := []wpBlock{heading}
	next := root.FirstChild()
	if opening, ok := next.(*ast.Heading); ok {
		heading.Runs = w.runs(opening)
		next = next.NextSibling()
	}
	for n := next; n != nil; n = n.NextSibling() {
		blocks = append(blocks, w.block(n, wpStyleBody)...)
	}
	return blocks
}

// wpPlain is unformatted text as runs.
func wpPlain(s string) []wpRun { return []wpRun{{Text: s}} }

// wpMinutes says a duration for people: "45 min", "1 hour", "2 h 30 min".
func wpMinutes(m int) string {
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m == 60:
		return "1 hour"
	case m%60 == 0:
		return fmt.Sprintf("%d hours", m/60)
	default:
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
}

// wpWalker turns one Markdown file's syntax tree into blocks.
type wpWalker struct {
	src []byte
	// page is where the file is published, for anchors and absolute paths;
	// dir is the folder its relative links point into. Both are nil when the
	// document has no address, and relative links then become plain text.
	page, dir *url.URL
	// html and htmlOut hold text while unescape resolves it.
	html    bytes.Buffer
	htmlOut *bufio.Writer
}

// newWPWalker prepares a walk of src, the Markdown file at path (relative to
// the module; "" for the plan itself) of the module published at moduleURL.
func newWPWalker(moduleURL, path string, src []byte) *wpWalker {
	w := &wpWalker{src: src, htmlOut: bufio.NewWriter(nil)}
	page, err := url.Parse(moduleURL)
	if err != nil || (page.Scheme != "http" && page.Scheme != "https") || page.Host == "" {
		return w
	}
	// A module's files live under its page: /modules/slug/handouts/x.md.
	folder := *page
	folder.Path, folder.RawPath = strings.TrimSuffix(page.Path, "/")+"/", ""
	w.page, w.dir = page, &folder
	if path != "" {
		w.page = folder.ResolveReference(&url.URL{Path: path})
		w.dir = w.page.ResolveReference(&url.URL{Path: "./"})
	}
	return w
}

// blocks walks the children of a block node. style is the paragraph style of
// the surroundings: a callout's paragraphs take the callout's style.
func (w *wpWalker) blocks(parent ast.Node, style wpStyle) []wpBlock {
	var blocks []wpBlock
	for n := parent.FirstChild(); n != nil; n = n.NextSibling() {
		blocks = append(blocks, w.block(n, style)...)
	}
	return blocks
}

func (w *wpWalker) block(n ast.Node, style wpStyle) []wpBlock {
	switch n := n.(type) {
	case *ast.Heading:
		return []wpBlock{&wpHeading{Level: min(n.Level, 4), Runs: w.runs(n)}}
	case *ast.Paragraph, *ast.TextBlock:
		if runs := w.runs(n); len(runs) > 0 {
			return []wpBlock{&wpParagraph{Style: style, Runs: runs}}
		}
		return nil
	case *ast.Blockquote:
		return w.blocks(n, wpQuoteStyle(n))
	case *ast.List:
		return []wpBlock{w.list(n, style)}
	case *ast.FencedCodeBlock:
		return []wpBlock{w.code(n.Lines())}
	case *ast.CodeBlock:
		return []wpBlock{w.code(n.Lines())}
	case *ast.ThematicBreak:
		return []wpBlock{&wpRule{}}
	case *east.Table:
		return []wpBlock{w.table(n)}
	case *ast.HTMLBlock:
		// Raw HTML is never exported, as the web pages never show it.
		return nil
	}
	return w.blocks(n, style)
}

// wpQuoteStyle is the paragraph style of a block quote: a callout's own, or
// a plain quotation's.
func wpQuoteStyle(quote *ast.Blockquote) wpStyle {
	class, _ := quote.AttributeString("class")
	kind, _ := class.([]byte)
	switch string(kind) {
	case module.CalloutSay:
		return wpStyleSay
	case module.CalloutFacilitatorNote:
		return wpStyleNote
	}
	return wpStyleQuote
}

func (w *wpWalker) list(n *ast.List, style wpStyle) *wpList {
	list := &wpList{Ordered: n.IsOrdered(), Start: n.Start}
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		blocks := w.blocks(item, style)
		if lead, ok := wpFirstParagraph(blocks); ok {
			list.Items = append(list.Items, wpListItem{Lead: *lead, Rest: blocks[1:]})
			continue
		}
		// An item that opens with something other than text gets an empty
		// paragraph to carry its bullet or number.
		list.Items = append(list.Items, wpListItem{Lead: wpParagraph{Style: style}, Rest: blocks})
	}
	return list
}

func wpFirstParagraph(blocks []wpBlock) (*wpParagraph, bool) {
	if len(blocks) == 0 {
		return nil, false
	}
	p, ok := blocks[0].(*wpParagraph)
	return p, ok
}

func (w *wpWalker) code(lines *text.Segments) *wpCode {
	var b strings.Builder
	for i := range lines.Len() {
		line := lines.At(i)
		b.Write(line.Value(w.src))
	}
	return &wpCode{Text: strings.TrimRight(b.String(), "\r\n")}
}

// table keeps every row to the header's number of columns, as GFM does.
func (w *wpWalker) table(n *east.Table) *wpTable {
	columns := len(n.Alignments)
	t := &wpTable{Widths: make([]int, columns)}
	for i := range t.Widths {
		t.Widths[i] = 1
	}
	for row := n.FirstChild(); row != nil; row = row.NextSibling() {
		style := wpStyleTableCell
		if _, ok := row.(*east.TableHeader); ok {
			style = wpStyleTableHeading
		}
		cells := make([]wpParagraph, columns)
		cell := row.FirstChild()
		for i := range cells {
			cells[i] = wpParagraph{Style: style, Align: wpCellAlign(n.Alignments[i])}
			if cell != nil {
				cells[i].Runs = w.runs(cell)
				cell = cell.NextSibling()
			}
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

func wpCellAlign(a east.Alignment) wpAlign {
	switch a {
	case east.AlignCenter:
		return wpAlignCenter
	case east.AlignRight:
		return wpAlignRight
	}
	return wpAlignDefault
}

// runs is the formatted text inside a node.
func (w *wpWalker) runs(n ast.Node) []wpRun {
	return w.inline(n, wpRun{}, nil)
}

// inline appends the runs of n's children, formatted as format plus their own
// emphasis, to runs.
func (w *wpWalker) inline(n ast.Node, format wpRun, runs []wpRun) []wpRun {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		f := format
		switch c := c.(type) {
		case *ast.Text:
			runs = wpAppendRun(runs, f, w.text(c, f.Code))
		case *ast.String:
			// the typographer stores curly quotes and dashes as HTML entities
			runs = wpAppendRun(runs, f, html.UnescapeString(string(c.Value)))
		case *ast.CodeSpan:
			f.Code = true
			runs = w.inline(c, f, runs)
		case *ast.Emphasis:
			f.Italic = f.Italic || c.Level == 1
			f.Bold = f.Bold || c.Level >= 2
			runs = w.inline(c, f, runs)
		case *east.Strikethrough:
			f.Strike = true
			runs = w.inline(c, f, runs)
		case *ast.Link:
			f.Link = w.linkTarget(string(c.Destination))
			runs = w.inline(c, f, runs)
		case *ast.AutoLink:
			f.Link = w.linkTarget(wpAutoLinkURL(c, w.src))
			runs = wpAppendRun(runs, f, string(c.Label(w.src)))
		case *east.TaskCheckBox:
			runs = wpAppendRun(runs, f, wpCheckBox(c.IsChecked))
		case *ast.RawHTML:
			// Raw HTML is never exported, as the web pages never show it.
		default:
			// images show their alternative text: a plan printed offline
			// cannot fetch them
			runs = w.inline(c, f, runs)
		}
	}
	return runs
}

// text is a text node's words with its line ending: a hard break stays a
// break, a soft one becomes a space, and code never breaks. Outside code,
// backslash escapes and entities are resolved.
func (w *wpWalker) text(t *ast.Text, code bool) string {
	value := t.Segment.Value(w.src)
	if code {
		return strings.ReplaceAll(string(value), "\n", " ")
	}
	s := string(value)
	if !t.IsRaw() {
		s = w.unescape(value)
	}
	switch {
	case t.HardLineBreak():
		return s + "\n"
	case t.SoftLineBreak():
		return s + " "
	}
	return s
}

// unescape resolves the backslash escapes ("\*") and character references
// ("&amp;") of Markdown text exactly as the web pages do, by letting
// goldmark's HTML writer resolve them and reading its HTML back as text.
func (w *wpWalker) unescape(markdown []byte) string {
	w.html.Reset()
	w.htmlOut.Reset(&w.html)
	gmhtml.DefaultWriter.Write(w.htmlOut, markdown)
	// Flush writes to a bytes.Buffer, which does not fail.
	_ = w.htmlOut.Flush()
	return html.UnescapeString(w.html.String())
}

func wpCheckBox(checked bool) string {
	if checked {
		return "☑ "
	}
	return "☐ "
}

// wpAppendRun appends text in a format, joining it to the last run when the
// format is the same.
func wpAppendRun(runs []wpRun, format wpRun, s string) []wpRun {
	if s == "" {
		return runs
	}
	if last := len(runs) - 1; last >= 0 && runs[last].sameFormat(format) {
		runs[last].Text += s
		return runs
	}
	format.Text = s
	return append(runs, format)
}

func wpAutoLinkURL(link *ast.AutoLink, src []byte) string {
	dest := string(link.URL(src))
	if link.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(dest), "mailto:") {
		return "mailto:" + dest
	}
	return dest
}

// linkTarget resolves a link's destination to an absolute address, or returns
// "" when the link must stay plain text: any scheme but http, https and mailto
// (javascript: above all), and relative links in a document with no address.
func (w *wpWalker) linkTarget(dest string) string {
	ref, err := url.Parse(strings.TrimSpace(dest))
	if err != nil {
		return ""
	}
	if !ref.IsAbs() {
		base := w.page
		if module.IsRelativeLink(dest) {
			base = w.dir
		}
		if base == nil {
			return ""
		}
		ref = base.ResolveReference(ref)
	}
	switch ref.Scheme {
	case "http", "https":
		if ref.Host == "" {
			return ""
		}
		return ref.String()
	case "mailto":
		return ref.String()
	}
	return ""
}

// wpPart is a file inside a zip package.
type wpPart struct {
	name string
	data []byte
}

// wpWritePackage writes the parts, compressed, after those already written,
// and closes the package.
func wpWritePackage(zw *zip.Writer, modified time.Time, parts []wpPart) error {
	for _, p := range parts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return err
		}
		if _, err := f.Write(p.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// wpXML builds an XML part.
type wpXML struct{ bytes.Buffer }

const wpXMLDeclaration = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// text writes s as character data, escaped, without the characters XML forbids.
func (x *wpXML) text(s string) { x.escape(wpCleanText(s)) }

// escape writes s, already clean, as character data.
func (x *wpXML) escape(s string) {
	// EscapeText writes only to x, and a bytes.Buffer does not fail.
	_ = xml.EscapeText(&x.Buffer, []byte(s))
}

// attr writes ` name="value"`, the value escaped.
func (x *wpXML) attr(name, value string) {
	x.WriteString(" " + name + `="`)
	x.text(value)
	x.WriteByte('"')
}

// wpElement writes <name>value</name>, or nothing when value is empty.
func wpElement(x *wpXML, name, value string) {
	if value == "" {
		return
	}
	x.WriteString("<" + name + ">")
	x.text(value)
	x.WriteString("</" + name + ">")
}

// wpCleanText drops what may not appear in XML 1.0 (control characters other
// than tab and newline, and the non-characters U+FFFE and U+FFFF), and
// carriage returns, which word processors would show as stray characters.
// Invalid UTF-8 becomes U+FFFD.
func wpCleanText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			return -1
		}
		return r
	}, s)
}
