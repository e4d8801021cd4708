// Package ui holds praxis's templates and static assets, embedded into the binary.
// The web package parses the templates once at start and serves the assets under
// content-hashed URLs.
package ui

import "embed"

// FS holds templates/ (html/template files) and static/ (CSS, images, scripts).
//
//go:embed templates static
var FS embed.FS
