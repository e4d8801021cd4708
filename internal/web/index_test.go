package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// outsidePush commits a change to a module in a clone and pushes it straight
// into the bare repository's main with the real git binary, behind praxis's
// back (no hooks, no notification). It returns the new head of main.
func outsidePush(t *testing.T, repo, slug, line string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	home := t.TempDir()
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+home, "GIT_TERMINAL_PROMPT=0",
			"GIT_AUTHOR_NAME=Outside", "GIT_AUTHOR_EMAIL=outside@example.org", "GIT_COMMITTER_NAME=Outside", "GIT_COMMITTER_EMAIL=outside@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	dir := filepath.Join(t.TempDir(), "clone")
	git("", "clone", "--quiet", "file://"+repo, dir)
	plan := filepath.Join(dir, "modules", slug, "module.md")
	src, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plan, append(src, []byte("\n"+line+"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	git(dir, "commit", "--quiet", "-am", "Pushed behind praxis's back")
	git(dir, "push", "--quiet", "file://"+repo, "HEAD:refs/heads/main")
	return git(dir, "rev-parse", "HEAD")
}

// TestOutsidePushIsServedWithoutARestart pushes to main behind praxis's back;
// logging a delivery at the new head (the default version of today) and the
// module's history must work at once, not answer 404 until a restart.
func TestOutsidePushIsServedWithoutARestart(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	repo := a.repo
	head := outsidePush(t, repo, stigma, "A line pushed from outside.")

	today := time.Now().UTC().Format("2006-01-02")
	status, created := a.apiCall(http.MethodPost, "/api/v1/deliveries", a.tokens["facilitator"], deliveryJSON(map[string]any{"date": today}))
	if status != http.StatusCreated {
		t.Fatalf("log a delivery after an outside push = %d %v", status, created)
	}
	if created["version"] != head {
		t.Errorf("delivery version = %v, want the pushed head %s", created["version"], head)
	}

	res := a.browser().do(http.MethodGet, "/modules/"+stigma+"/history", nil)
	if res.status != http.StatusOK || !strings.Contains(res.body, "Pushed behind praxis") {
		t.Fatalf("history page after an outside push = %d\n%s", res.status, res.body)
	}
	status, hist := a.apiCall(http.MethodGet, "/api/v1/modules/"+stigma+"/history?limit=1", "", nil)
	commits, _ := hist["commits"].([]any)
	if status != http.StatusOK || len(commits) != 1 || commits[0].(map[string]any)["commit"] != head {
		t.Errorf("history API after an outside push = %d %v", status, hist)
	}

	// A version that is not on main is still refused plainly.
	status, body := a.apiCall(http.MethodPost, "/api/v1/deliveries", a.tokens["facilitator"], deliveryJSON(map[string]any{"version": strings.Repeat("ab", 20)}))
	if status != http.StatusUnprocessableEntity || body["field"] != "version" {
		t.Errorf("delivery at a version that does not exist = %d %v", status, body)
	}
}

// TestConcurrentMergesNeverHideMain merges proposals while readers open module
// histories and log deliveries at today's version: no reader may be told that
// a version on main does not exist while the index catches up with a merge.
func TestConcurrentMergesNeverHideMain(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac, maint := a.tokens["facilitator"], a.tokens["maintainer"]
	var list struct {
		Modules []struct{ Slug string }
	}
	if err := json.Unmarshal([]byte(a.browser().do(http.MethodGet, "/api/v1/modules", nil).body), &list); err != nil {
		t.Fatal(err)
	}
	var slugs []string
	var proposals []int
	admin := a.browser()
	admin.logIn("admin@example.org")
	for _, m := range list.Modules[:12] {
		page := admin.do(http.MethodGet, "/modules/"+m.Slug+"/suggest", nil)
		src := regexp.MustCompile(`(?s)<textarea id="f-content"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page.body)
		if src == nil {
			t.Fatalf("suggest page of %s (%d) has no editor", m.Slug, page.status)
		}
		plan := strings.TrimPrefix(htmlUnescape(src[1]), "\n") // a browser drops the text box's first line break
		status, p := a.apiCall(http.MethodPost, "/api/v1/proposals", fac, map[string]any{"module": m.Slug, "title": "A line for " + m.Slug,
			"changes": []map[string]string{{"path": "module.md", "content": plan + "\nOne more line.\n"}}})
		if status != http.StatusCreated {
			t.Fatalf("proposal on %s = %d %v", m.Slug, status, p)
		}
		id := int(p["id"].(float64))
		if status, r := a.apiCall(http.MethodPost, fmt.Sprintf("/api/v1/proposals/%d/reviews", id), maint, map[string]string{"verdict": "approve"}); status != http.StatusCreated {
			t.Fatalf("approve = %d %v", status, r)
		}
		slugs, proposals = append(slugs, m.Slug), append(proposals, id)
	}

	call := func(method, path, token string, body any) (int, string) {
		var reader io.Reader
		if body != nil {
			data, _ := json.Marshal(body)
			reader = bytes.NewReader(data)
		}
		req, _ := http.NewRequest(method, a.server.URL+path, reader)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(data)
	}

	today := time.Now().UTC().Format("2006-01-02")
	done := make(chan struct{})
	var readers sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	reads := 0
	for r := range 6 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				slug := slugs[(r+i)%len(slugs)]
				status, body := call(http.MethodGet, "/api/v1/modules/"+slug+"/history?limit=1", "", nil)
				if status != http.StatusOK {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("history of %s = %d %s", slug, status, body))
					mu.Unlock()
				}
				if i%4 == 0 {
					status, body = call(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(map[string]any{"module": slug, "date": today}))
					if status != http.StatusCreated {
						mu.Lock()
						failures = append(failures, fmt.Sprintf("delivery of %s = %d %s", slug, status, body))
						mu.Unlock()
					}
				}
				mu.Lock()
				reads++
				mu.Unlock()
			}
		}()
	}
	var mergers sync.WaitGroup
	for w := range 2 {
		mergers.Add(1)
		go func() {
			defer mergers.Done()
			for i := w; i < len(proposals); i += 2 {
				if status, body := call(http.MethodPost, fmt.Sprintf("/api/v1/proposals/%d/merge", proposals[i]), maint, nil); status != http.StatusOK {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("merge %d = %d %s", proposals[i], status, body))
					mu.Unlock()
				}
			}
		}()
	}
	mergers.Wait()
	close(done)
	readers.Wait()
	if len(failures) > 0 {
		t.Errorf("%d of %d reads or merges failed while merging; first: %s", len(failures), reads, failures[0])
	}
}
