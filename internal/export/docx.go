package export

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
)

// Namespaces of the WordprocessingML parts.
const (
	docxMainNS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	docxRelNS  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
)

// docxTextWidth is the width between the page margins, in twentieths of a
// point: A4 less two 2 cm margins.
const docxTextWidth = 9638

// docxListIndent is how far each list level indents, in twentieths of a point.
const docxListIndent = 720

// docxMaxListLevel is the deepest list level (ilvl) Word numbering has.
const docxMaxListLevel = 8

// docxParagraphStyles are the style ids of each wpStyle.
var docxParagraphStyles = [...]string{
	wpStyleBody:         "Normal",
	wpStyleTitle:        "Title",
	wpStyleSubtitle:     "Subtitle",
	wpStyleQuote:        "Quote",
	wpStyleSay:          "Say",
	wpStyleNote:         "FacilitatorNote",
	wpStyleTableHeading: "TableHeading",
	wpStyleTableCell:    "TableContents",
}

// DOCX writes doc as an Office Open XML document (.docx) for Word,
// LibreOffice and other word processors: the cover, the agenda as a table,
// the plan and the handouts, with heading, callout and code styles a
// facilitator can change, and the footer on every page.
func DOCX(w io.Writer, doc *Document) error {
	d := newWPDocument(doc)
	dw := &docxWriter{linkIDs: map[string]string{}}
	dw.blocks(d.Blocks, 0)
	parts := []wpPart{
		{"[Content_Types].xml", []byte(docxContentTypes)},
		{"_rels/.rels", []byte(docxPackageRelationships)},
		{"word/document.xml", dw.document()},
		{"word/_rels/document.xml.rels", dw.relationships()},
		{"word/styles.xml", docxStyles(d.Language)},
		{"word/numbering.xml", dw.numbering()},
		{"word/footer1.xml", docxFooter(d.Footer)},
		{"docProps/core.xml", docxCore(d)},
		{"docProps/app.xml", []byte(docxApp)},
	}
	if err := wpWritePackage(zip.NewWriter(w), d.Date, parts); err != nil {
		return fmt.Errorf("export: docx: %w", err)
	}
	return nil
}

// docxWriter writes the body of document.xml, collecting the hyperlinks and
// list numberings it refers to.
type docxWriter struct {
	body wpXML
	// links are the hyperlink targets in order; linkIDs maps each to its
	// relationship id.
	links   []string
	linkIDs map[string]string
	// lists are the numberings, one a list; a list's numId is its index + 1.
	lists []docxNumbering
}

// docxNumbering is one list's numbering: its kind, its level and where it starts.
type docxNumbering struct {
	ordered      bool
	level, start int
}

// docxParagraph is the formatting of one paragraph.
type docxParagraph struct {
	style string
	// numID and level place the paragraph in a list; numID 0 means none.
	numID, level int
	// indent is the left indent, in twentieths of a point; 0 leaves the style's.
	indent          int
	align           wpAlign
	pageBreakBefore bool
}

// blocks writes blocks nested in depth lists.
func (d *docxWriter) blocks(blocks []wpBlock, depth int) {
	indent := depth * docxListIndent
	for _, b := range blocks {
		switch b := b.(type) {
		case *wpParagraph:
			d.paragraph(docxParagraph{style: docxParagraphStyles[b.Style], indent: indent, align: b.Align}, b.Runs)
		case *wpHeading:
			d.paragraph(docxParagraph{style: fmt.Sprintf("Heading%d", b.Level), pageBreakBefore: b.PageBreakBefore}, b.Runs)
		case *wpList:
			d.list(b, depth)
		case *wpTable:
			d.table(b, indent)
		case *wpCode:
			d.paragraph(docxParagraph{style: "Code", indent: indent}, []wpRun{{Text: b.Text}})
		case *wpRule:
			d.paragraph(docxParagraph{style: "HorizontalLine", indent: indent}, nil)
		}
	}
}

// list numbers each item's lead paragraph at the list's level; the rest of an
// item is indented to match.
func (d *docxWriter) list(l *wpList, depth int) {
	level := min(depth, docxMaxListLevel)
	d.lists = append(d.lists, docxNumbering{ordered: l.Ordered, level: level, start: l.Start})
	numID := len(d.lists)
	for _, item := range l.Items {
		d.paragraph(docxParagraph{style: docxParagraphStyles[item.Lead.Style], numID: numID, level: level}, item.Lead.Runs)
		d.blocks(item.Rest, depth+1)
	}
}

