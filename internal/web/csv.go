package web

import (
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"
)

// csvWriter writes every CSV file praxis serves. Each cell goes through
// defuseCell, so no output can forget to: a spreadsheet never runs a value
// someone typed (a region, a host, a name, a module title) as a formula.
type csvWriter struct {
	w *csv.Writer
}

// startCSV begins a CSV download named name.
func startCSV(c echo.Context, name string) *csvWriter {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, contentDisposition("attachment", name))
	c.Response().WriteHeader(http.StatusOK)
	return &csvWriter{w: csv.NewWriter(c.Response())}
}

// Row writes one record, defusing each cell. cells is not changed.
func (w *csvWriter) Row(cells ...string) error {
	out := make([]string, len(cells))
	for i, cell := range cells {
		out[i] = defuseCell(cell)
	}
	return w.w.Write(out)
}

// Flush writes what is buffered and returns the first error of any write.
func (w *csvWriter) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// plainNumber is a cell a spreadsheet reads as a number and nothing else.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// formulaStart holds the characters with which a spreadsheet cell becomes a
// formula or a DDE call (OWASP's list, with their full-width forms, which
// some spreadsheets fold to the plain ones).
const formulaStart = "=+-@\t\r\uFF1D\uFF0B\uFF0D\uFF20"

// defuseCell makes text safe for a spreadsheet by OWASP's advice: a cell
// that would start a formula, even after leading spaces, gets a leading
// apostrophe, which spreadsheets show as text. Plain numbers (-3, 4.50) are
// left alone.
func defuseCell(s string) string {
	if s == "" || plainNumber.MatchString(s) {
		return s
	}
	trimmed := strings.TrimLeftFunc(s, func(r rune) bool { return unicode.IsSpace(r) && r != '\t' && r != '\r' })
	if trimmed == "" {
		return s
	}
	for _, r := range formulaStart {
		if strings.HasPrefix(trimmed, string(r)) {
			return "'" + s
		}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
