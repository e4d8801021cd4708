package module

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// ReadableText turns a Markdown body into the text a reader sees: one block per
// paragraph, heading, list item, table row or quote, separated by blank lines,
// with markup removed. Diffs of it show what changed in words rather than in
// syntax.
func ReadableText(src string) string {
	body := []byte(src)
	root := markdown.Parser().Parse(text.NewReader(body))
	var blocks []string
	var walk func(n ast.Node, prefix string)
	walk = func(n ast.Node, prefix string) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Heading, *ast.Paragraph, *ast.TextBlock:
				if t := strings.TrimSpace(PlainText(c, body)); t != "" {
					blocks = append(blocks, prefix+t)
				}
			case *ast.FencedCodeBlock, *ast.CodeBlock:
				var b strings.Builder
				for i := 0; i < c.Lines().Len(); i++ {
					seg := c.Lines().At(i)
					b.Write(seg.Value(body))
				}
				if t := strings.TrimRight(b.String(), "\n"); t != "" {
					blocks = append(blocks, t)
				}
			case *ast.ListItem:
				walk(c, "• ")
			case *east.TableRow, *east.TableHeader:
				var cells []string
				for cell := c.FirstChild(); cell != nil; cell = cell.NextSibling() {
					cells = append(cells, strings.TrimSpace(PlainText(cell, body)))
				}
				blocks = append(blocks, strings.Join(cells, " | "))
			case *ast.ThematicBreak, *ast.HTMLBlock:
			default:
				walk(c, prefix)
			}
		}
	}
	walk(root, "")
	return strings.Join(blocks, "\n\n")
}
