package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while the
// test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func noEnv(string) string { return "" }

// startServe boots `praxis serve` through run on 127.0.0.1:0 and returns its URL
// and a function that stops it and returns run's error.
func startServe(t *testing.T, dataDir string, flags ...string) (string, func() error) {
	t.Helper()
	return startServeB(t, dataDir, flags...)
}

// startServeB is startServe for tests and benchmarks; flags are added to
// serve's.
func startServeB(t testing.TB, dataDir string, flags ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutReader, stdoutWriter := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir}, flags...), noEnv, strings.NewReader(""), stdoutWriter, stderr)
		stdoutWriter.Close()
	}()
	urls := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdoutReader)
		for scanner.Scan() {
			if url, ok := strings.CutPrefix(scanner.Text(), "praxis listening on "); ok {
				urls <- url
			}
		}
	}()
	select {
	case url := <-urls:
		return url, func() error {
			cancel()
			select {
			case err := <-done:
				return err
			case <-time.After(30 * time.Second):
				t.Fatal("praxis did not stop within 30s of being asked")
				return nil
			}
		}
	case err := <-done:
		cancel()
		t.Fatalf("praxis serve exited early: %v\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("praxis serve did not start within 60s\n%s", stderr.String())
	}
	return "", nil
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestServeEndToEnd runs praxis as a user would: first start creates the data
// directory and the repository, pages and the API answer, a restart keeps the
// same curriculum without re-seeding, and SIGINT-style cancellation stops it.
func TestServeEndToEnd(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	url, stop := startServe(t, dataDir)

	if status, body := getBody(t, url+"/healthz"); status != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("healthz = %d %s", status, body)
	}
	status, body := getBody(t, url+"/modules/organising-4-match-women-1888")
	if status != 200 || !strings.Contains(body, "Bryant") || !strings.Contains(body, `<table class="agenda">`) {
		t.Fatalf("module page = %d", status)
	}
	_, apiBody := getBody(t, url+"/api/v1/modules")
	var list struct {
		Version string
		Modules []struct{ Slug string }
	}
	if err := json.Unmarshal([]byte(apiBody), &list); err != nil || len(list.Modules) != 13 || len(list.Version) != 40 {
		t.Fatalf("API modules = %v, %d modules, version %q", err, len(list.Modules), list.Version)
	}
	for _, name := range []string{"praxis.db", "curriculum.git/HEAD", "curriculum.git/refs/heads/main"} {
		if _, err := os.Stat(filepath.Join(dataDir, name)); err != nil {
			t.Errorf("data directory lacks %s: %v", name, err)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("run returned %v after being stopped, want nil", err)
	}

	url, stop = startServe(t, dataDir)
	_, apiBody = getBody(t, url+"/api/v1/modules")
	var again struct{ Version string }
	json.Unmarshal([]byte(apiBody), &again)
	if again.Version != list.Version {
		t.Errorf("after a restart main is %s, want %s (never re-seed)", again.Version, list.Version)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestServeFailsClearly(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o644)

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"port in use", []string{"serve", "--addr", busy.Addr().String(), "--data", t.TempDir()}, "praxis: cannot listen on " + busy.Addr().String() + ": the address is already in use"},
		{"data dir is a file", []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(file, "data")}, "praxis: cannot use " + filepath.Join(file, "data") + " as the data directory: a file is in the way of the folder"},
		{"bad address", []string{"serve", "--addr", "nonsense", "--data", t.TempDir()}, "praxis: cannot listen on nonsense: missing port in address"},
		{"bad log level", []string{"serve", "--log-level", "loud", "--data", t.TempDir()}, `praxis: unknown log level "loud"`},
		{"stray argument", []string{"serve", "extra"}, `praxis: serve takes no arguments`},
		{"bad free space", []string{"serve", "--min-free-space", "lots", "--data", t.TempDir()}, `praxis: --min-free-space "lots": give a size such as 512MB, 2GB or 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, noEnv, strings.NewReader(""), &stdout, &stderr)
			code := exitCode(err, &stderr)
			if code != 1 || !strings.HasPrefix(stderr.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), tt.want)
			}
			if strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 || strings.Contains(stderr.String(), "goroutine") {
				t.Errorf("stderr is not one clear line: %q", stderr.String())
			}
		})
	}
}

func TestEnvironmentConfiguresServe(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "from-env")
	getenv := func(name string) string {
		return map[string]string{"PRAXIS_ADDR": "127.0.0.1:0", "PRAXIS_DATA": dataDir}[name]
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, strings.NewReader(""), stdout, io.Discard) }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stdout.String(), "praxis listening on") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "praxis.db")); err != nil {
		t.Fatalf("PRAXIS_DATA was not used: %v", err)
	}
}

func TestLintCommand(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"lint", "../../curriculum"}, noEnv, nil, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 0 || stdout.Len() != 0 {
		t.Fatalf("lint of the shipped curriculum = exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "modules", "broken"), 0o755)
	os.WriteFile(filepath.Join(dir, "modules", "broken", "module.md"), []byte("---\ntitle: x\nduration: ten\n---\n"), 0o644)
	stdout.Reset()
	stderr.Reset()
	err = run(context.Background(), []string{"lint", dir}, noEnv, nil, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 1 {
		t.Fatalf("lint of a broken curriculum = exit %d, want 1", code)
	}
	want := filepath.Join(dir, "modules", "broken", "module.md") + ":3: duration: must be a whole number"
	if !strings.Contains(stdout.String(), want) {
		t.Fatalf("lint output lacks %q:\n%s", want, stdout.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if !strings.HasPrefix(line, filepath.Join(dir, "modules")) {
			t.Errorf("line is not path:line: message: %q", line)
		}
	}

	stderr.Reset()
	err = run(context.Background(), []string{"lint", filepath.Join(dir, "missing")}, noEnv, nil, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 1 || !strings.Contains(stderr.String(), "is not a folder") {
		t.Fatalf("lint of a missing folder = exit %d %q", code, stderr.String())
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, noEnv, nil, &stdout, &stderr); exitCode(err, &stderr) != 0 {
		t.Fatal(err)
	}
	for _, cmd := range []string{"serve", "lint", "version"} {
		if !strings.Contains(stdout.String(), cmd) {
			t.Errorf("praxis --help does not mention %s", cmd)
		}
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"serve", "--help"}, noEnv, nil, &stdout, &stderr); exitCode(err, &stderr) != 0 {
		t.Fatal(err)
	}
	for _, flag := range []string{"-addr", "-data", "PRAXIS_ADDR", "PRAXIS_DATA", "-log-format", "-log-level"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("praxis serve --help does not explain %s", flag)
		}
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"lint", "--help"}, noEnv, nil, &stdout, &stderr); exitCode(err, &stderr) != 0 || !strings.Contains(stdout.String(), "path:line: message") {
		t.Errorf("praxis lint --help = %q", stdout.String())
	}
	stderr.Reset()
	if code := exitCode(run(context.Background(), []string{"frobnicate"}, noEnv, nil, &stdout, &stderr), &stderr); code != 2 || !strings.Contains(stderr.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command = exit %d %q", code, stderr.String())
	}
	stdout.Reset()
	if code := exitCode(run(context.Background(), []string{"version"}, noEnv, nil, &stdout, &stderr), &stderr); code != 0 || !strings.Contains(stdout.String(), fmt.Sprintf("database schema %d", db.SchemaVersion())) {
		t.Errorf("version = exit %d %q", code, stdout.String())
	}
}

func TestUserAddAndTokenCreate(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"user", "add", "--data", dataDir, "--email", "admin@example.org", "--name", "Ada Admin", "--role", "admin,coordinator", "--password-stdin"},
		noEnv, strings.NewReader("a long enough passphrase\n"), &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 0 || !strings.Contains(stdout.String(), "Created user 1, Ada Admin <admin@example.org>, roles coordinator,admin.") {
		t.Fatalf("user add = exit %d %q %q", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	err = run(ctx, []string{"user", "add", "--data", dataDir, "--email", "fay@example.org", "--name", "Fay", "--base-url", "https://praxis.example.org"}, noEnv, strings.NewReader(""), &stdout, &stderr)
	if exitCode(err, &stderr) != 0 || !strings.Contains(stdout.String(), "https://praxis.example.org/reset/") {
		t.Fatalf("user add without password = %v %q", err, stdout.String())
	}
	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"user", "add", "--data", dataDir, "--email", "ADMIN@example.org", "--name", "Dup"}, "", "there is already an account with the email ADMIN@example.org"},
		{[]string{"user", "add", "--data", dataDir, "--email", "x@example.org", "--name", "X", "--role", "boss"}, "", `unknown role "boss"`},
		{[]string{"user", "add", "--data", dataDir, "--email", "x@example.org"}, "", "give both --email and --name"},
		{[]string{"user", "add", "--data", dataDir, "--email", "x@example.org", "--name", "X", "--password-stdin"}, "", "standard input holds no password"},
		{[]string{"user", "add", "--data", dataDir, "--email", "x@example.org", "--name", "X", "--password-stdin"}, "short\n", "at least 10 characters"},
		{[]string{"token", "create", "--data", dataDir, "--email", "nobody@example.org"}, "", "there is no account with the email nobody@example.org"},
	} {
		stderr.Reset()
		err := run(ctx, tc.args, noEnv, strings.NewReader(tc.stdin), io.Discard, &stderr)
		if code := exitCode(err, &stderr); code != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v = exit %d %q, want 1 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}

	stdout.Reset()
	err = run(ctx, []string{"token", "create", "--data", dataDir, "--email", "admin@example.org"}, noEnv, nil, &stdout, &stderr)
	token := stdout.String()
	if exitCode(err, &stderr) != 0 || !strings.HasPrefix(token, "praxis_") || strings.Count(token, "\n") != 1 || strings.Contains(strings.TrimSpace(token), " ") {
		t.Fatalf("token create printed %q, want the token alone", token)
	}

	// The token works against a running praxis.
	url, stop := startServe(t, dataDir)
	defer stop()
	req, _ := http.NewRequest(http.MethodGet, url+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var me struct {
		Email string
		Roles []string
	}
	json.NewDecoder(res.Body).Decode(&me)
	if res.StatusCode != 200 || me.Email != "admin@example.org" || len(me.Roles) != 2 {
		t.Fatalf("/api/v1/me with the CLI token = %d %+v", res.StatusCode, me)
	}
}

func TestDemoFillsAFreshInstanceOnly(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"demo", "--data", dataDir, "--facilitators", "40", "--deliveries", "600", "--seed", "3"}, noEnv, strings.NewReader(""), &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 0 || !strings.Contains(stdout.String(), "Added 40 facilitators and 600 deliveries") {
		t.Fatalf("demo = exit %d %q %q", code, stdout.String(), stderr.String())
	}
	a, err := openApp(ctx, dataDir, slog.New(slog.DiscardHandler), options{})
	if err != nil {
		t.Fatal(err)
	}
	coordinator := &praxis.User{ID: 1, Roles: []praxis.Role{praxis.RoleCoordinator}, Status: praxis.StatusActive}
	report, err := a.delivery.Report(ctx, coordinator, delivery.Filter{}, []string{"region", "module"})
	a.close()
	if err != nil {
		t.Fatal(err)
	}
	if report.Totals.Deliveries != 600 || report.Totals.Regions < 8 || len(report.Table("module").Groups) != 13 {
		t.Errorf("demo network: %+v, %d modules", report.Totals, len(report.Table("module").Groups))
	}
	// A second run adds more; a real account makes it refuse without --force.
	if err := run(ctx, []string{"demo", "--data", dataDir, "--facilitators", "5", "--deliveries", "10"}, noEnv, strings.NewReader(""), io.Discard, &stderr); exitCode(err, &stderr) != 0 {
		t.Fatalf("second demo run: %q", stderr.String())
	}
	run(ctx, []string{"user", "add", "--data", dataDir, "--email", "real@example.org", "--name", "Real Person"}, noEnv, strings.NewReader(""), io.Discard, io.Discard)
	stderr.Reset()
	err = run(ctx, []string{"demo", "--data", dataDir, "--deliveries", "10"}, noEnv, strings.NewReader(""), io.Discard, &stderr)
	if code := exitCode(err, &stderr); code != 1 || !strings.Contains(stderr.String(), "1 real account(s)") {
		t.Errorf("demo over real accounts = exit %d %q", code, stderr.String())
	}
	if err := run(ctx, []string{"demo", "--data", dataDir, "--deliveries", "10", "--facilitators", "2", "--force"}, noEnv, strings.NewReader(""), io.Discard, &stderr); exitCode(err, &stderr) != 0 {
		t.Errorf("demo --force: %q", stderr.String())
	}
}

func TestCurriculumFromAndSync(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	// An upstream praxis, whose curriculum another organisation starts from.
	upstreamDir := filepath.Join(t.TempDir(), "upstream")
	up, err := openApp(ctx, upstreamDir, quiet, options{})
	if err != nil {
		t.Fatal(err)
	}
	upMain, _ := up.store.Branch(ctx, "main")
	up.close()
	source := filepath.Join(upstreamDir, repositoryDir)

	dataDir := filepath.Join(t.TempDir(), "fork")
	a, err := openApp(ctx, dataDir, quiet, options{curriculumFrom: source})
	if err != nil {
		t.Fatal(err)
	}
	if main, _ := a.store.Branch(ctx, "main"); main != upMain {
		t.Errorf("cloned main %s, upstream %s", main, upMain)
	}
	a.close()
	run(ctx, []string{"user", "add", "--data", dataDir, "--email", "admin@example.org", "--name", "Ada", "--role", "admin"}, noEnv, strings.NewReader(""), io.Discard, io.Discard)

	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"sync", "--data", dataDir, "--from", source}, noEnv, strings.NewReader(""), &stdout, &stderr); exitCode(err, &stderr) != 0 || !strings.Contains(stdout.String(), "Up to date") {
		t.Fatalf("sync with nothing new: %q %q", stdout.String(), stderr.String())
	}
	// Upstream improves a module; sync brings it in as a proposal.
	up, err = openApp(ctx, upstreamDir, quiet, options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up.store.WriteCommit(ctx, gitstore.CommitRequest{Branch: "main", Expected: upMain,
		Changes: []praxis.FileChange{{Path: "modules/exploring-class-2-stigma/handouts/upstream.md", Content: []byte("# From upstream\n")}},
		Message: "Add a handout upstream", Author: praxis.Signature{Name: "Upstream"}}); err != nil {
		t.Fatal(err)
	}
	up.close()
	stdout.Reset()
	if err := run(ctx, []string{"sync", "--data", dataDir, "--from", source}, noEnv, strings.NewReader(""), &stdout, &stderr); exitCode(err, &stderr) != 0 || !strings.Contains(stdout.String(), "Proposal 1") {
		t.Fatalf("sync: %q %q", stdout.String(), stderr.String())
	}
	a, err = openApp(ctx, dataDir, quiet, options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	view, err := a.review.Proposal(ctx, 1)
	if err != nil || !strings.Contains(view.Description, "Add a handout upstream") || len(view.Modules) != 1 {
		t.Errorf("sync proposal: %+v %v", view, err)
	}
	stderr.Reset()
	if err := run(ctx, []string{"sync", "--data", dataDir, "--from", filepath.Join(t.TempDir(), "nowhere")}, noEnv, strings.NewReader(""), io.Discard, &stderr); exitCode(err, &stderr) != 1 || !strings.Contains(stderr.String(), "cannot fetch main") {
		t.Errorf("sync from nowhere: %q", stderr.String())
	}
}

func TestServeClonesOverGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	base, stop := startServe(t, filepath.Join(t.TempDir(), "data"))
	defer stop()
	dir := filepath.Join(t.TempDir(), "clone")
	cmd := exec.Command("git", "clone", base+"/curriculum.git", dir)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone through praxis serve: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "modules", "exploring-class-2-stigma", "module.md")); err != nil {
		t.Errorf("the clone lacks a module: %v", err)
	}
	if status, body := getBody(t, base+"/modules/exploring-class-2-stigma"); status != 200 || !strings.Contains(body, base+"/curriculum.git") {
		t.Errorf("the module page does not show the clone URL (%d)", status)
	}
}

func TestBackupAndRestoreCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"demo", "--data", dataDir, "--facilitators", "10", "--deliveries", "50"}, noEnv, strings.NewReader(""), io.Discard, &stderr); exitCode(err, &stderr) != 0 {
		t.Fatalf("demo: %q", stderr.String())
	}
	out := filepath.Join(t.TempDir(), "praxis.tar.gz")
	if err := run(ctx, []string{"backup", "--data", dataDir, "--out", out}, noEnv, strings.NewReader(""), &stdout, &stderr); exitCode(err, &stderr) != 0 || !strings.Contains(stdout.String(), "Backed up") {
		t.Fatalf("backup: %q %q", stdout.String(), stderr.String())
	}
	target := filepath.Join(t.TempDir(), "restored")
	stdout.Reset()
	if err := run(ctx, []string{"restore", "--from", out, "--data", target}, noEnv, strings.NewReader(""), &stdout, &stderr); exitCode(err, &stderr) != 0 || !strings.Contains(stdout.String(), "Restored") {
		t.Fatalf("restore: %q %q", stdout.String(), stderr.String())
	}
	a, err := openApp(ctx, target, slog.New(slog.DiscardHandler), options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := a.delivery.Stats().Count(ctx)
	a.close()
	if err != nil || n != 50 {
		t.Errorf("restored %d deliveries, %v", n, err)
	}
	stderr.Reset()
	if err := run(ctx, []string{"restore", "--from", out, "--data", target}, noEnv, strings.NewReader(""), io.Discard, &stderr); exitCode(err, &stderr) != 1 || !strings.Contains(stderr.String(), "not empty") {
		t.Errorf("restore over data: %q", stderr.String())
	}
}
