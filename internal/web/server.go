// Package web is praxis's HTTP layer: the Echo server, its routes, thin handlers,
// templates, middleware and the JSON API. It is the only package that imports
// Echo. Handlers parse the request, make one call into a domain package, and
// render; failures travel as praxis errors to the one error handler.
package web

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/export"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/lru"
	"github.com/praxis-coop/praxis/internal/metrics"
	"github.com/praxis-coop/praxis/internal/notify"
	"github.com/praxis-coop/praxis/internal/quota"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/search"
	"github.com/praxis-coop/praxis/internal/webhook"
	"github.com/praxis-coop/praxis/internal/workshop"
)

// Config holds what the web layer needs.
type Config struct {
	Logger  *slog.Logger
	Catalog *catalog.Catalog
	// Database is checked by /healthz for taking writes, and its connection
	// pool is counted in the metrics; nil for neither.
	Database Database
	Accounts *account.Service
	Review   *review.Service
	History  *history.Index
	Releases *history.Releases
	// Deliveries records workshops delivered and answers the dashboard.
	Deliveries *delivery.Service
	// Exports makes the downloads: PDF, documents and zip bundles.
	Exports *export.Service
	// Search finds workshops.
	Search *search.Index
	// Workshops is the work before workshops: requests, scheduling,
	// registrations, check-in.
	Workshops *workshop.Service
	// Quota bounds what each person keeps in copies and proposals: shown on
	// the account page, set on the settings page. nil for none.
	Quota *quota.Service
	// Git serves the curriculum repository at /curriculum.git; nil for none.
	Git http.Handler
	// SecureCookies marks cookies Secure even when a request arrives over plain
	// HTTP (praxis behind a TLS-terminating proxy).
	SecureCookies bool
	// BehindProxy trusts X-Forwarded-For for the client's address (rate limits
	// count per address). Leave it off unless a proxy sets the header.
	BehindProxy bool
	// BaseURL is praxis's public address, such as https://praxis.example.org:
	// links that leave praxis (feedback links and their QR codes, PDF and
	// document footers, the clone address, invitation and reset links) are
	// made from it, never from a request's Host header. "" means
	// http://localhost.
	BaseURL string
	// Metrics counts requests and serves /metrics; nil makes a registry of
	// the server's own. The server adds the catalog's cache, the database
	// pool and the merge outcomes to it.
	Metrics *metrics.Registry
	// Repository is checked by /healthz for taking writes; nil skips it.
	Repository interface{ CheckWritable() error }
	// DataDir is the data directory, whose free space /healthz checks
	// against MinFreeSpace (bytes; 0 checks nothing).
	DataDir      string
	MinFreeSpace int64
	// Notify is the inbox, email settings and watches; Jobs the job queue
	// admins look after. nil for none: the pages answer 404.
	Notify *notify.Service
	Jobs   *jobs.Queue
	// Webhooks are the admins' webhooks; nil for none: their pages answer
	// 404.
	Webhooks *webhook.Service
}

// Database is what the web layer needs of the database itself, beside the
// services over it: a check that it takes writes, for /healthz, and its
// connection pool, for the metrics. *db.DB implements it.
type Database interface {
	// CheckWritable commits a small write, waiting at most wait for the
	// write lock; EUNAVAILABLE when the database cannot take writes.
	CheckWritable(ctx context.Context, wait time.Duration) error
	// Pool is the connection pool below the database.
	Pool() *sql.DB
}

// Server is praxis's HTTP handler.
type Server struct {
	echo          *echo.Echo
	log           *slog.Logger
	catalog       *catalog.Catalog
	database      Database
	accounts      *account.Service
	review        *review.Service
	history       *history.Index
	releases      *history.Releases
	deliveries    *delivery.Service
	anonPages     *lru.Cache[string, cachedPage]
	exports       *export.Service
	search        *search.Index
	quota         *quota.Service
	workshops     *workshop.Service
	git           http.Handler
	pages         *pages
	assets        *assets
	secureCookies bool
	// crossOrigin refuses writes that browsers mark as coming from another
	// origin (csrf.go).
	crossOrigin *http.CrossOriginProtection
	baseURL     string
	routeTable  []Route
	// routeByKey finds a registered route by "METHOD /pattern", for the
	// middleware that checks its permission.
	routeByKey map[string]Route
	// openAPIDoc is the API's OpenAPI document, made at start.
	openAPIDoc []byte
	metrics    *metrics.Registry
	// uploadRoutes are the routes ("POST /forks/:id/files") whose requests
	// may carry a file, and so a larger body.
	uploadRoutes map[string]bool
	// publicJSONRoutes are the public API writes marked publicJSON.
	publicJSONRoutes map[string]bool
	// signedRoutes are the routes ("POST /unsubscribe/:token") a signed
	// link authorises: no cross-site checks.
	signedRoutes map[string]bool
	// What /healthz checks besides the database and main.
	repository   interface{ CheckWritable() error }
	dataDir      string
	minFreeSpace int64
	notify       *notify.Service
	jobs         *jobs.Queue
	hooks        *webhook.Service
}

