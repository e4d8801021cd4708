package githttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/githttp"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// TestPushReportsTheCommitsItBrought: each pushed ref comes with the commits
// the push brought that no other ref had, the ones its pusher is
// responsible for; commits already on another branch are not among them.
func TestPushReportsTheCommitsItBrought(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	accounts := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: env.DB})
	users, tokens := map[string]*praxis.User{}, map[string]string{}
	for _, name := range []string{"alice", "bob"} {
		u, _, err := accounts.AddUser(ctx, account.NewUser{Email: name + "@example.org", Name: name, Roles: []praxis.Role{praxis.RoleFacilitator}})
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
		if tokens[name], err = accounts.CreateTokenFor(ctx, u.Email, "git"); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var pushes [][]githttp.Update
	server, err := githttp.New(githttp.Config{Repository: env.Store.Path(),
		Authenticate: func(r *http.Request) (*praxis.User, error) {
			email, token, ok := r.BasicAuth()
			if !ok {
				return nil, nil
			}
			return accounts.AuthenticateBasic(r.Context(), email, token)
		},
		CanPush:    func(*praxis.User) bool { return true },
		PublicRead: func(context.Context) bool { return true },
		Pushed: func(_ context.Context, _ *praxis.User, updates []githttp.Update) {
			mu.Lock()
			pushes = append(pushes, updates)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/curriculum.git/", server)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	remote := func(name string) string {
		u, _ := url.Parse(ts.URL + "/curriculum.git")
		u.User = url.UserPassword(name+"@example.org", tokens[name])
		return u.String()
	}
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir(),
			"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.org", "GIT_COMMITTER_NAME=A", "GIT_COMMITTER_EMAIL=a@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	commit := func(dir, line string) string {
		t.Helper()
		f, _ := os.OpenFile(filepath.Join(dir, "NOTES.md"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		f.WriteString(line + "\n")
		f.Close()
		git(dir, "add", "NOTES.md")
		git(dir, "commit", "--quiet", "-m", line)
		return git(dir, "rev-parse", "HEAD")
	}
	last := func() githttp.Update {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if len(pushes) == 0 || len(pushes[len(pushes)-1]) != 1 {
			t.Fatalf("pushes = %+v", pushes)
		}
		return pushes[len(pushes)-1][0]
	}

	dir := filepath.Join(t.TempDir(), "alice")
	git("", "clone", "--quiet", remote("alice"), dir)
	a1, a2 := commit(dir, "one"), commit(dir, "two")
	aliceBranch := fmt.Sprintf("refs/heads/proposals/%d/notes", users["alice"].ID)
	git(dir, "push", "--quiet", "origin", "HEAD:"+aliceBranch)
	if got := last(); strings.Join(got.Commits, " ") != a2+" "+a1 {
		t.Errorf("first push brought %v, want [%s %s]", got.Commits, a2, a1)
	}
	a3 := commit(dir, "three")
	git(dir, "push", "--quiet", "origin", "HEAD:"+aliceBranch)
	if got := last(); strings.Join(got.Commits, " ") != a3 {
		t.Errorf("second push brought %v, want [%s]", got.Commits, a3)
	}

	// Bob builds on Alice's branch: only his own commit is new.
	bob := filepath.Join(t.TempDir(), "bob")
	git("", "clone", "--quiet", remote("bob"), bob)
	git(bob, "fetch", "--quiet", "origin", aliceBranch+":alice")
	git(bob, "checkout", "--quiet", "alice")
	b1 := commit(bob, "bob's")
	git(bob, "push", "--quiet", "origin", fmt.Sprintf("HEAD:refs/heads/proposals/%d/more", users["bob"].ID))
	if got := last(); strings.Join(got.Commits, " ") != b1 {
		t.Errorf("bob's push brought %v, want only his commit %s", got.Commits, b1)
	}
}
