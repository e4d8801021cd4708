package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// contentSecurityPolicy allows nothing inline and nothing from elsewhere: praxis
// serves its own scripts and styles, and Markdown can never add any.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if c.IsTLS() {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		return next(c)
	}
}

// requestLogger logs one structured line per request, with its request id.
func (s *Server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:    true,
		LogMethod:    true,
		LogURI:       true,
		LogLatency:   true,
		LogRequestID: true,
		LogRemoteIP:  true,
		LogRoutePath: true,
		HandleError:  true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("method", v.Method),
				slog.String("uri", loggedURI(c)),
				slog.String("route", v.RoutePath),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency),
				slog.String("request_id", v.RequestID),
				slog.String("remote_ip", v.RemoteIP),
			)
			return nil
		},
	})
}

// secretParams name the route and query parameters that carry a secret:
// a private link's token (a registration, a calendar, a feed, a feedback
// form, an unsubscribe link, a request's status), a password reset, a
// private workshop's key, an invitation. Whoever holds the link acts as its
// owner, so logs never show them.
var secretParams = map[string]bool{"token": true, "secret": true, "key": true, "invitation": true}

// loggedURI is the request's URI as logs show it: secrets (secretParams)
// replaced by "[redacted]".
func loggedURI(c echo.Context) string {
	u := *c.Request().URL
	segments := strings.Split(u.EscapedPath(), "/")
	for i, name := range c.ParamNames() {
		if !secretParams[name] || i >= len(c.ParamValues()) {
			continue
		}
		value := c.ParamValues()[i]
		for j, seg := range segments {
			if seg != "" && (seg == value || seg == url.PathEscape(value) || strings.TrimSuffix(seg, ".ics") == value) {
				segments[j] = strings.Replace(seg, value, "[redacted]", 1)
			}
		}
	}
	uri := strings.Join(segments, "/")
	if u.RawQuery == "" {
		return uri
	}
	pairs := strings.Split(u.RawQuery, "&")
	for i, pair := range pairs {
		name, _, hasValue := strings.Cut(pair, "=")
		if unescaped, err := url.QueryUnescape(name); err == nil {
			name = unescaped
		}
		if hasValue && secretParams[name] {
			pairs[i] = name + "=[redacted]"
		}
	}
	return uri + "?" + strings.Join(pairs, "&")
}

// Limits on what one request may take.
const (
	// bodyLimit bounds request bodies in general: forms and JSON.
	bodyLimit = "2M"
	// uploadLimit bounds requests that may carry a file: a file of
	// review.MaxFileSize (5 MB), base64-encoded in JSON or URL-encoded in a
	// form, with the rest of the request.
	uploadLimit = "8M"
	// uploadLimitBytes is uploadLimit in bytes, for reading JSON bodies.
	uploadLimitBytes = 8 << 20
	// expensiveTimeout bounds diffs, comparisons and merges (downloads have
	// their own limit in internal/export).
	expensiveTimeout = 30 * time.Second
	// longResponseTimeout is how long a streamed export or a download may take
	// to reach a slow client; the server's WriteTimeout suits pages.
	longResponseTimeout = 15 * time.Minute
)

// bodyLimits bounds request bodies: uploadLimit on the routes that take files,
// bodyLimit on every other.
func (s *Server) bodyLimits() []echo.MiddlewareFunc {
	isUpload := func(c echo.Context) bool { return s.uploadRoutes[c.Request().Method+" "+c.Path()] }
	return []echo.MiddlewareFunc{
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: bodyLimit, Skipper: isUpload}),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: uploadLimit, Skipper: func(c echo.Context) bool { return !isUpload(c) }}),
	}
}

// withDeadline bounds the work of a request: its context ends after d, and a
// handler that fails once the deadline has passed answers 503 saying why. The
// work stops where it next looks at its context.
func withDeadline(d time.Duration, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), d)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		err := next(c)
		if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return praxis.Errorf(praxis.EUNAVAILABLE, "this took longer than %s, so praxis stopped working on it; please try again in a moment", d)
		}
		return err
	}
}

// withLongResponse lets a response take longResponseTimeout to be written, for
// streamed exports and large downloads.
func withLongResponse(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		extendDeadlines(c.Response(), longResponseTimeout)
		return next(c)
	}
}

// extendDeadlines moves the connection's read and write deadlines d from now.
// Writers that cannot (a test recorder, HTTP/2 without support) keep theirs.
func extendDeadlines(w http.ResponseWriter, d time.Duration) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(d)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
}
