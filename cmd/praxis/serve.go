package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/praxis-coop/praxis/internal/githttp"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/metrics"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/web"
)

// shutdownGrace is how long in-flight requests get to finish on SIGINT/SIGTERM.
const shutdownGrace = 20 * time.Second

// indexPoll is how often serve checks whether main moved (one read of a small
// file), so that changes made behind praxis's back reach the history index.
const indexPoll = time.Second

// defaultMinFreeSpace is the free space below which /healthz fails: room for
// a day of busy writing and a backup, and time for an operator to act.
const defaultMinFreeSpace = "512MB"

// parseSize reads a size such as 512MB, 2GB, 1.5GiB or 1048576 (bytes).
// Units are decimal (KB, MB, GB, TB) or binary (KiB, MiB, GiB, TiB).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		scale  float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"B", 1}}
	number, scale := strings.ToUpper(s), 1.0
	for _, u := range units {
		if rest, ok := strings.CutSuffix(number, u.suffix); ok {
			number, scale = strings.TrimSpace(rest), u.scale
			break
		}
	}
	n, err := strconv.ParseFloat(number, 64)
	if err != nil || n < 0 || n*scale > 1<<62 {
		return 0, errors.New("give a size such as 512MB, 2GB or 0")
	}
	return int64(n * scale), nil
}

