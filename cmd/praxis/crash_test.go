package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
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
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
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

func startChild(t *testing.T, dataDir string, flags ...string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--log-level", "warn"}, flags...)...)
	cmd.Env = append(os.Environ(), "PRAXIS_TEST_RUN_AS_PRAXIS=1")
	// praxis and the git processes it starts are one process group, killed
	// together as a service manager kills a service's processes. Wait gives
	// up on the output pipes soon after praxis exits: a git process still
	// holding them must not hang the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
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
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	c.cmd.Wait()
}

func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	c.cmd.Wait()
}

// The module the drill's proposals merge into and its readers read, the
// module whose fork is edited, the one pushed proposals change, and the one
// commits pushed straight to main change.
const (
	drillMerged  = "organising-2-power-mapping"
	drillForked  = "organising-1-one-to-ones"
	drillPushed  = "organising-3-building-a-campaign"
	drillOutside = "organising-6-meetings"
)

// drillPassword is the password of the person who edits their profile.
const drillPassword = "a long enough passphrase"

// The people of the drill: email and roles. Their ids follow this order.
var drillPeople = []struct{ email, roles string }{
	{"fay@example.org", "facilitator"},
	{"max@example.org", "maintainer"},
	{"cora@example.org", "coordinator,admin"},
	{"pat@example.org", "facilitator"},
}

// TestCrashDrill is the fault drill. Each round starts praxis, runs a burst
// of concurrent writes and reads (deliveries, fork edits, proposals approved
// and merged while readers read the module's pages and history, sign-ups,
// profile edits, PATCHes of one delivery, git pushes of proposal branches,
// and commits pushed with git straight into the bare repository's main,
// behind praxis's back), kills praxis with SIGKILL in the middle of it,
// restarts it, and checks the invariants (see verify). One round also holds
// the database's write lock from another process for longer than praxis's
// busy timeout in the middle of the burst, so writes wait, answer 503 and are
// not acknowledged, or succeed once it is released; never half. The rounds
// run side by side; the drill takes about 15 s, most of it the held lock.
func TestCrashDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash drill starts praxis six times")
	}
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	for i, round := range []struct {
		name      string
		killAfter time.Duration
		lock      bool
	}{
		{"kill early in the burst", 400 * time.Millisecond, false},
		{"kill late in the burst", 1500 * time.Millisecond, false},
		{"kill after the database was locked past the busy timeout", time.Second, true},
	} {
		t.Run(round.name, func(t *testing.T) {
			t.Parallel()
			d := newDrill(t, int64(i))
			d.burst(round.killAfter, round.lock)
			for _, problem := range d.verify() {
				t.Error(problem)
			}
			d.ack.mu.Lock()
			defer d.ack.mu.Unlock()
			t.Logf("acknowledged before the kill: %d deliveries, %d fork edits, %d merges, %d sign-ups, %d pushes, %d commits straight to main, %d profile edits, %d PATCHes; %d writes answered 503",
				len(d.ack.deliveries), len(d.ack.forkHeads), len(d.ack.merges), len(d.ack.signups), len(d.ack.pushes), len(d.ack.outside),
				d.ack.profile.count, len(d.ack.revisions), d.ack.unavailable)
		})
	}
}

// drill is one round of the fault drill: a data directory, the people who
// write to it, praxis serving it, and what praxis acknowledged.
type drill struct {
	t       *testing.T
	seed    int64
	dataDir string
	repo    string            // the bare repository
	tokens  map[string]string // API tokens by email
	p       *child
	ack     acked

	// killed is set just before praxis is killed: what fails after it
	// is expected to.
	killed atomic.Bool
	// lockedFrom and lockedTo are when another process held the
	// database's write lock (Unix nanoseconds; zero when it did not).
	lockedFrom, lockedTo atomic.Int64
}

// acked records what praxis acknowledged, and what went wrong while it ran.
type acked struct {
	mu         sync.Mutex
	deliveries []int64
	forkBranch string
	forkHeads  []string // heads of fork commits acknowledged
	merges     []string // merge commits
	signups    []string
	pushes     []push   // proposal branches pushed with git
	outside    []string // commits pushed with git straight into main
	// profile is the bio of the person editing their profile.
	profile serialWrites
	// patched is the delivery PATCHed concurrently; patches its fields
	// (one writer each) and revisions the revision of each acknowledged
	// PATCH.
	patched   int64
	patches   map[string]*serialWrites
	revisions []int64
	// unavailable counts writes answered 503 (try again).
	unavailable int
	// problems are answers praxis must never give: a refused delivery of
	// a version on main, a 404 for a page that exists, a 500.
	problems []string
}

