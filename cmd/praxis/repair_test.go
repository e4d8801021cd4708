package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// TestDamagedMainStopsServeAndRepairPutsItBack empties refs/heads/main (what
// a crash on a full disk leaves): serve stops with one sentence naming the
// command to run, that command puts main back at its newest good commit and
// says so, and serve starts again on it.
func TestDamagedMainStopsServeAndRepairPutsItBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	a, err := openApp(ctx, dataDir, slog.New(slog.DiscardHandler), options{})
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := a.store.Branch(ctx, "main")
	good, err := a.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: seed, Message: "A good change",
		Author:  praxis.Signature{Name: "Maya", Email: "maya@example.org"},
		Changes: []praxis.FileChange{{Path: "modules/exploring-class-2-stigma/handouts/extra.md", Content: []byte("# Extra\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	a.close()
	mainFile := filepath.Join(dataDir, repositoryDir, "refs", "heads", "main")
	if err := os.WriteFile(mainFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	var stderr bytes.Buffer
	err = run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir}, noEnv, strings.NewReader(""), io.Discard, &stderr)
	code := exitCode(err, &stderr)
	want := `praxis: the curriculum's main branch is damaged (` + mainFile + ` is empty); run "praxis repair --data ` + dataDir + `" while praxis is stopped`
	if code != 1 || !strings.HasPrefix(stderr.String(), want) || strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
		t.Fatalf("serve on a damaged main = exit %d, stderr %q; want 1 and one line starting %q", code, stderr.String(), want)
	}

	var stdout bytes.Buffer
	stderr.Reset()
	err = run(ctx, []string{"repair", "--data", dataDir}, noEnv, strings.NewReader(""), &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 0 || !strings.Contains(stdout.String(), "Repaired main: "+mainFile+" is empty; it now points at "+praxis.ShortID(good)+` ("A good change"`) {
		t.Fatalf("repair = exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	if data, _ := os.ReadFile(mainFile); strings.TrimSpace(string(data)) != good {
		t.Fatalf("main after repair holds %q, want %s", data, good)
	}
	stdout.Reset()
	if err := run(ctx, []string{"repair", "--data", dataDir}, noEnv, strings.NewReader(""), &stdout, &stderr); exitCode(err, &stderr) != 0 || !strings.Contains(stdout.String(), "main is fine") {
		t.Errorf("second repair = %q %q", stdout.String(), stderr.String())
	}

	// A crash also left packed-refs.lock behind: serve removes it and starts.
	lock := filepath.Join(dataDir, repositoryDir, "packed-refs.lock")
	os.WriteFile(lock, nil, 0o644)
	url, stop := startServe(t, dataDir)
	if status, body := getBody(t, url+"/modules/exploring-class-2-stigma/handouts/extra.md"); status != 200 || !strings.Contains(body, "Extra") {
		t.Errorf("the repaired main's change = %d", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lock); !os.IsNotExist(err) {
		t.Errorf("packed-refs.lock survived a start: %v", err)
	}
	if err := run(ctx, []string{"repair", "--data", t.TempDir()}, noEnv, strings.NewReader(""), io.Discard, &stderr); exitCode(err, io.Discard) != 1 {
		t.Errorf("repair of a directory without a repository succeeded")
	}
}
