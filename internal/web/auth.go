package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Cookie names; over HTTPS they carry the __Host- prefix (cookieName).
const (
	sessionCookie = "praxis_session"
	csrfCookie    = "praxis_csrf"
	flashCookie   = "praxis_flash"
)

// Context keys.
const (
	userKey    = "praxis.user"
	sessionKey = "praxis.session"
	bearerKey  = "praxis.bearer" // #nosec G101 -- the name of a context key, not a credential
	csrfKey    = "csrf"
)

// currentUser returns the signed-in user, or nil.
func currentUser(c echo.Context) *praxis.User {
	u, _ := c.Get(userKey).(*praxis.User)
	return u
}

// currentSession returns the browser session, or nil for token and anonymous
// requests.
func currentSession(c echo.Context) *praxis.Session {
	s, _ := c.Get(sessionKey).(*praxis.Session)
	return s
}

// authenticate finds who is making the request: an API token in the
// Authorization header, or a session cookie. A wrong token is refused at once
// (401); a stale cookie is cleared and the request goes on anonymously.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		if header := c.Request().Header.Get(echo.HeaderAuthorization); header != "" {
			scheme, secret, _ := strings.Cut(header, " ")
			if !strings.EqualFold(scheme, "Bearer") || secret == "" {
				return praxis.Errorf(praxis.EUNAUTHORIZED, "use Authorization: Bearer <token>")
			}
			user, _, err := s.accounts.AuthenticateToken(ctx, strings.TrimSpace(secret))
			if err != nil {
				return err
			}
			c.Set(userKey, user)
			c.Set(bearerKey, true)
			return next(c)
		}
		if cookie, err := c.Cookie(s.cookieName(c, sessionCookie)); err == nil && cookie.Value != "" {
			user, session, err := s.accounts.Authenticate(ctx, cookie.Value)
			switch praxis.ErrorCode(err) {
			case "":
				c.Set(userKey, user)
				c.Set(sessionKey, &session)
				c.Set(csrfKey, csrfTokenFor(cookie.Value))
			case praxis.EUNAUTHORIZED:
				s.clearCookie(c, sessionCookie)
			default:
				return err
			}
		}
		return next(c)
	}
}

// authorize lets a request reach its route only when the permission policy
// allows the requester the route's action: without credentials it is 401
// (the sign-in page for a browser), without the permission 403. It runs
// right after authenticate and the cross-origin check (which leaves
// anonymous API requests to it), before any other, and routes marked
// Loopback let through anyone on the loopback interface (a Prometheus on the
// same machine). Requests no route matched pass on to their 404 or 405.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, ok := s.routeByKey[c.Request().Method+" "+c.Path()]
		if !ok || r.Action == public || (r.Loopback && fromLoopback(c.Request())) {
			return next(c)
		}
		if err := access.Authorize(currentUser(c), r.Action); err != nil {
			return err
		}
		return next(c)
	}
}

// startSession sets the session cookie after signing in.
func (s *Server) startSession(c echo.Context, secret string) {
	c.SetCookie(&http.Cookie{
		Name: s.cookieName(c, sessionCookie), Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secure(c), MaxAge: int(account.SessionMax / time.Second),
	})
	// Forms on the page after this one carry the new session's token.
	c.Set(csrfKey, csrfTokenFor(secret))
}

// clearCookie removes one of praxis's cookies (named without its prefix).
func (s *Server) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: s.cookieName(c, name), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secure(c)})
}

// setFlash leaves a one-line message for the next page shown.
func (s *Server) setFlash(c echo.Context, msg string) {
	c.SetCookie(&http.Cookie{Name: s.cookieName(c, flashCookie), Value: url.QueryEscape(msg), Path: "/", MaxAge: 60, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(c)})
}

// takeFlash reads and clears the message left by the last request.
func (s *Server) takeFlash(c echo.Context) string {
	cookie, err := c.Cookie(s.cookieName(c, flashCookie))
	if err != nil || cookie.Value == "" {
		return ""
	}
	s.clearCookie(c, flashCookie)
	msg, err := url.QueryUnescape(cookie.Value)
	if err != nil || len(msg) > 300 {
		return ""
	}
	return msg
}

// redirectToLogin sends a person who must sign in to the sign-in page, to come
// back afterwards.
func redirectToLogin(c echo.Context) error {
	next := c.Request().URL.RequestURI()
	if c.Request().Method != http.MethodGet {
		next = c.Request().Referer()
		if u, err := url.Parse(next); err == nil {
			next = u.RequestURI()
		}
	}
	return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(localRedirect(next)))
}

// clientIP is the address rate limits count against.
func clientIP(c echo.Context) string { return c.RealIP() }