// push is a git push that exited 0.
type push struct{ branch, commit string }

// serialWrites are the values one writer sent, one after another, to one
// place: the last that praxis acknowledged and those sent since that got
// no answer (praxis was killed). A write answered with an error, 503
// included, must have changed nothing.
type serialWrites struct {
	acked       string
	unanswered  []string
	count, sent int
}

// record notes the answer to a write of value: ok (acknowledged), or no
// answer at all.
func (w *serialWrites) record(value string, ok, answered bool) {
	w.sent++
	switch {
	case ok:
		w.acked, w.unanswered = value, nil
		w.count++
	case !answered:
		w.unanswered = append(w.unanswered, value)
	}
}

// allowed lists the values the place may hold after the crash.
func (w *serialWrites) allowed() []string { return append([]string{w.acked}, w.unanswered...) }

func (a *acked) add(list *[]string, v string) {
	a.mu.Lock()
	*list = append(*list, v)
	a.mu.Unlock()
}

func (a *acked) problem(format string, args ...any) {
	a.mu.Lock()
	a.problems = append(a.problems, fmt.Sprintf(format, args...))
	a.mu.Unlock()
}

// newDrill makes the data directory and the people, and starts praxis.
func newDrill(t *testing.T, seed int64) *drill {
	t.Helper()
	ctx := context.Background()
	d := &drill{t: t, seed: seed, dataDir: filepath.Join(t.TempDir(), "data"), tokens: map[string]string{}}
	d.repo = filepath.Join(d.dataDir, repositoryDir)
	for _, u := range drillPeople {
		if err := run(ctx, []string{"user", "add", "--data", d.dataDir, "--email", u.email, "--name", strings.TrimSuffix(u.email, "@example.org"), "--role", u.roles, "--password-stdin"},
			noEnv, strings.NewReader(drillPassword+"\n"), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := run(ctx, []string{"token", "create", "--data", d.dataDir, "--email", u.email}, noEnv, strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		d.tokens[u.email] = strings.TrimSpace(out.String())
	}
	d.p = startChild(t, d.dataDir)
	t.Cleanup(func() { d.p.kill() })
	if code, _ := apiDo(d.p.base, http.MethodGet, "/api/v1/me", d.tokens["cora@example.org"], nil); code != 200 {
		t.Fatalf("praxis not answering: %d", code)
	}
	return d
}

// userID is the id of one of drillPeople.
func userID(email string) int {
	for i, u := range drillPeople {
		if u.email == email {
			return i + 1
		}
	}
	panic("no such person in the drill: " + email)
}

// answered classifies the answer to a write sent at start: it counts a 503
// and notes a 500 or a failure to answer while praxis ran. It returns
// whether praxis answered at all.
func (d *drill) answered(what string, code int) bool {
	switch {
	case code == 0:
		if !d.killed.Load() {
			d.ack.problem("%s: no answer while praxis was running", what)
		}
		return false
	case code == http.StatusServiceUnavailable:
		d.ack.mu.Lock()
		d.ack.unavailable++
		d.ack.mu.Unlock()
	case code >= 500:
		d.ack.problem("%s answered %d", what, code)
	}
	return true
}

// burst runs the writers and readers and kills praxis killAfter after the
// first acknowledged edit; with lock, a second into the burst it holds the
// database's write lock past the busy timeout first, and kills praxis
// killAfter after releasing it.
func (d *drill) burst(killAfter time.Duration, lock bool) {
	t := d.t
	ctx := context.Background()
	base := d.p.base
	fay, max := d.tokens["fay@example.org"], d.tokens["max@example.org"]
	r := rand.New(rand.NewPCG(uint64(d.seed), 7))

	// Set up what the writers need before the burst.
	code, fork := apiDo(base, http.MethodPost, "/api/v1/modules/"+drillForked+"/forks", fay, nil)
	if code != http.StatusCreated {
		t.Fatalf("fork: %d %v", code, fork)
	}
	forkID, head := fork["id"], fork["head"]
	d.ack.forkBranch = fork["branch"].(string)
	code, delivery := apiDo(base, http.MethodPost, "/api/v1/deliveries", fay, map[string]any{
		"module": drillMerged, "date": "2026-06-01", "duration": 120, "format": "online",
		"country": "GB", "host_type": "union branch", "participants": 10, "first_time": 1})
	if code != http.StatusCreated {
		t.Fatalf("delivery: %d %v", code, delivery)
	}
	d.ack.patched = int64(delivery["id"].(float64))
	d.ack.patches = map[string]*serialWrites{}
	patchFields := []string{"town", "host", "reflection_worked", "reflection_change"}
	for _, field := range patchFields {
		d.ack.patches[field] = &serialWrites{acked: fmt.Sprint(delivery[field])}
	}
	profile := d.browser("pat@example.org")
	d.ack.profile.acked = "" // pat's bio starts empty
	pushers := []string{"fay@example.org", "pat@example.org"}
	clones := make([]string, len(pushers))
	for i, who := range pushers {
		clones[i] = filepath.Join(t.TempDir(), "clone")
		u, _ := url.Parse(base + "/curriculum.git")
		u.User = url.UserPassword(who, d.tokens[who])
		d.git("", "clone", "--quiet", u.String(), clones[i])
	}
	outside := filepath.Join(t.TempDir(), "outside")
	d.git("", "clone", "--quiet", d.repo, outside)

	var mu sync.Mutex // guards r
	stop := make(chan struct{})
	var wg sync.WaitGroup
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
	for w := range 3 {
		worker(func(i int) { // deliveries
			code, body := apiDo(base, http.MethodPost, "/api/v1/deliveries", fay, map[string]any{
				"module": "exploring-class-2-stigma", "date": "2026-06-01", "duration": 120, "format": "online",
				"country": "GB", "host_type": "union branch", "participants": 10 + w, "first_time": i % 5})
			if !d.answered("POST /api/v1/deliveries", code) {
				return
			}
			switch code {
			case http.StatusCreated:
				d.ack.mu.Lock()
				d.ack.deliveries = append(d.ack.deliveries, int64(body["id"].(float64)))
				d.ack.mu.Unlock()
			case http.StatusNotFound, http.StatusUnprocessableEntity:
				// The version on main is found whatever is merging: a
				// refusal here is the history index lagging behind main.
				d.ack.problem("a delivery was refused: %d %v", code, body["error"])
			}
		})
	}
	worker(func(i int) { // edits to a fork, each on the last acknowledged head
		code, body := apiDo(base, http.MethodPut, fmt.Sprintf("/api/v1/forks/%v/files/handouts/note-%d.md", forkID, i), fay,
			map[string]any{"content": fmt.Sprintf("# Note %d\n", i), "base": head, "message": fmt.Sprint("note ", i)})
		if d.answered("PUT a fork's file", code) && code == http.StatusOK {
			head = body["head"]
			d.ack.add(&d.ack.forkHeads, head.(string))
		}
	})
	worker(func(i int) { // proposals approved and merged
		code, prop := apiDo(base, http.MethodPost, "/api/v1/proposals", fay, map[string]any{"module": drillMerged,
			"title": fmt.Sprint("Merge ", i), "changes": []map[string]any{{"path": fmt.Sprintf("handouts/merged-%d-%d.md", d.seed, i), "content": "# Merged\n"}}})
		if !d.answered("POST /api/v1/proposals", code) || code != http.StatusCreated {
			return
		}
		id := prop["id"]
		code, _ = apiDo(base, http.MethodPost, fmt.Sprintf("/api/v1/proposals/%v/reviews", id), max, map[string]any{"verdict": "approve"})
		if !d.answered("POST a review", code) || code >= 300 {
			return
		}
		code, merged := apiDo(base, http.MethodPost, fmt.Sprintf("/api/v1/proposals/%v/merge", id), max, nil)
		if d.answered("POST a merge", code) && code == http.StatusOK {
			d.ack.add(&d.ack.merges, merged["commit"].(string))
		}
	})
	worker(func(i int) { // sign-ups through the browser form
		mu.Lock()
		email := fmt.Sprintf("new-%d-%d-%d@example.org", d.seed, r.IntN(1<<30), i)
		mu.Unlock()
		if signUp(base, email) {
			d.ack.add(&d.ack.signups, email)
		}
	})
	worker(func(i int) { // profile edits through the browser form
		bio := fmt.Sprintf("Bio %d of round %d", i, d.seed)
		code := profile.post("/account", "/account", url.Values{"name": {"Pat"}, "bio": {bio}})
		if code < 0 {
			return // the form did not load: nothing was sent
		}
		answered := d.answered("POST /account", code)
		d.ack.mu.Lock()
		d.ack.profile.record(bio, code == http.StatusSeeOther, answered)
		d.ack.mu.Unlock()
	})
	for _, field := range patchFields {
		worker(func(i int) { // PATCHes of one field each, of the same delivery
			value := fmt.Sprintf("%s %d", field, i)
			code, body := apiDo(base, http.MethodPatch, fmt.Sprintf("/api/v1/deliveries/%d", d.ack.patched), fay, map[string]any{field: value})
			answered := d.answered("PATCH a delivery", code)
			d.ack.mu.Lock()
			d.ack.patches[field].record(value, code == http.StatusOK, answered)
			if code == http.StatusOK {
				d.ack.revisions = append(d.ack.revisions, int64(body["revision"].(float64)))
			}
			d.ack.mu.Unlock()
		})
	}
	for w, who := range pushers {
		worker(func(i int) { // proposal branches pushed with git, a new one every third push
			dir := clones[w]
			name := fmt.Sprintf("modules/%s/handouts/pushed-%d-%d.md", drillPushed, w, i)
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(fmt.Sprintf("# Pushed %d\n", i)), 0o644); err != nil {
				t.Error(err)
				return
			}
			commit, ok := d.commitAll(dir, name, fmt.Sprint("Pushed ", i))
			if !ok {
				return
			}
			branch := fmt.Sprintf("proposals/%d/drill-%d-%d", userID(who), d.seed, i/3)
			if _, err := d.tryGit(dir, "push", "--quiet", "origin", "HEAD:refs/heads/"+branch); err == nil {
				d.ack.mu.Lock()
				d.ack.pushes = append(d.ack.pushes, push{branch: branch, commit: commit})
				d.ack.mu.Unlock()
			}
		})
	}
	worker(func(i int) { // commits pushed with git straight into main, behind praxis's back
		if out, err := d.tryGit(outside, "fetch", "--quiet", "origin", "main"); err != nil {
			t.Errorf("git fetch from the repository itself: %v\n%s", err, out)
			return
		}
		if out, err := d.tryGit(outside, "reset", "--quiet", "--hard", "FETCH_HEAD"); err != nil {
			t.Errorf("git reset: %v\n%s", err, out)
			return
		}
		name := fmt.Sprintf("modules/%s/handouts/outside-%d.md", drillOutside, i)
		if err := os.WriteFile(filepath.Join(outside, filepath.FromSlash(name)), []byte(fmt.Sprintf("# Outside %d\n", i)), 0o644); err != nil {
			t.Error(err)
			return
		}
		commit, ok := d.commitAll(outside, name, fmt.Sprint("Outside ", i))
		if !ok {
			return
		}
		// A push that lost the race with a merge is refused by git; the
		// next one starts from the new main.
		if _, err := d.tryGit(outside, "push", "--quiet", "origin", "HEAD:refs/heads/main"); err == nil {
			d.ack.add(&d.ack.outside, commit)
		}
		time.Sleep(50 * time.Millisecond)
	})
	for range 2 {
		worker(func(i int) { // readers of the module being merged into
			for _, path := range []string{"/modules/" + drillMerged, "/modules/" + drillMerged + "/history", "/api/v1/modules/" + drillMerged + "/history"} {
				d.read(path, "")
			}
			if code, mod := apiDo(base, http.MethodGet, "/api/v1/modules/"+drillMerged, "", nil); code == http.StatusOK {
				// The version praxis just named is found.
				d.read(fmt.Sprintf("/modules/%s?rev=%v", drillMerged, mod["version"]), "")
			} else {
				d.readAnswer("/api/v1/modules/"+drillMerged, code)
			}
			time.Sleep(20 * time.Millisecond)
		})
	}

	// The kill point counts from the first acknowledged edit, so that a slow
	// machine (or the race detector) still kills mid-burst, not before it.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		d.ack.mu.Lock()
		started := len(d.ack.forkHeads) > 0 && len(d.ack.deliveries) > 0
		d.ack.mu.Unlock()
		if started {
			break
		}
	}
	if lock {
		// Merges and pushes are under way when the lock is taken.
		time.Sleep(time.Second)
		// Held past the busy timeout, and on until some write has been
		// answered 503: on a busy machine the writers may not have asked
		// in the lock's first second (those that ask later get it after
		// the lock goes, within their busy timeout).
		d.holdWriteLock(ctx, db.DefaultBusyTimeout+time.Second, 3*db.DefaultBusyTimeout, func() bool {
			d.ack.mu.Lock()
			defer d.ack.mu.Unlock()
			return d.ack.unavailable > 0
		})
	}
	time.Sleep(killAfter)
	d.killed.Store(true)
	d.p.kill()
	close(stop)
	wg.Wait()
	d.ack.mu.Lock()
	defer d.ack.mu.Unlock()
	if len(d.ack.deliveries) == 0 || len(d.ack.forkHeads) == 0 { // within 30 s: praxis is not writing
		t.Fatalf("the burst acknowledged nothing before the kill (%d deliveries, %d edits)", len(d.ack.deliveries), len(d.ack.forkHeads))
	}
	if lock && d.ack.unavailable == 0 {
		t.Errorf("no write answered 503 while the database was locked for up to %s", 3*db.DefaultBusyTimeout)
	}
}

