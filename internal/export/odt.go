package export

import (
	"archive/zip"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// odtMimetype is the media type of an OpenDocument text, which the package
// names in its first, uncompressed entry.
const odtMimetype = "application/vnd.oasis.opendocument.text"

// odtNamespaces are declared on the root of every ODT part.
const odtNamespaces = ` xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"` +
	` xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"` +
	` xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"` +
	` xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"` +
	` xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"` +
	` xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"` +
	` xmlns:xlink="http://www.w3.org/1999/xlink"` +
	` xmlns:dc="http://purl.org/dc/elements/1.1/"` +
	` xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"` +
	` office:version="1.3"`

// odtParagraphStyles are the named paragraph styles of each wpStyle.
var odtParagraphStyles = [...]string{
	wpStyleBody:         "Text_20_body",
	wpStyleTitle:        "Title",
	wpStyleSubtitle:     "Subtitle",
	wpStyleQuote:        "Quotations",
	wpStyleSay:          "Say",
	wpStyleNote:         "Facilitator_20_Note",
	wpStyleTableHeading: "Table_20_Heading",
	wpStyleTableCell:    "Table_20_Contents",
}

// odtAlignments are the fo:text-align of each wpAlign.
var odtAlignments = [...]string{wpAlignDefault: "", wpAlignCenter: "center", wpAlignRight: "end"}

// odtTextWidth is the width between the page margins, in centimetres.
const odtTextWidth = 17.0

// ODT writes doc as an OpenDocument text (.odt) for LibreOffice, Word and
// other word processors: the cover, the agenda as a table, the plan and the
// handouts, with heading, callout and code styles a facilitator can change,
// and the footer on every page.
func ODT(w io.Writer, doc *Document) error {
	d := newWPDocument(doc)
	zw := zip.NewWriter(w)
	if err := odtWriteMimetype(zw); err != nil {
		return fmt.Errorf("export: odt: %w", err)
	}
	parts := []wpPart{
		{"content.xml", odtContent(d)},
		{"styles.xml", odtStyles(d)},
		{"meta.xml", odtMeta(d)},
	}
	parts = append(parts, wpPart{"META-INF/manifest.xml", odtManifest(parts)})
	if err := wpWritePackage(zw, d.Date, parts); err != nil {
		return fmt.Errorf("export: odt: %w", err)
	}
	return nil
}

// odtWriteMimetype writes the "mimetype" entry the way OpenDocument requires:
// first, stored and without an extra field, so that the media type can be read
// at a fixed offset. That is why it carries no modification time, which Go
// would record in an extra field.
func odtWriteMimetype(zw *zip.Writer) error {
	data := []byte(odtMimetype)
	f, err := zw.CreateRaw(&zip.FileHeader{
		Name:               "mimetype",
		Method:             zip.Store,
		CRC32:              crc32.ChecksumIEEE(data),
		CompressedSize64:   uint64(len(data)),
		UncompressedSize64: uint64(len(data)),
	})
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return err
}

// odtManifest lists the package and each of its parts.
func odtManifest(parts []wpPart) []byte {
	var x wpXML
	x.WriteString(wpXMLDeclaration)
	x.WriteString(`<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">`)
	x.WriteString(`<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="` + odtMimetype + `"/>`)
	for _, p := range parts {
		x.WriteString(`<manifest:file-entry`)
		x.attr("manifest:full-path", p.name)
		x.WriteString(` manifest:media-type="text/xml"/>`)
	}
	x.WriteString(`</manifest:manifest>`)
	return x.Bytes()
}

// odtMeta is meta.xml: title, subject, authors, keywords, language and dates.
func odtMeta(d *wpDocument) []byte {
	var x wpXML
	x.WriteString(wpXMLDeclaration)
	x.WriteString(`<office:document-meta` + odtNamespaces + `><office:meta>`)
	x.WriteString(`<meta:generator>praxis</meta:generator>`)
	wpElement(&x, "dc:title", d.Title)
	wpElement(&x, "dc:subject", d.Subject)
	wpElement(&x, "dc:description", d.Subject)
	wpElement(&x, "meta:initial-creator", d.Creator)
	wpElement(&x, "dc:creator", d.Creator)
	wpElement(&x, "dc:language", d.Language)
	for _, k := range d.Keywords {
		wpElement(&x, "meta:keyword", k)
	}
	if !d.Date.IsZero() {
		wpElement(&x, "meta:creation-date", d.Date.Format("2006-01-02T15:04:05Z"))
		wpElement(&x, "dc:date", d.Date.Format("2006-01-02T15:04:05Z"))
	}
	x.WriteString(`</office:meta></office:document-meta>`)
	return x.Bytes()
}

// odtWriter writes the body of content.xml, and the automatic styles that the
// body's tables and aligned cells need.
type odtWriter struct {
	body, styles wpXML
	tables       int
	alignStyles  map[string]bool
}

// odtContent is content.xml.
func odtContent(d *wpDocument) []byte {
	o := &odtWriter{alignStyles: map[string]bool{}}
	o.blocks(d.Blocks, false)
	var x wpXML
	x.WriteString(wpXMLDeclaration)
	x.WriteString(`<office:document-content` + odtNamespaces + `><office:automatic-styles>`)
	x.WriteString(odtFixedAutomaticStyles())
	x.Write(o.styles.Bytes())
	x.WriteString(`</office:automatic-styles><office:body><office:text>`)
	x.Write(o.body.Bytes())
	x.WriteString(`</office:text></office:body></office:document-content>`)
	return x.Bytes()
}

// odtFixedAutomaticStyles are the styles of table cells and of headings that
// start a new page.
func odtFixedAutomaticStyles() string {
	var b strings.Builder
	b.WriteString(`<style:style style:name="PlanCell" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #808080"/></style:style>`)
	b.WriteString(`<style:style style:name="PlanHeadCell" style:family="table-cell"><style:table-cell-properties fo:background-color="#e6e6e6" fo:padding="0.1cm" fo:border="0.5pt solid #808080"/></style:style>`)
	for level := 1; level <= 4; level++ {
		fmt.Fprintf(&b, `<style:style style:name="Heading_%d_PageBreak" style:family="paragraph" style:parent-style-name="Heading_20_%d"><style:paragraph-properties fo:break-before="page"/></style:style>`, level, level)
	}
	return b.String()
}

// blocks writes blocks; inList says they are inside a list item, where
// OpenDocument allows paragraphs, headings and lists but not tables.
func (o *odtWriter) blocks(blocks []wpBlock, inList bool) {
	for _, b := range blocks {
		switch b := b.(type) {
		case *wpParagraph:
			o.paragraph(b)
		case *wpHeading:
			o.heading(b)
		case *wpList:
			o.list(b)
		case *wpTable:
			if inList {
				o.tableAsParagraphs(b)
			} else {
				o.table(b)
			}
		case *wpCode:
			o.body.WriteString(`<text:p text:style-name="Preformatted_20_Text">`)
			odtText(&o.body, b.Text)
			o.body.WriteString(`</text:p>`)
		case *wpRule:
			o.body.WriteString(`<text:p text:style-name="Horizontal_20_Line"/>`)
		}
	}
}

func (o *odtWriter) paragraph(p *wpParagraph) {
	o.body.WriteString(`<text:p text:style-name="` + o.paragraphStyle(p) + `">`)
	o.runs(p.Runs)
	o.body.WriteString(`</text:p>`)
}

// paragraphStyle is p's named style, or an automatic style based on it that
// aligns the text.
func (o *odtWriter) paragraphStyle(p *wpParagraph) string {
	parent := odtParagraphStyles[p.Style]
	align := odtAlignments[p.Align]
	if align == "" {
		return parent
	}
	name := parent + "_" + align
	if !o.alignStyles[name] {
		o.alignStyles[name] = true
		fmt.Fprintf(&o.styles, `<style:style style:name="%s" style:family="paragraph" style:parent-style-name="%s"><style:paragraph-properties fo:text-align="%s"/></style:style>`, name, parent, align)
	}
	return name
}

func (o *odtWriter) heading(h *wpHeading) {
	style := fmt.Sprintf("Heading_20_%d", h.Level)
	if h.PageBreakBefore {
		style = fmt.Sprintf("Heading_%d_PageBreak", h.Level)
	}
	fmt.Fprintf(&o.body, `<text:h text:style-name="%s" text:outline-level="%d">`, style, h.Level)
	o.runs(h.Runs)
	o.body.WriteString(`</text:h>`)
}

// list writes a text:list; a nested list is a text:list inside an item, and
// takes the next level of its list style.
func (o *odtWriter) list(l *wpList) {
	style := "Bullets"
	if l.Ordered {
		style = "Numbers"
	}
	o.body.WriteString(`<text:list text:style-name="` + style + `">`)
	for i, item := range l.Items {
		o.body.WriteString(`<text:list-item`)
		if i == 0 && l.Ordered && l.Start != 1 {
			fmt.Fprintf(&o.body, ` text:start-value="%d"`, l.Start)
		}
		o.body.WriteString(`>`)
		o.paragraph(&item.Lead)
		o.blocks(item.Rest, true)
		o.body.WriteString(`</text:list-item>`)
	}
	o.body.WriteString(`</text:list>`)
}

// table writes a table whose first row repeats on each page it spans.
func (o *odtWriter) table(t *wpTable) {
	o.tables++
	name := fmt.Sprintf("Table%d", o.tables)
	fmt.Fprintf(&o.styles, `<style:style style:name="%s" style:family="table"><style:table-properties style:width="%.2fcm" table:align="margins"/></style:style>`, name, odtTextWidth)
	total := 0
	for _, w := range t.Widths {
		total += w
	}
	fmt.Fprintf(&o.body, `<table:table table:name="%s" table:style-name="%s">`, name, name)
	for i, w := range t.Widths {
		column := fmt.Sprintf("%s.C%d", name, i+1)
		fmt.Fprintf(&o.styles, `<style:style style:name="%s" style:family="table-column"><style:table-column-properties style:column-width="%.2fcm"/></style:style>`,
			column, odtTextWidth*float64(w)/float64(total))
		fmt.Fprintf(&o.body, `<table:table-column table:style-name="%s"/>`, column)
	}
	for i, row := range t.Rows {
		if i == 0 {
			o.body.WriteString(`<table:table-header-rows>`)
			o.row(row, "PlanHeadCell")
			o.body.WriteString(`</table:table-header-rows>`)
			continue
		}
		o.row(row, "PlanCell")
	}
	o.body.WriteString(`</table:table>`)
}

func (o *odtWriter) row(cells []wpParagraph, cellStyle string) {
	o.body.WriteString(`<table:table-row>`)
	for i := range cells {
		o.body.WriteString(`<table:table-cell table:style-name="` + cellStyle + `" office:value-type="string">`)
		o.paragraph(&cells[i])
		o.body.WriteString(`</table:table-cell>`)
	}
	o.body.WriteString(`</table:table-row>`)
}

// tableAsParagraphs writes a table inside a list item, where OpenDocument has
// no tables, as one paragraph a row, its cells separated by tabs.
func (o *odtWriter) tableAsParagraphs(t *wpTable) {
	for _, row := range t.Rows {
		var runs []wpRun
		for i, cell := range row {
			if i > 0 {
				runs = append(runs, wpRun{Text: "\t"})
			}
			runs = append(runs, cell.Runs...)
		}
		o.paragraph(&wpParagraph{Style: row[0].Style, Runs: runs})
	}
}

// runs writes formatted text; runs with the same link share one text:a.
func (o *odtWriter) runs(runs []wpRun) {
	link := ""
	for _, r := range runs {
		if r.Link != link {
			if link != "" {
				o.body.WriteString(`</text:a>`)
			}
			if r.Link != "" {
				o.body.WriteString(`<text:a xlink:type="simple"`)
				o.body.attr("xlink:href", r.Link)
				o.body.WriteString(` text:style-name="Internet_20_link" text:visited-style-name="Visited_20_Internet_20_Link">`)
			}
			link = r.Link
		}
		o.run(r)
	}
	if link != "" {
		o.body.WriteString(`</text:a>`)
	}
}

// run writes text inside a span of a named character style for each of its
// formats.
func (o *odtWriter) run(r wpRun) {
	var spans []string
	for _, s := range []struct {
		on    bool
		style string
	}{{r.Bold, "Strong_20_Emphasis"}, {r.Italic, "Emphasis"}, {r.Strike, "Strikethrough"}, {r.Code, "Source_20_Text"}} {
		if s.on {
			spans = append(spans, s.style)
		}
	}
	for _, s := range spans {
		o.body.WriteString(`<text:span text:style-name="` + s + `">`)
	}
	odtText(&o.body, r.Text)
	for range spans {
		o.body.WriteString(`</text:span>`)
	}
}

// odtText writes text with the white space OpenDocument would otherwise
// collapse spelled out: line breaks, tabs and runs of spaces.
func odtText(x *wpXML, s string) {
	s = wpCleanText(s)
	lineStart := true
	for s != "" {
		switch s[0] {
		case '\n':
			x.WriteString(`<text:line-break/>`)
			s, lineStart = s[1:], true
		case '\t':
			x.WriteString(`<text:tab/>`)
			s, lineStart = s[1:], false
		case ' ':
			n := len(s) - len(strings.TrimLeft(s, " "))
			odtSpaces(x, n, lineStart)
			s, lineStart = s[n:], false
		default:
			end := strings.IndexAny(s, "\n\t ")
			if end < 0 {
				end = len(s)
			}
			x.escape(s[:end])
			s, lineStart = s[end:], false
		}
	}
}

// odtSpaces writes n spaces: a single space as itself, unless it opens a
// line, and the rest as text:s, which is never collapsed.
func odtSpaces(x *wpXML, n int, lineStart bool) {
	if !lineStart {
		x.WriteByte(' ')
		n--
	}
	if n > 0 {
		fmt.Fprintf(x, `<text:s text:c="%d"/>`, n)
	}
}
