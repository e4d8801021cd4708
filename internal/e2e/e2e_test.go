// Package e2e drives a real headless Chromium against a real praxis: the
// binary is built once (testenv.BuildPraxis), each test starts `praxis serve` on a free port with its
// own data directory, and the journeys of the four kinds of user run through
// the browser, with accessibility, keyboard and security checks on the way.
//
// The tests need Chromium (or Chrome). Without one they are skipped, except
// when the environment variable CI is set: there they fail, because .ci/run
// installs the chromium package. PRAXIS_SCREENSHOTS=1 writes the screenshots
// of key pages to docs/screenshots/ instead of a temporary directory.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// password is the password of every account the tests create.
const password = "a long enough passphrase"

// suite holds what TestMain prepares once for every test.
var suite struct {
	root     string          // the module root, where go.mod is
	praxis   string          // the praxis binary built for this run
	chromium string          // the browser's executable; empty when none was found
	browser  context.Context // a running Chromium; tests open tabs in it
}

// TestMain builds praxis and starts the browser once for every test.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests builds praxis and starts Chromium, runs the tests, and cleans up.
// Without a browser it builds nothing: every test then skips or fails in
// needBrowser.
func runTests(m *testing.M) int {
	defer testenv.InMemoryTempDir()()
	suite.chromium = findChromium()
	if suite.chromium == "" {
		return m.Run()
	}
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	suite.root = root
	bin, err := os.MkdirTemp("", "praxis-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(bin)
	if suite.praxis, err = testenv.BuildPraxis(bin); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(suite.chromium),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browserCtx); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: start %s: %v\n", suite.chromium, err)
		return 1
	}
	suite.browser = browserCtx
	return m.Run()
}

// findChromium returns the path of a Chromium or Chrome executable, or "".
func findChromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// moduleRoot walks up from the working directory to the folder with go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// needBrowser skips the test when there is no browser, or fails it on CI.
func needBrowser(t *testing.T) {
	t.Helper()
	if suite.chromium != "" {
		return
	}
	const msg = "no Chromium: .ci/run installs the chromium package (or install chromium, chromium-browser or google-chrome)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// server is one praxis instance with its own data directory.
type server struct {
	t    *testing.T
	dir  string
	URL  string
	logs *lockedBuffer
	// flags are more flags for serve.
	flags []string
}

// newServer makes a data directory for a praxis that start then serves. Run
// commands that must come before serving, such as demo, in between.
func newServer(t *testing.T) *server {
	t.Helper()
	needBrowser(t)
	return &server{t: t, dir: t.TempDir(), logs: &lockedBuffer{}}
}

// cli runs a praxis command against the data directory with stdin as its
// input, and returns its standard output.
func (s *server) cli(stdin string, args ...string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, suite.praxis, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("praxis %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// account is a person the tests sign in as.
type account struct {
	Email string
	Name  string
}

// addUser creates an active account with the shared password.
func (s *server) addUser(email, name, roles string) account {
	s.t.Helper()
	out := s.cli(password+"\n", "user", "add", "--data", s.dir, "--email", email, "--name", name, "--role", roles, "--password-stdin")
	if !strings.HasPrefix(out, "Created user ") {
		s.t.Fatalf("praxis user add printed %q, want \"Created user N, ...\"", out)
	}
	return account{Email: email, Name: name}
}

// token creates an API token for the account with this email.
func (s *server) token(email string) string {
	s.t.Helper()
	tok := strings.TrimSpace(s.cli("", "token", "create", "--data", s.dir, "--email", email))
	if !strings.HasPrefix(tok, "praxis_") {
		s.t.Fatalf("praxis token create printed %q, want a praxis_ token", tok)
	}
	return tok
}

// start runs `praxis serve` on a free port and waits until it listens. The
// server gets SIGTERM when the test ends; its log is printed if the test failed.
func (s *server) start() {
	s.t.Helper()
	cmd := exec.Command(suite.praxis, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", s.dir}, s.flags...)...)
	cmd.Stderr = s.logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	exited := make(chan error, 1)
	urls := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if url, ok := strings.CutPrefix(scanner.Text(), "praxis listening on "); ok {
				urls <- url
			}
		}
		exited <- cmd.Wait()
	}()
	s.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				s.t.Errorf("praxis serve ended with %v after SIGTERM, want a clean exit", err)
			}
		case <-time.After(25 * time.Second):
			_ = cmd.Process.Kill()
			s.t.Error("praxis serve did not stop within 25s of SIGTERM")
		}
		if s.t.Failed() {
			s.t.Logf("praxis serve log (last lines):\n%s", s.logs.tail(40))
		}
	})
	select {
	case s.URL = <-urls:
	case err := <-exited:
		s.t.Fatalf("praxis serve exited before listening: %v\n%s", err, s.logs.tail(20))
	case <-time.After(30 * time.Second):
		s.t.Fatalf("praxis serve did not print its address within 30s\n%s", s.logs.tail(20))
	}
}

// api sends a JSON request with a bearer token and decodes the answer into
// out (when not nil). It fails the test unless the status is want.
func (s *server) api(token, method, path string, body, out any, want int) {
	s.t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, reader)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if res.StatusCode != want {
		s.t.Fatalf("%s %s = %d %s, want %d", method, path, res.StatusCode, data, want)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

// get fetches a page or file anonymously and fails the test unless it
// answers 200.
func (s *server) get(path string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", s.URL+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if res.StatusCode != 200 {
		s.t.Fatalf("GET %s = %d %s, want 200", path, res.StatusCode, data)
	}
	return string(data)
}

// lockedBuffer collects a subprocess's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// tail returns the last n lines written.
func (b *lockedBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := strings.Split(strings.TrimRight(b.buf.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// screenshotDir is where screenshots go: docs/screenshots/ with
// PRAXIS_SCREENSHOTS=1, a temporary directory otherwise.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if os.Getenv("PRAXIS_SCREENSHOTS") != "1" {
		return t.TempDir()
	}
	dir := filepath.Join(suite.root, "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
