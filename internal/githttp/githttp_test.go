package githttp_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/githttp"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
)

const stigma = "exploring-class-2-stigma"

type fixture struct {
	t          *testing.T
	url        string
	store      *gitstore.Store
	db         *db.DB
	review     *review.Service
	users      map[string]*praxis.User
	tokens     map[string]string
	publicRead atomic.Bool
	// lost makes praxis forget pushes, as a praxis killed between git
	// accepting a push and handling it would.
	lost atomic.Bool
	repo string
}

func newFixture(t *testing.T, maxPush int64) *fixture {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	database, store, cat, repo := env.DB, env.Store, env.Catalog, env.Store.Path()
	f := &fixture{t: t, store: store, db: database, repo: repo,
		review: review.New(review.Config{DB: database, Store: store, Catalog: cat}),
		users:  map[string]*praxis.User{}, tokens: map[string]string{}}
	f.publicRead.Store(true)
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: database})
	for _, name := range []string{"alice", "bob", "carol", "maya"} {
		role := praxis.RoleFacilitator
		if name == "maya" {
			role = praxis.RoleMaintainer
		}
		u, _, err := accounts.AddUser(ctx, account.NewUser{Email: name + "@example.org", Name: name, Roles: []praxis.Role{role}})
		if err != nil {
			t.Fatal(err)
		}
		f.users[name] = u
		if f.tokens[name], err = accounts.CreateTokenFor(ctx, u.Email, "git"); err != nil {
			t.Fatal(err)
		}
	}
	if err := database.SetStatus(ctx, f.users["carol"].ID, praxis.StatusSuspended, praxis.AuditEntry{At: f.users["carol"].CreatedAt, ActorID: f.users["maya"].ID, Action: "user.suspend"}); err != nil {
		t.Fatal(err)
	}
	server, err := githttp.New(githttp.Config{
		Repository: repo, MaxPush: maxPush,
		Authenticate: func(r *http.Request) (*praxis.User, error) {
			email, token, ok := r.BasicAuth()
			if !ok {
				return nil, nil
			}
			return accounts.AuthenticateBasic(r.Context(), email, token)
		},
		CanPush:    func(u *praxis.User) bool { return access.Can(u, access.ProposeChange) },
		PublicRead: func(context.Context) bool { return f.publicRead.Load() },
		Pushed: func(ctx context.Context, u *praxis.User, updates []githttp.Update) {
			if f.lost.Load() {
				return
			}
			refs := make([]review.RefUpdate, len(updates))
			for i, up := range updates {
				refs[i] = review.RefUpdate{Ref: up.Ref, Old: up.Old, New: up.New}
			}
			if _, err := f.review.Pushed(ctx, u, refs); err != nil {
				t.Errorf("proposals from push: %v", err)
			}
			if _, err := store.CatchUp(ctx); err != nil {
				t.Errorf("catch up: %v", err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/curriculum.git/", server)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	f.url = ts.URL + "/curriculum.git"
	return f
}

// git runs the git client in dir, with no prompts and no user config.
func (f *fixture) git(dir string, args ...string) (string, error) {
	f.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "HOME="+f.t.TempDir(),
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.org", "GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.org")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (f *fixture) mustGit(dir string, args ...string) string {
	f.t.Helper()
	out, err := f.git(dir, args...)
	if err != nil {
		f.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// authURL is the repository's address with a person's credentials.
func (f *fixture) authURL(name string) string {
	u, _ := url.Parse(f.url)
	u.User = url.UserPassword(name+"@example.org", f.tokens[name])
	return u.String()
}

func (f *fixture) clone(args ...string) string {
	f.t.Helper()
	dir := filepath.Join(f.t.TempDir(), "clone")
	f.mustGit("", append(append([]string{"clone"}, args...), f.url, dir)...)
	return dir
}

func (f *fixture) fsck() {
	f.t.Helper()
	if out, err := f.git(f.repo, "fsck", "--strict"); err != nil {
		f.t.Errorf("git fsck --strict: %v\n%s", err, out)
	}
}

func TestCloneFetchShallowAndV2(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	dir := f.clone()
	if _, err := os.Stat(filepath.Join(dir, "modules", stigma, "module.md")); err != nil {
		t.Fatalf("the clone lacks the module: %v", err)
	}
	// A change made in praxis reaches the clone with git pull, after a local commit.
	os.WriteFile(filepath.Join(dir, "NOTES.md"), []byte("my notes\n"), 0o644)
	f.mustGit(dir, "add", "NOTES.md")
	f.mustGit(dir, "commit", "-m", "Local notes")
	main, _ := f.store.Branch(context.Background(), "main")
	if _, err := f.store.WriteCommit(context.Background(), gitstore.CommitRequest{Branch: "main", Expected: main,
		Changes: []praxis.FileChange{{Path: "modules/" + stigma + "/handouts/new.md", Content: []byte("# New\n")}},
		Message: "New handout", Author: praxis.Signature{Name: "Maya"}}); err != nil {
		t.Fatal(err)
	}
	f.mustGit(dir, "pull", "--no-rebase", "--no-edit", "origin", "main")
	if _, err := os.Stat(filepath.Join(dir, "modules", stigma, "handouts", "new.md")); err != nil {
		t.Errorf("pull did not bring praxis's change: %v", err)
	}
	shallow := f.clone("--depth", "1")
	if out := strings.TrimSpace(f.mustGit(shallow, "rev-list", "--count", "HEAD")); out != "1" {
		t.Errorf("shallow clone has %s commits", out)
	}
	v2 := filepath.Join(t.TempDir(), "v2")
	out, err := f.git("", "-c", "protocol.version=2", "clone", f.url, v2)
	if err != nil {
		t.Fatalf("protocol v2 clone: %v\n%s", err, out)
	}
	// Read access can be limited to signed-in people.
	f.publicRead.Store(false)
	if out, err := f.git("", "clone", f.url, filepath.Join(t.TempDir(), "anon")); err == nil {
		t.Errorf("anonymous clone of a members-only curriculum worked:\n%s", out)
	}
	f.mustGit("", "clone", f.authURL("bob"), filepath.Join(t.TempDir(), "member"))
}

func TestPushOpensAndUpdatesAProposal(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	ctx := context.Background()
	alice := f.users["alice"]
	dir := f.clone()
	plan := filepath.Join(dir, "modules", stigma, "module.md")
	src, _ := os.ReadFile(plan)
	os.WriteFile(plan, []byte(strings.Replace(string(src), "## ", "A pushed line.\n\n## ", 1)), 0o644)
	f.mustGit(dir, "commit", "-am", "Shorter debrief\n\nThe debrief ran over in Leeds.")
	branch := fmt.Sprintf("proposals/%d/debrief", alice.ID)
	f.mustGit(dir, "push", f.authURL("alice"), "HEAD:refs/heads/"+branch)
	p, err := f.db.FindProposalByBranch(ctx, branch)
	if err != nil {
		t.Fatalf("no proposal after the push: %v", err)
	}
	if p.Title != "Shorter debrief" || p.Description != "The debrief ran over in Leeds." || len(p.Modules) != 1 || p.Modules[0] != stigma || p.AuthorID != alice.ID {
		t.Errorf("proposal from push: %+v", p)
	}
	// Force-pushing one's own branch is allowed and recorded.
	f.mustGit(dir, "commit", "--amend", "-m", "Shorter debrief, take two")
	head := strings.TrimSpace(f.mustGit(dir, "rev-parse", "HEAD"))
	f.mustGit(dir, "push", "--force", f.authURL("alice"), "HEAD:refs/heads/"+branch)
	again, _ := f.db.FindProposal(ctx, p.ID)
	if again.Head != head {
		t.Errorf("head after force-push %s, want %s", again.Head, head)
	}
	events, _ := f.review.Activity(ctx, praxis.ActivityFilter{ProposalID: p.ID})
	forced := false
	for _, e := range events {
		forced = forced || e.Detail == "force-pushed"
	}
	if !forced {
		t.Errorf("the force-push was not recorded: %+v", events)
	}
	f.fsck()
}

func TestPushesPraxisRefuses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1<<20)
	alice, bob := f.users["alice"], f.users["bob"]
	dir := f.clone()
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("changed\n"), 0o644)
	f.mustGit(dir, "commit", "-am", "Change")
	for _, c := range []struct {
		name, url, ref, want string
	}{
		{"to main", f.authURL("alice"), "refs/heads/main", "praxis: you cannot push to refs/heads/main"},
		{"to a tag", f.authURL("alice"), "refs/tags/v1", "praxis: you cannot push to refs/tags/v1"},
		{"to someone else's branch", f.authURL("alice"), fmt.Sprintf("refs/heads/proposals/%d/x", bob.ID), "you cannot push to"},
		{"anonymously", f.url, fmt.Sprintf("refs/heads/proposals/%d/x", alice.ID), "could not read Username"},
		{"as a suspended account", f.authURL("carol"), fmt.Sprintf("refs/heads/proposals/%d/x", f.users["carol"].ID), "Authentication failed"},
		{"with a wrong token", strings.Replace(f.authURL("alice"), "praxis_", "praxis_x", 1), fmt.Sprintf("refs/heads/proposals/%d/x", alice.ID), "Authentication failed"},
	} {
		out, err := f.git(dir, "push", c.url, "HEAD:"+c.ref)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("push %s: err %v, want %q in\n%s", c.name, err, c.want, out)
		}
	}
	main, _ := f.store.Branch(context.Background(), "main")
	if strings.TrimSpace(f.mustGit(f.repo, "rev-parse", "main")) != main {
		t.Error("main moved")
	}
	// A push larger than the limit is refused; the repository stays whole.
	big := make([]byte, 3<<20)
	rand.Read(big)
	os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644)
	f.mustGit(dir, "add", "big.bin")
	f.mustGit(dir, "commit", "-m", "Big")
	if out, err := f.git(dir, "push", f.authURL("alice"), fmt.Sprintf("HEAD:refs/heads/proposals/%d/big", alice.ID)); err == nil {
		t.Errorf("a 3 MB push past a 1 MB limit was accepted:\n%s", out)
	}
	// Malformed pack data is refused.
	req, _ := http.NewRequest(http.MethodPost, f.url+"/git-receive-pack", strings.NewReader("0000garbage that is not a pack"))
	req.SetBasicAuth("alice@example.org", f.tokens["alice"])
	req.Header.Set("Content-Type", "application/x-git-receive-pack-request")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if refs := f.mustGit(f.repo, "for-each-ref", "refs/heads/proposals"); refs != "" {
		t.Errorf("refused pushes left refs: %s", refs)
	}
	f.fsck()
}

func TestBrokenModuleBecomesAProposalThatCannotMerge(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	ctx := context.Background()
	alice := f.users["alice"]
	dir := f.clone()
	os.WriteFile(filepath.Join(dir, "modules", stigma, "module.md"), []byte("---\ntitle: [unclosed\n---\nbody\n"), 0o644)
	f.mustGit(dir, "commit", "-am", "Break the plan")
	branch := fmt.Sprintf("proposals/%d/broken", alice.ID)
	f.mustGit(dir, "push", f.authURL("alice"), "HEAD:refs/heads/"+branch)
	p, err := f.db.FindProposalByBranch(ctx, branch)
	if err != nil {
		t.Fatal(err)
	}
	view, err := f.review.Proposal(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Lint.Introduced) == 0 {
		t.Error("the broken plan shows no lint problems")
	}
	if _, err := f.review.Review(ctx, f.users["maya"], p.ID, "approve", "fine", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.review.Merge(ctx, f.users["maya"], p.ID, view.Head); err == nil {
		t.Error("a proposal with a broken plan merged")
	}
}

func TestPushesConcurrentWithMerges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	ctx := context.Background()
	alice, maya := f.users["alice"], f.users["maya"]
	dir := f.clone()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // pushes
		defer wg.Done()
		for i := range 5 {
			os.WriteFile(filepath.Join(dir, "modules", stigma, "handouts", fmt.Sprintf("pushed-%d.md", i)), []byte(fmt.Sprintf("# Pushed %d\n", i)), 0o644)
			if out, err := f.git(dir, "add", "-A"); err != nil {
				t.Errorf("add: %v %s", err, out)
				return
			}
			f.git(dir, "commit", "-m", fmt.Sprintf("Pushed %d", i))
			if out, err := f.git(dir, "push", f.authURL("alice"), fmt.Sprintf("HEAD:refs/heads/proposals/%d/p%d", alice.ID, i)); err != nil {
				t.Errorf("push %d: %v\n%s", i, err, out)
			}
		}
	}()
	go func() { // proposals merged in the web app meanwhile
		defer wg.Done()
		for i := range 5 {
			slug := "organising-1-one-to-ones"
			p, err := f.review.CreateProposal(ctx, f.users["bob"], review.NewProposal{Module: slug, Title: fmt.Sprintf("Web %d", i),
				Edits: []review.Edit{{Path: fmt.Sprintf("handouts/web-%d.md", i), Content: []byte(fmt.Sprintf("# Web %d\n", i))}}})
			if err != nil {
				t.Errorf("proposal %d: %v", i, err)
				return
			}
			if _, err := f.review.Review(ctx, maya, p.ID, "approve", "yes", ""); err != nil {
				t.Errorf("approve %d: %v", i, err)
			}
			view, _ := f.review.Proposal(ctx, p.ID)
			if _, err := f.review.Merge(ctx, maya, p.ID, view.Head); err != nil {
				t.Errorf("merge %d: %v", i, err)
			}
		}
	}()
	wg.Wait()
	refs := f.mustGit(f.repo, "for-each-ref", "--format=%(refname)", fmt.Sprintf("refs/heads/proposals/%d/", alice.ID))
	if n := strings.Count(refs, "\n"); n != 5 {
		t.Errorf("%d pushed branches, want 5:\n%s", n, refs)
	}
	log := f.mustGit(f.repo, "log", "--oneline", "main")
	if strings.Count(log, "Web ") < 5 {
		t.Errorf("merges lost:\n%s", log)
	}
	f.fsck()
}

