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
	"math"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// DefaultMaxPush is the largest push accepted (the pack's size).
const DefaultMaxPush = 50 << 20

// maxFetchBody bounds the body of a fetch's negotiation (the commits the
// client wants and has), which is kilobytes.
const maxFetchBody = 10 << 20

// DefaultMaxFile is the largest object a push may bring, inflated: the 5 MB
// praxis accepts for a file saved in the browser.
const DefaultMaxFile = 5 << 20

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
	// MaxFile bounds the size of every object a push brings (a file, a
	// tree, a commit), inflated, which is what a decompression bomb
	// inflates; 0 means DefaultMaxFile. The pre-receive hook refuses
	// larger ones, naming the file.
	MaxFile int64
	// MaxRequests bounds the git requests running at once (each is git
	// http-backend and up to two git processes under it); beyond it,
	// requests are refused with 503 and words git shows. 0 means
	// DefaultMaxRequests.
	MaxRequests int
	// MaxPerClient bounds the git requests one client address runs at once;
	// 0 means DefaultMaxPerClient.
	MaxPerClient int
	// ClientAddress names the client of a request, for MaxPerClient; nil
	// means the host of its remote address. Behind a proxy, give the
	// address the proxy reports.
	ClientAddress func(r *http.Request) string
	// MinRate, Grace and MaxDuration pace a request (see DefaultMinRate):
	// 0 means the default.
	MinRate     int64
	Grace       time.Duration
	MaxDuration time.Duration
	// Quota, when set, is asked whether a person may push as a push starts:
	// when not (ETOOLARGE, ETOOMANY), the pre-receive hook refuses every ref
	// the push would create or move, with the quota's words, which git
	// prints, and lets deletions through (they are how one frees room). It
	// is told the size of each push that changed something.
	Quota Quota
	// HoldObjects, when set, keeps the repository's objects from being
	// pruned while a push runs (its objects land before its refs move),
	// until the release it returns is called.
	HoldObjects func() (release func(), err error)
	Logger      *slog.Logger
}