// Route is one registered route and the permission it needs ("" for public).
type Route struct {
	Method string
	Path   string
	Action access.Action
	// Loopback says that anyone connecting from the loopback interface may
	// use the route too, whatever the action.
	Loopback bool
}

// Routes lists every registered route, for the permission tests and docs.
func (s *Server) Routes() []Route { return s.routeTable }

// New builds the server: it parses every template and hashes every static file
// now, so that a broken template stops praxis at start, not on a request.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	pages, err := parsePages(assets)
	if err != nil {
		return nil, err
	}
	s := &Server{
		echo:             echo.New(),
		log:              cfg.Logger,
		catalog:          cfg.Catalog,
		database:         cfg.Database,
		accounts:         cfg.Accounts,
		review:           cfg.Review,
		history:          cfg.History,
		releases:         cfg.Releases,
		deliveries:       cfg.Deliveries,
		anonPages:        lru.New[string, cachedPage](2048),
		exports:          cfg.Exports,
		search:           cfg.Search,
		quota:            cfg.Quota,
		workshops:        cfg.Workshops,
		git:              cfg.Git,
		pages:            pages,
		assets:           assets,
		secureCookies:    cfg.SecureCookies,
		crossOrigin:      http.NewCrossOriginProtection(),
		baseURL:          strings.TrimRight(cmp.Or(cfg.BaseURL, "http://localhost"), "/"),
		metrics:          cfg.Metrics,
		uploadRoutes:     map[string]bool{},
		publicJSONRoutes: map[string]bool{},
		routeByKey:       map[string]Route{},
		repository:       cfg.Repository,
		dataDir:          cfg.DataDir,
		minFreeSpace:     cfg.MinFreeSpace,
		signedRoutes:     map[string]bool{},
		notify:           cfg.Notify,
		jobs:             cfg.Jobs,
		hooks:            cfg.Webhooks,
	}
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	if err := s.watch(); err != nil {
		return nil, fmt.Errorf("web: metrics: %w", err)
	}
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.IPExtractor = echo.ExtractIPDirect()
	if cfg.BehindProxy {
		s.echo.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	s.echo.HTTPErrorHandler = s.handleError
	s.routes()
	if s.openAPIDoc, err = s.openAPI(); err != nil {
		return nil, fmt.Errorf("web: openapi: %w", err)
	}
	return s, nil
}

// ClientAddress returns how praxis names a request's client: the address it
// connected from, or, behind a proxy, the address the proxy reports in
// X-Forwarded-For (as the rate limits of the web app do). For services that
// sit beside the web app, such as git over HTTP.
func ClientAddress(behindProxy bool) func(r *http.Request) string {
	extract := echo.ExtractIPDirect()
	if behindProxy {
		extract = echo.ExtractIPFromXFFHeader()
	}
	return func(r *http.Request) string { return extract(r) }
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// git's smart HTTP protocol has its own authentication (basic, with API
	// tokens), request sizes and compression: it bypasses the web middleware.
	if s.git != nil && (r.URL.Path == "/curriculum.git" || strings.HasPrefix(r.URL.Path, "/curriculum.git/")) {
		start := time.Now()
		// githttp moves the connection's deadlines itself: a clone or a
		// push over a slow link outlasts the server's, which suit pages,
		// and a client too slow for its pace is cut off.
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.git.ServeHTTP(rec, r)
		s.metrics.ObserveGit(gitService(r.URL.Path), rec.status)
		s.log.Info("git", "method", r.Method, "uri", r.URL.RequestURI(), "status", rec.status, "took", time.Since(start).Round(time.Millisecond))
		return
	}
	s.echo.ServeHTTP(w, r)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// Any write may change what a module page shows (a proposal opened,
		// a release cut): anonymous pages are rendered again.
		s.anonPages.Purge()
	}
}

// statusRecorder remembers a response's status for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap gives the writer below, so http.ResponseController reaches the
// connection's deadlines.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes flushes through, as git's streamed responses need.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