func runServe(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "serve", "serve [flags]",
		`Runs praxis: the web app, the JSON API and the curriculum repository. On first
start it creates the data directory, a SQLite database and a git repository of
the starter curriculum in it. Stop it with Ctrl-C (SIGINT) or SIGTERM; requests in
flight are allowed to finish.`)
	addr := fs.String("addr", envOr(env, "PRAXIS_ADDR", "127.0.0.1:8080"), "`HOST:PORT` to listen on (env PRAXIS_ADDR)")
	dataDir := fs.String("data", envOr(env, "PRAXIS_DATA", defaultDataDir), "`DIR` holding the database and the curriculum repository (env PRAXIS_DATA)")
	logFormat := fs.String("log-format", envOr(env, "PRAXIS_LOG_FORMAT", "text"), "log `FORMAT`: text or json (env PRAXIS_LOG_FORMAT)")
	logLevel := fs.String("log-level", envOr(env, "PRAXIS_LOG_LEVEL", "info"), "log `LEVEL`: debug, info, warn or error (env PRAXIS_LOG_LEVEL)")
	baseURL := fs.String("base-url", envOr(env, "PRAXIS_BASE_URL", ""), "public `URL` of praxis, such as https://praxis.example.org, used in every link that leaves praxis (emails, feedback links and QR codes, PDF footers, the clone address); without it, the address praxis listens on (localhost for 0.0.0.0); an https URL also marks cookies Secure (env PRAXIS_BASE_URL)")
	behindProxy := fs.Bool("behind-proxy", envOr(env, "PRAXIS_BEHIND_PROXY", "") == "true", "trust X-Forwarded-For from a reverse proxy for client addresses (env PRAXIS_BEHIND_PROXY=true)")
	smtpAddr := fs.String("smtp-addr", envOr(env, "PRAXIS_SMTP_ADDR", ""), "`HOST:PORT` of an SMTP server for reset links, invitations and notifications; empty sends no mail (env PRAXIS_SMTP_ADDR)")
	smtpFrom := fs.String("smtp-from", envOr(env, "PRAXIS_SMTP_FROM", ""), "sender `ADDRESS` of mail, such as \"praxis <praxis@example.org>\" (env PRAXIS_SMTP_FROM)")
	smtpUser := fs.String("smtp-user", envOr(env, "PRAXIS_SMTP_USER", ""), "SMTP `USERNAME`; the password comes from env PRAXIS_SMTP_PASSWORD (env PRAXIS_SMTP_USER)")
	backupEvery := fs.Duration("backup-every", envDuration(env, "PRAXIS_BACKUP_EVERY"), "write a backup to DIR/backups this often, such as 24h; 0 for none (env PRAXIS_BACKUP_EVERY)")
	backupKeep := fs.Int("backup-keep", 14, "how many scheduled backups to keep")
	curriculumFrom := fs.String("curriculum-from", envOr(env, "PRAXIS_CURRICULUM_FROM", ""), "on a first start, clone the curriculum from this git `URL` or path instead of starting from the one praxis ships (env PRAXIS_CURRICULUM_FROM)")
	pruneEvery := fs.Duration("prune-every", envDurationOr(env, "PRAXIS_PRUNE_EVERY", time.Hour), "how often to delete the files of deleted branches (loose objects nothing reaches); 0 never (env PRAXIS_PRUNE_EVERY)")
	pruneGrace := fs.Duration("prune-grace", envDurationOr(env, "PRAXIS_PRUNE_GRACE", time.Hour), "how long unreachable files are kept before a prune deletes them; at least 10m (env PRAXIS_PRUNE_GRACE)")
	gitMaxRequests := fs.Int("git-max-requests", envInt(env, "PRAXIS_GIT_MAX_REQUESTS", githttp.DefaultMaxRequests), "most git requests (clones, fetches, pushes) served at once; more are refused with 503 (env PRAXIS_GIT_MAX_REQUESTS)")
	gitMaxPerClient := fs.Int("git-max-per-client", envInt(env, "PRAXIS_GIT_MAX_PER_CLIENT", githttp.DefaultMaxPerClient), "most git requests served at once to one client address (env PRAXIS_GIT_MAX_PER_CLIENT)")
	smtpTLS := fs.String("smtp-tls", envOr(env, "PRAXIS_SMTP_TLS", ""), "SMTP `MODE`: starttls (default), tls (port 465) or none (local relays only) (env PRAXIS_SMTP_TLS)")
	jobTimeout := fs.Duration("job-timeout", envDurationOr(env, "PRAXIS_JOB_TIMEOUT", jobs.DefaultTimeout), "longest a background job (an email, a digest) may run; a job a crash left running is tried again after twice this (env PRAXIS_JOB_TIMEOUT)")
	webhooksAllowPrivate := fs.Bool("webhooks-allow-private", envOr(env, "PRAXIS_WEBHOOKS_ALLOW_PRIVATE", "") == "true", "let webhooks reach loopback, private, link-local and other internal addresses, refused by default so that an admin's webhook cannot probe the network praxis runs in (env PRAXIS_WEBHOOKS_ALLOW_PRIVATE=true)")
	minFree := fs.String("min-free-space", envOr(env, "PRAXIS_MIN_FREE_SPACE", defaultMinFreeSpace), "/healthz fails when the data directory's disk has less than `SIZE` free, such as 500MB or 2GB; 0 turns the check off (env PRAXIS_MIN_FREE_SPACE)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return praxis.Errorf(praxis.EINVALID, "serve takes no arguments, only flags (got %q)", fs.Arg(0))
	}
	log, err := newLogger(env, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	if *pruneGrace < gitstore.MinPruneGrace || *pruneEvery < 0 {
		return praxis.Errorf(praxis.EINVALID, "--prune-grace must be at least %s, and --prune-every 0 or more", gitstore.MinPruneGrace)
	}
	if *jobTimeout < time.Second {
		return praxis.Errorf(praxis.EINVALID, "--job-timeout must be at least 1s")
	}
	if *gitMaxRequests < 1 || *gitMaxPerClient < 1 {
		return praxis.Errorf(praxis.EINVALID, "--git-max-requests and --git-max-per-client must be at least 1")
	}
	minFreeBytes, err := parseSize(*minFree)
	if err != nil {
		return praxis.Errorf(praxis.EINVALID, "--min-free-space %q: %s", *minFree, err)
	}
	if *baseURL != "" {
		u, err := url.Parse(*baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return praxis.Errorf(praxis.EINVALID, "--base-url %q is not an http or https URL such as https://praxis.example.org", *baseURL)
		}
		*baseURL = strings.TrimRight(*baseURL, "/")
	}
	sender, err := mail.New(mail.Config{Addr: *smtpAddr, From: *smtpFrom, Username: *smtpUser, Password: env.getenv("PRAXIS_SMTP_PASSWORD"), TLS: *smtpTLS})
	if err != nil {
		return praxis.Errorf(praxis.EINVALID, "the mail settings are not usable: %s", strings.TrimPrefix(err.Error(), "mail: "))
	}

	// Take the address first: a port in use should fail before anything is
	// created on disk.
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return praxis.Errorf(praxis.EINVALID, "cannot listen on %s: %s", *addr, listenReason(err))
	}
	defer listener.Close()

	publicURL := *baseURL
	if publicURL == "" {
		publicURL = listenURL(listener.Addr())
	}

	// Links in emails use the public address, like every link that leaves
	// praxis.
	a, err := openApp(ctx, *dataDir, log, options{baseURL: publicURL, mail: sender, curriculumFrom: *curriculumFrom, jobTimeout: *jobTimeout, webhooksAllowPrivate: *webhooksAllowPrivate,
		git: githttp.Config{MaxRequests: *gitMaxRequests, MaxPerClient: *gitMaxPerClient, ClientAddress: web.ClientAddress(*behindProxy)}})
	if err != nil {
		return err
	}
	defer a.close()

	// The one metrics registry: the web layer counts requests into it and
	// serves it at /metrics.
	registry := metrics.New()
	handler, err := web.New(web.Config{Logger: log, Catalog: a.catalog, Database: a.db, Accounts: a.accounts, Review: a.review,
		History: a.history, Releases: a.releases, Deliveries: a.delivery, Workshops: a.workshops, Exports: a.exports, Search: a.search, Git: a.git, Quota: a.quota,
		SecureCookies: strings.HasPrefix(*baseURL, "https://"), BehindProxy: *behindProxy, Metrics: registry, BaseURL: publicURL,
		Repository: a.store, DataDir: *dataDir, MinFreeSpace: minFreeBytes, Notify: a.notify, Jobs: a.jobs, Webhooks: a.hooks})
	if err != nil {
		return err
	}
	// Timeouts for pages and forms. Streamed exports, downloads and git
	// requests extend their own deadlines (internal/web); request bodies are
	// bounded there too (2 MB, 8 MB where a file is uploaded).
	server := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Read the whole curriculum now, in the background, so the first visitor does
	// not wait for every plan to be parsed.
	go func() {
		start := time.Now()
		if listing, err := a.catalog.Listing(ctx, ""); err == nil {
			log.Info("curriculum loaded", "modules", len(listing.Modules), "broken", len(listing.Broken), "took", time.Since(start).Round(time.Millisecond))
		}
		if err := a.history.Preload(ctx); err != nil {
			log.Error("could not load the history index", "err", err)
		}
		start = time.Now()
		if n, err := a.search.Update(ctx); err != nil {
			log.Error("could not update the search index", "err", err)
		} else if n > 0 {
			log.Info("search index updated", "modules", n, "took", time.Since(start).Round(time.Millisecond))
		}
		start = time.Now()
		if err := a.delivery.Stats().Load(ctx); err != nil {
			log.Error("could not load the delivery statistics", "err", err)
		} else if n, _ := a.delivery.Stats().Count(ctx); n > 0 {
			log.Info("delivery statistics loaded", "deliveries", n, "took", time.Since(start).Round(time.Millisecond))
		}
	}()
	// Keep the history index on main wherever main's changes come from,
	// retrying failed catch-ups until they succeed.
	go a.store.KeepIndexed(ctx, indexPoll)
	if *backupEvery > 0 {
		if *backupEvery < time.Minute || *backupKeep < 1 {
			return praxis.Errorf(praxis.EINVALID, "--backup-every must be at least 1m and --backup-keep at least 1")
		}
		go scheduleBackups(ctx, *dataDir, filepath.Join(*dataDir, "backups"), *backupEvery, *backupKeep, log)
	}
	if *pruneEvery > 0 {
		go schedulePrunes(ctx, a, *pruneEvery, *pruneGrace, log)
	}
	// Work the job queue: what was queued before a stop or a crash first.
	// Its context outlives the signal; Stop below lets running jobs finish.
	if err := a.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	url := "http://" + listener.Addr().String()
	log.Info("praxis is serving", "url", url, "data", *dataDir)
	if *baseURL == "" {
		log.Warn("no --base-url: links that leave praxis (feedback links and QR codes, PDF footers, the clone address) use the address praxis listens on; set --base-url to the address people use", "url", publicURL)
	}
	fmt.Fprintf(env.stdout, "praxis listening on %s\n", url)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: letting requests in flight finish", "grace", shutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := a.jobs.Stop(shutdownCtx); err != nil {
		log.Error("stopping the job queue", "err", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// listenURL is the address praxis listens on as a URL, for links when no
// --base-url is given. An unspecified host (0.0.0.0, ::) becomes localhost:
// the one name sure to reach it, from the same machine. Never the Host header
// of a request, which anyone can make up.
func listenURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://localhost"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func listenReason(err error) string {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return "the address is already in use (is praxis, or something else, already running there?)"
	case errors.Is(err, syscall.EACCES):
		return "permission denied (ports below 1024 need special rights)"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "this machine has no such address"
	}
	var addrErr *net.AddrError
	if errors.As(err, &addrErr) {
		return addrErr.Err
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

func newLogger(env *environment, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, praxis.Errorf(praxis.EINVALID, "unknown log level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(env.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.stderr, opts)), nil
	}
	return nil, praxis.Errorf(praxis.EINVALID, "unknown log format %q: use text or json", format)
}
