package review_test

import (
	"os"
	"testing"
)

var tempDirs []string

func makeTempDir() (string, error) {
	dir, err := os.MkdirTemp("", "praxis-bench-")
	if err == nil {
		tempDirs = append(tempDirs, dir)
	}
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}
