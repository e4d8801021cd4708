package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes lists every route, grouped by area, after the middleware every request
// passes through.
func (s *Server) routes() {
	e := s.echo
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.RequestID())
	e.Use(s.requestLogger())
	e.Use(middleware.Recover())
	e.Use(securityHeaders)
	e.Use(middleware.BodyLimit("2M"))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Level:     5,
		MinLength: 1024,
		Skipper: func(c echo.Context) bool {
			return strings.HasPrefix(c.Path(), "/static/") && !compressible(c.Param("*"))
		},
	}))

	// Pages.
	e.GET("/", s.home)
	e.GET("/modules", s.listModules)
	e.GET("/modules/:slug", s.showModule)
	e.GET("/modules/:slug/handouts/*", s.showHandout)
	e.GET("/series", s.listSeries)
	e.GET("/series/:slug", s.showSeries)

	// Assets.
	e.GET("/static/:hash/*", s.serveAsset)
	e.GET("/favicon.ico", s.serveFavicon)

	// Health and the JSON API.
	e.GET("/healthz", s.healthz)
	api := e.Group("/api/v1")
	api.GET("/modules", s.apiListModules)
	api.GET("/modules/:slug", s.apiShowModule)
	api.GET("/series", s.apiListSeries)
	api.GET("/series/:slug", s.apiShowSeries)
	api.Any("/*", s.apiNotFound)
}
