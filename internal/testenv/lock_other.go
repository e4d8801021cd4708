//go:build !unix

package testenv

// lockFile does nothing where there is no flock: two test processes may then
// build praxis side by side, which costs time, not correctness.
func lockFile(string) (unlock func(), err error) {
	return func() {}, nil
}
