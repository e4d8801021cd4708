package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/githttp"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/quota"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
)

// gitApp is the real web app with git over HTTP, wired as praxis serve wires
// it, and people with API tokens to push with.
type gitApp struct {
	t        *testing.T
	env      *testenv.Env
	accounts *account.Service
	cfg      web.Config
	server   *httptest.Server
	url      string // the repository's address
	users    map[string]*praxis.User
	tokens   map[string]string
}

// newGitApp starts the app; shape may change the git server's settings
// (and the web app's) before they are made.
func newGitApp(t *testing.T, shape func(*githttp.Config, *gitApp)) *gitApp {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: env.DB})
	a := &gitApp{t: t, env: env, cfg: testConfig(env, accounts), accounts: accounts, users: map[string]*praxis.User{}, tokens: map[string]string{}}
	for _, name := range []string{"alice", "bob"} {
		u, _, err := accounts.AddUser(ctx, account.NewUser{Email: name + "@example.org", Name: name, Roles: []praxis.Role{praxis.RoleFacilitator}})
		if err != nil {
			t.Fatal(err)
		}
		a.users[name] = u
		if a.tokens[name], err = accounts.CreateTokenFor(ctx, u.Email, "git"); err != nil {
			t.Fatal(err)
		}
	}
	gitCfg := githttp.Config{Repository: env.Store.Path(),
		Authenticate: func(r *http.Request) (*praxis.User, error) {
			email, token, ok := r.BasicAuth()
			if !ok {
				return nil, nil
			}
			return accounts.AuthenticateBasic(r.Context(), email, token)
		},
		CanPush:    func(u *praxis.User) bool { return access.Can(u, access.ProposeChange) },
		PublicRead: func(context.Context) bool { return true },
		Pushed: func(ctx context.Context, u *praxis.User, updates []githttp.Update) {
			for _, up := range updates {
				if _, err := a.cfg.Review.ProposalFromPush(ctx, u, strings.TrimPrefix(up.Ref, "refs/heads/"), up.Old, up.New); err != nil {
					t.Errorf("proposal from push: %v", err)
				}
			}
		},
	}
	if shape != nil {
		shape(&gitCfg, a)
	}
	git, err := githttp.New(gitCfg)
	if err != nil {
		t.Fatal(err)
	}
	a.cfg.Git = git
	handler, err := web.New(a.cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.server = httptest.NewServer(handler)
	t.Cleanup(a.server.Close)
	a.url = a.server.URL + "/curriculum.git"
	return a
}

