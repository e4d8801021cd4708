package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// served is a praxis serving a drill's data directory after the crash, and
// what the checks learnt from it.
type served struct {
	base, dataDir string
	tokens        map[string]string
	// proposals as praxis lists them after the restart.
	proposals []proposalRow
}

// proposalRow is what the checks need of a proposal.
type proposalRow struct {
	id                           int64
	status, branch, head, merged string
}

// verify restarts praxis on the data directory, checks what it serves,
// stops it and checks what it stored. It returns every broken invariant.
func (d *drill) verify() []string {
	d.t.Helper()
	d.ack.mu.Lock()
	problems := slices.Clone(d.ack.problems)
	d.ack.mu.Unlock()
	d.p = startChild(d.t, d.dataDir)
	s := &served{base: d.p.base, dataDir: d.dataDir, tokens: d.tokens}
	problems = append(problems, s.check(&d.ack)...)
	d.p.stop()
	return append(problems, s.checkStored(&d.ack)...)
}

// check checks, with praxis running after the restart: every acknowledged
// delivery, sign-up, profile edit and PATCH is there (a write answered with
// an error changed nothing), no two PATCHes were given the same revision,
// and every version on main is found. It lists the proposals for
// checkStored.
func (s *served) check(ack *acked) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	cora := s.tokens["cora@example.org"]
	for _, id := range ack.deliveries {
		if code, _ := apiDo(s.base, http.MethodGet, fmt.Sprintf("/api/v1/deliveries/%d", id), cora, nil); code != http.StatusOK {
			fail("acknowledged delivery %d lost (%d)", id, code)
		}
	}
	for _, email := range ack.signups {
		code, body := apiDo(s.base, http.MethodGet, "/api/v1/users?q="+url.QueryEscape(email), cora, nil)
		if code != http.StatusOK || body["total"] != 1.0 {
			fail("acknowledged sign-up %s lost", email)
		}
	}
	if code, me := apiDo(s.base, http.MethodGet, "/api/v1/me", s.tokens["pat@example.org"], nil); code != http.StatusOK {
		fail("GET /api/v1/me = %d", code)
	} else if bio := fmt.Sprint(me["bio"]); !slices.Contains(ack.profile.allowed(), bio) {
		fail("the profile's bio is %q after %d acknowledged edits, want the last acknowledged (%q) or one sent after it that got no answer (%q)",
			bio, ack.profile.count, ack.profile.acked, ack.profile.unanswered)
	}
	if ack.patched != 0 {
		code, delivery := apiDo(s.base, http.MethodGet, fmt.Sprintf("/api/v1/deliveries/%d", ack.patched), cora, nil)
		if code != http.StatusOK {
			fail("the delivery PATCHed concurrently is gone (%d)", code)
		} else {
			for field, w := range ack.patches {
				if got := fmt.Sprint(delivery[field]); !slices.Contains(w.allowed(), got) {
					fail("PATCHed delivery: %s is %q after %d acknowledged PATCHes of it, want the last acknowledged (%q) or one sent after it that got no answer (%q)",
						field, got, w.count, w.acked, w.unanswered)
				}
			}
			seen := map[int64]bool{}
			for _, r := range ack.revisions {
				if seen[r] {
					fail("two acknowledged PATCHes of delivery %d were both given revision %d: one overwrote the other", ack.patched, r)
				}
				seen[r] = true
			}
			if n := int64(len(ack.revisions)); n > 0 {
				if got := int64(delivery["revision"].(float64)); got < slices.Max(ack.revisions) || got < n+1 {
					fail("PATCHed delivery: revision %v after %d acknowledged PATCHes (the highest acknowledged %d)", got, n, slices.Max(ack.revisions))
				}
			}
		}
	}
	// Every version on main is found, whether praxis, git pushed to it
	// behind praxis's back, or the crash cut indexing short.
	out, err := gitIn(filepath.Join(s.dataDir, repositoryDir), "rev-list", "main")
	if err != nil {
		fail("git rev-list main: %v %s", err, out)
	}
	for _, commit := range strings.Fields(out) {
		if code, body := apiDo(s.base, http.MethodGet, "/api/v1/modules/"+drillMerged+"?rev="+commit, "", nil); code != http.StatusOK {
			fail("the version %s of main is not found: GET /api/v1/modules/%s?rev= answered %d %v", commit, drillMerged, code, body["error"])
		}
	}
	s.proposals = nil
	for offset := 0; ; offset += 200 {
		code, body := apiDo(s.base, http.MethodGet, fmt.Sprintf("/api/v1/proposals?limit=200&offset=%d", offset), cora, nil)
		if code != http.StatusOK {
			fail("GET /api/v1/proposals = %d", code)
			break
		}
		list, _ := body["proposals"].([]any)
		for _, item := range list {
			p := item.(map[string]any)
			s.proposals = append(s.proposals, proposalRow{id: int64(p["id"].(float64)), status: fmt.Sprint(p["status"]),
				branch: fmt.Sprint(p["branch"]), head: fmt.Sprint(p["head"]), merged: fmt.Sprint(p["merge_commit"])})
		}
		if len(list) == 0 || offset+len(list) >= int(body["total"].(float64)) {
			break
		}
	}
	return problems
}