// Quota bounds what people push.
type Quota interface {
	// AllowPush reports whether a person may create or move branches now:
	// ETOOLARGE when their branches hold as much as they may keep,
	// ETOOMANY when they have written as much as they may for now; any
	// other error is internal.
	AllowPush(ctx context.Context, userID int64) error
	// Pushed counts the bytes of a push that changed something.
	Pushed(userID, size int64)
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
	limits limiter
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
	if cfg.MaxFile == 0 {
		cfg.MaxFile = DefaultMaxFile
	}
	cfg.MaxRequests = cmp.Or(cfg.MaxRequests, DefaultMaxRequests)
	cfg.MaxPerClient = cmp.Or(cfg.MaxPerClient, DefaultMaxPerClient)
	cfg.MinRate = cmp.Or(cfg.MinRate, DefaultMinRate)
	cfg.Grace = cmp.Or(cfg.Grace, DefaultGrace)
	cfg.MaxDuration = cmp.Or(cfg.MaxDuration, DefaultMaxDuration)
	if cfg.ClientAddress == nil {
		cfg.ClientAddress = clientAddress
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
// naming the ref and where the person may push; then, when praxis passes
// PRAXIS_PUSH_REFUSE (the person is over their quota), every ref the push
// would create or move, with praxis's words; then every object the push
// brings that is larger than PRAXIS_MAX_FILE, naming the file. git reads the
// sizes from the objects' headers (cat-file --batch-check), so a gigabyte of
// zeros costs nothing to refuse, and a refused push's objects never leave
// git's quarantine.
const preReceive = `#!/bin/sh
# Written by praxis at every start; changes here are lost.
# praxis decides which refs a push may change and passes the prefix in
# PRAXIS_PUSH_PREFIX; everything else is refused with a message git prints.
if [ -z "$PRAXIS_PUSH_PREFIX" ]; then
	echo "praxis: pushes go through praxis's web address, signed in with an API token" >&2
	exit 1
fi
status=0
tips=""
while read old new ref; do
	case "$ref" in
	"$PRAXIS_PUSH_PREFIX"?*) ;;
	*)
		echo "praxis: you cannot push to $ref. Push your changes to ${PRAXIS_PUSH_PREFIX}<topic>: praxis opens a proposal from them." >&2
		status=1
		;;
	esac
	case "$new" in
	*[!0]*) tips="$tips $new" ;;
	esac
done
if [ $status -ne 0 ] || [ -z "$tips" ]; then
	exit $status
fi
# Over their quota, a person may still delete branches, to make room.
if [ -n "$PRAXIS_PUSH_REFUSE" ]; then
	echo "praxis: $PRAXIS_PUSH_REFUSE" >&2
	exit 1
fi
[ -n "$PRAXIS_MAX_FILE" ] || exit 0
git rev-list --objects $tips --not --all |
git cat-file --batch-check='%(objectsize) %(objecttype) %(rest)' |
awk -v max="$PRAXIS_MAX_FILE" '
	$1 + 0 > max + 0 {
		name = $0
		sub(/^[0-9]+ [a-z]+ ?/, "", name)
		if (name == "") name = "a " $2 " object"
		printf "praxis: %s is %.1f MB; praxis accepts files up to %.0f MB. Take it out of your commits and push again.\n", name, $1 / 1048576, max / 1048576
		refused = 1
	}
	END { exit refused }' >&2
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
		s.limits.tooLarge.Add(1)
		http.Error(w, fmt.Sprintf("praxis: this push is larger than the %d MB praxis accepts", s.cfg.MaxPush>>20), http.StatusRequestEntityTooLarge)
		return
	}
	release, err := s.limits.acquire(s.cfg.ClientAddress(r), s.cfg.MaxRequests, s.cfg.MaxPerClient)
	if err != nil {
		refuseBusy(w, err, s.cfg.MaxPerClient)
		return
	}
	defer release()
	start := time.Now()
	p := &pace{rc: http.NewResponseController(w), grace: s.cfg.Grace, rate: s.cfg.MinRate, end: start.Add(s.cfg.MaxDuration)}
	_ = p.rc.SetReadDeadline(p.end)
	_ = p.rc.SetWriteDeadline(p.end)
	w = &pacedWriter{ResponseWriter: w, pace: p}
	defer func() {
		if p.slow.Load() {
			s.limits.slow.Add(1)
			s.cfg.Logger.Info("git request stopped: too slow", "client", s.cfg.ClientAddress(r), "path", r.URL.Path)
		}
	}()
	var body *pacedBody
	if r.Method == http.MethodPost {
		// Go's CGI host refuses chunked bodies, which git sends for every
		// pack over its http.postBuffer (1 MB); git http-backend reads to
		// the end of its input when it is given no CONTENT_LENGTH.
		if len(r.TransferEncoding) > 0 {
			r = r.Clone(r.Context())
			r.TransferEncoding = nil
			r.ContentLength = -1
		}
		limit := int64(maxFetchBody)
		if push {
			limit = s.cfg.MaxPush
		}
		body = &pacedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), pace: p, start: start}
		r.Body = body
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
		// Pushes land as loose objects, which a prune can reclaim when
		// their branch is deleted; a pack is never deleted.
		{"receive.unpackLimit", strconv.Itoa(math.MaxInt32)},
	}
	var pushLog string
	if push && user != nil && r.Method == http.MethodPost && s.cfg.HoldObjects != nil {
		hold, err := s.cfg.HoldObjects()
		if err != nil {
			s.cfg.Logger.Error("git push: hold the objects", "err", err)
			http.Error(w, "praxis: internal error", http.StatusInternalServerError)
			return
		}
		defer hold()
	}
	if push && user != nil {
		env = append(env, "REMOTE_USER="+strconv.FormatInt(user.ID, 10), "PRAXIS_PUSH_PREFIX="+PushPrefix(user.ID),
			"PRAXIS_MAX_FILE="+strconv.FormatInt(s.cfg.MaxFile, 10))
		if s.cfg.Quota != nil && r.Method == http.MethodPost {
			if err := s.cfg.Quota.AllowPush(r.Context(), user.ID); err != nil {
				if code := praxis.ErrorCode(err); code != praxis.ETOOLARGE && code != praxis.ETOOMANY {
					s.cfg.Logger.Error("git push: quota", "err", err)
					http.Error(w, "praxis: internal error", http.StatusInternalServerError)
					return
				}
				env = append(env, "PRAXIS_PUSH_REFUSE="+strings.ReplaceAll(praxis.ErrorMessage(err), "\n", " "))
			}
		}
		// Blobs over the file limit are streamed to disk by index-pack and
		// unpack-objects rather than inflated in memory, before the hook
		// refuses them.
		config = append(config, [2]string{"core.bigFileThreshold", strconv.FormatInt(s.cfg.MaxFile, 10)})
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
	if !push || user == nil {
		return
	}
	var updates []Update
	if pushLog != "" {
		if updates, err = readPushLog(pushLog); err != nil {
			s.cfg.Logger.Error("git push: read what changed", "err", err)
		}
	}
	if len(updates) > 0 && body != nil && s.cfg.Quota != nil {
		s.cfg.Quota.Pushed(user.ID, body.n)
	}
	if s.cfg.Pushed != nil {
		s.cfg.Pushed(context.WithoutCancel(r.Context()), user, updates)
	}
}

// Refusals counts the requests refused so far, by reason.
func (s *Server) Refusals() Refusals {
	return Refusals{Busy: s.limits.busy.Load(), ClientBusy: s.limits.clientBusy.Load(),
		Slow: s.limits.slow.Load(), TooLarge: s.limits.tooLarge.Load()}
}

// Running is how many git requests are running now.
func (s *Server) Running() int { return s.limits.running() }

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