func (d *docxWriter) paragraph(p docxParagraph, runs []wpRun) {
	d.body.WriteString(`<w:p><w:pPr><w:pStyle w:val="` + p.style + `"/>`)
	// WordprocessingML fixes the order of these properties.
	if p.pageBreakBefore {
		d.body.WriteString(`<w:pageBreakBefore/>`)
	}
	if p.numID > 0 {
		fmt.Fprintf(&d.body, `<w:numPr><w:ilvl w:val="%d"/><w:numId w:val="%d"/></w:numPr>`, p.level, p.numID)
	}
	if p.indent > 0 {
		fmt.Fprintf(&d.body, `<w:ind w:left="%d"/>`, p.indent)
	}
	switch p.align {
	case wpAlignCenter:
		d.body.WriteString(`<w:jc w:val="center"/>`)
	case wpAlignRight:
		d.body.WriteString(`<w:jc w:val="right"/>`)
	}
	d.body.WriteString(`</w:pPr>`)
	d.runs(runs)
	d.body.WriteString(`</w:p>`)
}

// table writes a table whose first row is shaded and repeats on each page it
// spans.
func (d *docxWriter) table(t *wpTable, indent int) {
	width := docxTextWidth - indent
	total := 0
	for _, w := range t.Widths {
		total += w
	}
	columns := make([]int, len(t.Widths))
	for i, w := range t.Widths {
		columns[i] = width * w / total
	}
	fmt.Fprintf(&d.body, `<w:tbl><w:tblPr><w:tblStyle w:val="PlanTable"/><w:tblW w:w="%d" w:type="dxa"/>`, width)
	if indent > 0 {
		fmt.Fprintf(&d.body, `<w:tblInd w:w="%d" w:type="dxa"/>`, indent)
	}
	d.body.WriteString(`<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>`)
	for _, w := range columns {
		fmt.Fprintf(&d.body, `<w:gridCol w:w="%d"/>`, w)
	}
	d.body.WriteString(`</w:tblGrid>`)
	for i, row := range t.Rows {
		d.row(row, columns, i == 0)
	}
	d.body.WriteString(`</w:tbl>`)
}

func (d *docxWriter) row(cells []wpParagraph, columns []int, header bool) {
	d.body.WriteString(`<w:tr>`)
	if header {
		d.body.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
	}
	for i, cell := range cells {
		fmt.Fprintf(&d.body, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>`, columns[i])
		if header {
			d.body.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="E6E6E6"/>`)
		}
		d.body.WriteString(`</w:tcPr>`)
		d.paragraph(docxParagraph{style: docxParagraphStyles[cell.Style], align: cell.Align}, cell.Runs)
		d.body.WriteString(`</w:tc>`)
	}
	d.body.WriteString(`</w:tr>`)
}

// runs writes formatted text; runs with the same link share one w:hyperlink.
func (d *docxWriter) runs(runs []wpRun) {
	link := ""
	for _, r := range runs {
		if r.Link != link {
			if link != "" {
				d.body.WriteString(`</w:hyperlink>`)
			}
			if r.Link != "" {
				d.body.WriteString(`<w:hyperlink r:id="` + d.linkID(r.Link) + `" w:history="1">`)
			}
			link = r.Link
		}
		d.run(r)
	}
	if link != "" {
		d.body.WriteString(`</w:hyperlink>`)
	}
}

// linkID returns the relationship id of an external hyperlink target.
func (d *docxWriter) linkID(target string) string {
	if id, ok := d.linkIDs[target]; ok {
		return id
	}
	d.links = append(d.links, target)
	id := fmt.Sprintf("rIdLink%d", len(d.links))
	d.linkIDs[target] = id
	return id
}

func (d *docxWriter) run(r wpRun) {
	d.body.WriteString(`<w:r>`)
	if r.Code || r.Link != "" || r.Bold || r.Italic || r.Strike {
		d.body.WriteString(`<w:rPr>`)
		switch {
		case r.Code:
			d.body.WriteString(`<w:rStyle w:val="CodeChar"/>`)
		case r.Link != "":
			d.body.WriteString(`<w:rStyle w:val="Hyperlink"/>`)
		}
		if r.Bold {
			d.body.WriteString(`<w:b/>`)
		}
		if r.Italic {
			d.body.WriteString(`<w:i/>`)
		}
		if r.Strike {
			d.body.WriteString(`<w:strike/>`)
		}
		d.body.WriteString(`</w:rPr>`)
	}
	docxText(&d.body, r.Text)
	d.body.WriteString(`</w:r>`)
}

