package export

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gobolditalic"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// pdfBengaliTTF is Noto Sans Bengali Regular (SIL Open Font Licence 1.1,
// fonts/OFL.txt): the Go fonts have no Bengali glyphs.
//
//go:embed fonts/NotoSansBengali-Regular.ttf
var pdfBengaliTTF []byte

// pdfFace is one embedded font: a style of the Go fonts, or the Bengali font.
type pdfFace int

const (
	pdfRegularFace pdfFace = iota
	pdfBoldFace
	pdfItalicFace
	pdfBoldItalicFace
	pdfMonoFace
	pdfBengaliFace
	pdfFaceCount
)

// pdfFaceFiles names each face for fpdf and holds its TrueType file.
var pdfFaceFiles = [pdfFaceCount]struct {
	family, style string
	ttf           []byte
}{
	pdfRegularFace:    {"go", "", goregular.TTF},
	pdfBoldFace:       {"go", "B", gobold.TTF},
	pdfItalicFace:     {"go", "I", goitalic.TTF},
	pdfBoldItalicFace: {"go", "BI", gobolditalic.TTF},
	pdfMonoFace:       {"gomono", "", gomono.TTF},
	pdfBengaliFace:    {"notobengali", "", pdfBengaliTTF},
}

// pdfReplacement stands in for characters that no embedded font has.
const pdfReplacement = '\uFFFD'

// pdfFonts measures text in the embedded faces and adds each face to the PDF
// the first time it is drawn with, so that a plan without code or Bengali
// does not carry those fonts.
type pdfFonts struct {
	pdf    *fpdf.Fpdf
	fonts  [pdfFaceCount]*sfnt.Font
	widths [pdfFaceCount]map[rune]int
	added  [pdfFaceCount]bool
	buf    sfnt.Buffer
}

func newPDFFonts(pdf *fpdf.Fpdf) (*pdfFonts, error) {
	fs := &pdfFonts{pdf: pdf}
	for f, file := range pdfFaceFiles {
		parsed, err := sfnt.Parse(file.ttf)
		if err != nil {
			return nil, fmt.Errorf("export: pdf: font %s%s: %w", file.family, file.style, err)
		}
		fs.fonts[f] = parsed
		fs.widths[f] = map[rune]int{}
	}
	return fs, nil
}

// use selects a face and size (in points) for drawing.
func (fs *pdfFonts) use(f pdfFace, size float64) {
	if !fs.added[f] {
		// fpdf writes into the bytes it is given as it subsets the font;
		// the files are shared by every document, so it gets its own copy.
		fs.pdf.AddUTF8FontFromBytes(pdfFaceFiles[f].family, pdfFaceFiles[f].style, bytes.Clone(pdfFaceFiles[f].ttf))
		fs.added[f] = true
	}
	fs.pdf.SetFont(pdfFaceFiles[f].family, pdfFaceFiles[f].style, size)
}

// advance returns a rune's advance in thousandths of an em, rounded as fpdf
// rounds it in the PDF's width table, and -1 when the face has no glyph for
// it. fpdf handles only the Basic Multilingual Plane, so runes beyond it
// count as missing.
func (fs *pdfFonts) advance(f pdfFace, r rune) int {
	if w, ok := fs.widths[f][r]; ok {
		return w
	}
	w := -1
	if r <= 0xFFFF {
		sf := fs.fonts[f]
		if g, err := sf.GlyphIndex(&fs.buf, r); err == nil && g != 0 {
			upem := sf.UnitsPerEm()
			if adv, err := sf.GlyphAdvance(&fs.buf, g, fixed.I(int(upem)), font.HintingNone); err == nil {
				w = int(math.Round(1000 * float64(adv) / 64 / float64(upem)))
			}
		}
	}
	fs.widths[f][r] = w
	return w
}

// glyph picks the face a rune is drawn with: the Bengali font for the
// Bengali block, otherwise the face of the text's style, then the Bengali
// font for what only it has (such as the danda); a rune no face has becomes
// U+FFFD. It returns the face, the rune drawn and its advance.
func (fs *pdfFonts) glyph(style pdfFace, r rune) (pdfFace, rune, int) {
	if r >= 0x0980 && r <= 0x09FF {
		if w := fs.advance(pdfBengaliFace, r); w >= 0 {
			return pdfBengaliFace, r, w
		}
	}
	if w := fs.advance(style, r); w >= 0 {
		return style, r, w
	}
	if w := fs.advance(pdfBengaliFace, r); w >= 0 {
		return pdfBengaliFace, r, w
	}
	return style, pdfReplacement, fs.advance(style, pdfReplacement)
}
