package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// plantCookie puts a cookie into the browser's jar as a page on a sibling
// subdomain or another port of the same host can (cookie tossing).
func (b *browser) plantCookie(name, value string) {
	b.t.Helper()
	u := mustURL(b.base)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// TestCSRFTokenIsBoundToTheSession: a cookie planted by a sibling site, with
// the same value in the form, must not pass for a signed-in person (issue 17,
// "CSRF by cookie tossing"); neither may another session's token, nor a
// request that a browser marks as coming from another site of the same
// registrable domain or another port.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	a := newAccountApp(t)
	victim := a.browser()
	victim.logIn("facilitator@example.org")
	for _, name := range []string{"praxis_csrf", "__Host-praxis_csrf", "csrf", "_csrf"} {
		victim.plantCookie(name, "planted-by-a-sibling-site")
	}
	if res := victim.do(http.MethodPost, "/account", url.Values{"name": {"Tossed"}, "csrf": {"planted-by-a-sibling-site"}}); res.status != http.StatusForbidden {
		t.Errorf("POST /account with a planted cookie and the same form value = %d, want 403", res.status)
	}

	// The attacker's own session gives a token that is valid for them only.
	attacker := a.browser()
	attacker.logIn("target@example.org")
	page := attacker.do(http.MethodGet, "/account", nil)
	m := csrfField.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatal("no CSRF field on /account")
	}
	if res := victim.do(http.MethodPost, "/account", url.Values{"name": {"Tossed"}, "csrf": {m[1]}}); res.status != http.StatusForbidden {
		t.Errorf("POST /account with another session's token = %d, want 403", res.status)
	}

	// A browser that says the form came from a sibling site is refused even
	// with a token that matches the cookie it was given.
	victim.fetchSite = "same-site"
	if res := victim.submit("/account", "/account", url.Values{"name": {"Tossed"}}); res.status != http.StatusForbidden {
		t.Errorf("POST /account from a same-site page = %d, want 403", res.status)
	}
	// An older browser without Sec-Fetch-Site names the other origin.
	victim.fetchSite = ""
	page = victim.do(http.MethodGet, "/account", nil)
	own := csrfField.FindStringSubmatch(page.body)[1]
	if res := victim.do(http.MethodPost, "/account", url.Values{"name": {"Tossed"}, "csrf": {own}}, "Origin", "http://127.0.0.1:1"); res.status != http.StatusForbidden {
		t.Errorf("POST /account with Origin of another port = %d, want 403", res.status)
	}
	u, _ := a.db.FindUser(context.Background(), a.users["facilitator"].ID)
	if u.Name == "Tossed" {
		t.Fatal("a forged form changed the profile")
	}

	// The person's own form, from a client that sends no fetch metadata,
	// still works: the token is the session's.
	if res := victim.do(http.MethodPost, "/account", url.Values{"name": {"Facilitator Renamed"}, "csrf": {own}}); res.status != http.StatusSeeOther {
		t.Fatalf("POST /account with the session's own token = %d, want 303\n%s", res.status, res.body)
	}
	if own == m[1] {
		t.Error("two sessions were given the same CSRF token")
	}
}

// TestAnonymousFormsRefuseCookieTossing: signing in is a form too (login
// CSRF would sign the victim into the attacker's account). A planted cookie
// and matching value from a page that the browser marks as same-site or
// cross-site is refused.
func TestAnonymousFormsRefuseCookieTossing(t *testing.T) {
	a := newAccountApp(t)
	for _, site := range []string{"same-site", "cross-site"} {
		victim := a.browser()
		victim.fetchSite = site
		victim.plantCookie("praxis_csrf", "planted")
		res := victim.do(http.MethodPost, "/login", url.Values{"email": {"target@example.org"}, "password": {pw}, "csrf": {"planted"}})
		if res.status != http.StatusForbidden {
			t.Errorf("POST /login from a %s page with a planted cookie = %d, want 403", site, res.status)
		}
		for _, c := range res.header.Values("Set-Cookie") {
			if strings.Contains(c, "praxis_session=ps_") {
				t.Errorf("a %s login form started a session: %s", site, c)
			}
		}
	}
	// A page without a form hands out no pre-session cookie; the sign-in
	// form does.
	anon := a.browser()
	for path, want := range map[string]bool{"/modules": false, "/login": true} {
		res := anon.do(http.MethodGet, path, nil)
		set := strings.Contains(strings.Join(res.header.Values("Set-Cookie"), "\n"), "praxis_csrf=")
		if set != want {
			t.Errorf("GET %s sets the pre-session cookie: %v, want %v", path, set, want)
		}
	}
	// The real form works from a client without fetch metadata (its own
	// pre-session cookie and token) and from a same-origin page.
	for _, site := range []string{"", "same-origin"} {
		b := a.browser()
		b.fetchSite = site
		b.logIn("target@example.org")
	}
}

// TestUnauthenticatedWritesAnswer401: a write to a route that needs an
// account, with no credentials at all, is refused as unauthenticated (401,
// or the sign-in page for a browser), not as an expired form.
func TestUnauthenticatedWritesAnswer401(t *testing.T) {
	a := newAccountApp(t)
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/api/v1/deliveries", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /api/v1/deliveries without credentials = %d, want 401", res.StatusCode)
	}
	b := a.browser()
	page := b.do(http.MethodPost, "/account", url.Values{"name": {"Nobody"}}, "Referer", a.server.URL+"/account")
	if page.status != http.StatusSeeOther || !strings.HasPrefix(page.header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous POST /account = %d to %q, want 303 to the sign-in page", page.status, page.header.Get("Location"))
	}
}

// TestLoginNextStaysOnTheSite: a signed-in person sent to
// /login?next=/%09/evil.example must not be redirected to another site
// (issue 17); a tab in a Location header is dropped by browsers, leaving
// //evil.example.
func TestLoginNextStaysOnTheSite(t *testing.T) {
	a := newAccountApp(t)
	b := a.browser()
	b.logIn("facilitator@example.org")
	for _, next := range []string{"/%09/evil.example", "/%0A/evil.example", "/%5Cevil.example", "%5C%5Cevil.example", "/%09%5Cevil.example"} {
		res := b.do(http.MethodGet, "/login?next="+next, nil)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
			t.Errorf("signed in, GET /login?next=%s = %d to %q, want 303 to /", next, res.status, res.header.Get("Location"))
		}
	}
	// The same through the form, and a good destination kept.
	anon := a.browser()
	page := anon.do(http.MethodGet, "/login?next=%2Fmodules%3Fformat%3Donline", nil)
	mustContain(t, page, `name="next" value="/modules?format=online"`)
	m := csrfField.FindStringSubmatch(page.body)
	res := anon.do(http.MethodPost, "/login", url.Values{"email": {"admin@example.org"}, "password": {pw}, "next": {"/\t/evil.example"}, "csrf": {m[1]}})
	if res.header.Get("Location") != "/" {
		t.Errorf("POST /login with next=/<tab>/evil.example sent to %q, want /", res.header.Get("Location"))
	}
}
