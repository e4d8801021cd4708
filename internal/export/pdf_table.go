package export

import (
	east "github.com/yuin/goldmark/extension/ast"
)

const (
	pdfTableSize = 9.5
	// pdfCellPadX and pdfCellPadY are the space inside a cell around its text.
	pdfCellPadX = 1.5
	pdfCellPadY = 1.0
	// pdfMinCellWidth fits any single glyph at pdfTableSize inside the padding;
	// a table with more columns than fit at this width is drawn in parts.
	pdfMinCellWidth = 2*pdfCellPadX + 4
)

// pdfTable is a table to draw: the agenda, or a GFM table of the plan.
type pdfTable struct {
	header [][]pdfSpan // nil when there is no header row
	rows   [][][]pdfSpan
	align  []east.Alignment
}

// columns is the number of columns of the widest row.
func (t pdfTable) columns() int {
	n := len(t.header)
	for _, row := range t.rows {
		n = max(n, len(row))
	}
	return n
}

// pdfTableRow is a row laid out in its columns.
type pdfTableRow struct {
	cells  [][]pdfSpan
	lines  [][]pdfLine
	header bool
}

// pdfTableLayout is a part of a table laid out across the column.
type pdfTableLayout struct {
	x      float64
	widths []float64
	align  []east.Alignment
	header *pdfTableRow
}

// table draws a table across the current column, its columns sized by
// pdfFitColumns; text wraps inside cells and long words break, so nothing
// passes the margin. A row that does not fit at the foot
// of a page moves to the next, under a repeat of the header row. A table
// with more columns than fit is drawn as several tables of fewer columns.
func (r *pdfRenderer) table(t pdfTable) {
	n := t.columns()
	if n == 0 {
		return
	}
	perPart := max(1, int((r.x1-r.x0)/pdfMinCellWidth))
	for start := 0; start < n; start += perPart {
		r.flushGap()
		r.tablePart(t, start, min(start+perPart, n))
		r.addGap(pdfParagraphGap)
	}
}

// tablePart draws columns [start, end) of a table.
func (r *pdfRenderer) tablePart(t pdfTable, start, end int) {
	cellsOf := func(row [][]pdfSpan, header bool) [][]pdfSpan {
		cells := make([][]pdfSpan, end-start)
		for c := start; c < end && c < len(row); c++ {
			cells[c-start] = row[c]
			if header {
				cells[c-start] = pdfWithStyle(row[c], pdfBold)
			}
		}
		return cells
	}
	var rows [][][]pdfSpan
	if t.header != nil {
		rows = append(rows, cellsOf(t.header, true))
	}
	for _, row := range t.rows {
		rows = append(rows, cellsOf(row, false))
	}
	pieces := make([][][]pdfPiece, len(rows))
	for i, row := range rows {
		pieces[i] = make([][]pdfPiece, len(row))
		for c, cell := range row {
			pieces[i][c] = r.fonts.pieces(cell, pdfTableSize, false)
		}
	}
	layout := &pdfTableLayout{x: r.x0, widths: r.columnWidths(pieces, end-start)}
	for c := start; c < end; c++ {
		align := east.AlignNone
		if c < len(t.align) {
			align = t.align[c]
		}
		layout.align = append(layout.align, align)
	}
	laidOut := make([]*pdfTableRow, len(rows))
	for i, row := range rows {
		laidOut[i] = &pdfTableRow{cells: row, header: t.header != nil && i == 0}
		for c := range row {
			laidOut[i].lines = append(laidOut[i].lines, r.fonts.wrap(pieces[i][c], pdfTableSize, layout.widths[c]-2*pdfCellPadX))
		}
	}
	if t.header != nil {
		layout.header = laidOut[0]
		// A header row is not left alone at the foot of a page.
		if keep := laidOut[0].height() + laidOut[min(1, len(laidOut)-1)].height(); keep <= r.bodyHeight() {
			r.need(keep)
		}
	}
	for _, row := range laidOut {
		r.tableRow(layout, row)
	}
}

