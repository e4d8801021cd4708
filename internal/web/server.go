// Package web is praxis's HTTP layer: the Echo server, its routes, thin handlers,
// templates, middleware and the JSON API. It is the only package that imports
// Echo. Handlers parse the request, make one call into a domain package, and
// render; failures travel as praxis errors to the one error handler.
package web

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/review"
)

// Config holds what the web layer needs.
type Config struct {
	Logger   *slog.Logger
	Catalog  *catalog.Catalog
	DB       *db.DB
	Accounts *account.Service
	Review   *review.Service
	History  *history.Index
	Versions *history.Versions
	// Deliveries records workshops delivered and answers the dashboard.
	Deliveries *delivery.Service
	// SecureCookies marks cookies Secure even when a request arrives over plain
	// HTTP (praxis behind a TLS-terminating proxy).
	SecureCookies bool
	// BehindProxy trusts X-Forwarded-For for the client's address (rate limits
	// count per address). Leave it off unless a proxy sets the header.
	BehindProxy bool
}

// Server is praxis's HTTP handler.
type Server struct {
	echo          *echo.Echo
	log           *slog.Logger
	catalog       *catalog.Catalog
	db            *db.DB
	accounts      *account.Service
	review        *review.Service
	history       *history.Index
	versions      *history.Versions
	deliveries    *delivery.Service
	pages         *pages
	assets        *assets
	secureCookies bool
	routeTable    []Route
}

// Route is one registered route and the permission it needs ("" for public).
type Route struct {
	Method string
	Path   string
	Action account.Action
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
		echo:          echo.New(),
		log:           cfg.Logger,
		catalog:       cfg.Catalog,
		db:            cfg.DB,
		accounts:      cfg.Accounts,
		review:        cfg.Review,
		history:       cfg.History,
		versions:      cfg.Versions,
		deliveries:    cfg.Deliveries,
		pages:         pages,
		assets:        assets,
		secureCookies: cfg.SecureCookies,
	}
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.IPExtractor = echo.ExtractIPDirect()
	if cfg.BehindProxy {
		s.echo.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	s.echo.HTTPErrorHandler = s.handleError
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}

// health reports whether the database and the repository answer.
func (s *Server) health(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return err
	}
	_, err := s.catalog.Main(ctx)
	return err
}
