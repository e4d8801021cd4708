// Package module owns the module format: the YAML front matter schema of
// modules/<slug>/module.md, parsing it with line numbers, the rules `praxis lint`
// applies, series files, and rendering the Markdown body to HTML that is safe to show.
package module

import (
	"regexp"
)

// File names inside a curriculum.
const (
	ModulesDir = "modules"
	SeriesDir  = "series"
	PlanFile   = "module.md"
	HandoutDir = "handouts"
)

// MaxSlugLength bounds module and series slugs.
const MaxSlugLength = 80

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s is a lowercase kebab-case slug of at most
// MaxSlugLength characters: the only names praxis accepts for modules and series,
// which also keeps every slug safe to use in a path or URL.
func ValidSlug(s string) bool {
	return len(s) <= MaxSlugLength && slugPattern.MatchString(s)
}

// PlanPath returns the repository path of a module's plan.
func PlanPath(slug string) string { return ModulesDir + "/" + slug + "/" + PlanFile }

// Dir returns the repository path of a module's folder.
func Dir(slug string) string { return ModulesDir + "/" + slug }

// SeriesPath returns the repository path of a series file.
func SeriesPath(slug string) string { return SeriesDir + "/" + slug + ".yaml" }
