package module

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/praxis"
	"go.yaml.in/yaml/v3"
)

// SeriesDocument is a parsed series file, with the line of each listed module.
type SeriesDocument struct {
	Path        string
	Series      praxis.Series
	moduleLines []int
}

// ParseSeries reads series/<slug>.yaml. It returns nil when the file cannot be
// read as a series at all.
func ParseSeries(path, slug string, src []byte) (*SeriesDocument, []praxis.Problem) {
	p := &problems{path: path}
	if !utf8.Valid(src) {
		p.add(0, "is not UTF-8 text")
		return nil, p.list
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		line, msg := yamlErrorLine(err)
		p.add(line, "is not valid YAML: "+msg)
		return nil, p.list
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		p.add(1, "a series file must be a set of fields: title, summary, modules")
		return nil, p.list
	}
	doc := &SeriesDocument{Path: path, Series: praxis.Series{Slug: slug}}
	if !ValidSlug(slug) {
		p.add(0, fmt.Sprintf("file name %q is not a valid series slug: use lowercase letters, digits and single hyphens", slug))
	}
	mapping := root.Content[0]
	seen := map[string]bool{}
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		key, value := mapping.Content[i], mapping.Content[i+1]
		fd := fieldDecoder{p: p, line: key.Line, name: key.Value, node: value}
		if seen[key.Value] {
			p.add(key.Line, fmt.Sprintf("field %q is given twice", key.Value))
			continue
		}
		seen[key.Value] = true
		switch key.Value {
		case "title":
			doc.Series.Title = fd.oneLine()
		case "summary":
			doc.Series.Summary = fd.str()
		case "modules":
			if value.Kind != yaml.SequenceNode {
				fd.fail("must be a list of module slugs, in order")
				continue
			}
			for _, item := range value.Content {
				if item.Kind != yaml.ScalarNode {
					p.add(item.Line, "modules: each item must be a module slug")
					continue
				}
				doc.Series.Modules = append(doc.Series.Modules, strings.TrimSpace(item.Value))
				doc.moduleLines = append(doc.moduleLines, item.Line)
			}
		default:
			p.add(key.Line, fmt.Sprintf("unknown field %q (a series has title, summary and modules)", key.Value))
		}
	}
	if doc.Series.Title == "" {
		p.add(1, "title: is required")
	}
	if len(doc.Series.Modules) == 0 {
		p.add(1, "modules: list the series' modules in order")
	}
	return doc, p.list
}

// moduleLine returns the line on which the i-th module of the series is listed.
func (d *SeriesDocument) moduleLine(i int) int {
	if i < len(d.moduleLines) {
		return d.moduleLines[i]
	}
	return 1
}
