package export

import (
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/praxis-coop/praxis/internal/module"
	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"
)

// Font sizes and vertical spacing of the plan's blocks.
const (
	pdfBodySize     = 10.5
	pdfCodeSize     = 9
	pdfNoteSize     = 10
	pdfParagraphGap = 2.6
	pdfItemGap      = 1.2
	pdfListIndent   = 6.5
	// pdfMarkerGap separates a list marker from the item's text.
	pdfMarkerGap = 1.8
)

// pdfHeadingSizes are the font sizes of headings of levels 1 to 4 and deeper.
var pdfHeadingSizes = [...]float64{20, 15, 12.5, 11}

// pdfBullets mark the items of unordered lists, by depth.
var pdfBullets = [...]string{"•", "◦", "▪"}

// Boxes of block quotes and code, coloured as on the web.
var (
	pdfSayBox   = pdfBoxStyle{fill: pdfColor{238, 244, 248}, rule: pdfColor{45, 106, 142}, filled: true, ruleWidth: 1.2, padX: 3, padY: 2}
	pdfNoteBox  = pdfBoxStyle{fill: pdfColor{255, 247, 224}, rule: pdfColor{154, 106, 0}, filled: true, ruleWidth: 1.2, padX: 3, padY: 2, size: pdfNoteSize}
	pdfQuoteBox = pdfBoxStyle{rule: pdfRuleColor, ruleWidth: 1.2, padX: 3, padY: 0.5}
	pdfCodeBox  = pdfBoxStyle{fill: pdfCodeColor, filled: true, padX: 2.5, padY: 1.8}
)

// pdfLinks turns link destinations into URLs that are safe in a PDF:
// http, https and mailto only, relative ones resolved against a base.
type pdfLinks struct {
	// base is nil when relative links have nowhere to point.
	base *url.URL
}

// newPDFLinks resolves relative links against the folder at base (an
// http or https URL, such as a module's page) and dir within it.
func newPDFLinks(base, dir string) pdfLinks {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return pdfLinks{}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	return pdfLinks{base: u.ResolveReference(&url.URL{Path: dir})}
}

// resolve returns the URL a destination links to, or "" when it must not
// become a link (javascript:, data: and the like, or a relative link
// without a base).
func (l pdfLinks) resolve(dest string) string {
	u, err := url.Parse(strings.TrimSpace(dest))
	if err != nil {
		return ""
	}
	if !u.IsAbs() {
		if l.base == nil || (u.Host == "" && u.Path == "" && u.Fragment == "" && u.RawQuery == "") {
			return ""
		}
		u = l.base.ResolveReference(u)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return ""
		}
		return u.String()
	case "mailto":
		return u.String()
	}
	return ""
}

// pdfWalker draws a goldmark syntax tree with a renderer.
type pdfWalker struct {
	r     *pdfRenderer
	src   []byte
	links pdfLinks
	// lists is how deep in lists the walk is, to pick the bullet.
	lists int
	// outline is the bookmark level of the document's top headings.
	outline int
}

// markdown draws Markdown at the current position. A leading level 1
// heading that repeats title is left out: the title is already printed.
func (r *pdfRenderer) markdown(src string, links pdfLinks, title string, outline int) {
	w := &pdfWalker{r: r, src: []byte(src), links: links, outline: outline}
	root := module.ParseMarkdown(w.src)
	if h, ok := root.FirstChild().(*ast.Heading); ok && h.Level == 1 &&
		strings.TrimSpace(module.PlainText(h, w.src)) == strings.TrimSpace(title) {
		root.RemoveChild(root, h)
	}
	w.blocks(root)
}

func (w *pdfWalker) blocks(parent ast.Node) {
	for n := parent.FirstChild(); n != nil; n = n.NextSibling() {
		w.block(n)
	}
}

func (w *pdfWalker) block(n ast.Node) {
	switch n := n.(type) {
	case *ast.Heading:
		w.r.heading(n.Level, w.inlines(n), w.outline)
	case *ast.Paragraph:
		if pdfIsLabel(n) {
			w.r.keepWithNext(3)
		}
		w.r.paragraph(w.inlines(n), pdfParagraphGap)
	case *ast.TextBlock:
		w.r.paragraph(w.inlines(n), pdfItemGap)
	case *ast.List:
		w.list(n)
	case *ast.Blockquote:
		leave := w.r.enterBox(pdfQuoteStyle(n))
		w.blocks(n)
		leave()
	case *ast.FencedCodeBlock:
		w.r.code(w.codeText(n))
	case *ast.CodeBlock:
		w.r.code(w.codeText(n))
	case *ast.ThematicBreak:
		w.r.thematicBreak()
	case *east.Table:
		w.table(n)
	case *ast.HTMLBlock:
		// raw HTML is never drawn, as on the web
	default:
		w.blocks(n)
	}
}