func TestWithoutGit(t *testing.T) {
	t.Parallel()
	server, err := githttp.New(githttp.Config{Repository: t.TempDir() + "/curriculum.git", Git: "/nonexistent/git"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	server.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/curriculum.git/info/refs?service=git-upload-pack", nil))
	if rec.Code != http.StatusNotImplemented || !strings.Contains(rec.Body.String(), "git program") {
		t.Errorf("without git: %d %s", rec.Code, rec.Body.String())
	}
}

func TestPushingAgainAfterAMergeOpensANewProposal(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	ctx := context.Background()
	alice, maya := f.users["alice"], f.users["maya"]
	dir := f.clone()
	branch := fmt.Sprintf("proposals/%d/handouts", alice.ID)
	push := func(name, message string) *praxis.Proposal {
		t.Helper()
		os.WriteFile(filepath.Join(dir, "modules", stigma, "handouts", name), []byte("# "+name+"\n"), 0o644)
		f.mustGit(dir, "add", "-A")
		f.mustGit(dir, "commit", "-m", message)
		f.mustGit(dir, "push", "--force", f.authURL("alice"), "HEAD:refs/heads/"+branch)
		p, err := f.db.FindProposalByBranch(ctx, branch)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := push("one.md", "First handout")
	view, _ := f.review.Proposal(ctx, first.ID)
	if _, err := f.review.Review(ctx, maya, first.ID, "approve", "yes", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.review.Merge(ctx, maya, first.ID, view.Head); err != nil {
		t.Fatal(err)
	}
	second := push("two.md", "Second handout")
	if second.ID == first.ID || second.Status != praxis.ProposalOpen || second.Title != "Second handout" {
		t.Errorf("a push after the merge: %+v, first was %d", second, first.ID)
	}
	merged, err := f.review.Proposal(ctx, first.ID)
	if err != nil || merged.Status != praxis.ProposalMerged || merged.Head != view.Head {
		t.Errorf("the merged proposal after its branch was reused: %+v %v", merged, err)
	}
}

// A push git accepted but praxis never handled (killed in between) is not
// lost: pushing again, though git finds everything up to date, opens its
// proposal.
func TestPushWhoseHandlingWasLostIsProposedAtTheNextPush(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	ctx := context.Background()
	alice := f.users["alice"]
	dir := f.clone()
	plan := filepath.Join(dir, "modules", stigma, "module.md")
	src, _ := os.ReadFile(plan)
	os.WriteFile(plan, []byte(strings.Replace(string(src), "## ", "A line pushed before a crash.\n\n## ", 1)), 0o644)
	f.mustGit(dir, "commit", "-am", "Before the crash\n\nPushed as praxis went down.")
	branch := fmt.Sprintf("proposals/%d/crash", alice.ID)
	f.lost.Store(true)
	f.mustGit(dir, "push", f.authURL("alice"), "HEAD:refs/heads/"+branch)
	f.lost.Store(false)
	if _, err := f.db.FindProposalByBranch(ctx, branch); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Fatalf("a lost push has a proposal already: %v", err)
	}
	out := f.mustGit(dir, "push", f.authURL("alice"), "HEAD:refs/heads/"+branch)
	if !strings.Contains(out, "Everything up-to-date") {
		t.Fatalf("the second push was not a no-op:\n%s", out)
	}
	p, err := f.db.FindProposalByBranch(ctx, branch)
	if err != nil {
		t.Fatalf("pushing again opened no proposal: %v", err)
	}
	head := strings.TrimSpace(f.mustGit(dir, "rev-parse", "HEAD"))
	if p.Title != "Before the crash" || p.Head != head || p.AuthorID != alice.ID || p.Status != praxis.ProposalOpen {
		t.Errorf("proposal = %+v", p)
	}
	// Another push does not open a second one.
	f.mustGit(dir, "push", f.authURL("alice"), "HEAD:refs/heads/"+branch)
	if list, total, _ := f.db.ListProposals(ctx, praxis.ProposalFilter{}); total != 1 {
		t.Errorf("%d proposals after pushing three times, want 1: %+v", total, list)
	}
	// Bob's pushes are his own: they do not adopt Alice's branches.
	f.lost.Store(true)
	other := fmt.Sprintf("proposals/%d/also-lost", alice.ID)
	f.mustGit(dir, "push", f.authURL("alice"), "HEAD:refs/heads/"+other)
	f.lost.Store(false)
	f.mustGit(dir, "push", f.authURL("bob"), fmt.Sprintf("HEAD:refs/heads/proposals/%d/mine", f.users["bob"].ID))
	if _, err := f.db.FindProposalByBranch(ctx, other); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("Bob's push opened a proposal on Alice's branch: %v", err)
	}
}
