package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHistoryNamesTheAccountNotTheGitAuthor: a facilitator pushes a commit
// whose git author is a maintainer's name and email; after the merge, the
// history (page and API), /changes and the home page name the facilitator's
// account as the one who pushed it and mark the git author as someone else.
// Commits saved through praxis name their account plainly; the seed, which
// no account made, shows its git author marked as not a praxis account.
func TestHistoryNamesTheAccountNotTheGitAuthor(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	token := func(email, name, role string) string {
		t.Helper()
		var stderr bytes.Buffer
		if err := run(ctx, []string{"user", "add", "--data", dataDir, "--email", email, "--name", name, "--role", role, "--password-stdin"},
			noEnv, strings.NewReader("a long enough passphrase\n"), io.Discard, &stderr); exitCode(err, &stderr) != 0 {
			t.Fatalf("user add %s: %s", email, stderr.String())
		}
		var stdout bytes.Buffer
		if err := run(ctx, []string{"token", "create", "--data", dataDir, "--email", email}, noEnv, nil, &stdout, &stderr); exitCode(err, &stderr) != 0 {
			t.Fatalf("token create %s: %s", email, stderr.String())
		}
		return strings.TrimSpace(stdout.String())
	}
	fay := token("fay@example.org", "Fay Facilitator", "facilitator")
	maya := token("maya@example.org", "Maya Maintainer", "maintainer")
	base, stop := startServe(t, dataDir)
	defer stop()

	api := func(method, path, tok string, body any) (int, map[string]any) {
		t.Helper()
		var reader io.Reader
		if body != nil {
			data, _ := json.Marshal(body)
			reader = bytes.NewReader(data)
		}
		req, _ := http.NewRequest(method, base+path, reader)
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	merge := func(id int) string {
		t.Helper()
		if status, r := api("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", id), maya, map[string]string{"verdict": "approve"}); status != 201 {
			t.Fatalf("approve %d = %d %v", id, status, r)
		}
		status, m := api("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", id), maya, nil)
		if status != 200 {
			t.Fatalf("merge %d = %d %v", id, status, m)
		}
		return m["commit"].(string)
	}
	const slug = "exploring-class-2-stigma"

	// The facilitator pushes a commit "by" the maintainer.
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir(),
			"GIT_AUTHOR_NAME=Maya Maintainer", "GIT_AUTHOR_EMAIL=maya@example.org",
			"GIT_COMMITTER_NAME=Maya Maintainer", "GIT_COMMITTER_EMAIL=maya@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	remote, _ := url.Parse(base + "/curriculum.git")
	remote.User = url.UserPassword("fay@example.org", fay)
	dir := filepath.Join(t.TempDir(), "clone")
	git("", "clone", "--quiet", remote.String(), dir)
	plan := filepath.Join(dir, "modules", slug, "module.md")
	src, _ := os.ReadFile(plan)
	os.WriteFile(plan, append(src, "\nA line the maintainer never wrote.\n"...), 0o644)
	git(dir, "commit", "--quiet", "-am", "Approved by the maintainer, honest")
	pushed := git(dir, "rev-parse", "HEAD")
	git(dir, "push", "--quiet", "origin", "HEAD:refs/heads/proposals/1/sneaky")
	status, list := api("GET", "/api/v1/proposals?status=open", "", nil)
	proposals, _ := list["proposals"].([]any)
	if status != 200 || len(proposals) != 1 {
		t.Fatalf("proposals after the push = %d %v", status, list)
	}
	pushedProposal := int(proposals[0].(map[string]any)["id"].(float64))
	// The maintainer reviewing it sees who pushed it, not only the name typed.
	if status, body := getBody(t, fmt.Sprintf("%s/proposals/%d", base, pushedProposal)); status != 200 ||
		!strings.Contains(body, `<span class="by">Pushed by Fay Facilitator</span><span class="git-author">; git author: “Maya Maintainer”</span>`) {
		t.Errorf("the proposal page (%d) does not name the account that pushed its commit", status)
	}
	merge(pushedProposal)

	// The facilitator also saves a change through praxis.
	status, p := api("POST", "/api/v1/proposals", fay, map[string]any{"module": slug, "title": "A saved change",
		"changes": []map[string]string{{"path": "module.md", "content": string(src) + "\nA line saved in the browser.\n"}}})
	if status != 201 {
		t.Fatalf("proposal = %d %v", status, p)
	}
	saved := p["head"].(string)
	merge(int(p["id"].(float64)))

	// The history API names the account and flags the differing git author.
	status, hist := api("GET", "/api/v1/modules/"+slug+"/history?limit=10", "", nil)
	commits, _ := hist["commits"].([]any)
	if status != 200 {
		t.Fatalf("history = %d %v", status, hist)
	}
	byID := map[string]map[string]any{}
	for _, c := range commits {
		m := c.(map[string]any)
		byID[m["commit"].(string)] = m
	}
	account := func(id string) map[string]any {
		m, _ := byID[id]["account"].(map[string]any)
		return m
	}
	if c, a := byID[pushed], account(pushed); c == nil || a == nil || a["id"] != 1.0 || a["name"] != "Fay Facilitator" || a["action"] != "pushed" ||
		c["author"] != "Maya Maintainer" || c["author_differs"] != true {
		t.Errorf("the pushed commit in the history API = %v", c)
	}
	if c, a := byID[saved], account(saved); c == nil || a == nil || a["name"] != "Fay Facilitator" || a["action"] != "saved" || c["author_differs"] != false {
		t.Errorf("the saved commit in the history API = %v", c)
	}
	for id, c := range byID {
		if c["account"] == nil && id != pushed && id != saved && !strings.Contains(c["message"].(string), "Start the curriculum") {
			t.Errorf("commit %s has no account: %v", id, c)
		}
	}

	// The pages say the same in words.
	wantPushed := `<span class="by">Pushed by Fay Facilitator</span><span class="git-author">; git author: “Maya Maintainer”</span>`
	for _, page := range []string{"/modules/" + slug + "/history", "/changes"} {
		status, body := getBody(t, base+page)
		if status != 200 || !strings.Contains(body, wantPushed) || !strings.Contains(body, `<span class="by">Saved by Fay Facilitator</span> · `) {
			t.Errorf("%s (%d) does not name the facilitator's account and the differing git author", page, status)
		}
	}
	_, changes := getBody(t, base+"/changes")
	if !strings.Contains(changes, `<span class="by">Merged by Maya Maintainer</span> · `) || !strings.Contains(changes, `praxis <span class="git-author">(git author, not a praxis account)</span>`) {
		t.Errorf("/changes does not name the merger, or does not mark the seed's git author")
	}
	if _, home := getBody(t, base+"/"); !strings.Contains(home, `<span class="by">Merged by Maya Maintainer</span>`) {
		t.Errorf("the home page's recent changes do not name the merger")
	}

	// A release names the account that cut it.
	if status, r := api("POST", "/api/v1/releases", maya, map[string]string{"name": "v2026.12", "notes": "First."}); status != 201 {
		t.Fatalf("release = %d %v", status, r)
	}
	_, rel := api("GET", "/api/v1/releases", "", nil)
	releases, _ := rel["releases"].([]any)
	if len(releases) != 1 {
		t.Fatalf("releases = %v", rel)
	}
	if a, _ := releases[0].(map[string]any)["account"].(map[string]any); a == nil || a["name"] != "Maya Maintainer" || a["action"] != "released" {
		t.Errorf("the release's account = %v", releases[0])
	}
}