// holdWriteLock takes the database's write lock from this process (another
// than praxis) and holds it, as a backup tool or a person with the sqlite3
// shell might: for at least least, then until done says so or most has
// passed.
func (d *drill) holdWriteLock(ctx context.Context, least, most time.Duration, done func() bool) {
	d.t.Helper()
	pool, err := sql.Open("sqlite3", "file:"+filepath.Join(d.dataDir, databaseFile)+"?_busy_timeout=30000")
	if err != nil {
		d.t.Fatal(err)
	}
	defer pool.Close()
	conn, err := pool.Conn(ctx)
	if err != nil {
		d.t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		d.t.Fatalf("take the write lock: %v", err)
	}
	from := time.Now()
	d.lockedFrom.Store(from.UnixNano())
	time.Sleep(least)
	for time.Since(from) < most && !done() {
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		d.t.Fatalf("release the write lock: %v", err)
	}
	d.lockedTo.Store(time.Now().UnixNano())
}

// read gets a page or API answer that exists and notes a wrong answer.
func (d *drill) read(path, token string) {
	code, _ := apiDo(d.p.base, http.MethodGet, path, token, nil)
	d.readAnswer(path, code)
}

func (d *drill) readAnswer(path string, code int) {
	switch {
	case code == 0 && d.killed.Load():
	case code == http.StatusOK:
	case code == http.StatusServiceUnavailable:
		// Try again: the history index catching up, a repository busy.
	default:
		d.ack.problem("GET %s answered %d while merges ran", path, code)
	}
}

