package export

import (
	"fmt"
	"io"
)

// render writes a document in one of the plan formats.
func render(w io.Writer, doc *Document, format string, paper PageSize) error {
	switch format {
	case "pdf":
		return PDF(w, doc, paper)
	case "odt":
		return ODT(w, doc)
	case "docx":
		return DOCX(w, doc)
	}
	return fmt.Errorf("export: no renderer for %q", format)
}
