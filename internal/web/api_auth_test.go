package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// rawCall sends one request as given and returns its status, headers and body.
func (a *accountApp) rawCall(method, path string, body []byte, headers ...string) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.server.URL+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: buf.String()}
}

// apiPath fills an API route's parameters with values that name something.
func apiPath(route string, slug string, id int64) string {
	return strings.NewReplacer(":slug", slug, ":id", fmt.Sprint(id), "*", "module.md").Replace(route)
}

// TestAnonymousAPIWritesAnswer401BeforeAnythingElse walks every API route
// that needs an account and writes: without credentials it answers 401 with
// a JSON error, whatever else is wrong with the request (a browser saying it
// comes from another site, another origin, no CSRF token, a body over the
// limit). Issue 18: the cross-origin check used to answer 403 first, and the
// body limit 413.
func TestAnonymousAPIWritesAnswer401BeforeAnythingElse(t *testing.T) {
	a := newAccountApp(t)
	huge := bytes.Repeat([]byte("x"), 9<<20)
	cases := []struct {
		name    string
		body    []byte
		headers []string
	}{
		{"plain", []byte(`{}`), nil},
		{"cross-site", []byte(`{}`), []string{"Sec-Fetch-Site", "cross-site"}},
		{"same-site", []byte(`{}`), []string{"Sec-Fetch-Site", "same-site"}},
		{"another origin", []byte(`{}`), []string{"Origin", "http://evil.example"}},
		{"a body over the limit", huge, nil},
		{"a stale session cookie", []byte(`{}`), []string{"Cookie", "praxis_session=ps_stale"}},
	}
	checked := 0
	for _, r := range a.handler.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") || r.Action == "" || r.Method == http.MethodGet {
			continue
		}
		for _, tc := range cases {
			headers := append([]string{"Content-Type", "application/json"}, tc.headers...)
			res := a.rawCall(r.Method, apiPath(r.Path, stigma, 1), tc.body, headers...)
			var body struct{ Error string }
			if res.status != http.StatusUnauthorized || json.Unmarshal([]byte(res.body), &body) != nil || body.Error == "" {
				t.Errorf("%s %s anonymous with %s = %d %s, want 401 with a JSON error", r.Method, r.Path, tc.name, res.status, res.body)
			}
			checked++
		}
	}
	if checked < 15*len(cases) {
		t.Fatalf("checked only %d requests", checked)
	}
}

// TestCSRFIsForCookieSessionsOnly: a request with an API token is never
// asked for a CSRF token nor judged by fetch metadata (a browser never adds
// the Authorization header by itself); one with the session cookie is, on
// the API as on pages.
func TestCSRFIsForCookieSessionsOnly(t *testing.T) {
	a := newAccountApp(t)
	fac := a.tokens["facilitator"]
	create := func(headers ...string) response {
		body, _ := json.Marshal(deliveryJSON(nil))
		return a.rawCall(http.MethodPost, "/api/v1/deliveries", body, append([]string{"Content-Type", "application/json"}, headers...)...)
	}
	for _, site := range []string{"", "cross-site", "same-site"} {
		res := create("Authorization", "Bearer "+fac, "Sec-Fetch-Site", site, "Origin", "http://evil.example")
		if res.status != http.StatusCreated {
			t.Errorf("POST with a token, Sec-Fetch-Site %q and another Origin = %d %s, want 201", site, res.status, res.body)
		}
	}

	b := a.browser()
	b.logIn("facilitator@example.org")
	session := ""
	for _, c := range b.client.Jar.Cookies(mustURL(a.server.URL)) {
		if c.Name == "praxis_session" {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie after signing in")
	}
	cookie := "praxis_session=" + session
	page := b.do(http.MethodGet, "/account", nil)
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.body)[1]
	for _, tc := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"no token and no fetch metadata", nil, http.StatusForbidden},
		{"a made-up token", []string{"X-CSRF-Token", "made-up"}, http.StatusForbidden},
		{"the session's token from another site", []string{"X-CSRF-Token", token, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"the session's token", []string{"X-CSRF-Token", token}, http.StatusCreated},
		{"same-origin fetch metadata", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusCreated},
	} {
		res := create(append([]string{"Cookie", cookie}, tc.headers...)...)
		if res.status != tc.want {
			t.Errorf("POST with the session cookie and %s = %d %s, want %d", tc.name, res.status, res.body, tc.want)
		}
	}
	// Pages keep theirs: an anonymous form from another site is refused, as
	// from another site, whether or not its page needs an account (a
	// browser sends no SameSite=Lax cookie with another site's form, so the
	// person's own form from elsewhere arrives anonymous too).
	anon := a.browser()
	anon.fetchSite = "cross-site"
	if res := anon.do(http.MethodPost, "/login", url.Values{"email": {"target@example.org"}, "password": {pw}}); res.status != http.StatusForbidden {
		t.Errorf("cross-site POST /login = %d, want 403", res.status)
	}
	if res := anon.do(http.MethodPost, "/account", url.Values{"name": {"Hacked"}}); res.status != http.StatusForbidden {
		t.Errorf("anonymous cross-site POST /account = %d, want 403", res.status)
	}
}
