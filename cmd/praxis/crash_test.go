package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// TestMain lets the test binary run as praxis itself, so the crash drill can
// start praxis as a separate process and kill it without building anything;
// otherwise it runs the tests under testenv.Main.
func TestMain(m *testing.M) {
	if os.Getenv("PRAXIS_TEST_RUN_AS_PRAXIS") == "1" {
		main()
		return
	}
	testenv.Main(m)
}

// child is praxis serve running as a separate process.
type child struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
}

func startChild(t *testing.T, dataDir string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "PRAXIS_TEST_RUN_AS_PRAXIS=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, logs: &syncBuffer{}}
	cmd.Stderr = c.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "praxis listening on "); ok {
				urls <- u
			}
		}
	}()
	select {
	case c.base = <-urls:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("praxis did not start:\n%s", c.logs.String())
	}
	return c
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	c.cmd.Wait()
}

// acked records the writes praxis acknowledged with a success status.
type acked struct {
	mu         sync.Mutex
	deliveries []int64
	forkHeads  []string // heads of fork commits acknowledged
	merges     []string
	signups    []string
	refused    []string // deliveries refused while praxis ran
}

func (a *acked) add(list *[]string, v string) {
	a.mu.Lock()
	*list = append(*list, v)
	a.mu.Unlock()
}

// TestCrashDrill kills praxis with SIGKILL in the middle of a burst of
// concurrent writes (deliveries, edits, merges, sign-ups), restarts it, and
// checks that every acknowledged write is there, git fsck --strict and SQLite's
// integrity check are clean, and the history index covers main.
// It runs three times with different kill points.
func TestCrashDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash drill starts praxis six times")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	for round, killAfter := range []time.Duration{400 * time.Millisecond, 900 * time.Millisecond, 1600 * time.Millisecond} {
		t.Run(fmt.Sprintf("kill after %s", killAfter), func(t *testing.T) {
			crashRound(t, int64(round), killAfter)
		})
	}
}

