package web

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/githttp"
	"github.com/praxis-coop/praxis/internal/metrics"
)

// watch adds what the server and its services count to the metrics: the
// catalog's rendered-HTML cache, the anonymous module pages, the database's
// connection pool and merge outcomes.
func (s *Server) watch() error {
	if s.catalog != nil {
		if err := s.metrics.WatchCache("catalog_html", s.catalog.CacheStats); err != nil {
			return err
		}
	}
	if s.anonPages != nil {
		if err := s.metrics.WatchCache("anonymous_pages", s.anonPages.Stats); err != nil {
			return err
		}
	}
	if s.database != nil {
		if err := s.metrics.WatchDB("praxis", s.database.Pool()); err != nil {
			return err
		}
	}
	if git, ok := s.git.(*githttp.Server); ok {
		if err := s.metrics.WatchGit(func() metrics.GitLimits {
			r := git.Refusals()
			return metrics.GitLimits{Busy: r.Busy, ClientBusy: r.ClientBusy, Slow: r.Slow, TooLarge: r.TooLarge, Running: git.Running()}
		}); err != nil {
			return err
		}
	}
	if s.review != nil {
		return s.metrics.WatchMerges(func() metrics.MergeCounts {
			m := s.review.MergeStats()
			return metrics.MergeCounts{Merged: m.Merged, Conflicts: m.Conflicts, Refused: m.Refused, Failed: m.Failed}
		})
	}
	return nil
}

// observe counts every request by the route pattern that matched (c.Path(),
// never the address asked for, so the number of series stays bounded), its
// method and status class, and times it. It is the outermost middleware, so
// the inner ones have already turned any error into the response it counts.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil && !c.Response().Committed {
			c.Error(err)
		}
		s.metrics.ObserveRequest(c.Path(), c.Request().Method, c.Response().Status, time.Since(start))
		return err
	}
}

// showMetrics serves the metrics in Prometheus's text format.
func (s *Server) showMetrics(c echo.Context) error {
	s.metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
}

// fromLoopback reports whether a request came straight from this machine. A
// request that a proxy forwarded (it carries X-Forwarded-For, Forwarded or
// X-Real-IP) does not count, even when the proxy runs on this machine: the
// person behind it may be anywhere.
func fromLoopback(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// gitService names the part of git's smart HTTP protocol a request is for.
func gitService(path string) string {
	switch {
	case strings.HasSuffix(path, "/info/refs"):
		return "info"
	case strings.HasSuffix(path, "/git-upload-pack"):
		return "upload-pack"
	case strings.HasSuffix(path, "/git-receive-pack"):
		return "receive-pack"
	}
	return "other"
}
