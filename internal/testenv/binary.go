package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildPraxis puts a praxis binary built from this module's cmd/praxis at
// dir/praxis and returns its path, for tests that run praxis as a separate
// process (the browser journeys, the load test). It links praxis at most
// once for a given source however many test processes ask: `go run` keeps
// the executables it links in the build cache, and -exec cp copies it out
// instead of running it; a lock file makes a second test process wait for
// the first one's link rather than link again beside it.
func BuildPraxis(dir string) (string, error) {
	// The lock must be the same file for every test process, whatever
	// temporary folder each has (InMemoryTempDir).
	lockDir, err := os.UserCacheDir()
	if err != nil {
		lockDir = os.TempDir()
	}
	unlock, err := lockFile(filepath.Join(lockDir, "praxis-testenv-build.lock"))
	if err != nil {
		return "", fmt.Errorf("testenv: build praxis: %w", err)
	}
	defer unlock()
	bin := filepath.Join(dir, "praxis")
	cmd := exec.Command("go", "run", "-exec", "cp", "github.com/praxis-coop/praxis/cmd/praxis", bin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("testenv: go run -exec cp ./cmd/praxis: %v\n%s", err, out.Bytes())
	}
	return bin, nil
}