// git runs the git client in dir with no prompts and no user settings.
func (a *gitApp) git(dir string, args ...string) (string, error) {
	a.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "HOME="+a.t.TempDir(),
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.org", "GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.org")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (a *gitApp) mustGit(dir string, args ...string) string {
	a.t.Helper()
	out, err := a.git(dir, args...)
	if err != nil {
		a.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// authURL is the repository's address with a person's credentials.
func (a *gitApp) authURL(name string) string {
	u, _ := url.Parse(a.url)
	u.User = url.UserPassword(name+"@example.org", a.tokens[name])
	return u.String()
}

func (a *gitApp) clone() string {
	a.t.Helper()
	dir := filepath.Join(a.t.TempDir(), "clone")
	a.mustGit("", "clone", "--quiet", a.url, dir)
	return dir
}

// zeros writes a sparse file of size zero bytes: nothing of it touches the disk.
func zeros(t *testing.T, name string, size int64) {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

func TestPushOfADecompressionBombIsRefusedByTheHook(t *testing.T) {
	t.Parallel()
	a := newGitApp(t, nil)
	alice := a.users["alice"]
	dir := a.clone()
	handouts := filepath.Join(dir, "modules", stigma, "handouts")

	// A gigabyte of zeros: git compresses it to about a megabyte, well under
	// the 50 MB a push may be. It is committed as `git add` leaves a file
	// that large, in a pack, but written without reading and compressing a
	// gigabyte (git add took 16 s); the receiving side still unpacks all of
	// it. -short makes do with 64 MB, which the hook treats alike.
	size, want := int64(1<<30), "1024.0 MB"
	if testing.Short() {
		size, want = 64<<20, "64.0 MB"
	}
	blob := testenv.WriteZerosPack(t, filepath.Join(dir, ".git", "objects"), size)
	a.mustGit(dir, "update-index", "--add", "--cacheinfo", "100644,"+blob+",modules/"+stigma+"/handouts/zeros.pdf")
	a.mustGit(dir, "commit", "--quiet", "-m", "A large handout")
	branch := fmt.Sprintf("refs/heads/proposals/%d/bomb", alice.ID)
	out, err := a.git(dir, "push", a.authURL("alice"), "HEAD:"+branch)
	want = fmt.Sprintf("praxis: modules/%s/handouts/zeros.pdf is %s; praxis accepts files up to 5 MB", stigma, want)
	if err == nil || !strings.Contains(out, want) {
		t.Fatalf("push of a %d MB file: err %v, want %q in\n%s", size>>20, err, want, out)
	}
	if _, err := a.env.Store.Branch(context.Background(), strings.TrimPrefix(branch, "refs/heads/")); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("the refused push left its branch: %v", err)
	}

	// Just over the limit is refused too; just under goes through.
	a.mustGit(dir, "reset", "--quiet", "--hard", "HEAD~1")
	zeros(t, filepath.Join(handouts, "over.pdf"), 5<<20+1)
	a.mustGit(dir, "add", ".")
	a.mustGit(dir, "commit", "--quiet", "-m", "Over the limit")
	if out, err := a.git(dir, "push", a.authURL("alice"), "HEAD:"+branch); err == nil || !strings.Contains(out, "over.pdf is 5.0 MB") {
		t.Errorf("push of a file one byte over 5 MB: err %v\n%s", err, out)
	}
	a.mustGit(dir, "reset", "--quiet", "--hard", "HEAD~1")
	zeros(t, filepath.Join(handouts, "poster.pdf"), 5<<20)
	a.mustGit(dir, "add", ".")
	a.mustGit(dir, "commit", "--quiet", "-m", "A poster")
	if out, err := a.git(dir, "push", a.authURL("alice"), "HEAD:"+branch); err != nil {
		t.Errorf("push of a 5 MB file: %v\n%s", err, out)
	}
	if out, err := a.git(a.env.Store.Path(), "fsck", "--strict"); err != nil {
		t.Errorf("git fsck --strict: %v\n%s", err, out)
	}
}

func TestABombOnABranchIsNeverInflatedToAnswerAPage(t *testing.T) {
	a := newGitApp(t, nil)
	ctx := context.Background()
	alice := a.users["alice"]
	// As a push made before pushes were checked would have left it: one
	// loose object of a quarter of a megabyte holding 256 MB of zeros.
	const size = 256 << 20
	branch := fmt.Sprintf("proposals/%d/bomb", alice.ID)
	head := testenv.CommitZeros(t, a.env.Store.Path(), a.env.Main(t), branch, "modules/"+stigma+"/handouts/zeros.pdf", size)
	p, err := a.cfg.Review.ProposalFromPush(ctx, alice, branch, praxis.ZeroID, head)
	if err != nil || p == nil {
		t.Fatalf("proposal: %v, %v", p, err)
	}

	before := allocated()
	for _, path := range []string{
		fmt.Sprintf("/api/v1/proposals/%d", p.ID),
		fmt.Sprintf("/proposals/%d", p.ID),
		"/modules/" + stigma + "/compare/main..." + head,
		"/api/v1/modules/" + stigma + "/compare?from=main&to=" + head,
		"/curriculum.zip?rev=" + head,
		"/modules/" + stigma + "/handouts/zeros.pdf?rev=" + head,
	} {
		if status, _ := fetch(t, a.server.URL+path); status >= 500 {
			t.Errorf("GET %s = %d", path, status)
		}
	}
	// Inflating the bomb for any one page would allocate its 256 MB at
	// least (8.6 GB in all before the fix). The pages themselves, a zip
	// of the curriculum among them, and what else the process allocates
	// meanwhile (the indexer; under -race, the detector's bookkeeping) come
	// to about 40–65 MB: half the bomb is the line.
	if grew := allocated() - before; grew > size/2 {
		t.Errorf("answering pages about a %d MB bomb allocated %d MB; want it refused from its header (under %d MB)", size>>20, grew>>20, size>>21)
	}
	// A module's bundle (a PDF made each time, about 100 MB of allocations)
	// costs no more with the bomb in it than without.
	bundle := func(rev string) uint64 {
		before := allocated()
		if status, body := fetch(t, a.server.URL+"/modules/"+stigma+"/bundle.zip?rev="+rev); status != http.StatusOK {
			t.Errorf("bundle at %s = %d\n%s", rev, status, body)
		}
		return allocated() - before
	}
	if plain, bombed := bundle(a.env.Main(t)), bundle(head); bombed > plain+size/4 {
		t.Errorf("the bundle with a %d MB bomb allocated %d MB, without it %d MB", size>>20, bombed>>20, plain>>20)
	}
	view, err := a.cfg.Review.Proposal(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Files) != 1 || !view.Files[0].TooLarge || view.Files[0].Size != size {
		t.Errorf("the proposal's files: %+v; want the one, too large to compare", view.Files)
	}
}

func TestLargeHandoutsAreStreamedNotHeld(t *testing.T) {
	a := newGitApp(t, nil)
	// Allowed, and larger than what is read whole; large enough that what
	// else the process allocates meanwhile (a few MB under CI's load) is
	// small beside it.
	const size = 32 << 20
	head := testenv.CommitZeros(t, a.env.Store.Path(), a.env.Main(t), "forks/1/"+stigma, "modules/"+stigma+"/handouts/poster.pdf", size)
	// Bytes allocated to answer a request, its body read and dropped. The
	// count is the process's, so whatever else runs meanwhile (the indexer,
	// the race detector's bookkeeping) only adds to it: the least of three
	// tries is the request's own cost.
	costOf := func(path string) (uint64, int64) {
		var least uint64
		var n int64
		for try := 0; try < 3; try++ {
			before := allocated()
			res, err := http.Get(a.server.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			n, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET %s = %d", path, res.StatusCode)
			}
			if grew := allocated() - before; try == 0 || grew < least {
				least = grew
			}
		}
		return least, n
	}
	if grew, n := costOf("/modules/" + stigma + "/handouts/poster.pdf?rev=" + head); n != size || grew > size/4 {
		t.Errorf("a %d KB handout: sent %d bytes, allocated %d KB; want it all, streamed", size>>10, n, grew>>10)
	}
	plain, _ := costOf("/curriculum.zip?rev=" + a.env.Main(t))
	if grew, _ := costOf("/curriculum.zip?rev=" + head); grew > plain+size/4 {
		t.Errorf("curriculum.zip with a %d KB handout allocated %d KB, without it %d KB; want it streamed", size>>10, grew>>10, plain>>10)
	}
	status, body := fetch(t, a.server.URL+"/curriculum.zip?rev="+head)
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if status != http.StatusOK || err != nil {
		t.Fatalf("curriculum.zip = %d, %v", status, err)
	}
	found := false
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, "/handouts/poster.pdf") {
			found = f.UncompressedSize64 == size
		}
	}
	if !found {
		t.Errorf("curriculum.zip lacks the %d MB poster, whole", size>>20)
	}
}

