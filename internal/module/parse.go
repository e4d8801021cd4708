package module

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/praxis-coop/praxis/internal/praxis"
	"go.yaml.in/yaml/v3"
)

// Document is a parsed module.md: the module, and where in the file each part of it
// was written, so that problems can name a line.
type Document struct {
	Path   string
	Module praxis.Module
	// Source is the file as stored.
	Source []byte

	fieldLines  map[string]int
	agendaLines []int
	bodyLine    int
}

// FieldLine returns the line of the file on which a front matter field was
// written, or the first line when it was not written at all.
func (d *Document) FieldLine(field string) int {
	if line, ok := d.fieldLines[field]; ok {
		return line
	}
	return 1
}

// BodyLine returns the line on which the Markdown body starts.
func (d *Document) BodyLine() int { return d.bodyLine }

// fieldHints suggests the right name for common misspellings.
var fieldHints = map[string]string{
	"license": "licence", "groupsize": "group_size", "group-size": "group_size",
	"author": "authors", "format": "formats", "objective": "objectives",
	"tag": "tags", "lang": "language", "minutes": "duration", "description": "summary",
}

// Parse reads a module.md. The slug is the name of the module's folder. Parse
// returns a Document whenever the front matter could be read, even with problems;
// it returns nil when nothing useful could be read. Problems name path and line.
func Parse(path, slug string, src []byte) (*Document, []praxis.Problem) {
	p := &problems{path: path}
	if !utf8.Valid(src) {
		p.add(0, "is not UTF-8 text")
		return nil, p.list
	}
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	yamlSrc, body, bodyLine, ok := splitFrontMatter(src)
	if !ok {
		p.add(1, "has no front matter: the file must start with a line '---', then the YAML fields, then another '---'")
		return nil, p.list
	}
	doc := &Document{Path: path, Source: src, fieldLines: map[string]int{}, bodyLine: bodyLine}
	doc.Module.Slug = slug
	doc.Module.Body = body

	var root yaml.Node
	if err := yaml.Unmarshal(yamlSrc, &root); err != nil {
		line, msg := yamlErrorLine(err)
		if line > 0 {
			line++ // the front matter starts on the file's second line
		}
		p.add(line, "front matter is not valid YAML: "+msg)
		return nil, p.list
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		p.add(2, "front matter must be a set of fields such as 'title: ...'")
		return nil, p.list
	}
	decodeFrontMatter(doc, root.Content[0], p)
	return doc, p.list
}

// splitFrontMatter separates the YAML between the opening and closing '---' lines
// from the Markdown body.
func splitFrontMatter(src []byte) (yamlSrc []byte, body string, bodyLine int, ok bool) {
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	if !strings.HasPrefix(text, "---\n") {
		return nil, "", 0, false
	}
	rest := text[len("---\n"):]
	offset := 0
	line := 2
	for offset <= len(rest) {
		end := strings.IndexByte(rest[offset:], '\n')
		var current string
		if end < 0 {
			current = rest[offset:]
		} else {
			current = rest[offset : offset+end]
		}
		if trimmed := strings.TrimRight(current, " \t"); trimmed == "---" || trimmed == "..." {
			bodyStart := offset + len(current) + 1
			if bodyStart > len(rest) {
				bodyStart = len(rest)
			}
			return []byte(rest[:offset]), rest[bodyStart:], line + 1, true
		}
		if end < 0 {
			break
		}
		offset += end + 1
		line++
	}
	return nil, "", 0, false
}

var yamlLinePattern = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if first, _, found := strings.Cut(msg, "\n"); found {
		msg = first
	}
	if m := yamlLinePattern.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// decodeFrontMatter reads each field by hand rather than with one Decode, so that a
// wrong type in one field is reported on its own line and the rest still load.
func decodeFrontMatter(doc *Document, mapping *yaml.Node, p *problems) {
	m := &doc.Module
	const offset = 1 // yaml lines count from the line after the opening '---'
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		key, value := mapping.Content[i], mapping.Content[i+1]
		line := key.Line + offset
		name := key.Value
		if _, seen := doc.fieldLines[name]; seen {
			p.add(line, fmt.Sprintf("field %q is given twice", name))
			continue
		}
		doc.fieldLines[name] = line
		fd := fieldDecoder{p: p, line: line, name: name, node: value}
		switch name {
		case "title":
			m.Title = fd.oneLine()
		case "summary":
			m.Summary = fd.str()
		case "series":
			m.Series = fd.str()
		case "order":
			m.Order = fd.integer()
		case "duration":
			m.Duration = fd.integer()
		case "audience":
			m.Audience = fd.strs()
		case "group_size":
			m.GroupSize = fd.groupSize()
		case "facilitators":
			m.Facilitators = fd.integer()
		case "formats":
			m.Formats = fd.strs()
		case "objectives":
			m.Objectives = fd.strs()
		case "materials":
			m.Materials = fd.strs()
		case "tags":
			m.Tags = fd.strs()
		case "language":
			m.Language = fd.str()
		case "licence":
			m.Licence = fd.str()
		case "authors":
			m.Authors = fd.strs()
		case "agenda":
			m.Agenda, doc.agendaLines = fd.agenda()
		default:
			msg := fmt.Sprintf("unknown field %q", name)
			if hint, ok := fieldHints[strings.ToLower(name)]; ok {
				msg += fmt.Sprintf(" (did you mean %q?)", hint)
			}
			p.add(line, msg)
		}
	}
}

