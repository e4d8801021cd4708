package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataFilesArePrivate: the database holds password, session and token
// hashes and people's details; praxis creates it, its data directory and its
// backups for their owner only, whatever the umask (issue 17: praxis.db was
// created world-readable). An older database left readable by others is
// tightened at start.
func TestDataFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	url, stop := startServe(t, dataDir)
	if status, _ := getBody(t, url+"/healthz"); status != 200 {
		t.Fatalf("healthz = %d", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	mode := func(name string) os.FileMode {
		t.Helper()
		info, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return info.Mode().Perm()
	}
	if m := mode(dataDir); m != 0o700 {
		t.Errorf("data directory mode %v, want 0700", m)
	}
	db := filepath.Join(dataDir, "praxis.db")
	for _, name := range []string{db, db + "-wal", db + "-shm"} {
		if _, err := os.Stat(name); err != nil {
			continue
		}
		if m := mode(name); m != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(name), m)
		}
	}

	out := filepath.Join(t.TempDir(), "praxis.tar.gz")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"backup", "--data", dataDir, "--out", out}, noEnv, strings.NewReader(""), &stdout, &stderr); exitCode(err, &stderr) != 0 {
		t.Fatalf("backup: %q", stderr.String())
	}
	if m := mode(out); m != 0o600 {
		t.Errorf("backup mode %v, want 0600", m)
	}
	target := filepath.Join(t.TempDir(), "restored")
	if err := run(ctx, []string{"restore", "--from", out, "--data", target}, noEnv, strings.NewReader(""), io.Discard, &stderr); exitCode(err, &stderr) != 0 {
		t.Fatalf("restore: %q", stderr.String())
	}
	if m := mode(filepath.Join(target, "praxis.db")); m != 0o600 {
		t.Errorf("restored praxis.db mode %v, want 0600", m)
	}

	// A database an older praxis left readable by everyone.
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stop = startServe(t, dataDir)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if m := mode(db); m != 0o600 {
		t.Errorf("after a start, the older database's mode is %v, want 0600", m)
	}
}