func crashRound(t *testing.T, seed int64, killAfter time.Duration) {
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	tokens := map[string]string{}
	for _, u := range []struct{ email, role string }{
		{"fay@example.org", "facilitator"}, {"max@example.org", "maintainer"}, {"cora@example.org", "coordinator,admin"},
	} {
		if err := run(ctx, []string{"user", "add", "--data", dataDir, "--email", u.email, "--name", u.email, "--role", u.role},
			noEnv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := run(ctx, []string{"token", "create", "--data", dataDir, "--email", u.email}, noEnv, strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		tokens[u.email] = strings.TrimSpace(out.String())
	}
	p := startChild(t, dataDir)
	// Open signing up to anyone, so sign-ups are real writes.
	if code, _ := apiDo(p.base, http.MethodGet, "/api/v1/me", tokens["cora@example.org"], nil); code != 200 {
		t.Fatalf("praxis not answering: %d", code)
	}
	var ack acked
	stop := make(chan struct{})
	var wg sync.WaitGroup
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	worker := func(fn func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				fn(i)
			}
		}()
	}
	fay, max := tokens["fay@example.org"], tokens["max@example.org"]
	for w := range 3 {
		worker(func(i int) { // deliveries
			code, body := apiDo(p.base, http.MethodPost, "/api/v1/deliveries", fay, map[string]any{
				"module": "exploring-class-2-stigma", "date": "2026-06-01", "duration": 120, "format": "online",
				"country": "GB", "host_type": "union branch", "participants": 10 + w, "first_time": i % 5})
			ack.mu.Lock()
			switch code {
			case http.StatusCreated:
				ack.deliveries = append(ack.deliveries, int64(body["id"].(float64)))
			case http.StatusNotFound, http.StatusUnprocessableEntity:
				// The version on main is found whatever is merging: a
				// refusal here is the history index lagging behind main.
				ack.refused = append(ack.refused, fmt.Sprint(code, " ", body["error"]))
			}
			ack.mu.Unlock()
		})
	}
	_, fork := apiDo(p.base, http.MethodPost, "/api/v1/modules/organising-1-one-to-ones/forks", fay, nil)
	forkID, forkBranch, head := fork["id"], fork["branch"], fork["head"]
	worker(func(i int) { // edits to a fork, each on the last acknowledged head
		code, body := apiDo(p.base, http.MethodPut, fmt.Sprintf("/api/v1/forks/%v/files/handouts/note-%d.md", forkID, i), fay,
			map[string]any{"content": fmt.Sprintf("# Note %d\n", i), "base": head, "message": fmt.Sprint("note ", i)})
		if code == http.StatusOK {
			head = body["head"]
			ack.add(&ack.forkHeads, head.(string))
		}
	})
	worker(func(i int) { // proposals approved and merged
		code, prop := apiDo(p.base, http.MethodPost, "/api/v1/proposals", fay, map[string]any{"module": "organising-2-power-mapping",
			"title": fmt.Sprint("Merge ", i), "changes": []map[string]any{{"path": fmt.Sprintf("handouts/merged-%d-%d.md", seed, i), "content": "# Merged\n"}}})
		if code != http.StatusCreated {
			return
		}
		id := prop["id"]
		if code, _ := apiDo(p.base, http.MethodPost, fmt.Sprintf("/api/v1/proposals/%v/reviews", id), max, map[string]any{"verdict": "approve"}); code >= 300 {
			return
		}
		if code, merged := apiDo(p.base, http.MethodPost, fmt.Sprintf("/api/v1/proposals/%v/merge", id), max, nil); code == http.StatusOK {
			ack.add(&ack.merges, merged["commit"].(string))
		}
	})
	worker(func(i int) { // sign-ups through the browser form
		email := fmt.Sprintf("new-%d-%d-%d@example.org", seed, r.IntN(1<<30), i)
		if signUp(p.base, email) {
			ack.add(&ack.signups, email)
		}
	})
	// The kill point counts from the first acknowledged edit, so that a slow
	// machine (or the race detector) still kills mid-burst, not before it.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		ack.mu.Lock()
		started := len(ack.forkHeads) > 0 && len(ack.deliveries) > 0
		ack.mu.Unlock()
		if started {
			break
		}
	}
	time.Sleep(killAfter)
	p.kill()
	close(stop)
	wg.Wait()
	if len(ack.deliveries) == 0 || len(ack.forkHeads) == 0 { // within 30 s: praxis is not writing
		t.Fatalf("the burst acknowledged nothing before the kill (%d deliveries, %d edits)", len(ack.deliveries), len(ack.forkHeads))
	}
	if len(ack.refused) > 0 {
		t.Errorf("%d of %d deliveries were refused during the burst; first: %s", len(ack.refused), len(ack.refused)+len(ack.deliveries), ack.refused[0])
	}

	// Restart on the same data: everything acknowledged is there.
	p = startChild(t, dataDir)
	cora := tokens["cora@example.org"]
	for _, id := range ack.deliveries {
		if code, _ := apiDo(p.base, http.MethodGet, fmt.Sprintf("/api/v1/deliveries/%d", id), cora, nil); code != http.StatusOK {
			t.Errorf("acknowledged delivery %d lost (%d)", id, code)
		}
	}
	for _, email := range ack.signups {
		code, body := apiDo(p.base, http.MethodGet, "/api/v1/users?q="+url.QueryEscape(email), cora, nil)
		if code != http.StatusOK || body["total"] != 1.0 {
			t.Errorf("acknowledged sign-up %s lost", email)
		}
	}
	p.stop()
	repo := filepath.Join(dataDir, repositoryDir)
	git := func(args ...string) (string, error) {
		out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput()
		return string(out), err
	}
	for _, h := range ack.forkHeads {
		if out, err := git("merge-base", "--is-ancestor", h, fmt.Sprintf("refs/heads/%v", forkBranch)); err != nil {
			branches, _ := git("for-each-ref", "refs/heads/forks")
			t.Errorf("acknowledged fork edit %s is not on the fork: %v %s\n%s", h, err, out, branches)
			break
		}
	}
	for _, m := range ack.merges {
		if _, err := git("merge-base", "--is-ancestor", m, "main"); err != nil {
			t.Errorf("acknowledged merge %s is not on main", m)
		}
	}
	if out, err := git("fsck", "--strict"); err != nil {
		t.Errorf("git fsck --strict after the crash: %v\n%s", err, out)
	}
	database, err := db.Open(ctx, filepath.Join(dataDir, databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close()
	if ok, err := database.IntegrityCheck(ctx); err != nil || !ok {
		t.Errorf("SQLite integrity check after the crash: %v %v", ok, err)
	}
	out, err := git("rev-list", "main") // the history index covers main
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Fields(out)
	indexed, err := history.New(database).IndexedCommits(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !indexed[id] {
			t.Errorf("commit %s is in the repository but not in the history index", id)
			break
		}
	}
	t.Logf("acknowledged before the kill: %d deliveries, %d edits, %d merges, %d sign-ups; %d commits indexed",
		len(ack.deliveries), len(ack.forkHeads), len(ack.merges), len(ack.signups), len(ids))
}

// apiDo calls the JSON API with a token and decodes the answer. Connection
// errors (praxis killed) answer 0.
func apiDo(base, method, path, token string, body any) (int, map[string]any) {
	var reader io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		reader = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, base+path, reader)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signUp joins through the sign-up form as a browser would; true when praxis
// acknowledged it with its redirect.
func signUp(base, email string) bool {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/signup")
	if err != nil {
		return false
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindSubmatch(page)
	if m == nil {
		return false
	}
	form := url.Values{"csrf": {string(m[1])}, "email": {email}, "name": {"New Person"},
		"password": {"a long enough passphrase"}, "conduct": {"yes"}}
	res, err = client.PostForm(base+"/signup", form)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusSeeOther
}