// checkStored checks the data directory with praxis stopped: acknowledged
// fork edits are on the fork, merges and commits pushed straight to main are
// on main, pushed commits are on their branches; proposals agree with the
// refs (an open one has its branch at its head, which main does not hold; a
// merged one's merge is on main), no proposal branch lacks a proposal and no
// open proposal lacks its branch; git fsck --strict and SQLite's integrity
// check are clean; and the history index covers main.
func (s *served) checkStored(ack *acked) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	repo := filepath.Join(s.dataDir, repositoryDir)
	reachable := func(ref string) map[string]bool {
		out, err := gitIn(repo, "rev-list", ref, "--")
		if err != nil {
			fail("git rev-list %s: %v %s", ref, err, out)
		}
		set := map[string]bool{}
		for _, id := range strings.Fields(out) {
			set[id] = true
		}
		return set
	}
	main := reachable("main")
	if ack.forkBranch != "" {
		fork := reachable("refs/heads/" + ack.forkBranch)
		for _, h := range ack.forkHeads {
			if !fork[h] {
				fail("acknowledged fork edit %s is not on the fork %s", h, ack.forkBranch)
			}
		}
	}
	for _, m := range ack.merges {
		if !main[m] {
			fail("acknowledged merge %s is not on main", m)
		}
	}
	for _, c := range ack.outside {
		if !main[c] {
			fail("commit %s, pushed with git straight into main, is not on main", c)
		}
	}
	branches := map[string]map[string]bool{}
	for _, p := range ack.pushes {
		if branches[p.branch] == nil {
			branches[p.branch] = reachable("refs/heads/" + p.branch)
		}
		if !branches[p.branch][p.commit] {
			fail("pushed commit %s (git push exited 0) is not on %s", p.commit, p.branch)
		}
	}

	out, err := gitIn(repo, "for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/heads/proposals")
	if err != nil {
		fail("git for-each-ref: %v %s", err, out)
	}
	refs := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if name, id, ok := strings.Cut(line, " "); ok {
			refs[name] = id
		}
	}
	proposed := map[string]bool{}
	for _, p := range s.proposals {
		proposed[p.branch] = true
		at, ok := refs[p.branch]
		switch p.status {
		case "open":
			switch {
			case !ok:
				fail("open proposal %d has no branch %s", p.id, p.branch)
			case at != p.head:
				fail("open proposal %d records head %s but its branch %s is at %s", p.id, p.head, p.branch, at)
			case main[p.head]:
				fail("open proposal %d: main holds its head %s, so it is merged", p.id, p.head)
			}
		case "merged":
			if !main[p.merged] || !main[p.head] {
				fail("merged proposal %d: main lacks its merge %s or its head %s", p.id, p.merged, p.head)
			}
		}
	}
	for name := range refs {
		if !proposed[name] {
			fail("branch %s has no proposal", name)
		}
	}

	if out, err := gitIn(repo, "fsck", "--strict"); err != nil {
		fail("git fsck --strict after the crash: %v\n%s", err, out)
	}
	ctx := context.Background()
	database, err := db.Open(ctx, filepath.Join(s.dataDir, databaseFile))
	if err != nil {
		return append(problems, fmt.Sprintf("open the database after the crash: %v", err))
	}
	defer database.Close()
	if ok, err := database.IntegrityCheck(ctx); err != nil || !ok {
		fail("SQLite integrity check after the crash: %v %v", ok, err)
	}
	ids := make([]string, 0, len(main))
	for id := range main {
		ids = append(ids, id)
	}
	indexed, err := history.New(database).IndexedCommits(ctx, ids)
	if err != nil {
		return append(problems, err.Error())
	}
	for _, id := range ids {
		if !indexed[id] {
			fail("commit %s is on main but not in the history index", id)
		}
	}
	return problems
}

