package export

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	east "github.com/yuin/goldmark/extension/ast"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// PageSize is the paper a PDF is laid out on. The zero value is A4.
type PageSize int

const (
	// A4 is 210 × 297 mm, the default.
	A4 PageSize = iota
	// Letter is US Letter, 8.5 × 11 inches.
	Letter
)

// pdfGeometry is a paper size's name for fpdf and its margins in mm, the
// same as the print view's.
type pdfGeometry struct {
	name                     string
	left, right, top, bottom float64
}

func (s PageSize) geometry() (pdfGeometry, error) {
	switch s {
	case A4:
		return pdfGeometry{name: "A4", left: 16, right: 16, top: 18, bottom: 22}, nil
	case Letter:
		return pdfGeometry{name: "Letter", left: 16.5, right: 16.5, top: 17.8, bottom: 22.9}, nil
	}
	return pdfGeometry{}, fmt.Errorf("export: pdf: unknown page size %d", s)
}

// PDF writes doc's printable session plan to w as a PDF on paper of the
// given size. Like the print view it holds a cover (title, summary, length,
// group size, facilitators, formats, version, objectives, materials and
// the agenda with start times), the plan, and each handout on a new page;
// every page ends with doc.Footer() and "page N of M". The text is real,
// extractable UTF-8 text in embedded fonts (the Go fonts, and Noto Sans
// Bengali for Bengali, unshaped); raw HTML is left out, and only http,
// https and mailto links, with relative ones resolved against
// doc.Version.URL, become link annotations. The same Document gives the
// same bytes.
func PDF(w io.Writer, doc *Document, size PageSize) error {
	geo, err := size.geometry()
	if err != nil {
		return err
	}
	r, err := newPDFRenderer(geo)
	if err != nil {
		return err
	}
	r.metadata(doc)
	r.document(doc)
	r.footers(doc)
	if err := r.pdf.Error(); err != nil {
		return fmt.Errorf("export: pdf: %w", err)
	}
	if err := r.pdf.Output(w); err != nil {
		return fmt.Errorf("export: pdf: %w", err)
	}
	return nil
}

func newPDFRenderer(geo pdfGeometry) (*pdfRenderer, error) {
	pdf := fpdf.New("P", "mm", geo.name, "")
	pdf.SetMargins(geo.left, geo.top, geo.right)
	// Pages are broken by the renderer, which knows what must stay together.
	pdf.SetAutoPageBreak(false, geo.bottom)
	pdf.SetCatalogSort(true)
	fonts, err := newPDFFonts(pdf)
	if err != nil {
		return nil, err
	}
	width, height := pdf.GetPageSize()
	return &pdfRenderer{pdf: pdf, fonts: fonts, geo: geo, pageW: width,
		top: geo.top, bottom: height - geo.bottom, x0: geo.left, x1: width - geo.right, y: geo.top, size: pdfBodySize}, nil
}

// metadata sets the document's title, subject, author, creator and dates;
// the dates are the version's, so that the output depends only on doc.
func (r *pdfRenderer) metadata(doc *Document) {
	m := doc.Module
	r.pdf.SetTitle(pdfMetadataText(m.Title), true)
	r.pdf.SetSubject(pdfMetadataText(m.Summary), true)
	r.pdf.SetAuthor(pdfMetadataText(strings.Join(m.Authors, ", ")), true)
	r.pdf.SetCreator("praxis", true)
	if !doc.Version.Date.IsZero() {
		r.pdf.SetCreationDate(doc.Version.Date.UTC())
		r.pdf.SetModificationDate(doc.Version.Date.UTC())
	}
}

// pdfMetadataText makes text safe for fpdf's UTF-16 conversion, which handles
// only the Basic Multilingual Plane.
func pdfMetadataText(s string) string {
	return strings.Map(func(c rune) rune {
		if c > 0xFFFF {
			return pdfReplacement
		}
		return c
	}, strings.ToValidUTF8(s, string(pdfReplacement)))
}