// fetch gets a URL and reads the whole answer.
func fetch(t *testing.T, url string) (int, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode, body
}

// allocated returns how many bytes the process has allocated so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// trickle starts a git request whose body arrives a byte at a time, as a
// client holding git processes open would send it, and returns a channel
// that is closed when the server ends the connection.
func trickle(t *testing.T, serverURL, client string) (ended <-chan struct{}, stop func()) {
	t.Helper()
	u, _ := url.Parse(serverURL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /curriculum.git/git-upload-pack HTTP/1.1\r\nHost: %s\r\nX-Client: %s\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: 100000\r\n\r\n", u.Host, client)
	done := make(chan struct{})
	quit := make(chan struct{})
	go func() { // the server's answer, or its closing the connection
		io.Copy(io.Discard, conn)
		close(done)
	}()
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-done:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("0")); err != nil {
					return
				}
			}
		}
	}()
	var once sync.Once
	stopper := func() { once.Do(func() { close(quit); conn.Close() }) }
	t.Cleanup(stopper)
	return done, stopper
}

// gitMetric reads one of the git server's metrics from /metrics.
func gitMetric(t *testing.T, serverURL, series string) float64 {
	t.Helper()
	status, body := fetch(t, serverURL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics = %d", status)
	}
	return metricValue(t, string(body), series)
}