// git runs git in dir (with a person's name for commits) and returns its
// output; it fails the test when git does.
func (d *drill) git(dir string, args ...string) string {
	d.t.Helper()
	out, err := d.tryGit(dir, args...)
	if err != nil {
		d.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// commitAll commits the file name in the clone at dir and returns the
// commit; it is for the drill's workers, so it reports a failure with
// t.Errorf and false.
func (d *drill) commitAll(dir, name, message string) (string, bool) {
	for _, args := range [][]string{{"add", name}, {"commit", "--quiet", "-m", message}} {
		if out, err := d.tryGit(dir, args...); err != nil {
			d.t.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
			return "", false
		}
	}
	commit, err := d.tryGit(dir, "rev-parse", "HEAD")
	if err != nil {
		d.t.Errorf("git rev-parse HEAD: %v\n%s", err, commit)
		return "", false
	}
	return commit, true
}

// tryGit runs git in dir and returns its output and error.
func (d *drill) tryGit(dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Drill", "GIT_AUTHOR_EMAIL=drill@example.org", "GIT_COMMITTER_NAME=Drill", "GIT_COMMITTER_EMAIL=drill@example.org")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// apiDo calls the JSON API with a token (none when empty) and decodes the
// answer. Connection errors (praxis killed) answer 0.
func apiDo(base, method, path, token string, body any) (int, map[string]any) {
	var reader io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		reader = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, base+path, reader)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	// Longer than praxis's busy timeout: a write waiting for the database
	// answers, 503 or not.
	client := &http.Client{Timeout: 30 * time.Second}
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
	b := &formClient{base: base}
	return b.post("/signup", "/signup", url.Values{"email": {email}, "name": {"New Person"},
		"password": {drillPassword}, "conduct": {"yes"}}) == http.StatusSeeOther
}

// formClient is a browser without JavaScript: cookies, forms and their
// CSRF fields.
type formClient struct {
	base   string
	client *http.Client
}

// browser signs in as email through the form.
func (d *drill) browser(email string) *formClient {
	d.t.Helper()
	b := &formClient{base: d.p.base}
	if code := b.post("/login", "/login", url.Values{"email": {email}, "password": {drillPassword}}); code != http.StatusSeeOther {
		d.t.Fatalf("sign in as %s: %d", email, code)
	}
	return b
}

// post gets the form at page and posts it with values to action, and returns
// the status: 0 when praxis did not answer the post, -1 when the form did not
// load (nothing was posted).
func (b *formClient) post(page, action string, values url.Values) int {
	if b.client == nil {
		jar, _ := cookiejar.New(nil)
		b.client = &http.Client{Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	res, err := b.client.Get(b.base + page)
	if err != nil {
		return -1
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		return -1
	}
	values.Set("csrf", string(m[1]))
	res, err = b.client.PostForm(b.base+action, values)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}
