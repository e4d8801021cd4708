package backup

// WithBetween returns opts with a function that Create runs between copying
// the database and reading the repository's refs, so that a test can write
// meanwhile.
func WithBetween(opts Options, between func()) Options {
	opts.between = between
	return opts
}
