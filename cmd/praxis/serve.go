package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/web"
)

// shutdownGrace is how long in-flight requests get to finish on SIGINT/SIGTERM.
const shutdownGrace = 20 * time.Second

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

	// Take the address first: a port in use should fail before anything is
	// created on disk.
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return praxis.Errorf(praxis.EINVALID, "cannot listen on %s: %s", *addr, listenReason(err))
	}
	defer listener.Close()

	a, err := openApp(ctx, *dataDir, log)
	if err != nil {
		return err
	}
	defer a.close()

	handler, err := web.New(web.Config{Logger: log, Catalog: a.catalog, DB: a.db})
	if err != nil {
		return err
	}
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
	}()
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	url := "http://" + listener.Addr().String()
	log.Info("praxis is serving", "url", url, "data", *dataDir)
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
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
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
