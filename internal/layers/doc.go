// Package layers holds no code, only tests that keep praxis's packages
// layered as docs/DESIGN.md draws them: which package may import which, and
// that the design's package table names what each package imports. They read
// the imports with `go list`, so a change that breaks a rule fails `go test
// ./...`.
package layers
