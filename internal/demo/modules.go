// Package demo generates realistic data for trying praxis out and for
// benchmarks at the sizes praxis is designed for: generated modules here, and
// (later) facilitators and deliveries. Everything is deterministic for a seed.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/praxis-coop/praxis/internal/praxis"
)

var (
	topics = []string{"class identity", "stigma", "one-to-one conversations", "power mapping", "campaign planning",
		"workplace organising", "tenants' unions", "meetings", "facilitation", "labour history", "redistribution",
		"housing", "care work", "migrant workers", "disability justice", "climate and work"}
	activities = []string{"Welcome and agreements", "Warm-up in pairs", "Story circle", "Spectrum line", "Gallery walk",
		"Role play in threes", "Case study", "Mapping exercise", "Small-group discussion", "Fishbowl", "Planning clinic",
		"Break", "Report back", "Closing and evaluation"}
	audiences = []string{"union branches", "community groups", "tenants' unions", "student societies", "political education groups"}
	sentences = []string{
		"Ask the group to think of a time when they felt listened to.",
		"Give each small group a sheet of flipchart paper and two markers.",
		"Invite people to share only what they are comfortable sharing.",
		"Draw out the difference between a problem and an issue we can act on.",
		"Keep an eye on the time and warn groups when two minutes remain.",
		"Note the points raised on the flipchart in the participants' own words.",
		"Check that everyone who wants to speak has had the chance.",
		"Connect what was said back to the objectives of the session.",
	}
)

// ModuleOptions shapes generated modules.
type ModuleOptions struct {
	// BodyBytes is the rough size of each plan's body (default 3,000).
	BodyBytes int
	// Handouts per module (default 1).
	Handouts int
}

// Modules returns the files of n valid, varied modules (slugs module-0001 ...),
// ready to commit, plus a series file per 12 modules.
func Modules(n int, seed uint64, opts ModuleOptions) []praxis.FileChange {
	if opts.BodyBytes == 0 {
		opts.BodyBytes = 3000
	}
	if opts.Handouts == 0 {
		opts.Handouts = 1
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var files []praxis.FileChange
	seriesModules := map[string][]string{}
	for i := range n {
		slug := ModuleSlug(i)
		series := ""
		if i%3 != 0 { // two in three modules belong to a series, 24 to a series
			series = fmt.Sprintf("series-%03d", i/36)
			seriesModules[series] = append(seriesModules[series], slug)
		}
		order := len(seriesModules[series])
		files = append(files, praxis.FileChange{Path: "modules/" + slug + "/module.md", Content: []byte(Plan(r, slug, series, order, opts))})
		for h := range opts.Handouts {
			files = append(files, praxis.FileChange{
				Path:    fmt.Sprintf("modules/%s/handouts/handout-%d.md", slug, h+1),
				Content: []byte(fmt.Sprintf("# Handout %d for %s\n\n%s\n", h+1, slug, paragraph(r, 4))),
			})
		}
	}
	for series, slugs := range seriesModules {
		var b strings.Builder
		fmt.Fprintf(&b, "title: %q\nsummary: A generated series of %d workshops.\nmodules:\n", "Series "+series, len(slugs))
		for _, s := range slugs {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
		files = append(files, praxis.FileChange{Path: "series/" + series + ".yaml", Content: []byte(b.String())})
	}
	return files
}

// ModuleSlug returns the slug of the i-th generated module.
func ModuleSlug(i int) string { return fmt.Sprintf("module-%04d", i) }

// Plan returns one valid module.md of roughly opts.BodyBytes of body.
func Plan(r *rand.Rand, slug, series string, order int, opts ModuleOptions) string {
	items := 4 + r.IntN(5)
	agenda := make([]praxis.AgendaItem, items)
	total := 0
	for i := range agenda {
		agenda[i] = praxis.AgendaItem{Title: fmt.Sprintf("%s %d", activities[r.IntN(len(activities))], i+1), Minutes: 5 * (2 + r.IntN(7))}
		total += agenda[i].Minutes
	}
	formats := []string{"in-person"}
	if r.IntN(2) == 0 {
		formats = append(formats, "online")
	}
	if r.IntN(5) == 0 {
		formats = append(formats, "hybrid")
	}
	tags := []string{topics[r.IntN(len(topics))], topics[r.IntN(len(topics))]}
	if tags[0] == tags[1] {
		tags = tags[:1]
	}
	minSize := 4 + r.IntN(6)

	var b strings.Builder
	b.WriteString("---\n")
	fmt.Fprintf(&b, "title: %q\n", "Workshop on "+tags[0]+" "+strings.TrimPrefix(slug, "module-"))
	fmt.Fprintf(&b, "summary: %q\n", "A generated workshop about "+tags[0]+". "+sentences[r.IntN(len(sentences))])
	if series != "" {
		fmt.Fprintf(&b, "series: %s\norder: %d\n", series, order)
	}
	fmt.Fprintf(&b, "duration: %d\n", total)
	fmt.Fprintf(&b, "audience: [%s]\n", audiences[r.IntN(len(audiences))])
	fmt.Fprintf(&b, "group_size: {min: %d, max: %d}\n", minSize, minSize+6+r.IntN(20))
	fmt.Fprintf(&b, "facilitators: %d\n", 1+r.IntN(2))
	fmt.Fprintf(&b, "formats: [%s]\n", strings.Join(formats, ", "))
	b.WriteString("objectives:\n  - Describe the main ideas of the session\n  - Practise a skill with others\n  - Plan a next step\n")
	b.WriteString("materials:\n  - Flipchart paper and markers\n  - Printed handouts\n")
	fmt.Fprintf(&b, "tags: [%s]\n", strings.Join(tags, ", "))
	b.WriteString("language: en\nlicence: CC-BY-SA-4.0\nauthors: [\"praxis contributors\"]\nagenda:\n")
	for _, item := range agenda {
		fmt.Fprintf(&b, "  - {title: %q, minutes: %d}\n", item.Title, item.Minutes)
	}
	b.WriteString("---\n\n## About this workshop\n\n")
	b.WriteString(paragraph(r, 3))
	b.WriteString("\n\nUse [the first handout](handouts/handout-1.md).\n")
	// Every agenda item gets its section; then prose grows the plan to size.
	for _, item := range agenda {
		fmt.Fprintf(&b, "\n## %s (%d min)\n\n", item.Title, item.Minutes)
		fmt.Fprintf(&b, "> **Say:** \"%s\"\n\n", sentences[r.IntN(len(sentences))])
		for step := 1; step <= 3; step++ {
			fmt.Fprintf(&b, "%d. %s\n", step, sentences[r.IntN(len(sentences))])
		}
		fmt.Fprintf(&b, "\n> **Facilitator note:** %s\n", sentences[r.IntN(len(sentences))])
	}
	for b.Len() < opts.BodyBytes {
		b.WriteString("\n" + paragraph(r, 4) + "\n")
	}
	return b.String()
}

func paragraph(r *rand.Rand, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = sentences[r.IntN(len(sentences))]
	}
	return strings.Join(parts, " ")
}
