// Package curriculum embeds the starter curriculum that ships with praxis: the
// Exploring Class and Organising Fundamentals series and Train the Trainer. On
// first start praxis commits these files as the first commit of the curriculum
// repository; after that the repository, not this folder, is the curriculum.
package curriculum

import "embed"

// FS holds the curriculum's files, with paths such as modules/<slug>/module.md.
//
//go:embed modules series README.md LICENSE.md CODE_OF_CONDUCT.md
var FS embed.FS
