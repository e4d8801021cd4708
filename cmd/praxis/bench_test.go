package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/praxis-coop/praxis/internal/demo"
)

// BenchmarkRestartIndexed measures a restart of praxis, until it is serving,
// over a curriculum of 1,000 modules and 10,000 commits whose history index is
// already up to date.
func BenchmarkRestartIndexed(b *testing.B) {
	repo, err := demo.CachedHistory(context.Background(), "", demo.HistoryOptions{Modules: 1000, Commits: 10_000, Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	dataDir := b.TempDir()
	if out, err := exec.Command("cp", "-a", repo, filepath.Join(dataDir, repositoryDir)).CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	// The first start indexes the history; it is not what is measured.
	_, stop := startServeB(b, dataDir)
	if err := stop(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_, stop := startServeB(b, dataDir)
		b.StopTimer()
		if err := stop(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