type fieldDecoder struct {
	p    *problems
	line int
	name string
	node *yaml.Node
}

func (fd fieldDecoder) fail(format string, args ...any) {
	fd.p.add(fd.line, fd.name+": "+fmt.Sprintf(format, args...))
}

func (fd fieldDecoder) str() string {
	if fd.node.Kind != yaml.ScalarNode || fd.node.Tag == "!!null" {
		fd.fail("must be text")
		return ""
	}
	return strings.TrimSpace(fd.node.Value)
}

// oneLine is text for one line (a title): any line breaks a YAML block
// scalar brought become spaces, as a title shows in a page, a file name or
// an email's subject.
func (fd fieldDecoder) oneLine() string {
	return strings.Join(strings.Fields(fd.str()), " ")
}

func (fd fieldDecoder) integer() int {
	n, ok := scalarInt(fd.node)
	if !ok {
		fd.fail("must be a whole number")
	}
	return n
}

func scalarInt(node *yaml.Node) (int, bool) {
	if node.Kind != yaml.ScalarNode || node.Tag != "!!int" {
		return 0, false
	}
	n, err := strconv.Atoi(node.Value)
	if err != nil || n > 1_000_000 || n < -1_000_000 {
		return 0, false
	}
	return n, true
}

func (fd fieldDecoder) strs() []string {
	if fd.node.Kind != yaml.SequenceNode {
		fd.fail("must be a list, such as [a, b] or one '- item' per line")
		return nil
	}
	out := make([]string, 0, len(fd.node.Content))
	for _, item := range fd.node.Content {
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
			fd.p.add(item.Line+1, fd.name+": each item must be text")
			continue
		}
		out = append(out, strings.TrimSpace(item.Value))
	}
	return out
}

func (fd fieldDecoder) groupSize() praxis.GroupSize {
	var gs praxis.GroupSize
	if fd.node.Kind != yaml.MappingNode {
		fd.fail("must be {min: N, max: N}")
		return gs
	}
	for i := 0; i+1 < len(fd.node.Content); i += 2 {
		key, value := fd.node.Content[i], fd.node.Content[i+1]
		n, ok := scalarInt(value)
		switch key.Value {
		case "min":
			gs.Min = n
		case "max":
			gs.Max = n
		default:
			fd.p.add(key.Line+1, fmt.Sprintf("group_size: unknown field %q (use min and max)", key.Value))
			continue
		}
		if !ok {
			fd.p.add(key.Line+1, "group_size: "+key.Value+" must be a whole number")
		}
	}
	return gs
}

func (fd fieldDecoder) agenda() ([]praxis.AgendaItem, []int) {
	if fd.node.Kind != yaml.SequenceNode {
		fd.fail("must be a list of {title: ..., minutes: N}")
		return nil, nil
	}
	items := make([]praxis.AgendaItem, 0, len(fd.node.Content))
	lines := make([]int, 0, len(fd.node.Content))
	for _, entry := range fd.node.Content {
		line := entry.Line + 1
		if entry.Kind != yaml.MappingNode {
			fd.p.add(line, "agenda: each item must be {title: ..., minutes: N}")
			continue
		}
		var item praxis.AgendaItem
		for i := 0; i+1 < len(entry.Content); i += 2 {
			key, value := entry.Content[i], entry.Content[i+1]
			switch key.Value {
			case "title":
				if value.Kind != yaml.ScalarNode {
					fd.p.add(key.Line+1, "agenda: title must be text")
				}
				item.Title = strings.Join(strings.Fields(value.Value), " ")
			case "minutes":
				n, ok := scalarInt(value)
				if !ok {
					fd.p.add(key.Line+1, "agenda: minutes must be a whole number")
				}
				item.Minutes = n
			default:
				fd.p.add(key.Line+1, fmt.Sprintf("agenda: unknown field %q (use title and minutes)", key.Value))
			}
		}
		items = append(items, item)
		lines = append(lines, line)
	}
	return items, lines
}

// problems collects problems for one file.
type problems struct {
	path string
	list []praxis.Problem
}

func (p *problems) add(line int, msg string) {
	p.list = append(p.list, praxis.Problem{Path: p.path, Line: line, Message: msg})
}