// document lays out the cover, the plan and the handouts.
func (r *pdfRenderer) document(doc *Document) {
	m := doc.Module
	r.newPage()
	if r.cover(doc) && strings.TrimSpace(m.Body) != "" {
		r.newPage()
	}
	r.markdown(m.Body, newPDFLinks(doc.Version.URL, ""), m.Title, 0)
	handoutLinks := newPDFLinks(doc.Version.URL, "handouts/")
	for _, h := range doc.Handouts {
		r.newPage()
		r.handoutTitle(h.Title)
		r.markdown(h.Markdown, handoutLinks, h.Title, 1)
	}
}

// cover draws the title, summary, facts, objectives, materials and agenda,
// and reports whether it drew more than the title, summary and facts (and
// so fills enough of the page for the plan to start on the next).
func (r *pdfRenderer) cover(doc *Document) bool {
	m := doc.Module
	title := []pdfSpan{{text: m.Title, style: pdfBold}}
	if !pdfBlank(title) {
		r.bookmark(title, 0)
		r.textBlock(title, 22, false)
		r.addGap(2.5)
	}
	if summary := []pdfSpan{{text: m.Summary, style: pdfMuted}}; !pdfBlank(summary) {
		r.flushGap()
		r.textBlock(summary, 12, false)
		r.addGap(4)
	}
	facilitators := ""
	if m.Facilitators > 0 {
		facilitators = strconv.Itoa(m.Facilitators)
	}
	facts := [][2]string{
		{"Length", pdfDuration(m.Duration)},
		{"Group size", pdfGroupSize(m.GroupSize)},
		{"Facilitators", facilitators},
		{"Formats", strings.Join(m.Formats, ", ")},
		{"Version", doc.Version.Label()},
	}
	for _, f := range facts {
		if strings.TrimSpace(f[1]) != "" {
			r.fact(f[0], f[1])
		}
	}
	r.addGap(pdfParagraphGap)
	r.coverList("Objectives", m.Objectives)
	r.coverList("Materials", m.Materials)
	r.agenda(doc.Agenda())
	return len(m.Objectives)+len(m.Materials)+len(m.Agenda) > 0
}

// fact draws a labelled fact of the cover.
func (r *pdfRenderer) fact(label, value string) {
	const labelWidth, labelSize = 30, 8.5
	r.flushGap()
	labelSpans := []pdfSpan{{text: strings.ToUpper(label), style: pdfBold | pdfMuted}}
	valueSpans := []pdfSpan{{text: value}}
	height := pdfLineHeight(r.size)
	for i, l := range r.layout(valueSpans, r.size, r.x1-r.x0-labelWidth, false) {
		top := r.take(height)
		if i == 0 {
			r.drawLine(r.layout(labelSpans, labelSize, math.Inf(1), false)[0], labelSpans, r.x0, top, height, labelSize)
		}
		r.drawLine(l, valueSpans, r.x0+labelWidth, top, height, r.size)
	}
	r.addGap(0.8)
}

// coverList draws a headed bullet list of the cover, unless it is empty.
func (r *pdfRenderer) coverList(heading string, items []string) {
	if len(items) == 0 {
		return
	}
	r.heading(2, []pdfSpan{{text: heading}}, -1)
	restore := r.indent(pdfListIndent, 0)
	for _, item := range items {
		r.marker = &pdfMarker{text: pdfBullets[0], right: r.x0 - pdfMarkerGap}
		r.paragraph([]pdfSpan{{text: item}}, pdfItemGap)
		r.emptyItem()
	}
	restore()
	r.addGap(pdfParagraphGap)
}