func TestSlowGitRequestsAreCutOff(t *testing.T) {
	t.Parallel()
	a := newGitApp(t, func(c *githttp.Config, _ *gitApp) {
		c.Grace, c.MinRate = time.Second, 64<<10
	})
	ended, _ := trickle(t, a.server.URL, "slow")
	select {
	case <-ended:
	case <-time.After(20 * time.Second):
		t.Fatal("a request trickling a byte every 100 ms was still open after 20 s (its pace allows about 1.5 s)")
	}
	// git has stopped: nothing runs, and the refusal is counted.
	for deadline := time.Now().Add(10 * time.Second); gitMetric(t, a.server.URL, "praxis_git_requests_running") != 0; {
		if time.Now().After(deadline) {
			t.Fatal("git is still running for the request that was cut off")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := gitMetric(t, a.server.URL, `praxis_git_refused_total{reason="slow"}`); n != 1 {
		t.Errorf(`praxis_git_refused_total{reason="slow"} = %v, want 1`, n)
	}
	// A person at a normal pace is unaffected.
	a.clone()
}

func TestGitRequestsAreCappedPerClientAndInAll(t *testing.T) {
	t.Parallel()
	a := newGitApp(t, func(c *githttp.Config, _ *gitApp) {
		c.MaxRequests, c.MaxPerClient = 2, 1
		c.ClientAddress = func(r *http.Request) string { return r.Header.Get("X-Client") }
	})
	cloneAs := func(client string) (string, error) {
		return a.git("", "-c", "http.extraHeader=X-Client: "+client, "clone", "--quiet", a.url, filepath.Join(t.TempDir(), "clone"))
	}
	waitRunning := func(n float64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); gitMetric(t, a.server.URL, "praxis_git_requests_running") != n; {
			if time.Now().After(deadline) {
				t.Fatalf("%v git requests running, want %v", gitMetric(t, a.server.URL, "praxis_git_requests_running"), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	trickle(t, a.server.URL, "mallory")
	waitRunning(1)
	out, err := cloneAs("mallory")
	if want := "remote: praxis: your address has as many git requests running as it may (1)"; err == nil || !strings.Contains(out, want) {
		t.Errorf("a clone past the client's limit: err %v, want %q in\n%s", err, want, out)
	}
	if out, err := cloneAs("alice"); err != nil {
		t.Errorf("another client's clone: %v\n%s", err, out)
	}
	trickle(t, a.server.URL, "trudy")
	waitRunning(2)
	out, err = cloneAs("bob")
	if want := "remote: praxis: the server is busy with other git requests; try again in a minute"; err == nil || !strings.Contains(out, want) {
		t.Errorf("a clone past the limit in all: err %v, want %q in\n%s", err, want, out)
	}
	metrics := string(bodyOf(fetch(t, a.server.URL+"/metrics")))
	for series, want := range map[string]float64{
		`praxis_git_refused_total{reason="client_busy"}`:         1,
		`praxis_git_refused_total{reason="busy"}`:                1,
		`praxis_git_requests_total{service="info",status="503"}`: 2,
	} {
		if got := metricValue(t, metrics, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

// bodyOf keeps the body of what fetch returns.
func bodyOf(_ int, body []byte) []byte { return body }

func TestPushesCountAgainstTheQuotaAndDeletingMakesRoom(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var q *quota.Service
	a := newGitApp(t, func(c *githttp.Config, a *gitApp) {
		q = quota.New(quota.Config{DB: a.env.DB, Store: a.env.Store})
		c.Quota, c.HoldObjects = q, a.env.Store.HoldObjects
		a.cfg.Quota = q
	})
	admin, _, err := a.accounts.AddUser(ctx, account.NewUser{Email: "admin@example.org", Name: "Admin", Roles: []praxis.Role{praxis.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.SetLimits(ctx, admin, quota.Limits{StorageMB: 1, WriteMBPerHour: 100}); err != nil {
		t.Fatal(err)
	}
	alice := a.users["alice"]
	dir := a.clone()
	photo := make([]byte, 2<<20) // does not compress
	rand.Read(photo)
	os.WriteFile(filepath.Join(dir, "modules", stigma, "handouts", "photo.jpg"), photo, 0o644)
	a.mustGit(dir, "add", ".")
	a.mustGit(dir, "commit", "--quiet", "-m", "A photo")
	first := fmt.Sprintf("refs/heads/proposals/%d/photo", alice.ID)
	a.mustGit(dir, "push", a.authURL("alice"), "HEAD:"+first) // under the limit when it starts

	os.WriteFile(filepath.Join(dir, "modules", stigma, "handouts", "note.md"), []byte("# A note\n"), 0o644)
	a.mustGit(dir, "add", ".")
	a.mustGit(dir, "commit", "--quiet", "-m", "A note")
	second := fmt.Sprintf("refs/heads/proposals/%d/note", alice.ID)
	out, err := a.git(dir, "push", a.authURL("alice"), "HEAD:"+second)
	want := "remote: praxis: Your adapted copies and proposals use 2 MB of the 1 MB each person may keep."
	if err == nil || !strings.Contains(out, want) {
		t.Fatalf("a push over the quota: err %v, want %q in\n%s", err, want, out)
	}
	if _, err := a.env.Store.Branch(ctx, strings.TrimPrefix(second, "refs/heads/")); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("the refused push left its branch: %v", err)
	}
	// Deleting a branch is how one makes room: it goes through.
	a.mustGit(dir, "push", a.authURL("alice"), ":"+first)
	if usage, err := q.Usage(ctx, alice.ID); err != nil || usage.Used != 0 {
		t.Errorf("usage after deleting the branch = %+v, %v; want 0", usage, err)
	}
	a.mustGit(dir, "push", a.authURL("alice"), "HEAD:"+second)
}

func TestAClosedProposalWhoseFilesWerePrunedStillShows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newGitApp(t, nil)
	alice := a.users["alice"]
	dir := a.clone()
	os.WriteFile(filepath.Join(dir, "modules", stigma, "handouts", "note.md"), []byte("# A note\n"), 0o644)
	a.mustGit(dir, "add", ".")
	a.mustGit(dir, "commit", "--quiet", "-m", "A note for the stigma walk")
	branch := fmt.Sprintf("refs/heads/proposals/%d/note", alice.ID)
	a.mustGit(dir, "push", a.authURL("alice"), "HEAD:"+branch)
	a.mustGit(dir, "push", a.authURL("alice"), ":"+branch) // closes it
	p, err := a.env.DB.FindProposalByBranch(ctx, strings.TrimPrefix(branch, "refs/heads/"))
	if err != nil || p.Status != praxis.ProposalClosed {
		t.Fatalf("proposal after deleting its branch: %+v, %v", p, err)
	}
	// The grace period passes, and a prune reclaims the branch's files.
	old := time.Now().Add(-48 * time.Hour)
	filepath.WalkDir(filepath.Join(a.env.Store.Path(), "objects"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Chtimes(p, old, old)
		}
		return err
	})
	r, err := a.env.Store.Prune(ctx, gitstore.PruneOptions{Grace: time.Hour})
	if err != nil || r.Removed == 0 {
		t.Fatalf("prune = %+v, %v; want the proposal's files gone", r, err)
	}
	page := fetchPage(t, a.server.URL+fmt.Sprintf("/proposals/%d", p.ID))
	if page.status != http.StatusOK || !strings.Contains(page.body, "A note for the stigma walk") || !strings.Contains(page.body, "no longer kept") {
		t.Errorf("the closed proposal's page = %d; want its title and a word that its changes are no longer kept\n%s", page.status, page.body)
	}
	status, body := fetch(t, a.server.URL+fmt.Sprintf("/api/v1/proposals/%d", p.ID))
	if status != http.StatusOK || !strings.Contains(string(body), `"pruned":true`) {
		t.Errorf("GET /api/v1/proposals/%d = %d %s", p.ID, status, body)
	}
	// Reopening would bring the branch back at its recorded head, which
	// is gone: refused in plain words, and the proposal stays closed.
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+fmt.Sprintf("/api/v1/proposals/%d/reopen", p.ID), nil)
	req.Header.Set("Authorization", "Bearer "+a.tokens["alice"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(reply), "its files have been reclaimed") {
		t.Errorf("reopening a pruned proposal = %d %s; want 422 saying its files were reclaimed", res.StatusCode, reply)
	}
	if p, err := a.env.DB.FindProposal(ctx, p.ID); err != nil || p.Status != praxis.ProposalClosed {
		t.Errorf("the pruned proposal after a refused reopening: %+v, %v; want it closed", p, err)
	}
}

// fetchPage gets a page as text.
func fetchPage(t *testing.T, url string) response {
	t.Helper()
	status, body := fetch(t, url)
	return response{status: status, body: string(body)}
}