// gitIn runs git in the repository at repo and returns its output.
func gitIn(repo string, args ...string) (string, error) {
	out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// clone copies the acknowledgements, so that a test may change a copy.
func (a *acked) clone() *acked {
	c := &acked{deliveries: slices.Clone(a.deliveries), forkBranch: a.forkBranch, forkHeads: slices.Clone(a.forkHeads),
		merges: slices.Clone(a.merges), signups: slices.Clone(a.signups), pushes: slices.Clone(a.pushes), outside: slices.Clone(a.outside),
		profile: a.profile, patched: a.patched, patches: map[string]*serialWrites{}, revisions: slices.Clone(a.revisions)}
	c.profile.unanswered = slices.Clone(a.profile.unanswered)
	for field, w := range a.patches {
		copied := *w
		copied.unanswered = slices.Clone(w.unanswered)
		c.patches[field] = &copied
	}
	return c
}

// TestDrillChecksCatchBrokenInvariants breaks, one at a time, each property
// the crash drill checks, in a data directory a short drill left (or in what
// the drill says was acknowledged), and expects the check to report it: a
// check that cannot fail would be no check.
func TestDrillChecksCatchBrokenInvariants(t *testing.T) {
	if testing.Short() {
		t.Skip("starts praxis three times")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	t.Parallel()
	// Each kind of write must have been acknowledged at least once to be
	// broken. On a busy machine (the race detector, other packages' tests) a
	// short burst may not get a push or a merge through, so a burst that
	// acknowledged too little is run again, longer, over fresh data.
	tooLittle := func(a *acked) bool {
		return len(a.merges) == 0 || len(a.pushes) == 0 || len(a.revisions) == 0 || a.profile.count == 0 || len(a.signups) == 0
	}
	var d *drill
	for burst := 1500 * time.Millisecond; ; burst *= 2 {
		d = newDrill(t, 99)
		d.burst(burst, false)
		if !tooLittle(&d.ack) {
			break
		}
		if burst >= 12*time.Second {
			t.Fatalf("the drill acknowledged too little to break in %v (%d merges, %d pushes, %d PATCHes, %d profile edits, %d sign-ups)",
				burst, len(d.ack.merges), len(d.ack.pushes), len(d.ack.revisions), d.ack.profile.count, len(d.ack.signups))
		}
	}
	d.p = startChild(t, d.dataDir)
	s := &served{base: d.p.base, dataDir: d.dataDir, tokens: d.tokens}
	if problems := s.check(&d.ack); len(problems) > 0 {
		t.Fatalf("the drill's data breaks invariants before the test breaks any: %q", problems)
	}
	fake := strings.Repeat("0123456789", 4)
	const lost = 987654

	// What praxis serves.
	for _, tc := range []struct {
		name, want string
		breakAck   func(*acked)
	}{
		{"a delivery lost", fmt.Sprintf("acknowledged delivery %d lost", lost), func(a *acked) { a.deliveries = append(a.deliveries, lost) }},
		{"a sign-up lost", "acknowledged sign-up nobody@example.org lost", func(a *acked) { a.signups = append(a.signups, "nobody@example.org") }},
		{"a profile edit lost", "the profile's bio is", func(a *acked) { a.profile.acked, a.profile.unanswered = "a bio never written", nil }},
		{"a PATCH lost", "PATCHed delivery: town is", func(a *acked) { a.patches["town"].acked, a.patches["town"].unanswered = "nowhere", nil }},
		{"a PATCH overwritten", "were both given revision", func(a *acked) { a.revisions = append(a.revisions, 1, 1) }},
	} {
		broken := d.ack.clone()
		tc.breakAck(broken)
		if problems := s.check(broken); !mentions(problems, tc.want) {
			t.Errorf("%s: the checks report %q, want %q", tc.name, problems, tc.want)
		}
	}
	d.p.stop()
	if problems := s.checkStored(&d.ack); len(problems) > 0 {
		t.Fatalf("the drill's data breaks invariants before the test breaks any: %q", problems)
	}

	// What praxis stored: the acknowledgements...
	for _, tc := range []struct {
		name, want string
		breakAck   func(*acked)
	}{
		{"a fork edit lost", "acknowledged fork edit " + fake, func(a *acked) { a.forkHeads = append(a.forkHeads, fake) }},
		{"a merge lost", "acknowledged merge " + fake, func(a *acked) { a.merges = append(a.merges, fake) }},
		{"a commit pushed to main lost", "pushed with git straight into main", func(a *acked) { a.outside = append(a.outside, fake) }},
		{"a pushed commit lost", "pushed commit " + fake, func(a *acked) { a.pushes = append(a.pushes, push{branch: a.pushes[0].branch, commit: fake}) }},
	} {
		broken := d.ack.clone()
		tc.breakAck(broken)
		if problems := s.checkStored(broken); !mentions(problems, tc.want) {
			t.Errorf("%s: the checks report %q, want %q", tc.name, problems, tc.want)
		}
	}
	// ...and the data directory itself, broken in a copy.
	open := d.ack.pushes[len(d.ack.pushes)-1].branch
	for _, tc := range []struct {
		name, want string
		breakDir   func(t *testing.T, dataDir, repo string)
	}{
		{"a branch without a proposal", "branch proposals/1/orphan has no proposal", func(t *testing.T, _, repo string) {
			mustGit(t, repo, "update-ref", "refs/heads/proposals/1/orphan", "main")
		}},
		{"an open proposal without its branch", "has no branch " + open, func(t *testing.T, _, repo string) {
			mustGit(t, repo, "update-ref", "-d", "refs/heads/"+open)
		}},
		{"an open proposal whose branch moved", "but its branch " + open + " is at", func(t *testing.T, _, repo string) {
			mustGit(t, repo, "update-ref", "refs/heads/"+open, "refs/heads/"+open+"~1")
		}},
		{"a merge gone from main", "merged proposal", func(t *testing.T, _, repo string) {
			first := mustGit(t, repo, "rev-list", "--max-parents=0", "main")
			mustGit(t, repo, "update-ref", "refs/heads/main", first)
		}},
		{"a damaged object", "git fsck --strict", func(t *testing.T, _, repo string) {
			id := mustGit(t, repo, "rev-parse", "main:modules/"+drillMerged+"/module.md")
			object := filepath.Join(repo, "objects", id[:2], id[2:])
			os.Chmod(object, 0o644)
			if err := os.WriteFile(object, []byte("not a git object"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"a damaged database", "SQLite integrity check", func(t *testing.T, dataDir, _ string) {
			raw, err := sql.Open("sqlite3", filepath.Join(dataDir, databaseFile))
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			// An index that disagrees with its table, as a torn write
			// might leave it.
			for _, stmt := range []string{"PRAGMA writable_schema = ON",
				"UPDATE sqlite_schema SET sql = replace(sql, 'deliveries (', 'deliveries (facilitator_id, ') WHERE type = 'index' AND tbl_name = 'deliveries' AND name = (SELECT min(name) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL)"} {
				if _, err := raw.Exec(stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
		}},
		{"a gap in the history index", "is on main but not in the history index", func(t *testing.T, dataDir, _ string) {
			raw, err := sql.Open("sqlite3", filepath.Join(dataDir, databaseFile))
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.Exec(`DELETE FROM commits WHERE seq = (SELECT max(seq) FROM commits)`); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "data")
			if err := testenv.CopyDir(d.dataDir, dataDir); err != nil {
				t.Fatal(err)
			}
			tc.breakDir(t, dataDir, filepath.Join(dataDir, repositoryDir))
			copied := *s
			copied.dataDir = dataDir
			if problems := copied.checkStored(&d.ack); !mentions(problems, tc.want) {
				t.Errorf("the checks report %q, want %q", problems, tc.want)
			}
		})
	}

	// A version of main praxis does not find: a commit, pushed behind its
	// back, without the module the check reads.
	t.Run("a version of main not found", func(t *testing.T) {
		dataDir := filepath.Join(t.TempDir(), "data")
		if err := testenv.CopyDir(d.dataDir, dataDir); err != nil {
			t.Fatal(err)
		}
		work := filepath.Join(t.TempDir(), "work")
		mustGit(t, "", "clone", "--quiet", filepath.Join(dataDir, repositoryDir), work)
		mustGit(t, work, "rm", "--quiet", "-r", "modules/"+drillMerged)
		mustGit(t, work, "-c", "user.name=Drill", "-c", "user.email=drill@example.org", "commit", "--quiet", "-m", "Remove a module")
		mustGit(t, work, "push", "--quiet", "origin", "HEAD:main")
		p := startChild(t, dataDir)
		defer p.stop()
		copied := &served{base: p.base, dataDir: dataDir, tokens: d.tokens}
		if problems := copied.check(&d.ack); !mentions(problems, "of main is not found") {
			t.Errorf("the checks report %q, want a version of main not found", problems)
		}
	})
}

// mentions reports whether a problem contains want.
func mentions(problems []string, want string) bool {
	return slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, want) })
}

// mustGit runs git in dir (the repository itself when it is bare) and returns
// its output.
func mustGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	out, err := exec.Command("git", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
