// Package githttp serves the curriculum repository to stock git clients over
// HTTP: clone, fetch, shallow clones and protocol v2 for anyone (or for
// signed-in people, by an instance setting), and pushes of proposal branches
// for signed-in contributors. It runs git's own http-backend through
// net/http/cgi, because go-git's server transport fails ordinary fetches and
// pushes. Which refs a push may change is praxis's decision: praxis passes it
// to a pre-receive hook, which refuses everything else with a message the git
// client prints; a post-receive hook reports what changed, and praxis turns
// proposal branches into proposals.
package githttp

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// DefaultMaxPush is the largest push accepted (the pack's size).
const DefaultMaxPush = 50 << 20

// Config holds what the git server needs.
type Config struct {
	// Repository is the bare repository's folder; it is served at
	// /<base name>, such as /curriculum.git.
	Repository string
	// Git is the git program; "" finds it on PATH.
	Git string
	// Authenticate returns the person behind a request's HTTP basic
	// credentials (email and API token), nil when there are none, and an
	// error when they are wrong or the account may not be used.
	Authenticate func(r *http.Request) (*praxis.User, error)
	// CanPush reports whether a person may push proposal branches.
	CanPush func(u *praxis.User) bool
	// PublicRead reports whether anonymous visitors may clone and fetch.
	PublicRead func(ctx context.Context) bool
	// Pushed is called after each request of a push by a signed-in person,
	// with the refs it changed: none for the ref advertisement that starts
	// every push (all that a push with nothing new sends: "Everything
	// up-to-date"), so that praxis can catch up on a push whose handling was
	// lost.
	Pushed func(ctx context.Context, u *praxis.User, updates []Update)
	// MaxPush bounds a push's size in bytes; 0 means DefaultMaxPush.
	MaxPush int64
	Logger  *slog.Logger
}

// Update is one ref a push changed.
type Update struct {
	Old, New, Ref string
	// Commits are the commits the push brought on this ref that no other
	// ref had (git rev-list new ^old --not --all, the pushed refs aside),
	// newest first: the commits the pusher is responsible for.
	Commits []string
}

// Server serves the repository.
type Server struct {
	cfg    Config
	git    string // "" when there is no git: every request answers 501
	hooks  string
	root   string // GIT_PROJECT_ROOT
	name   string // the repository's folder name
	logDir string
}

// noGit is the answer of a praxis without the git program.
const noGit = "git over HTTP needs the git program, which is not installed on this server; everything else in praxis works without it."

// New prepares the server: finds git and writes praxis's hooks to a folder
// beside the repository (never inside it, so clones do not carry them).
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxPush == 0 {
		cfg.MaxPush = DefaultMaxPush
	}
	s := &Server{cfg: cfg, root: filepath.Dir(cfg.Repository), name: filepath.Base(cfg.Repository)}
	git, _ := exec.LookPath(cmp.Or(cfg.Git, "git"))
	if git == "" {
		return s, nil
	}
	s.git = git
	s.hooks = filepath.Join(s.root, "hooks")
	s.logDir = filepath.Join(s.root, "tmp")
	if err := writeHooks(s.hooks); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.logDir, 0o700); err != nil {
		return nil, fmt.Errorf("githttp: %w", err)
	}
	return s, nil
}

// preReceive refuses every ref outside the prefix praxis allows this push,
// naming the ref and where the person may push.
const preReceive = `#!/bin/sh
# Written by praxis at every start; changes here are lost.
# praxis decides which refs a push may change and passes the prefix in
# PRAXIS_PUSH_PREFIX; everything else is refused with a message git prints.
if [ -z "$PRAXIS_PUSH_PREFIX" ]; then
	echo "praxis: pushes go through praxis's web address, signed in with an API token" >&2
	exit 1
fi
status=0
while read old new ref; do
	case "$ref" in
	"$PRAXIS_PUSH_PREFIX"?*) ;;
	*)
		echo "praxis: you cannot push to $ref. Push your changes to ${PRAXIS_PUSH_PREFIX}<topic>: praxis opens a proposal from them." >&2
		status=1
		;;
	esac
done
exit $status
`

// postReceive tells praxis which refs changed ("old new ref" lines) and, for
// each, which commits the push brought that no other ref had ("commit id ref"
// lines): the refs are updated by now, so the pushed refs are left out of
// --all and their old values excluded instead.
const postReceive = `#!/bin/sh
# Written by praxis at every start; changes here are lost.
[ -n "$PRAXIS_PUSH_LOG" ] || exit 0
updates=$(cat)
printf '%s\n' "$updates" >> "$PRAXIS_PUSH_LOG"
excludes=$(printf '%s\n' "$updates" | while read old new ref; do printf ' --exclude=%s' "$ref"; done)
printf '%s\n' "$updates" | while read old new ref; do
	case "$new" in *[!0]*) ;; *) continue ;; esac
	not=
	case "$old" in *[!0]*) not="^$old" ;; esac
	git rev-list "$new" $not --not $excludes --all | while read commit; do
		echo "commit $commit $ref"
	done >> "$PRAXIS_PUSH_LOG"
done
exit 0
`

