package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/praxis"
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

var resetLink = regexp.MustCompile(`/reset/[A-Za-z0-9_-]{20,}`)

// TestResetLinksEndWithAPasswordChange: a reset link issued before a
// password change must not work after it (issue 17): whoever held the link
// could otherwise undo the change.
func TestResetLinksEndWithAPasswordChange(t *testing.T) {
	a := newAccountApp(t)
	coordinator := a.browser()
	coordinator.logIn("coordinator@example.org")
	page := coordinator.submit(fmt.Sprintf("/admin/users/%d", a.users["target"].ID), fmt.Sprintf("/admin/users/%d/reset", a.users["target"].ID), url.Values{})
	link := resetLink.FindString(page.body)
	if page.status != http.StatusOK || link == "" {
		t.Fatalf("issuing a reset link = %d, no link in the page", page.status)
	}
	if res := a.browser().do(http.MethodGet, link, nil); res.status != http.StatusOK {
		t.Fatalf("GET %s before the change = %d, want 200", link, res.status)
	}
	owner := a.browser()
	owner.logIn("target@example.org")
	res := owner.submit("/account/password", "/account/password", url.Values{"current": {pw}, "password": {"another long passphrase"}, "confirm": {"another long passphrase"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("changing the password = %d\n%s", res.status, res.body)
	}
	if res := a.browser().do(http.MethodGet, link, nil); res.status != http.StatusNotFound {
		t.Errorf("GET %s after a password change = %d, want 404", link, res.status)
	}
	stranger := a.browser()
	stranger.fetchSite = "same-origin"
	if res := stranger.do(http.MethodPost, link, url.Values{"password": {"the holder's passphrase"}, "confirm": {"the holder's passphrase"}}); res.status != http.StatusNotFound {
		t.Errorf("POST %s after a password change = %d, want 404", link, res.status)
	}
}

// TestCheckingThePasswordIsRateLimited: a signed-in session must not be a way
// to guess the account's password without limit (issue 17).
func TestCheckingThePasswordIsRateLimited(t *testing.T) {
	a := newAccountApp(t)
	b := a.browser()
	b.logIn("facilitator@example.org")
	b.fetchSite = "same-origin"
	var res response
	for i := range 30 {
		res = b.do(http.MethodPost, "/account/password", url.Values{"current": {fmt.Sprintf("guess number %d", i)}, "password": {"another long passphrase"}, "confirm": {"another long passphrase"}})
		if res.status != http.StatusUnprocessableEntity {
			break
		}
	}
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
		t.Fatalf("30 wrong current passwords: the last = %d (Retry-After %q), want 429", res.status, res.header.Get("Retry-After"))
	}
	mustContain(t, res, "too many attempts")
	// Deleting the account checks the same password and shares the limit.
	res = b.do(http.MethodPost, "/account/delete", url.Values{"confirm": {"delete"}, "password": {pw}})
	if res.status != http.StatusTooManyRequests {
		t.Errorf("deleting the account after the guesses = %d, want 429", res.status)
	}
	if u, _ := a.db.FindUser(context.Background(), a.users["facilitator"].ID); u.Status == praxis.StatusDeleted {
		t.Error("the account was deleted")
	}
}

// TestResetForAHigherRoleNeedsAnAdmin: a coordinator may not make a reset
// link for a maintainer (who may merge), or they could sign in as them
// (issue 17). An admin may.
func TestResetForAHigherRoleNeedsAnAdmin(t *testing.T) {
	a := newAccountApp(t)
	coordinator := a.browser()
	coordinator.logIn("coordinator@example.org")
	maintainer := a.users["maintainer"].ID
	res := coordinator.submit(fmt.Sprintf("/admin/users/%d", maintainer), fmt.Sprintf("/admin/users/%d/reset", maintainer), url.Values{})
	if res.status != http.StatusForbidden || resetLink.MatchString(res.body) {
		t.Errorf("a coordinator's reset link for a maintainer = %d (link shown: %v), want 403", res.status, resetLink.MatchString(res.body))
	}
	mustContain(t, res, "only an admin")
	admin := a.browser()
	admin.logIn("admin@example.org")
	if res := admin.submit(fmt.Sprintf("/admin/users/%d", maintainer), fmt.Sprintf("/admin/users/%d/reset", maintainer), url.Values{}); res.status != http.StatusOK || !resetLink.MatchString(res.body) {
		t.Errorf("an admin's reset link for a maintainer = %d, want 200 with the link", res.status)
	}
	// Facilitators stay the coordinators' to help.
	if res := coordinator.submit(fmt.Sprintf("/admin/users/%d", a.users["target"].ID), fmt.Sprintf("/admin/users/%d/reset", a.users["target"].ID), url.Values{}); res.status != http.StatusOK {
		t.Errorf("a coordinator's reset link for a facilitator = %d, want 200", res.status)
	}
}

// TestSignupDoesNotRevealAccounts: under the default sign-up policy
// (approval), joining with an address that already has an account answers
// exactly as joining with a new one (issue 17): the form is not a way to
// learn who is a member.
func TestSignupDoesNotRevealAccounts(t *testing.T) {
	a := newAccountApp(t)
	join := func(email string) response {
		t.Helper()
		return a.browser().submit("/signup", "/signup", url.Values{"name": {"Someone New"}, "email": {email}, "password": {"a brand new passphrase"}, "conduct": {"yes"}})
	}
	taken, fresh := join("facilitator@example.org"), join("nobody-yet@example.org")
	if taken.status != fresh.status || taken.header.Get("Location") != fresh.header.Get("Location") {
		t.Errorf("joining with a taken address = %d to %q, with a new one = %d to %q; want the same", taken.status, taken.header.Get("Location"), fresh.status, fresh.header.Get("Location"))
	}
	flash := func(r response) string {
		for _, c := range r.header.Values("Set-Cookie") {
			if v, ok := strings.CutPrefix(c, "praxis_flash="); ok {
				return strings.SplitN(v, ";", 2)[0]
			}
		}
		return ""
	}
	if flash(taken) == "" || flash(taken) != flash(fresh) {
		t.Errorf("the messages differ: %q and %q", flash(taken), flash(fresh))
	}
	if strings.Contains(taken.body, "already an account") {
		t.Error("the answer says the address has an account")
	}
	// The member's own password still works.
	a.browser().logIn("facilitator@example.org")
}

// TestHandoutsCannotRunOnPraxisOrigin: HTML, SVG, JavaScript and other
// files a contributor adds are served so that no browser runs them on
// praxis's origin (issue 17): anything active is an attachment, and all but
// SVG (kept for <img>) as application/octet-stream, which nosniff keeps a
// browser from loading as a script or a style.
func TestHandoutsCannotRunOnPraxisOrigin(t *testing.T) {
	a := newTestApp(t)
	dir := "modules/" + stigma + "/handouts/"
	a.commit(
		praxis.FileChange{Path: dir + "page.html", Content: []byte("<script>alert(1)</script>")},
		praxis.FileChange{Path: dir + "page.xhtml", Content: []byte(`<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>`)},
		praxis.FileChange{Path: dir + "diagram.svg", Content: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		praxis.FileChange{Path: dir + "evil.js", Content: []byte("alert(1)")},
		praxis.FileChange{Path: dir + "evil.css", Content: []byte("body{display:none}")},
		praxis.FileChange{Path: dir + "no-extension", Content: []byte("<html><script>alert(1)</script>")},
		praxis.FileChange{Path: dir + "photo.png", Content: []byte("\x89PNG\r\n\x1a\n")},
	)
	for name, want := range map[string]struct{ contentType, disposition string }{
		"page.html":    {"application/octet-stream", "attachment"},
		"page.xhtml":   {"application/octet-stream", "attachment"},
		"diagram.svg":  {"image/svg+xml", "attachment"},
		"evil.js":      {"application/octet-stream", "attachment"},
		"evil.css":     {"application/octet-stream", "attachment"},
		"no-extension": {"application/octet-stream", "attachment"},
		"photo.png":    {"image/png", "inline"},
	} {
		res := a.get("/modules/" + stigma + "/handouts/" + name)
		ct, cd := res.header.Get("Content-Type"), res.header.Get("Content-Disposition")
		if res.status != http.StatusOK || ct != want.contentType || !strings.HasPrefix(cd, want.disposition+";") {
			t.Errorf("GET handout %s = %d, Content-Type %q, Content-Disposition %q; want %s, %s", name, res.status, ct, cd, want.contentType, want.disposition)
		}
		if res.header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("handout %s lacks nosniff or the sandbox", name)
		}
	}
}

// TestHandoutNamesCannotAddHeaderParameters: a handout name is a contributor's
// text; in Content-Disposition it must stay one name (RFC 6266 filename*),
// never end the quotes and add a parameter of its own (issue 17).
func TestHandoutNamesCannotAddHeaderParameters(t *testing.T) {
	a := newTestApp(t)
	name := `notes"; filename="evil.exe`
	a.commit(praxis.FileChange{Path: "modules/" + stigma + "/handouts/" + name + ".txt", Content: []byte("notes")},
		praxis.FileChange{Path: "modules/" + stigma + "/handouts/plan für Gruppe;1.txt", Content: []byte("Plan")})
	res := a.get("/modules/" + stigma + "/handouts/" + url.PathEscape(name+".txt"))
	cd := res.header.Get("Content-Disposition")
	if res.status != http.StatusOK || strings.Count(cd, "filename=") != 1 || strings.Count(cd, `"`) != 2 || strings.Contains(cd, `filename="evil.exe`) {
		t.Fatalf("GET handout %q = %d, Content-Disposition %q\n%s", name, res.status, cd, res.body)
	}
	if !strings.Contains(cd, "filename*=UTF-8''notes%22%3B%20filename%3D%22evil.exe.txt") {
		t.Errorf("Content-Disposition %q lacks the exact name in filename*", cd)
	}
	res = a.get("/modules/" + stigma + "/handouts/" + url.PathEscape("plan für Gruppe;1.txt"))
	if cd := res.header.Get("Content-Disposition"); cd != `inline; filename="plan f_r Gruppe_1.txt"; filename*=UTF-8''plan%20f%C3%BCr%20Gruppe%3B1.txt` {
		t.Errorf("Content-Disposition = %q", cd)
	}
}

// TestBundlesAreSafeToUnzip: a push can bring file names that git allows and
// Windows reads as paths, like `..\..\evil.bat`; bundles and the curriculum
// zip must never hold a name that unzips outside its folder or fails on
// Windows (issue 17). The names arrive with the real git client.
func TestBundlesAreSafeToUnzip(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; .ci/run installs it")
	}
	a := newTestApp(t)
	work := filepath.Join(t.TempDir(), "clone")
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir(), "GIT_AUTHOR_NAME=P", "GIT_AUTHOR_EMAIL=p@example.org",
			"GIT_COMMITTER_NAME=P", "GIT_COMMITTER_EMAIL=p@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("", "clone", "-q", a.store.Path(), work)
	handouts := filepath.Join(work, "modules", stigma, "handouts")
	hostile := []string{`..\..\evil.bat`, `CON.txt`, `a:b.md`, `what?.txt`, `trailing.`}
	for _, name := range hostile {
		if err := os.WriteFile(filepath.Join(handouts, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(work, "-c", "core.protectNTFS=false", "add", "-A")
	git(work, "-c", "core.protectNTFS=false", "commit", "-qm", "Handouts with hostile names")
	git(work, "-c", "core.protectNTFS=false", "push", "-q", "origin", "HEAD:refs/heads/forks/1/hostile")
	head := git(work, "rev-parse", "HEAD")

	for _, path := range []string{"/modules/" + stigma + "/bundle.zip?rev=" + head, "/curriculum.zip?rev=" + head} {
		res := a.get(path)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s = %d", path, res.status)
		}
		names := zipNames(t, res.body)
		found := 0
		for _, n := range names {
			if strings.ContainsAny(n, "\\:?*<>|\"") || strings.HasPrefix(n, "/") {
				t.Errorf("%s holds %q", path, n)
			}
			for _, part := range strings.Split(n, "/") {
				if part == ".." || part == "." || part == "" || strings.HasSuffix(part, ".") || strings.EqualFold(strings.SplitN(part, ".", 2)[0], "CON") {
					t.Errorf("%s holds %q", path, n)
				}
			}
			if strings.Contains(n, "evil.bat") || strings.Contains(n, "_CON.txt") || strings.Contains(n, "a_b.md") {
				found++
			}
		}
		if found != 3 {
			t.Errorf("%s: the hostile handouts are not there under safe names: %q", path, names)
		}
	}
}

// TestUploadsRefuseNamesOtherSystemsCannotHold: the browser and the API
// refuse handout names that Windows would fail on or read as paths.
func TestUploadsRefuseNamesOtherSystemsCannotHold(t *testing.T) {
	a := newAccountApp(t)
	fac := a.tokens["facilitator"]
	status, fork := a.apiCall(http.MethodPost, "/api/v1/modules/"+stigma+"/forks", fac, nil)
	if status != http.StatusCreated {
		t.Fatalf("fork = %d", status)
	}
	id, head := int(fork["id"].(float64)), fork["head"].(string)
	for _, name := range []string{`..\..\evil.bat`, `CON.txt`, `nul`, `a:b.md`, `what?.txt`, `quote".txt`, `trailing.`, `space .md `} {
		status, body := a.apiCall(http.MethodPut, fmt.Sprintf("/api/v1/forks/%d/files/handouts/%s", id, url.PathEscape(name)), fac,
			map[string]string{"content": "x", "base": head, "message": "add"})
		if status != http.StatusUnprocessableEntity {
			t.Errorf("PUT handouts/%s = %d %v, want 422", name, status, body)
		}
	}
	status, body := a.apiCall(http.MethodPut, fmt.Sprintf("/api/v1/forks/%d/files/handouts/role-cards.md", id), fac,
		map[string]string{"content": "# Cards", "base": head, "message": "add"})
	if status != http.StatusOK {
		t.Errorf("PUT handouts/role-cards.md = %d %v, want 200", status, body)
	}
}

// TestHugeAndNegativeNumbersInQueries: page numbers and offsets are the
// visitor's to choose; none may make a page fail (issue 17:
// /search?page=9223372036854775807 panicked).
func TestHugeAndNegativeNumbersInQueries(t *testing.T) {
	a := newAccountApp(t)
	b := a.browser()
	b.logIn("admin@example.org")
	const huge = "9223372036854775807"
	for _, n := range []string{huge, "9223372036854775808", "-9223372036854775808", "-1", "0", "1e9", "x"} {
		for _, path := range []string{
			"/search?q=class&page=" + n, "/search?in=proposals&page=" + n, "/search?in=people&page=" + n,
			"/modules?page=" + n, "/proposals?page=" + n, "/facilitators?page=" + n, "/admin/users?page=" + n,
			"/deliveries?page=" + n, "/deliveries?all=1&page=" + n, "/modules/" + stigma + "/history?page=" + n, "/changes?page=" + n,
			"/api/v1/search?q=class&offset=" + n + "&limit=" + n, "/api/v1/users?offset=" + n + "&limit=" + n,
			"/api/v1/proposals?offset=" + n + "&limit=" + n, "/api/v1/deliveries?offset=" + n + "&limit=" + n,
			"/api/v1/modules/" + stigma + "/history?limit=" + n,
		} {
			if res := b.do(http.MethodGet, path, nil); res.status >= 500 {
				t.Errorf("GET %s = %d", path, res.status)
			}
		}
	}
}

// TestDirectoryRegionsKeepHiddenRegionsHidden: the directory's region filter
// lists regions in use; one that its people share with coordinators only
// must not appear for other members (issue 17).
func TestDirectoryRegionsKeepHiddenRegionsHidden(t *testing.T) {
	a := newAccountApp(t)
	ctx := context.Background()
	_, err := a.svc.UpdateProfile(ctx, a.users["target"], account.ProfileUpdate{Name: a.users["target"].Name, Region: "Isle of Secrets",
		Visibility: map[string]praxis.Visibility{"region": praxis.VisibilityCoordinators}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.svc.UpdateProfile(ctx, a.users["maintainer"], account.ProfileUpdate{Name: a.users["maintainer"].Name, Region: "Shared Shire",
		Visibility: map[string]praxis.Visibility{"region": praxis.VisibilityNetwork}})
	if err != nil {
		t.Fatal(err)
	}
	member := a.browser()
	member.logIn("facilitator@example.org")
	page := member.do(http.MethodGet, "/facilitators", nil)
	mustContain(t, page, "Shared Shire")
	if strings.Contains(page.body, "Isle of Secrets") {
		t.Error("a member's directory lists a region shared with coordinators only")
	}
	coordinator := a.browser()
	coordinator.logIn("coordinator@example.org")
	mustContain(t, coordinator.do(http.MethodGet, "/facilitators", nil), "Isle of Secrets", "Shared Shire")
}

// TestRateLimitsIgnoreForwardedFor: without --behind-proxy, X-Forwarded-For
// and X-Real-IP are the client's own words and must not give it a fresh
// rate limit per made-up address. (Echo's default c.RealIP trusts them,
// GO-2026-6872; praxis sets its own IP extractor, and this keeps it so.)
func TestRateLimitsIgnoreForwardedFor(t *testing.T) {
	a := newAccountApp(t)
	b := a.browser()
	b.fetchSite = "same-origin"
	var res response
	for i := range 40 {
		addr := fmt.Sprintf("203.0.113.%d", i+1)
		res = b.do(http.MethodPost, "/login", url.Values{"email": {fmt.Sprintf("guess%d@example.org", i)}, "password": {"wrong wrong wrong"}},
			"X-Forwarded-For", addr, "X-Real-IP", addr)
		if res.status == http.StatusTooManyRequests {
			return
		}
	}
	t.Fatalf("40 sign-ins from one connection, each naming another address, were never limited: the last = %d", res.status)
}
