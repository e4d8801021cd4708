// Package export turns a module's session plan into files a facilitator can
// take away: PDF, OpenDocument text (ODT), Word (DOCX), and zip bundles of a
// module, a series or the whole curriculum. Each format walks the same
// goldmark syntax tree (module.ParseMarkdown) that the web pages render, so
// headings, lists, tables, emphasis, links and callouts survive in each.
// Every generator is a pure function of a Document: callers cache the result
// by the blob ids it was built from.
package export

import (
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// Document is one module at one version, ready to export.
type Document struct {
	// Module is the parsed front matter; Module.Body is the Markdown plan.
	Module praxis.Module
	// Handouts are the module's Markdown handouts, in name order.
	Handouts []Handout
	// Version says which version this is, for the footer and file names.
	Version Version
	// Start is the clock time the agenda is counted from, in minutes after
	// midnight; negative means no start time (the agenda shows 0:00, 0:15...).
	Start int
}

// Handout is a Markdown handout of a module.
type Handout struct {
	// Name is the file name within handouts/, such as "power-map.md".
	Name string
	// Title is the handout's first heading, or its name.
	Title    string
	Markdown string
}

// Version identifies the version of the curriculum a document comes from.
type Version struct {
	Commit  string    // full commit id
	Release string    // the release it first appeared in, "" when none yet
	Date    time.Time // the commit's date
	// URL is where the module lives, such as https://praxis.example.org/modules/slug.
	URL string
}

// Short is the commit's short id.
func (v Version) Short() string { return praxis.ShortID(v.Commit) }

// Label names the version for people: "v2026.11 (3f2a1c9)" or "3f2a1c9".
func (v Version) Label() string {
	if v.Release != "" {
		return v.Release + " (" + v.Short() + ")"
	}
	return v.Short()
}

// Footer is the line every page of a printed plan ends with.
func (d *Document) Footer() string {
	return fmt.Sprintf("%s · version %s · %s · %s", d.Module.Title, d.Version.Label(), d.Module.Licence, d.Version.URL)
}

// AgendaRow is one line of the agenda table.
type AgendaRow struct {
	Title   string
	Minutes int
	// Clock is the start time: "18:30" from the document's start, or an
	// offset such as "0:45" without one.
	Clock string
}

// Agenda returns the agenda with start times.
func (d *Document) Agenda() []AgendaRow {
	rows := make([]AgendaRow, len(d.Module.Agenda))
	at := 0
	for i, item := range d.Module.Agenda {
		clock := fmt.Sprintf("%d:%02d", at/60, at%60)
		if d.Start >= 0 {
			t := (d.Start + at) % (24 * 60)
			clock = fmt.Sprintf("%02d:%02d", t/60, t%60)
		}
		rows[i] = AgendaRow{Title: item.Title, Minutes: item.Minutes, Clock: clock}
		at += item.Minutes
	}
	return rows
}
