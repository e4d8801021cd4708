package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Cross-site request forgery. A state-changing request from a browser must
// come from praxis's own pages:
//
//  1. Browsers that send fetch metadata (every current one) are judged by it:
//     Sec-Fetch-Site same-origin or none passes; same-site (a sibling
//     subdomain, another port) and cross-site are refused. Older browsers that
//     send only Origin are refused when it names another host. This is
//     net/http's CrossOriginProtection.
//  2. Requests without fetch metadata (older browsers, scripts with a cookie)
//     must repeat the form's token. For a signed-in person the token is an
//     HMAC of their session's secret, so a cookie planted by a sibling site
//     (cookie tossing) proves nothing; anonymous forms (sign-in, sign-up,
//     forgotten password, feedback) use a random pre-session cookie instead.
//  3. Requests with an API token (Authorization: Bearer) are not checked: a
//     browser never adds that header by itself. Nor are anonymous requests
//     to JSON API routes that need an account: they carry no credential a
//     forgery could borrow, and the permission check refuses them (401).
//     The API's public writes (publicJSON routes: a workshop request, a
//     registration and its cancelling) skip step 2 only when they come
//     without a session as JSON or as a DELETE, which no browser sends
//     across sites without a CORS preflight; step 1 still applies to them.
//  4. Routes reached by a signed link (signedLink: the one-click unsubscribe
//     a mail program POSTs, RFC 8058) skip steps 1 and 2: the request
//     carries no cookie or form, its token in the path is its credential,
//     and it can do nothing but what that token names.
//
// Step 1 runs right after authenticate, before the route's permission check
// (authorize, in routes.go), so that another site's form is refused as such
// on pages too: a browser sends no SameSite=Lax cookie with it, and the
// person's own form posted from elsewhere arrives anonymous. It skips the
// anonymous API requests of step 3, so an unauthenticated write to an API
// route that needs an account answers 401, not "from another site". Step 2
// runs after the permission check and the body limits, so such a write to a
// page is sent to sign in, not told "form expired".
// docs/SECURITY.md explains the choices.

// csrfTokenLabel is what the token's HMAC signs; changing it invalidates every
// token handed out.
const csrfTokenLabel = "praxis csrf v1" // #nosec G101 -- a public label the HMAC signs; the key is the cookie's secret

// csrfTokenFor derives the token that forms repeat from a cookie's secret (the
// session's, or the anonymous pre-session cookie's). The cookie is HttpOnly,
// so a page can learn the token only from praxis's own forms.
func csrfTokenFor(secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(csrfTokenLabel))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrfToken returns the token this request's forms must carry: the session's
// when someone is signed in with a cookie, otherwise the pre-session cookie's,
// which it sets when the browser has none yet.
func (s *Server) csrfToken(c echo.Context) string {
	if token, ok := c.Get(csrfKey).(string); ok && token != "" {
		return token
	}
	if secret := s.preSession(c); secret != "" {
		token := csrfTokenFor(secret)
		c.Set(csrfKey, token)
		return token
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		panic("web: crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	secret := base64.RawURLEncoding.EncodeToString(buf)
	c.SetCookie(&http.Cookie{Name: s.cookieName(c, csrfCookie), Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(c)})
	token := csrfTokenFor(secret)
	c.Set(csrfKey, token)
	return token
}

// formToken is the CSRF token of a page's forms, worked out when the page
// prints it: an anonymous page without a form sets no cookie.
type formToken func() string

// String returns the token, for templates.
func (t formToken) String() string {
	if t == nil {
		return ""
	}
	return t()
}

// formToken returns the request's token for a template to print.
func (s *Server) formToken(c echo.Context) formToken {
	return func() string { return s.csrfToken(c) }
}

// preSession returns the anonymous pre-session cookie's secret, or "" when
// there is none of the right shape.
func (s *Server) preSession(c echo.Context) string {
	cookie, err := c.Cookie(s.cookieName(c, csrfCookie))
	if err != nil || len(cookie.Value) != 43 {
		return ""
	}
	return cookie.Value
}

// expectedCSRFToken is the token a write must carry, without handing out a
// new pre-session cookie: "" when the request has neither a session nor one.
func (s *Server) expectedCSRFToken(c echo.Context) string {
	if token, ok := c.Get(csrfKey).(string); ok && token != "" {
		return token
	}
	if secret := s.preSession(c); secret != "" {
		return csrfTokenFor(secret)
	}
	return ""
}

// refuseCrossOrigin is step 1 (see the comment at the top of this file), for
// every request a route serves: a write that the browser marks as coming from
// another site is refused, whether or not its cookies were sent. Bearer
// tokens and anonymous API requests are left to the permission check.
func (s *Server) refuseCrossOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Get(bearerKey) == true || !s.routed(c) || s.anonymousAPI(c) || s.signedLink(c) {
			return next(c)
		}
		if err := s.crossOrigin.Check(c.Request()); err != nil {
			return praxis.Errorf(praxis.EFORBIDDEN, "this form was sent from another site, so praxis did not act on it; open praxis itself and try again there")
		}
		return next(c)
	}
}

