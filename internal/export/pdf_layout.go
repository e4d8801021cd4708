package export

import (
	"math"
	"strings"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

// Lengths are in millimetres and font sizes in points.
const (
	pdfMMPerPt = 25.4 / 72
	// pdfLineSpacing is a line's height as a multiple of its font size.
	pdfLineSpacing = 1.4
	// pdfEpsilon absorbs rounding when comparing positions.
	pdfEpsilon = 0.01
	// pdfMinColumn is the narrowest a block may be indented to; deeper nesting
	// stops indenting, so hostile nesting cannot squeeze text off the page.
	pdfMinColumn = 60.0
)

// pdfColor is a colour.
type pdfColor struct{ r, g, b int }

var (
	pdfInk         = pdfColor{28, 27, 25}
	pdfMutedInk    = pdfColor{85, 81, 75}
	pdfRuleColor   = pdfColor{207, 202, 192}
	pdfLinkColor   = pdfColor{26, 95, 180}
	pdfCodeColor   = pdfColor{246, 245, 242}
	pdfHeaderColor = pdfColor{240, 238, 233}
)

// pdfStyle is how a run of inline text looks, as a set of flags.
type pdfStyle uint8

const (
	pdfBold pdfStyle = 1 << iota
	pdfItalic
	pdfMono
	pdfStrike
	pdfMuted
)

// face is the font a style is drawn with (before Bengali is picked out).
func (s pdfStyle) face() pdfFace {
	switch {
	case s&pdfMono != 0:
		return pdfMonoFace
	case s&pdfBold != 0 && s&pdfItalic != 0:
		return pdfBoldItalicFace
	case s&pdfBold != 0:
		return pdfBoldFace
	case s&pdfItalic != 0:
		return pdfItalicFace
	}
	return pdfRegularFace
}

// pdfSpan is a run of inline text with one style and link. A "\n" in its text
// is a hard line break.
type pdfSpan struct {
	text  string
	style pdfStyle
	// link is a safe absolute URL (http, https or mailto), or "".
	link string
}

// pdfWithStyle returns spans with a style added to each.
func pdfWithStyle(spans []pdfSpan, style pdfStyle) []pdfSpan {
	out := make([]pdfSpan, len(spans))
	for i, s := range spans {
		s.style |= style
		out[i] = s
	}
	return out
}

// pdfPieceKind says whether a piece is text, a breakable space or a line break.
type pdfPieceKind uint8

const (
	pdfPieceText pdfPieceKind = iota
	pdfPieceSpace
	pdfPieceBreak
)

// pdfPiece is a run of text in one face from one span, measured.
type pdfPiece struct {
	kind  pdfPieceKind
	text  string
	face  pdfFace
	span  int
	width float64
}

// pdfFragment is a piece placed on a line, x from the line's start.
type pdfFragment struct {
	x, width float64
	text     string
	face     pdfFace
	span     int
}

// pdfLine is one laid-out line.
type pdfLine struct {
	frags []pdfFragment
	width float64
}

// add appends a piece, joining it to the last fragment when it continues it.
func (l *pdfLine) add(p pdfPiece) {
	if p.text == "" {
		return
	}
	if n := len(l.frags); n > 0 && l.frags[n-1].span == p.span && l.frags[n-1].face == p.face {
		l.frags[n-1].text += p.text
		l.frags[n-1].width += p.width
	} else {
		l.frags = append(l.frags, pdfFragment{x: l.width, width: p.width, text: p.text, face: p.face, span: p.span})
	}
	l.width += p.width
}

// pieces splits spans into measured pieces at spaces, line breaks and
// changes of face. Unless pre, runs of white space collapse to one space
// that a line may break at; in pre (code) text, spaces are kept and lines
// break only where they must. Control characters are dropped.
func (fs *pdfFonts) pieces(spans []pdfSpan, size float64, pre bool) []pdfPiece {
	scale := size * pdfMMPerPt / 1000
	var out []pdfPiece
	var text strings.Builder
	cur := pdfPiece{}
	flush := func() {
		if text.Len() > 0 {
			cur.text = text.String()
			out = append(out, cur)
			text.Reset()
		}
		cur.width = 0
	}
	for i, s := range spans {
		style := s.style.face()
		for _, r := range s.text {
			kind := pdfPieceText
			switch {
			case r == '\n':
				kind = pdfPieceBreak
			case r == ' ' || r == '\t':
				r = ' '
				if !pre {
					kind = pdfPieceSpace
				}
			case unicode.IsControl(r) || r == '\uFEFF':
				continue
			}
			f, drawn, advance := fs.glyph(style, r)
			if kind != cur.kind || f != cur.face || i != cur.span || kind != pdfPieceText {
				flush()
				if kind == pdfPieceSpace && len(out) > 0 && out[len(out)-1].kind == pdfPieceSpace {
					continue
				}
				cur = pdfPiece{kind: kind, face: f, span: i}
			}
			if kind == pdfPieceBreak {
				out = append(out, cur)
				cur = pdfPiece{kind: pdfPieceBreak}
				continue
			}
			text.WriteRune(drawn)
			cur.width += float64(advance) * scale
		}
	}
	flush()
	return out
}

// wrap lays pieces out in lines at most width wide, breaking at spaces, and
// inside a word only when the word alone is wider than a line.
func (fs *pdfFonts) wrap(pieces []pdfPiece, size, width float64) []pdfLine {
	var lines []pdfLine
	var cur pdfLine
	var space *pdfPiece
	for i := 0; i < len(pieces); {
		switch pieces[i].kind {
		case pdfPieceBreak:
			lines = append(lines, cur)
			cur, space = pdfLine{}, nil
			i++
			continue
		case pdfPieceSpace:
			if len(cur.frags) > 0 {
				space = &pieces[i]
			}
			i++
			continue
		}
		end, wordWidth := i, 0.0
		for end < len(pieces) && pieces[end].kind == pdfPieceText {
			wordWidth += pieces[end].width
			end++
		}
		spaceWidth := 0.0
		if space != nil {
			spaceWidth = space.width
		}
		switch {
		case cur.width+spaceWidth+wordWidth <= width+pdfEpsilon:
			if space != nil {
				cur.add(*space)
			}
			for _, p := range pieces[i:end] {
				cur.add(p)
			}
		case len(cur.frags) > 0:
			lines = append(lines, cur)
			cur, space = pdfLine{}, nil
			continue // the word starts the next line
		default:
			for _, p := range pieces[i:end] {
				cur, lines = fs.split(p, size, width, cur, lines)
			}
		}
		space = nil
		i = end
	}
	if len(cur.frags) > 0 || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// split places a piece too long for a line, breaking it between characters.
func (fs *pdfFonts) split(p pdfPiece, size, width float64, cur pdfLine, lines []pdfLine) (pdfLine, []pdfLine) {
	scale := size * pdfMMPerPt / 1000
	start, taken := 0, 0.0
	for i, r := range p.text {
		advance := float64(max(fs.advance(p.face, r), 0)) * scale
		if cur.width+taken+advance > width+pdfEpsilon && (len(cur.frags) > 0 || taken > 0) {
			cur.add(pdfPiece{text: p.text[start:i], face: p.face, span: p.span, width: taken})
			lines = append(lines, cur)
			cur, start, taken = pdfLine{}, i, 0
		}
		taken += advance
	}
	cur.add(pdfPiece{text: p.text[start:], face: p.face, span: p.span, width: taken})
	return cur, lines
}

// pdfExtent returns the width of the widest line of pieces unwrapped, and of
// their widest word: the widths a table column would like and needs.
func pdfExtent(pieces []pdfPiece) (natural, word float64) {
	line, run := 0.0, 0.0
	for _, p := range pieces {
		switch p.kind {
		case pdfPieceBreak:
			line, run = 0, 0
		case pdfPieceSpace:
			line += p.width
			run = 0
		default:
			line += p.width
			run += p.width
		}
		natural, word = max(natural, line), max(word, run)
	}
	return natural, word
}

// pdfBox is a block drawn with a background or a rule on its left, such as a
// callout or a code block, active while its content is laid out.
type pdfBox struct {
	style  pdfBoxStyle
	x0, x1 float64
}

// pdfBoxStyle is how a box looks.
type pdfBoxStyle struct {
	fill, rule pdfColor
	filled     bool
	ruleWidth  float64
	// padX and padY are the space inside the box around its content.
	padX, padY float64
	// size is the font size inside, or 0 to keep the surrounding one.
	size float64
}

// pdfMarker is the bullet or number waiting to be drawn on a list item's
// first line, its right edge at right.
type pdfMarker struct {
	text  string
	right float64
}

// pdfRenderer lays a document out on pages: it holds the PDF, the font
// state and where the next line goes. Everything that takes vertical space
// goes through take, which starts a new page when the space is not there and
// paints the background of the boxes the line is in, so that callouts and
// code blocks continue across pages.
type pdfRenderer struct {
	pdf   *fpdf.Fpdf
	fonts *pdfFonts
	// font and fontSize are what the page's content stream last selected.
	font     pdfFace
	fontSize float64
	geo      pdfGeometry
	pageW    float64
	// top and bottom bound the text on a page; x0 and x1 bound the current
	// column, narrowed by lists, quotes and callouts.
	top, bottom float64
	x0, x1      float64
	y           float64
	// gap is vertical space owed before the next block; gaps collapse to the
	// largest and vanish at the top of a page.
	gap    float64
	size   float64
	boxes  []pdfBox
	marker *pdfMarker
}

// pdfLineHeight is the height of a line of text of a size.
func pdfLineHeight(size float64) float64 { return size * pdfMMPerPt * pdfLineSpacing }

// bodyHeight is the height of the text area of a page.
func (r *pdfRenderer) bodyHeight() float64 { return r.bottom - r.top }

func (r *pdfRenderer) newPage() {
	r.pdf.AddPage()
	r.fontSize = 0
	r.y = r.top
}

// need starts a new page unless h fits below the current position or the
// page is still empty, and reports whether it did.
func (r *pdfRenderer) need(h float64) bool {
	if r.y+h <= r.bottom+pdfEpsilon || r.y <= r.top+pdfEpsilon {
		return false
	}
	r.newPage()
	return true
}

// take reserves h of vertical space, on a new page when needed, paints the
// boxes it is in and returns its top.
func (r *pdfRenderer) take(h float64) float64 {
	r.need(h)
	top := r.y
	for _, b := range r.boxes {
		if b.style.filled {
			r.fillRect(b.style.fill, b.x0, top, b.x1-b.x0, h)
		}
		if b.style.ruleWidth > 0 {
			r.fillRect(b.style.rule, b.x0, top, b.style.ruleWidth, h)
		}
	}
	r.y += h
	return top
}

// addGap owes at least h of space before the next block.
func (r *pdfRenderer) addGap(h float64) { r.gap = max(r.gap, h) }

// flushGap pays the owed gap, except at the top of a page.
func (r *pdfRenderer) flushGap() {
	gap := r.gap
	r.gap = 0
	if gap <= 0 || r.y <= r.top+pdfEpsilon {
		return
	}
	if r.y+gap > r.bottom {
		r.newPage()
		return
	}
	r.take(gap)
}

// indent narrows the column by left and right, unless that would leave it
// narrower than pdfMinColumn, and returns the function that restores it.
func (r *pdfRenderer) indent(left, right float64) (restore func()) {
	x0, x1 := r.x0, r.x1
	if x1-x0-left-right >= pdfMinColumn {
		r.x0, r.x1 = x0+left, x1-right
	}
	return func() { r.x0, r.x1 = x0, x1 }
}

// enterBox starts a box around the blocks that follow and returns the
// function that ends it. A box that would leave too narrow a column is not
// drawn; its content still is.
func (r *pdfRenderer) enterBox(st pdfBoxStyle) (leave func()) {
	r.flushGap()
	x0, x1, size := r.x0, r.x1, r.size
	if x1-x0-st.ruleWidth-2*st.padX < pdfMinColumn {
		return func() {}
	}
	if st.size > 0 {
		r.size = st.size
	}
	r.need(st.padY + pdfLineHeight(r.size))
	r.boxes = append(r.boxes, pdfBox{style: st, x0: x0, x1: x1})
	r.take(st.padY)
	r.x0, r.x1 = x0+st.ruleWidth+st.padX, x1-st.padX
	return func() {
		r.gap = 0
		if r.y+st.padY <= r.bottom {
			r.take(st.padY)
		}
		r.boxes = r.boxes[:len(r.boxes)-1]
		r.x0, r.x1, r.size = x0, x1, size
		r.addGap(pdfParagraphGap)
	}
}

// setFont selects a face and size unless they are already selected.
func (r *pdfRenderer) setFont(f pdfFace, size float64) {
	if r.font == f && r.fontSize == size {
		return
	}
	r.fonts.use(f, size)
	r.font, r.fontSize = f, size
}

func (r *pdfRenderer) fillRect(c pdfColor, x, y, w, h float64) {
	r.pdf.SetFillColor(c.r, c.g, c.b)
	r.pdf.Rect(x, y, w, h, "F")
}

func (r *pdfRenderer) stroke(c pdfColor, width, x1, y1, x2, y2 float64) {
	r.pdf.SetDrawColor(c.r, c.g, c.b)
	r.pdf.SetLineWidth(width)
	r.pdf.Line(x1, y1, x2, y2)
}

// layout lays spans out in lines at most width wide.
func (r *pdfRenderer) layout(spans []pdfSpan, size, width float64, pre bool) []pdfLine {
	return r.fonts.wrap(r.fonts.pieces(spans, size, pre), size, width)
}

// drawLine draws a laid-out line with its top left corner at (x, top), with
// link annotations under linked text.
func (r *pdfRenderer) drawLine(l pdfLine, spans []pdfSpan, x, top, height, size float64) {
	baseline := top + (height+0.7*size*pdfMMPerPt)/2
	for _, fr := range l.frags {
		s := spans[fr.span]
		color := pdfInk
		switch {
		case s.link != "":
			color = pdfLinkColor
		case s.style&pdfMuted != 0:
			color = pdfMutedInk
		}
		r.setFont(fr.face, size)
		r.pdf.SetTextColor(color.r, color.g, color.b)
		r.pdf.Text(x+fr.x, baseline, fr.text)
		if s.link != "" {
			under := baseline + 0.12*size*pdfMMPerPt
			r.stroke(color, 0.2, x+fr.x, under, x+fr.x+fr.width, under)
			r.pdf.LinkString(x+fr.x, top, fr.width, height, s.link)
		}
		if s.style&pdfStrike != 0 {
			through := baseline - 0.3*size*pdfMMPerPt
			r.stroke(color, 0.25, x+fr.x, through, x+fr.x+fr.width, through)
		}
	}
}

// drawMarker draws the pending list marker, if any, on the line at top.
func (r *pdfRenderer) drawMarker(top, height float64) {
	if r.marker == nil {
		return
	}
	spans := []pdfSpan{{text: r.marker.text}}
	l := r.layout(spans, r.size, math.Inf(1), false)[0]
	x := max(r.marker.right-l.width, r.geo.left)
	r.drawLine(l, spans, x, top, height, r.size)
	r.marker = nil
}

// textBlock draws spans as a block of text at the current column.
func (r *pdfRenderer) textBlock(spans []pdfSpan, size float64, pre bool) {
	height := pdfLineHeight(size)
	for _, l := range r.layout(spans, size, r.x1-r.x0, pre) {
		top := r.take(height)
		r.drawMarker(top, height)
		r.drawLine(l, spans, r.x0, top, height, size)
	}
}

// pdfBlank reports whether spans hold nothing to draw.
func pdfBlank(spans []pdfSpan) bool {
	for _, s := range spans {
		if strings.TrimSpace(s.text) != "" {
			return false
		}
	}
	return true
}

// heading draws a heading in bold, kept with the lines after it. The plan's
// headings of level 1 and 2 start activities: they begin a new page when
// less than a quarter of a page is left, and are bookmarked in the PDF's
// outline at level outline. A negative outline marks a heading of the
// cover, which is neither.
func (r *pdfRenderer) heading(level int, spans []pdfSpan, outline int) {
	if pdfBlank(spans) {
		return
	}
	size := pdfHeadingSizes[min(max(level, 1), len(pdfHeadingSizes))-1]
	if level <= 2 {
		r.addGap(6)
	} else {
		r.addGap(4)
	}
	r.flushGap()
	spans = pdfWithStyle(spans, pdfBold)
	lines := r.layout(spans, size, r.x1-r.x0, false)
	keep := float64(len(lines))*pdfLineHeight(size) + 2*pdfLineHeight(r.size)
	activity := level <= 2 && outline >= 0
	if activity {
		keep = max(keep, r.bodyHeight()/4)
	}
	r.need(keep)
	if activity {
		r.bookmark(spans, outline)
	}
	height := pdfLineHeight(size)
	for _, l := range lines {
		r.drawLine(l, spans, r.x0, r.take(height), height, size)
	}
	r.addGap(1.8)
}

// keepWithNext starts a new page unless there is room for lines lines.
func (r *pdfRenderer) keepWithNext(lines int) {
	r.flushGap()
	r.need(float64(lines) * pdfLineHeight(r.size))
}

// bookmark adds an entry for the current position to the PDF's outline.
func (r *pdfRenderer) bookmark(spans []pdfSpan, level int) {
	var b strings.Builder
	for _, s := range spans {
		for _, c := range s.text {
			switch {
			case unicode.IsControl(c):
				b.WriteByte(' ')
			case c > 0xFFFF:
				b.WriteRune(pdfReplacement)
			default:
				b.WriteRune(c)
			}
		}
	}
	// fpdf encodes the text as UTF-16 only while a UTF-8 font is selected.
	r.setFont(pdfRegularFace, r.size)
	r.pdf.Bookmark(strings.TrimSpace(b.String()), level, r.y)
}

// paragraph draws a paragraph and owes gap after it.
func (r *pdfRenderer) paragraph(spans []pdfSpan, gap float64) {
	if pdfBlank(spans) {
		return
	}
	r.flushGap()
	r.textBlock(spans, r.size, false)
	r.addGap(gap)
}

// code draws a code block: monospaced on a grey band, lines wrapped where
// they must be, continuing across pages.
func (r *pdfRenderer) code(text string) {
	leave := r.enterBox(pdfCodeBox)
	r.textBlock([]pdfSpan{{text: text, style: pdfMono}}, pdfCodeSize, true)
	leave()
}

// thematicBreak draws a rule across the column.
func (r *pdfRenderer) thematicBreak() {
	r.flushGap()
	top := r.take(4)
	r.stroke(pdfRuleColor, 0.3, r.x0, top+2, r.x1, top+2)
	r.addGap(pdfParagraphGap)
}

// emptyItem draws the marker of a list item that drew nothing.
func (r *pdfRenderer) emptyItem() {
	if r.marker == nil {
		return
	}
	r.flushGap()
	height := pdfLineHeight(r.size)
	r.drawMarker(r.take(height), height)
	r.addGap(pdfItemGap)
}
