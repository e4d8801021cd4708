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
	"slices"
	"strings"
	"testing"
	"time"
)

// renameWorld is a running praxis with a maintainer, a coordinator and a
// facilitator, talked to through the API and git as people would.
type renameWorld struct {
	t      *testing.T
	base   string
	tokens map[string]string
	ids    map[string]int64
}

// call makes an API request with a person's token, never following redirects.
func (w *renameWorld) call(method, path, who string, body any) (int, http.Header, map[string]any) {
	w.t.Helper()
	var reader io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		reader = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, w.base+path, reader)
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[who])
	}
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, res.Header, out
}

// must makes an API request that must answer want.
func (w *renameWorld) must(want int, method, path, who string, body any) map[string]any {
	w.t.Helper()
	status, _, out := w.call(method, path, who, body)
	if status != want {
		w.t.Fatalf("%s %s = %d %v, want %d", method, path, status, out, want)
	}
	return out
}

// git runs the git client with Alice's identity.
func (w *renameWorld) git(dir string, args ...string) string {
	w.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "HOME="+w.t.TempDir(),
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.org", "GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		w.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// mergeProposal has the maintainer approve a proposal's head and merge it.
func (w *renameWorld) mergeProposal(id int64) {
	w.t.Helper()
	p := w.must(200, "GET", fmt.Sprintf("/api/v1/proposals/%d", id), "", nil)
	if lint := p["lint"].([]any); len(lint) != 0 || p["mergeable"] != true {
		w.t.Fatalf("proposal %d: mergeable %v, lint %v, conflicts %v", id, p["mergeable"], lint, p["conflicts"])
	}
	w.must(201, "POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", id), "maya", map[string]any{"verdict": "approve", "body": "Yes"})
	w.must(200, "POST", fmt.Sprintf("/api/v1/proposals/%d/merge", id), "maya", map[string]any{"head": p["head"]})
}

// pushProposal pushes the clone's HEAD to a proposal branch of Alice's and
// returns the proposal it opened or updated.
func (w *renameWorld) pushProposal(clone, topic string) int64 {
	w.t.Helper()
	u, _ := url.Parse(w.base + "/curriculum.git")
	u.User = url.UserPassword("alice@example.org", w.tokens["alice"])
	branch := fmt.Sprintf("proposals/%d/%s", w.ids["alice"], topic)
	w.git(clone, "push", "--force", u.String(), "HEAD:refs/heads/"+branch)
	list := w.must(200, "GET", "/api/v1/proposals?status=open", "", nil)
	for _, p := range list["proposals"].([]any) {
		if p := p.(map[string]any); p["branch"] == branch {
			return int64(p["id"].(float64))
		}
	}
	w.t.Fatalf("no open proposal on %s", branch)
	return 0
}