// checkCSRF is step 2, after the route's permission check: a write that
// fetch metadata does not vouch for must carry the form's token.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if c.Get(bearerKey) == true || !s.routed(c) {
			return next(c)
		}
		if s.anonymousAPI(c) || s.jsonWithoutSession(c) || s.signedLink(c) {
			return next(c)
		}
		switch r.Header.Get(echo.HeaderSecFetchSite) {
		case "same-origin", "none":
			return next(c)
		}
		given := r.Header.Get(echo.HeaderXCSRFToken)
		if given == "" {
			given = c.FormValue("csrf")
		}
		want := s.expectedCSRFToken(c)
		if want == "" || !hmac.Equal([]byte(given), []byte(want)) {
			return praxis.Errorf(praxis.EFORBIDDEN, "this form has expired or was sent from another site; go back, reload the page and try again")
		}
		return next(c)
	}
}

// routed reports whether a registered route serves the request; others end
// in a 404 or 405 and change nothing.
func (s *Server) routed(c echo.Context) bool {
	_, ok := s.routeByKey[c.Request().Method+" "+c.Path()]
	return ok
}

// secure reports whether cookies for this request are marked Secure and
// named with the __Host- prefix: over HTTPS, or when the operator says praxis
// is served over HTTPS (--base-url https://...).
func (s *Server) secure(c echo.Context) bool {
	return s.secureCookies || c.Scheme() == "https"
}

// cookieName is a cookie's name for this request: over HTTPS with the
// __Host- prefix, which browsers accept only from a secure origin, for the
// whole host (no Domain, Path=/), so a sibling subdomain cannot set or
// shadow it.
func (s *Server) cookieName(c echo.Context, name string) string {
	if s.secure(c) {
		return "__Host-" + name
	}
	return name
}

// anonymousAPI reports whether c is a request without a session (nor a
// token) to a JSON API route that needs an account: steps 1 and 2 leave it
// to the permission check, which answers 401. The API's public writes
// (publicJSON routes) are not such requests: they are checked as pages are,
// except as jsonWithoutSession says.
func (s *Server) anonymousAPI(c echo.Context) bool {
	if currentSession(c) != nil || !strings.HasPrefix(c.Path(), "/api/") {
		return false
	}
	r, ok := s.routeByKey[c.Request().Method+" "+c.Path()]
	return ok && r.Action != public && !(r.Loopback && fromLoopback(c.Request()))
}

// jsonWithoutSession reports whether c is a write to a publicJSON route,
// without a session, that is JSON or a DELETE: step 2 leaves it unchecked.
// Browsers cannot send either across sites without a CORS preflight, which
// praxis never answers, and without a session it acts for nobody. (A DELETE
// needs no body, so it need not say it is JSON.) Step 1 still refuses one
// that fetch metadata marks as from another site.
func (s *Server) jsonWithoutSession(c echo.Context) bool {
	req := c.Request()
	return s.publicJSONRoutes[req.Method+" "+c.Path()] && currentSession(c) == nil &&
		(req.Method == http.MethodDelete || strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON))
}

// signedLink reports whether c is a request to a route marked signedLink,
// whose signed token in the path is its credential: steps 1 and 2 leave it
// alone (step 4).
func (s *Server) signedLink(c echo.Context) bool {
	return s.signedRoutes[c.Request().Method+" "+c.Path()]
}