// pdfQuoteStyle is the box of a block quote: the callouts marked by
// module.ParseMarkdown, or a plain quote.
func pdfQuoteStyle(n *ast.Blockquote) pdfBoxStyle {
	class, _ := n.AttributeString("class")
	kind, _ := class.([]byte)
	switch string(kind) {
	case module.CalloutSay:
		return pdfSayBox
	case module.CalloutFacilitatorNote:
		return pdfNoteBox
	}
	return pdfQuoteBox
}

// pdfIsLabel reports whether a paragraph is all bold, such as "**Steps**": a
// heading in all but name, kept with what follows it.
func pdfIsLabel(n *ast.Paragraph) bool {
	strong, ok := n.FirstChild().(*ast.Emphasis)
	return ok && strong.Level == 2 && strong.NextSibling() == nil
}

// list draws a list's items, each marker on the item's first line.
func (w *pdfWalker) list(n *ast.List) {
	restore := w.r.indent(pdfListIndent, 0)
	number := n.Start
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		marker := pdfBullets[w.lists%len(pdfBullets)]
		if n.IsOrdered() {
			marker = strconv.Itoa(number) + string(n.Marker)
			number++
		}
		w.r.marker = &pdfMarker{text: marker, right: w.r.x0 - pdfMarkerGap}
		w.lists++
		w.blocks(item)
		w.lists--
		w.r.emptyItem()
	}
	restore()
	if w.lists > 0 {
		w.r.addGap(pdfItemGap)
	} else {
		w.r.addGap(pdfParagraphGap)
	}
}

// codeText returns the text of a code block, tabs as four spaces.
func (w *pdfWalker) codeText(n ast.Node) string {
	var b strings.Builder
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		b.Write(seg.Value(w.src))
	}
	return strings.ReplaceAll(strings.TrimRight(b.String(), "\n"), "\t", "    ")
}

// table draws a GFM table.
func (w *pdfWalker) table(n *east.Table) {
	t := pdfTable{align: n.Alignments}
	for row := n.FirstChild(); row != nil; row = row.NextSibling() {
		var cells [][]pdfSpan
		for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
			cells = append(cells, w.inlines(cell))
		}
		if _, ok := row.(*east.TableHeader); ok {
			t.header = cells
		} else {
			t.rows = append(t.rows, cells)
		}
	}
	w.r.table(t)
}

// inlines returns the text of a block as styled spans.
func (w *pdfWalker) inlines(n ast.Node) []pdfSpan {
	return w.appendInlines(nil, n, 0, "")
}

func (w *pdfWalker) appendInlines(out []pdfSpan, n ast.Node, style pdfStyle, link string) []pdfSpan {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			out = append(out, pdfSpan{text: w.text(c), style: style, link: link})
			switch {
			case c.HardLineBreak():
				out = append(out, pdfSpan{text: "\n", style: style})
			case c.SoftLineBreak():
				out = append(out, pdfSpan{text: " ", style: style, link: link})
			}
		case *ast.String:
			// the typographer stores curly quotes as HTML entities
			out = append(out, pdfSpan{text: html.UnescapeString(string(c.Value)), style: style, link: link})
		case *ast.CodeSpan:
			out = append(out, pdfSpan{text: w.codeSpan(c), style: style | pdfMono, link: link})
		case *ast.Emphasis:
			emphasis := pdfItalic
			if c.Level >= 2 {
				emphasis = pdfBold
			}
			out = w.appendInlines(out, c, style|emphasis, link)
		case *east.Strikethrough:
			out = w.appendInlines(out, c, style|pdfStrike, link)
		case *ast.Link:
			out = w.appendInlines(out, c, style, w.links.resolve(string(c.Destination)))
		case *ast.AutoLink:
			dest := string(c.URL(w.src))
			if c.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(dest), "mailto:") {
				dest = "mailto:" + dest
			}
			out = append(out, pdfSpan{text: string(c.Label(w.src)), style: style, link: w.links.resolve(dest)})
		case *ast.Image:
			out = w.appendInlines(out, c, style|pdfItalic, link)
		case *east.TaskCheckBox:
			box := "[ ]"
			if c.IsChecked {
				box = "[x]"
			}
			out = append(out, pdfSpan{text: box, style: style | pdfMono}, pdfSpan{text: " ", style: style})
		case *ast.RawHTML:
			// raw HTML is never drawn, as on the web
		default:
			out = w.appendInlines(out, c, style, link)
		}
	}
	return out
}

// text returns a text node's text with backslash escapes and character
// references resolved, as goldmark's HTML renderer writes it.
func (w *pdfWalker) text(n *ast.Text) string {
	v := n.Segment.Value(w.src)
	if !n.IsRaw() {
		v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
	}
	return string(v)
}

// codeSpan returns a code span's text, its line breaks as spaces.
func (w *pdfWalker) codeSpan(n *ast.CodeSpan) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			b.Write(t.Segment.Value(w.src))
		}
	}
	return strings.ReplaceAll(b.String(), "\n", " ")
}
