package module

import (
	"bytes"
	"html"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Callout kinds: block quotes that open with a bold label are styled apart.
const (
	CalloutSay             = "say"              // > **Say:** what the facilitator says
	CalloutFacilitatorNote = "facilitator-note" // > **Facilitator note:** for the facilitator only
)

// markdown is configured once and safe for concurrent use; per-call settings travel
// in the parser context.
var markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.Linkify,
		extension.Strikethrough,
		extension.TaskList,
		extension.Typographer,
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
	),
	goldmark.WithParserOptions(
		parser.WithAutoHeadingID(),
		parser.WithASTTransformers(util.Prioritized(planTransformer{}, 100)),
	),
)

// sanitizer is the second line of defence: goldmark already drops raw HTML and
// dangerous URLs, and bluemonday removes anything else that could run or load.
var sanitizer = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(say|facilitator-note)$`)).OnElements("blockquote")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|center|right)$`)).OnElements("th", "td")
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[A-Za-z0-9_-]+$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}()

// RenderOptions says where the rendered document will be shown.
type RenderOptions struct {
	// LinkBase is prefixed to relative links and images, so that handouts/x.md in a
	// plan shown at /modules/s becomes /modules/s/handouts/x.md. It ends with "/".
	LinkBase string
	// LinkQuery is appended to rewritten relative links, such as "rev=abc123".
	LinkQuery string
}

var (
	linkBaseKey = parser.NewContextKey()
	headingsKey = parser.NewContextKey()
)

// Rendered is a Markdown document rendered for display.
type Rendered struct {
	// HTML is sanitised and safe to show.
	HTML string
	// Headings lists the document's headings in order, with their anchors.
	Headings []Heading
	// Sections maps the SectionKey of each level 2 and 3 heading to its anchor
	// (the first, when two headings have the same key).
	Sections map[string]string
}

// Heading is a heading of a rendered document.
type Heading struct {
	Level int
	Text  string
	ID    string
}

// Render converts Markdown to sanitised HTML. Raw HTML in the source is dropped,
// headings get stable ids, and callouts get their class.
func Render(src string, opts RenderOptions) Rendered {
	var buf bytes.Buffer
	ctx := parser.NewContext()
	ctx.Set(linkBaseKey, opts)
	if err := markdown.Convert([]byte(src), &buf, parser.WithContext(ctx)); err != nil {
		// goldmark only fails when the writer does; a bytes.Buffer does not.
		return Rendered{}
	}
	headings, _ := ctx.Get(headingsKey).([]Heading)
	sections := map[string]string{}
	for _, h := range headings {
		if h.Level == 2 || h.Level == 3 {
			key := SectionKey(h.Text)
			if _, seen := sections[key]; !seen {
				sections[key] = h.ID
			}
		}
	}
	return Rendered{HTML: sanitizer.Sanitize(buf.String()), Headings: headings, Sections: sections}
}

// planTransformer marks callouts and rewrites relative links.
type planTransformer struct{}

func (planTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	opts, _ := pc.Get(linkBaseKey).(RenderOptions)
	src := reader.Source()
	var headings []Heading
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			id, _ := n.AttributeString("id")
			idBytes, _ := id.([]byte)
			headings = append(headings, Heading{Level: n.Level, Text: strings.TrimSpace(PlainText(n, src)), ID: string(idBytes)})
		case *ast.Blockquote:
			if kind := CalloutKind(n, src); kind != "" {
				n.SetAttributeString("class", []byte(kind))
			}
		case *ast.Link:
			n.Destination = rewriteLink(n.Destination, opts)
		case *ast.Image:
			n.Destination = rewriteLink(n.Destination, opts)
		}
		return ast.WalkContinue, nil
	})
	pc.Set(headingsKey, headings)
}

// CalloutKind returns CalloutSay or CalloutFacilitatorNote when a block quote opens
// with that bold label, and "" otherwise.
func CalloutKind(quote *ast.Blockquote, src []byte) string {
	para, ok := quote.FirstChild().(*ast.Paragraph)
	if !ok {
		return ""
	}
	strong, ok := para.FirstChild().(*ast.Emphasis)
	if !ok || strong.Level != 2 {
		return ""
	}
	label := strings.ToLower(strings.TrimSpace(PlainText(strong, src)))
	label = strings.TrimSuffix(label, ":")
	switch label {
	case "say":
		return CalloutSay
	case "facilitator note", "facilitator notes", "note for facilitators":
		return CalloutFacilitatorNote
	}
	return ""
}

// IsRelativeLink reports whether a link destination points at a file relative to
// the document (handouts/x.md), not at a web address, an absolute path or an anchor.
func IsRelativeLink(dest string) bool {
	if dest == "" || strings.HasPrefix(dest, "/") || strings.HasPrefix(dest, "#") {
		return false
	}
	u, err := url.Parse(dest)
	if err != nil {
		return false
	}
	return u.Scheme == "" && u.Host == ""
}

func rewriteLink(dest []byte, opts RenderOptions) []byte {
	if opts.LinkBase == "" || !IsRelativeLink(string(dest)) {
		return dest
	}
	u, err := url.Parse(string(dest))
	if err != nil {
		return dest
	}
	u.Path = path.Clean(u.Path)
	if opts.LinkQuery != "" && u.RawQuery == "" {
		u.RawQuery = opts.LinkQuery
	}
	return []byte(opts.LinkBase + strings.TrimPrefix(u.String(), "./"))
}

// PlainText returns the text inside a node, without markup.
func PlainText(n ast.Node, src []byte) string {
	var b strings.Builder
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				b.Write(c.Segment.Value(src))
				if c.SoftLineBreak() || c.HardLineBreak() {
					b.WriteByte(' ')
				}
			case *ast.String:
				// the typographer stores curly quotes as HTML entities
				b.WriteString(html.UnescapeString(string(c.Value)))
			case *ast.RawHTML:
				// raw HTML is not text
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// ParseMarkdown parses Markdown with the same extensions and transformations
// as Render (tables, strikethrough, task lists, typographic quotes, callouts
// marked with their "class" attribute, heading ids), for exporters that walk
// the syntax tree into other formats (PDF, ODT, DOCX). Raw HTML nodes are in
// the tree; exporters must skip them as Render does.
func ParseMarkdown(src []byte) ast.Node {
	ctx := parser.NewContext()
	ctx.Set(linkBaseKey, RenderOptions{})
	return markdown.Parser().Parse(text.NewReader(src), parser.WithContext(ctx))
}
