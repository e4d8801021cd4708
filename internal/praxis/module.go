package praxis

import (
	"slices"
	"strconv"
)

// Formats a workshop can be delivered in.
const (
	FormatInPerson = "in-person"
	FormatOnline   = "online"
	FormatHybrid   = "hybrid"
)

// Formats lists every known delivery format, in display order.
var Formats = []string{FormatInPerson, FormatOnline, FormatHybrid}

// IsFormat reports whether f is a known delivery format.
func IsFormat(f string) bool { return slices.Contains(Formats, f) }

// Module is a training module: one workshop's session plan, as written in the front
// matter and body of modules/<slug>/module.md. The JSON names are the front matter's.
type Module struct {
	Slug         string       `json:"slug"`
	Title        string       `json:"title"`
	Summary      string       `json:"summary"`
	Series       string       `json:"series,omitempty"`
	Order        int          `json:"order,omitempty"`
	Duration     int          `json:"duration"`
	Audience     []string     `json:"audience"`
	GroupSize    GroupSize    `json:"group_size"`
	Facilitators int          `json:"facilitators"`
	Formats      []string     `json:"formats"`
	Objectives   []string     `json:"objectives"`
	Materials    []string     `json:"materials"`
	Tags         []string     `json:"tags"`
	Language     string       `json:"language"`
	Licence      string       `json:"licence"`
	Authors      []string     `json:"authors"`
	Agenda       []AgendaItem `json:"agenda"`

	// Body is the Markdown session plan after the front matter.
	Body string `json:"-"`
}

// GroupSize is the range of participants a workshop is designed for.
type GroupSize struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// AgendaItem is one timed part of a workshop.
type AgendaItem struct {
	Title   string `json:"title"`
	Minutes int    `json:"minutes"`
}

// AgendaMinutes returns the sum of the agenda's minutes.
func (m *Module) AgendaMinutes() int {
	total := 0
	for _, item := range m.Agenda {
		total += item.Minutes
	}
	return total
}

// HasFormat reports whether the module can be delivered in format f.
func (m *Module) HasFormat(f string) bool { return slices.Contains(m.Formats, f) }

// HasTag reports whether the module carries tag t.
func (m *Module) HasTag(t string) bool { return slices.Contains(m.Tags, t) }

// Series is a programme of modules delivered in order, from series/<slug>.yaml.
type Series struct {
	Slug    string   `json:"slug"`
	Title   string   `json:"title"`
	Summary string   `json:"summary"`
	Modules []string `json:"modules"`
}

// Problem is one thing wrong with a curriculum file, as `praxis lint` reports it:
// "path:line: message". Line is 0 when the problem is not on a particular line.
type Problem struct {
	Path    string `json:"path"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// String formats the problem as path:line: message.
func (p Problem) String() string {
	if p.Line > 0 {
		return p.Path + ":" + strconv.Itoa(p.Line) + ": " + p.Message
	}
	return p.Path + ": " + p.Message
}