// docxText writes the text of a run: line breaks and tabs as their elements,
// the rest as w:t with its spaces kept.
func docxText(x *wpXML, s string) {
	s = wpCleanText(s)
	for s != "" {
		switch s[0] {
		case '\n':
			x.WriteString(`<w:br/>`)
			s = s[1:]
		case '\t':
			x.WriteString(`<w:tab/>`)
			s = s[1:]
		default:
			end := strings.IndexAny(s, "\n\t")
			if end < 0 {
				end = len(s)
			}
			x.WriteString(`<w:t xml:space="preserve">`)
			x.escape(s[:end])
			x.WriteString(`</w:t>`)
			s = s[end:]
		}
	}
}

// document is word/document.xml: the body, then an A4 section whose pages
// all end with the footer.
func (d *docxWriter) document() []byte {
	var x wpXML
	x.WriteString(wpXMLDeclaration)
	x.WriteString(`<w:document xmlns:w="` + docxMainNS + `" xmlns:r="` + docxRelNS + `"><w:body>`)
	x.Write(d.body.Bytes())
	x.WriteString(`<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter"/>` +
		`<w:pgSz w:w="11906" w:h="16838"/>` +
		`<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="567" w:footer="567" w:gutter="0"/>` +
		`</w:sectPr></w:body></w:document>`)
	return x.Bytes()
}

// relationships is word/_rels/document.xml.rels: the styles, numbering and
// footer parts, and each hyperlink as an external target.
func (d *docxWriter) relationships() []byte {
	var x wpXML
	x.WriteString(wpXMLDeclaration)
	x.WriteString(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rIdStyles" Type="` + docxRelNS + `/styles" Target="styles.xml"/>` +
		`<Relationship Id="rIdNumbering" Type="` + docxRelNS + `/numbering" Target="numbering.xml"/>` +
		`<Relationship Id="rIdFooter" Type="` + docxRelNS + `/footer" Target="footer1.xml"/>`)
	for _, target := range d.links {
		x.WriteString(`<Relationship Id="` + d.linkIDs[target] + `" Type="` + docxRelNS + `/hyperlink"`)
		x.attr("Target", target)
		x.WriteString(` TargetMode="External"/>`)
	}
	x.WriteString(`</Relationships>`)
	return x.Bytes()
}

// numbering is word/numbering.xml: one abstract numbering of bullets and one
// of numbers, and a numbering per list, so that each numbered list starts
// from its own first number.
func (d *docxWriter) numbering() []byte {
	var x wpXML
	x.WriteString(wpXMLDeclaration)
	x.WriteString(`<w:numbering xmlns:w="` + docxMainNS + `">`)
	x.WriteString(docxAbstractNumbering(0, false))
	x.WriteString(docxAbstractNumbering(1, true))
	for i, n := range d.lists {
		fmt.Fprintf(&x, `<w:num w:numId="%d">`, i+1)
		if n.ordered {
			fmt.Fprintf(&x, `<w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="%d"><w:startOverride w:val="%d"/></w:lvlOverride>`, n.level, n.start)
		} else {
			x.WriteString(`<w:abstractNumId w:val="0"/>`)
		}
		x.WriteString(`</w:num>`)
	}
	x.WriteString(`</w:numbering>`)
	return x.Bytes()
}

// docxAbstractNumbering is a numbering of bullets, or of numbers such as "1.",
// at each level, indented a step further per level.
func docxAbstractNumbering(id int, ordered bool) string {
	bullets := []string{"•", "◦", "▪"}
	var b strings.Builder
	fmt.Fprintf(&b, `<w:abstractNum w:abstractNumId="%d"><w:multiLevelType w:val="hybridMultilevel"/>`, id)
	for level := 0; level <= docxMaxListLevel; level++ {
		format, text := "bullet", bullets[level%len(bullets)]
		if ordered {
			format, text = "decimal", fmt.Sprintf("%%%d.", level+1)
		}
		fmt.Fprintf(&b, `<w:lvl w:ilvl="%d"><w:start w:val="1"/><w:numFmt w:val="%s"/><w:lvlText w:val="%s"/><w:lvlJc w:val="left"/>`+
			`<w:pPr><w:ind w:left="%d" w:hanging="360"/></w:pPr></w:lvl>`, level, format, text, (level+1)*docxListIndent)
	}
	b.WriteString(`</w:abstractNum>`)
	return b.String()
}