// TestRenamesAndCopiesEndToEnd renames and copies modules through a proposal
// made and merged in the web app and through git (commits made with the git
// program, pushed to a proposal branch over /curriculum.git and merged), and
// checks what readers, facilitators and coordinators see, before and after a
// restart: the catalogue, the series, search, the old addresses (301), the
// history, deliveries and statistics, forks and proposals. A proposal's lint
// is `praxis lint` of the merged tree.
func TestRenamesAndCopiesEndToEnd(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	w := &renameWorld{t: t, tokens: map[string]string{}, ids: map[string]int64{}}
	for i, p := range []struct{ name, role string }{{"maya", "maintainer"}, {"cora", "coordinator"}, {"alice", "facilitator"}} {
		var stdout, stderr bytes.Buffer
		email := p.name + "@example.org"
		if err := run(ctx, []string{"user", "add", "--data", dataDir, "--email", email, "--name", p.name, "--role", p.role, "--password-stdin"},
			noEnv, strings.NewReader("a long enough passphrase\n"), io.Discard, &stderr); err != nil {
			t.Fatalf("user add: %v %s", err, stderr.String())
		}
		if err := run(ctx, []string{"token", "create", "--data", dataDir, "--email", email}, noEnv, nil, &stdout, &stderr); err != nil {
			t.Fatalf("token create: %v %s", err, stderr.String())
		}
		w.tokens[p.name], w.ids[p.name] = strings.TrimSpace(stdout.String()), int64(i+1)
	}
	base, stop := startServe(t, dataDir)
	w.base = base
	seed := w.must(200, "GET", "/api/v1/modules", "", nil)["version"].(string)

	const (
		stigma, renamed    = "exploring-class-2-stigma", "stigma-and-shame"
		meetings, moved    = "organising-6-meetings", "running-meetings"
		oneToOnes, copied  = "organising-1-one-to-ones", "one-to-ones-online"
		trainer, trainCopy = "train-the-trainer", "train-the-trainer-online"
	)
	// Before anything moves: a delivery, a fork and an open proposal.
	delivery := w.must(201, "POST", "/api/v1/deliveries", "alice", map[string]any{"module": stigma, "date": "2025-06-01", "duration": 150,
		"format": "in-person", "town": "Leeds", "region": "Yorkshire and the Humber", "country": "GB", "host": "Leeds tenants",
		"host_type": "community group", "participants": 12, "first_time": 4})
	fork := w.must(201, "POST", "/api/v1/modules/"+stigma+"/forks", "alice", nil)
	_, source := getBody(t, base+"/modules/"+stigma+"/plan.md")
	last := strings.LastIndex(source, "\n## ")
	edit := w.must(201, "POST", "/api/v1/proposals", "alice", map[string]any{"module": stigma, "title": "A closing round",
		"changes": []map[string]any{{"path": "module.md", "content": source[:last] + "\nA closing round before the last part.\n" + source[last:]}}})

	// Through the web app: a proposal to give stigma a new address, merged.
	move := w.must(201, "POST", "/api/v1/proposals", "alice", map[string]any{"module": stigma, "move_to": renamed, "title": "A clearer address"})
	w.mergeProposal(int64(move["id"].(float64)))
	w.mergeProposal(int64(edit["id"].(float64))) // opened before the move: it lands in the moved folder

	// Through git: a move (with its series), and a copy of a module in a
	// series, which praxis lint faults until the copy leaves the series.
	clone := filepath.Join(t.TempDir(), "clone")
	w.git("", "clone", "--quiet", base+"/curriculum.git", clone)
	w.git(clone, "mv", "modules/"+meetings, "modules/"+moved)
	seriesFile := filepath.Join(clone, "series", "organising-fundamentals.yaml")
	series, _ := os.ReadFile(seriesFile)
	os.WriteFile(seriesFile, bytes.Replace(series, []byte(meetings), []byte(moved), 1), 0o644)
	w.git(clone, "commit", "--quiet", "-am", "Rename the meetings workshop")
	w.mergeProposal(w.pushProposal(clone, "rename-meetings"))

	w.git(clone, "fetch", "--quiet", "origin")
	w.git(clone, "checkout", "--quiet", "-B", "copy", "origin/main")
	if err := os.CopyFS(filepath.Join(clone, "modules", copied), os.DirFS(filepath.Join(clone, "modules", oneToOnes))); err != nil {
		t.Fatal(err)
	}
	w.git(clone, "add", "modules/"+copied)
	w.git(clone, "commit", "--quiet", "-m", "Copy the one-to-ones workshop for online groups")
	copyProposal := w.pushProposal(clone, "copy")
	p := w.must(200, "GET", fmt.Sprintf("/api/v1/proposals/%d", copyProposal), "", nil)
	var lint []string
	for _, problem := range p["lint"].([]any) {
		problem := problem.(map[string]any)
		at := problem["path"].(string)
		if line, ok := problem["line"].(float64); ok && line > 0 {
			at += fmt.Sprintf(":%d", int(line))
		}
		lint = append(lint, at+": "+problem["message"].(string))
	}
	// praxis lint on the tree git's own merge makes says the same.
	w.git(clone, "checkout", "--quiet", "-B", "merged", "origin/main")
	w.git(clone, "merge", "--quiet", "--no-edit", "copy")
	var stdout, stderr bytes.Buffer
	run(ctx, []string{"lint", clone}, noEnv, nil, &stdout, &stderr)
	want := strings.Split(strings.TrimSpace(strings.ReplaceAll(stdout.String(), clone+string(filepath.Separator), "")), "\n")
	if len(lint) == 0 || !slices.Equal(lint, want) {
		t.Fatalf("the copy's proposal lint = %q\npraxis lint of the merged tree = %q", lint, want)
	}
	if p["mergeable"] != false {
		t.Error("a proposal praxis lint faults is mergeable")
	}
	w.must(201, "POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", copyProposal), "maya", map[string]any{"verdict": "approve", "body": "Yes"})
	w.must(422, "POST", fmt.Sprintf("/api/v1/proposals/%d/merge", copyProposal), "maya", map[string]any{"head": p["head"]})
	// Alice takes the copy out of the series and pushes again.
	w.git(clone, "checkout", "--quiet", "copy")
	plan := filepath.Join(clone, "modules", copied, "module.md")
	data, _ := os.ReadFile(plan)
	var kept []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if !strings.HasPrefix(line, "series:") && !strings.HasPrefix(line, "order:") {
			kept = append(kept, line)
		}
	}
	os.WriteFile(plan, []byte(strings.Join(kept, "")), 0o644)
	w.git(clone, "commit", "--quiet", "-am", "The online copy stands alone")
	if again := w.pushProposal(clone, "copy"); again != copyProposal {
		t.Fatalf("the second push opened proposal %d, want %d updated", again, copyProposal)
	}
	w.mergeProposal(copyProposal)

	// Alice's fork takes the move in when she updates it.
	forkID := int64(fork["id"].(float64))
	w.must(200, "POST", fmt.Sprintf("/api/v1/forks/%d/update", forkID), "alice", nil)

	check := func(when string) {
		t.Helper()
		t.Run(when, func(t *testing.T) {
			w.t = t
			list := w.must(200, "GET", "/api/v1/modules", "", nil)
			var slugs []string
			for _, m := range list["modules"].([]any) {
				slugs = append(slugs, m.(map[string]any)["slug"].(string))
			}
			for _, slug := range []string{renamed, moved, copied, oneToOnes, trainer} {
				if !slices.Contains(slugs, slug) {
					t.Errorf("the catalogue lacks %s: %v", slug, slugs)
				}
			}
			if len(slugs) != 14 || slices.Contains(slugs, stigma) || slices.Contains(slugs, meetings) {
				t.Errorf("the catalogue = %v, want 14 without the old names", slugs)
			}
			for series, slug := range map[string]string{"exploring-class": renamed, "organising-fundamentals": moved} {
				s := w.must(200, "GET", "/api/v1/series/"+series, "", nil)["series"].(map[string]any)
				if modules := fmt.Sprint(s["modules"]); !strings.Contains(modules, slug) || len(s["modules"].([]any)) != 6 {
					t.Errorf("series %s = %v, want six with %s", series, modules, slug)
				}
			}
			for q, want := range map[string][]string{"stigma shame": {renamed}, "meetings": {moved}, "one-to-one conversations": {oneToOnes, copied}} {
				res := w.must(200, "GET", "/api/v1/search?q="+url.QueryEscape(q), "", nil)
				var found []string
				for _, r := range res["results"].([]any) {
					found = append(found, r.(map[string]any)["slug"].(string))
				}
				for _, slug := range want {
					if !slices.Contains(found, slug) {
						t.Errorf("search %q = %v, lacks %s", q, found, slug)
					}
				}
				if slices.Contains(found, stigma) || slices.Contains(found, meetings) {
					t.Errorf("search %q finds an old name: %v", q, found)
				}
			}
			for from, to := range map[string]string{
				"/modules/" + stigma:                       "/modules/" + renamed,
				"/modules/" + stigma + "/print":            "/modules/" + renamed + "/print",
				"/api/v1/modules/" + stigma:                "/api/v1/modules/" + renamed,
				"/modules/" + meetings + "/history":        "/modules/" + moved + "/history",
				"/api/v1/modules/" + meetings + "?rev=":    "/api/v1/modules/" + moved + "?rev=",
				"/modules/" + meetings + "/plan.pdf":       "/modules/" + moved + "/plan.pdf",
				"/api/v1/modules/" + meetings + "/history": "/api/v1/modules/" + moved + "/history",
			} {
				status, header, _ := w.call("GET", from, "", nil)
				if status != http.StatusMovedPermanently || header.Get("Location") != to {
					t.Errorf("GET %s = %d to %q, want 301 to %s", from, status, header.Get("Location"), to)
				}
			}
			history := w.must(200, "GET", "/api/v1/modules/"+renamed+"/history?limit=100", "", nil)["commits"].([]any)
			if n := len(history); n < 3 || history[n-1].(map[string]any)["commit"] != seed {
				t.Errorf("the history of %s = %d commits, not back to the seed", renamed, n)
			}
			deliveries := w.must(200, "GET", "/api/v1/deliveries?module="+renamed, "cora", nil)
			if deliveries["total"] != 1.0 || deliveries["deliveries"].([]any)[0].(map[string]any)["id"] != delivery["id"] {
				t.Errorf("deliveries of %s = %v", renamed, deliveries)
			}
			stats := w.must(200, "GET", "/api/v1/stats/deliveries?group_by=module&module="+renamed, "cora", nil)
			groups := stats["groups"].([]any)
			if stats["totals"].(map[string]any)["deliveries"] != 1.0 || len(groups) != 1 || groups[0].(map[string]any)["key"] != renamed {
				t.Errorf("statistics of %s = %v %v", renamed, stats["totals"], groups)
			}
			if f := w.must(200, "GET", fmt.Sprintf("/api/v1/forks/%d", forkID), "alice", nil); f["module"] != renamed {
				t.Errorf("the fork's module = %v, want %s", f["module"], renamed)
			}
			proposals := w.must(200, "GET", "/api/v1/proposals?status=merged&module="+renamed, "", nil)
			if proposals["total"] != 2.0 {
				t.Errorf("merged proposals of %s = %v, want the move and the edit made before it", renamed, proposals["total"])
			}
			if _, plan := getBody(t, w.base+"/modules/"+renamed+"/plan.md"); !strings.Contains(plan, "A closing round before the last part.") {
				t.Error("the edit proposed before the move did not land in the moved module")
			}
			w.t = t
		})
	}
	check("before a restart")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	w.base, stop = startServe(t, dataDir)
	defer stop()
	check("after a restart")
}