func writeHooks(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("githttp: hooks: %w", err)
	}
	for name, body := range map[string]string{"pre-receive": preReceive, "post-receive": postReceive} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			return fmt.Errorf("githttp: hooks: %w", err)
		}
	}
	return nil
}

// PushPrefix is the ref prefix a person may push to.
func PushPrefix(userID int64) string { return fmt.Sprintf("refs/heads/proposals/%d/", userID) }

// isPush reports whether a request is part of a push.
func isPush(r *http.Request) bool {
	return r.URL.Query().Get("service") == "git-receive-pack" || strings.HasSuffix(r.URL.Path, "/git-receive-pack")
}

func challenge(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="praxis", charset="UTF-8"`)
	http.Error(w, msg, http.StatusUnauthorized)
}

// ServeHTTP serves /<repository>/... as git's smart HTTP protocol.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.git == "" {
		http.Error(w, noGit, http.StatusNotImplemented)
		return
	}
	user, err := s.cfg.Authenticate(r)
	if err != nil {
		challenge(w, "praxis: "+praxis.ErrorMessage(err))
		return
	}
	push := isPush(r)
	switch {
	case push && user == nil:
		challenge(w, "praxis: sign in to push: your email address as the user name and an API token (from your account page) as the password")
		return
	case push && !s.cfg.CanPush(user):
		http.Error(w, "praxis: your account cannot propose changes", http.StatusForbidden)
		return
	case !push && user == nil && !s.cfg.PublicRead(r.Context()):
		challenge(w, "praxis: this curriculum is open to signed-in members only")
		return
	}
	if push && r.Method == http.MethodPost && r.ContentLength > s.cfg.MaxPush {
		http.Error(w, fmt.Sprintf("praxis: this push is larger than the %d MB praxis accepts", s.cfg.MaxPush>>20), http.StatusRequestEntityTooLarge)
		return
	}
	env := []string{
		"GIT_PROJECT_ROOT=" + s.root,
		"GIT_HTTP_EXPORT_ALL=1",
		"GIT_HTTP_MAX_REQUEST_BUFFER=" + strconv.FormatInt(s.cfg.MaxPush, 10),
	}
	config := [][2]string{
		{"core.hooksPath", s.hooks},
		{"uploadpack.allowFilter", "true"},
		{"uploadpack.allowAnySHA1InWant", "false"},
		{"receive.maxInputSize", strconv.FormatInt(s.cfg.MaxPush, 10)},
		{"receive.fsckObjects", "true"},
		{"http.receivepack", strconv.FormatBool(push && user != nil)},
	}
	var pushLog string
	if push && user != nil {
		env = append(env, "REMOTE_USER="+strconv.FormatInt(user.ID, 10), "PRAXIS_PUSH_PREFIX="+PushPrefix(user.ID))
		if r.Method == http.MethodPost {
			f, err := os.CreateTemp(s.logDir, "push-*.log")
			if err != nil {
				s.cfg.Logger.Error("git push: temp file", "err", err)
				http.Error(w, "praxis: internal error", http.StatusInternalServerError)
				return
			}
			f.Close()
			pushLog = f.Name()
			defer os.Remove(pushLog)
			env = append(env, "PRAXIS_PUSH_LOG="+pushLog)
		}
	}
	env = append(env, "GIT_CONFIG_COUNT="+strconv.Itoa(len(config)))
	for i, kv := range config {
		env = append(env, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", i, kv[0]), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", i, kv[1]))
	}
	h := &cgi.Handler{Path: s.git, Args: []string{"http-backend"}, Root: "/", Env: env,
		InheritEnv: []string{"PATH", "HOME", "LANG", "TMPDIR"}, Logger: nil, Stderr: os.Stderr}
	h.ServeHTTP(w, r)
	if !push || user == nil || s.cfg.Pushed == nil {
		return
	}
	var updates []Update
	if pushLog != "" {
		if updates, err = readPushLog(pushLog); err != nil {
			s.cfg.Logger.Error("git push: read what changed", "err", err)
		}
	}
	s.cfg.Pushed(context.WithoutCancel(r.Context()), user, updates)
}

func readPushLog(name string) ([]Update, error) {
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Update
	commits := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Fields(sc.Text())
		switch {
		case len(parts) == 3 && parts[0] == "commit":
			commits[parts[2]] = append(commits[parts[2]], parts[1])
		case len(parts) == 3:
			out = append(out, Update{Old: parts[0], New: parts[1], Ref: parts[2]})
		}
	}
	for i := range out {
		out[i].Commits = commits[out[i].Ref]
	}
	return out, sc.Err()
}