// columnWidths sizes the columns of a table's measured cells to the column.
func (r *pdfRenderer) columnWidths(pieces [][][]pdfPiece, columns int) []float64 {
	natural := make([]float64, columns)
	least := make([]float64, columns)
	for _, row := range pieces {
		for c, cell := range row {
			nat, word := pdfExtent(cell)
			natural[c], least[c] = max(natural[c], nat+2*pdfCellPadX), max(least[c], word+2*pdfCellPadX)
		}
	}
	return pdfFitColumns(natural, least, r.x1-r.x0)
}

// pdfFitColumns shares width among columns that want natural and need at
// least least. A column needs no more than an equal share of the width (a
// longer word breaks inside it) and no less than pdfMinCellWidth. Natural
// widths that fit are stretched to the full width; otherwise each column
// gets what it needs plus a share of the rest in proportion to how much
// more it wants. The caller keeps the number of columns small enough for
// pdfMinCellWidth each.
func pdfFitColumns(natural, least []float64, width float64) []float64 {
	n := len(natural)
	share := max(width/float64(n), pdfMinCellWidth)
	widths := make([]float64, n)
	var sumNatural, sumLeast float64
	for c := range n {
		need := min(max(least[c], pdfMinCellWidth), share)
		widths[c] = need
		sumLeast += need
		sumNatural += max(natural[c], need)
	}
	for c := range n {
		want := max(natural[c], widths[c])
		if sumNatural <= width {
			widths[c] = want * width / sumNatural
		} else {
			widths[c] += (width - sumLeast) * (want - widths[c]) / (sumNatural - sumLeast)
		}
	}
	return widths
}

// lineCount is the number of lines of the row's tallest cell.
func (row *pdfTableRow) lineCount() int {
	lines := 1
	for _, cell := range row.lines {
		lines = max(lines, len(cell))
	}
	return lines
}

// height is the row's height with its padding.
func (row *pdfTableRow) height() float64 {
	return float64(row.lineCount())*pdfLineHeight(pdfTableSize) + 2*pdfCellPadY
}

// tableRow draws a row in strips (top padding, each line, bottom padding)
// so that a row taller than a page still flows on.
func (r *pdfRenderer) tableRow(t *pdfTableLayout, row *pdfTableRow) {
	height := pdfLineHeight(pdfTableSize)
	lines := row.lineCount()
	if h := row.height(); h <= r.bodyHeight() && r.need(h) && !row.header && t.header != nil {
		r.tableRow(t, t.header)
	}
	right := t.x
	for _, w := range t.widths {
		right += w
	}
	for strip := range lines + 2 {
		h := height
		if strip == 0 || strip == lines+1 {
			h = pdfCellPadY
		}
		top := r.take(h)
		if row.header {
			r.fillRect(pdfHeaderColor, t.x, top, right-t.x, h)
		}
		if strip == 0 || top <= r.top+pdfEpsilon {
			r.stroke(pdfRuleColor, 0.2, t.x, top, right, top)
		}
		x := t.x
		r.stroke(pdfRuleColor, 0.2, x, top, x, top+h)
		for c, w := range t.widths {
			if i := strip - 1; i >= 0 && i < len(row.lines[c]) {
				r.drawCellLine(row.lines[c][i], row.cells[c], t.align[c], x, w, top, height)
			}
			x += w
			r.stroke(pdfRuleColor, 0.2, x, top, x, top+h)
		}
		if strip == 1 {
			r.drawMarker(top, height)
		}
	}
	r.stroke(pdfRuleColor, 0.2, t.x, r.y, right, r.y)
}

// drawCellLine draws a line of a cell's text, aligned within the cell.
func (r *pdfRenderer) drawCellLine(l pdfLine, spans []pdfSpan, align east.Alignment, x, w, top, height float64) {
	x += pdfCellPadX
	switch align {
	case east.AlignRight:
		x += w - 2*pdfCellPadX - l.width
	case east.AlignCenter:
		x += (w - 2*pdfCellPadX - l.width) / 2
	}
	r.drawLine(l, spans, x, top, height, pdfTableSize)
}