// agenda draws the agenda table, unless there is no agenda.
func (r *pdfRenderer) agenda(rows []AgendaRow) {
	if len(rows) == 0 {
		return
	}
	r.heading(2, []pdfSpan{{text: "Agenda"}}, -1)
	t := pdfTable{
		header: [][]pdfSpan{{{text: "Start"}}, {{text: "Activity"}}, {{text: "Minutes"}}},
		align:  []east.Alignment{east.AlignLeft, east.AlignLeft, east.AlignRight},
	}
	for _, row := range rows {
		t.rows = append(t.rows, [][]pdfSpan{{{text: row.Clock}}, {{text: row.Title}}, {{text: strconv.Itoa(row.Minutes)}}})
	}
	r.table(t)
}

// handoutTitle draws a handout's label and title at the top of its page.
func (r *pdfRenderer) handoutTitle(title string) {
	r.textBlock([]pdfSpan{{text: "HANDOUT", style: pdfBold | pdfMuted}}, 8.5, false)
	spans := []pdfSpan{{text: title, style: pdfBold}}
	if !pdfBlank(spans) {
		r.bookmark(spans, 0)
		r.textBlock(spans, pdfHeadingSizes[0], false)
	}
	r.addGap(3)
}

// footers draws doc.Footer() and "page N of M" at the foot of every page,
// once the number of pages is known.
func (r *pdfRenderer) footers(doc *Document) {
	const size = 8
	pages := r.pdf.PageCount()
	height := pdfLineHeight(size)
	left, right := r.geo.left, r.pageW-r.geo.right
	y := r.bottom + 7
	widest := r.layout([]pdfSpan{{text: pdfPageLabel(pages, pages)}}, size, math.Inf(1), false)[0].width
	footerSpans := []pdfSpan{{text: doc.Footer(), style: pdfMuted}}
	footer := r.footerLines(footerSpans, size, right-left-widest-6)
	for page := 1; page <= pages; page++ {
		r.pdf.SetPage(page)
		r.fontSize = 0 // the page's content stream has its own font state
		r.stroke(pdfRuleColor, 0.2, left, y, right, y)
		for i, l := range footer {
			r.drawLine(l, footerSpans, left, y+1+float64(i)*height, height, size)
		}
		labelSpans := []pdfSpan{{text: pdfPageLabel(page, pages), style: pdfMuted}}
		label := r.layout(labelSpans, size, math.Inf(1), false)[0]
		r.drawLine(label, labelSpans, right-label.width, y+1, height, size)
	}
}

// footerLines lays the footer out in at most two lines at most width wide,
// the second cut with an ellipsis when the footer is longer still.
func (r *pdfRenderer) footerLines(spans []pdfSpan, size, width float64) []pdfLine {
	const most = 2
	lines := r.layout(spans, size, width, false)
	if len(lines) <= most {
		return lines
	}
	ellipsis := r.fonts.pieces([]pdfSpan{{text: "…"}}, size, false)[0]
	lines = r.layout(spans, size, width-ellipsis.width, false)[:most]
	lines[most-1].add(ellipsis)
	return lines
}

func pdfPageLabel(page, pages int) string { return fmt.Sprintf("page %d of %d", page, pages) }

// pdfDuration writes minutes out in words: "2 hours 30 minutes".
func pdfDuration(minutes int) string {
	if minutes <= 0 {
		return ""
	}
	var parts []string
	if h := minutes / 60; h > 0 {
		parts = append(parts, pdfPlural(h, "hour"))
	}
	if m := minutes % 60; m > 0 {
		parts = append(parts, pdfPlural(m, "minute"))
	}
	return strings.Join(parts, " ")
}

func pdfPlural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// pdfGroupSize writes a group size: "6–24 participants".
func pdfGroupSize(g praxis.GroupSize) string {
	switch {
	case g.Min > 0 && g.Max > 0 && g.Min == g.Max:
		return pdfPlural(g.Min, "participant")
	case g.Min > 0 && g.Max > 0:
		return fmt.Sprintf("%d–%d participants", g.Min, g.Max)
	case g.Min > 0:
		return fmt.Sprintf("at least %d participants", g.Min)
	case g.Max > 0:
		return fmt.Sprintf("up to %d participants", g.Max)
	}
	return ""
}
