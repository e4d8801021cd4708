package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
)

const pw = "a long enough passphrase"

// accountApp is praxis with accounts, and people in each role.
type accountApp struct {
	t       *testing.T
	server  *httptest.Server
	handler *web.Server
	svc     *account.Service
	db      *db.DB
	env     *testenv.Env
	users   map[string]*praxis.User // by role name, plus "target"
	tokens  map[string]string
	repo    string // the curriculum repository's folder
}

func newAccountApp(t *testing.T) *accountApp {
	t.Helper()
	return newAccountAppWith(t, testenv.Options{}, nil)
}

// newAccountAppWith is newAccountApp over a test environment made with
// opts, and a server configured further by configure (when not nil), which
// may use the environment.
func newAccountAppWith(t *testing.T, opts testenv.Options, configure func(*web.Config, *testenv.Env)) *accountApp {
	t.Helper()
	ctx := context.Background()
	env := testenv.New(t, opts)
	database, cat := env.DB, env.Catalog
	svc := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: database, Modules: func(ctx context.Context, slug string) bool {
		l, err := cat.Listing(ctx, "")
		if err != nil {
			return false
		}
		_, ok := l.Module(slug)
		return ok
	}})
	config := testConfig(env, svc)
	if configure != nil {
		configure(&config, env)
	}
	handler, err := web.New(config)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	a := &accountApp{t: t, server: server, handler: handler, svc: svc, db: database, env: env, users: map[string]*praxis.User{}, tokens: map[string]string{}, repo: env.Store.Path()}
	for _, r := range []string{"facilitator", "maintainer", "coordinator", "admin", "target"} {
		role := praxis.Role(r)
		if r == "target" {
			role = praxis.RoleFacilitator
		}
		u, _, err := svc.AddUser(ctx, account.NewUser{Email: r + "@example.org", Name: strings.ToUpper(r[:1]) + r[1:] + " Person", Roles: []praxis.Role{role}, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		a.users[r] = u
		if a.tokens[r], err = svc.CreateTokenFor(ctx, u.Email, "test"); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// browser is a client with cookies, like a person's browser.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
	// fetchSite is sent as Sec-Fetch-Site when not empty, as modern browsers do.
	fetchSite string
}

func (a *accountApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: a.t, base: a.server.URL, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, body url.Values, headers ...string) response {
	b.t.Helper()
	var reader io.Reader
	if body != nil {
		reader = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, reader)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.fetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", b.fetchSite)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(data)}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// submit gets a page, takes the CSRF token from its form, and posts the form.
func (b *browser) submit(formPage, action string, values url.Values) response {
	b.t.Helper()
	page := b.do(http.MethodGet, formPage, nil)
	m := csrfField.FindStringSubmatch(page.body)
	if m == nil {
		b.t.Fatalf("GET %s (%d) has no CSRF field", formPage, page.status)
	}
	values.Set("csrf", m[1])
	return b.do(http.MethodPost, action, values)
}

func (b *browser) logIn(email string) {
	b.t.Helper()
	res := b.submit("/login", "/login", url.Values{"email": {email}, "password": {pw}})
	if res.status != http.StatusSeeOther {
		b.t.Fatalf("log in as %s = %d\n%s", email, res.status, res.body)
	}
}

// TestPermissionTable walks every registered route for anonymous visitors and
// every role, expecting exactly the set the permission policy allows.
func TestPermissionTable(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	target := a.users["target"]
	allowedRoles := map[access.Action][]praxis.Role{}
	for _, rule := range access.Policy() {
		allowedRoles[rule.Action] = rule.Roles
	}
	actors := []string{"anonymous", "facilitator", "maintainer", "coordinator", "admin"}
	routes := a.handler.Routes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	checked := 0
	for _, r := range routes {
		path := strings.NewReplacer(":slug", stigma, ":id", fmt.Sprint(target.ID), ":secret", "not-a-secret", "*", "nothing.md").Replace(r.Path)
		for _, actor := range actors {
			req, _ := http.NewRequest(r.Method, a.server.URL+path, strings.NewReader("{}"))
			if r.Method != http.MethodGet {
				req.Header.Set("Content-Type", "application/json")
			}
			// A same-site browser request passes the CSRF check, so that what is
			// tested here is the permission policy alone.
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if actor != "anonymous" {
				req.Header.Set("Authorization", "Bearer "+a.tokens[actor])
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			refusedAnon := res.StatusCode == http.StatusUnauthorized ||
				(res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login"))
			refused := refusedAnon || res.StatusCode == http.StatusForbidden
			// The walk connects over the loopback interface, which routes
			// marked Loopback let through whoever asks (a test from
			// elsewhere is in metrics_test.go).
			want := r.Action == "" || r.Loopback
			if !want && actor != "anonymous" {
				want = slices.ContainsFunc(allowedRoles[r.Action], func(role praxis.Role) bool {
					return a.users[actor].HasRole(role)
				})
			}
			switch {
			case want && refused:
				t.Errorf("%s %s as %s = %d, want it allowed (%q)", r.Method, r.Path, actor, res.StatusCode, r.Action)
			case !want && !refused:
				t.Errorf("%s %s as %s = %d, want it refused (%q)", r.Method, r.Path, actor, res.StatusCode, r.Action)
			case !want && actor == "anonymous" && !refusedAnon:
				t.Errorf("%s %s anonymous = %d, want 401 or a redirect to sign in", r.Method, r.Path, res.StatusCode)
			case !want && actor != "anonymous" && res.StatusCode != http.StatusForbidden:
				t.Errorf("%s %s as %s = %d, want 403", r.Method, r.Path, actor, res.StatusCode)
			}
			checked++
		}
	}
	t.Logf("checked %d route × actor pairs", checked)
}

func TestSignupApprovalAndLogin(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	b := a.browser()
	form := b.do(http.MethodGet, "/signup", nil)
	mustContain(t, form, "Join the network", "code of conduct", `name="conduct"`, "A coordinator will look at your account")
	// Missing agreement: refused beside the field, the rest kept.
	res := b.submit("/signup", "/signup", url.Values{"name": {"Rosa Parkinson"}, "email": {"rosa@example.org"}, "password": {pw}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("sign-up without agreeing = %d", res.status)
	}
	mustContain(t, res, "agree to the network", `value="Rosa Parkinson"`, `aria-invalid="true"`)
	if strings.Contains(res.body, pw) {
		t.Error("the password was echoed back into the form")
	}
	res = b.submit("/signup", "/signup", url.Values{"name": {"Rosa Parkinson"}, "email": {"rosa@example.org"}, "password": {pw}, "conduct": {"yes"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
		t.Fatalf("sign-up = %d %s", res.status, res.header.Get("Location"))
	}
	login := b.do(http.MethodGet, "/login", nil)
	mustContain(t, login, "A coordinator will look at your account soon")
	res = b.submit("/login", "/login", url.Values{"email": {"rosa@example.org"}, "password": {pw}})
	mustContain(t, res, "waiting for a coordinator to approve it")

	// A coordinator approves in the browser.
	coord := a.browser()
	coord.logIn("coordinator@example.org")
	list := coord.do(http.MethodGet, "/admin/users?status=pending", nil)
	mustContain(t, list, "Rosa Parkinson", "waiting for approval")
	id := regexp.MustCompile(`href="/admin/users/(\d+)">Rosa Parkinson`).FindStringSubmatch(list.body)
	if id == nil {
		t.Fatal("pending user not listed")
	}
	res = coord.submit("/admin/users/"+id[1], "/admin/users/"+id[1]+"/status", url.Values{"status": {"active"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("approve = %d %s", res.status, res.body)
	}
	mustContain(t, coord.do(http.MethodGet, "/admin/users/"+id[1], nil), "The account is active", "status-active")

	b.logIn("rosa@example.org")
	home := b.do(http.MethodGet, "/", nil)
	mustContain(t, home, "Rosa Parkinson", "Sign out", `href="/facilitators"`)
	if strings.Contains(home.body, `href="/admin/users"`) {
		t.Error("a facilitator sees the admin link")
	}
	// Sign out ends the session for good.
	cookieBefore := b.client.Jar.Cookies(mustURL(a.server.URL))
	res = b.submit("/", "/logout", url.Values{})
	if res.status != http.StatusSeeOther {
		t.Fatalf("log out = %d", res.status)
	}
	replay := a.browser()
	replay.client.Jar.SetCookies(mustURL(a.server.URL), cookieBefore)
	if res := replay.do(http.MethodGet, "/account", nil); res.status != http.StatusSeeOther {
		t.Errorf("the old session cookie still works after signing out: %d", res.status)
	}
}

func mustURL(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}

func TestLoginErrorsAndRateLimit(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	b := a.browser()
	wrong := b.submit("/login", "/login", url.Values{"email": {"facilitator@example.org"}, "password": {"wrong wrong wrong"}})
	nobody := b.submit("/login", "/login", url.Values{"email": {"nobody@example.org"}, "password": {pw}})
	if wrong.status != http.StatusUnprocessableEntity || nobody.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong log ins = %d, %d; want 422", wrong.status, nobody.status)
	}
	msg := "that email and password do not match an account"
	mustContain(t, wrong, msg)
	mustContain(t, nobody, msg)
	var limited response
	for range 30 {
		limited = b.submit("/login", "/login", url.Values{"email": {"facilitator@example.org"}, "password": {"wrong wrong wrong"}})
		if limited.status == http.StatusTooManyRequests {
			break
		}
	}
	if limited.status != http.StatusTooManyRequests || limited.header.Get("Retry-After") == "" {
		t.Fatalf("repeated wrong passwords = %d (Retry-After %q), want 429", limited.status, limited.header.Get("Retry-After"))
	}
	mustContain(t, limited, "too many attempts")
}

func TestCSRFIsEnforced(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	b := a.browser()
	b.logIn("facilitator@example.org")
	// No token at all, as a forged form from another site would send.
	res := b.do(http.MethodPost, "/account", url.Values{"name": {"Hacked"}})
	if res.status != http.StatusForbidden {
		t.Fatalf("post without CSRF token = %d, want 403", res.status)
	}
	// A browser says the request came from another site.
	b.fetchSite = "cross-site"
	res = b.submit("/account", "/account", url.Values{"name": {"Hacked"}})
	if res.status != http.StatusForbidden {
		t.Fatalf("cross-site post = %d, want 403", res.status)
	}
	b.fetchSite = ""
	res = b.do(http.MethodPost, "/account", url.Values{"name": {"Hacked"}, "csrf": {"made-up-token"}})
	if res.status != http.StatusForbidden {
		t.Fatalf("post with a wrong token = %d, want 403", res.status)
	}
	u, _ := a.db.FindUser(context.Background(), a.users["facilitator"].ID)
	if u.Name == "Hacked" {
		t.Fatal("a forged form changed the profile")
	}
	// The real form works, from a browser that says it is the same site too.
	b.fetchSite = "same-origin"
	res = b.do(http.MethodPost, "/account", url.Values{"name": {"Facilitator Renamed"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("same-origin post = %d", res.status)
	}
}

func TestProfileEditingAndVisibility(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	b := a.browser()
	b.logIn("facilitator@example.org")
	res := b.submit("/account", "/account", url.Values{
		"name": {"Fay Facilitator"}, "pronouns": {"she/her"}, "region": {"Wales"}, "town": {"Cardiff"},
		"bio": {"<script>alert(1)</script> Runs workshops in Cardiff."}, "languages": {"en", "cy"}, "other_languages": {"pl"},
		"visibility_region": {"public"}, "visibility_town": {"coordinators"}, "visibility_bio": {"network"},
	})
	if res.status != http.StatusSeeOther {
		t.Fatalf("save profile = %d\n%s", res.status, res.body)
	}
	id := fmt.Sprint(a.users["facilitator"].ID)
	anon := a.browser().do(http.MethodGet, "/people/"+id, nil)
	if anon.status != 200 || !strings.Contains(anon.body, "Wales") || strings.Contains(anon.body, "Cardiff") || strings.Contains(anon.body, "Runs workshops") {
		t.Fatalf("anonymous profile = %d, shows town or bio, or hides region", anon.status)
	}
	member := a.browser()
	member.logIn("maintainer@example.org")
	page := member.do(http.MethodGet, "/people/"+id, nil)
	mustContain(t, page, "Runs workshops in Cardiff", "&lt;script&gt;", "Welsh", "Polish")
	if strings.Contains(page.body, "<script>alert") || strings.Contains(page.body, "Cardiff</dd>") {
		t.Error("profile shows the bio's HTML as markup, or the coordinators-only town")
	}
	dir := member.do(http.MethodGet, "/facilitators?region=Wales", nil)
	mustContain(t, dir, "Fay Facilitator", "1 person")
	// Fay sees her profile as others do: the town she shares with
	// coordinators only is in neither view; the bio only members see is in
	// the network's view, not the public one.
	own := b.do(http.MethodGet, "/people/"+id, nil)
	mustContain(t, own, "Cardiff, Wales", "as other members do")
	network := b.do(http.MethodGet, "/people/"+id+"?as=network", nil)
	mustContain(t, network, "as other members of the network see it", "Runs workshops in Cardiff", "Wales")
	if strings.Contains(network.body, "Cardiff, Wales") {
		t.Error("her profile as members see it shows the coordinators-only town")
	}
	public := b.do(http.MethodGet, "/people/"+id+"?as=public", nil)
	mustContain(t, public, "as anyone on the internet sees it", "Wales")
	if strings.Contains(public.body, "Runs workshops in Cardiff") || strings.Contains(public.body, "Cardiff, Wales") {
		t.Error("her profile as the public sees it shows the bio or the town")
	}
	if other := member.do(http.MethodGet, "/people/"+id+"?as=public", nil); strings.Contains(other.body, "anyone on the internet sees it") {
		t.Error("someone else's profile offers the 'seen as' views")
	}
	bad := b.submit("/account", "/account", url.Values{"name": {""}, "bio": {strings.Repeat("x", 3000)}})
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid profile = %d", bad.status)
	}
	mustContain(t, bad, "this is required")
}

func TestTokensPageAndAPI(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	b := a.browser()
	b.logIn("coordinator@example.org")
	res := b.submit("/account/tokens", "/account/tokens", url.Values{"name": {"reporting"}})
	if res.status != http.StatusCreated || res.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create token = %d %q", res.status, res.header.Get("Cache-Control"))
	}
	token := regexp.MustCompile(`value="(praxis_[A-Za-z0-9_-]+)"`).FindStringSubmatch(res.body)
	if token == nil {
		t.Fatal("the new token is not shown")
	}
	again := b.do(http.MethodGet, "/account/tokens", nil)
	if strings.Contains(again.body, token[1]) {
		t.Fatal("the token is shown a second time")
	}
	mustContain(t, again, "reporting")

	api := func(method, path, token, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, a.server.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	status, me := api("GET", "/api/v1/me", token[1], "")
	if status != 200 || me["email"] != "coordinator@example.org" || me["id"] == nil || me["name"] == nil {
		t.Fatalf("/me = %d %v", status, me)
	}
	if roles, _ := me["roles"].([]any); len(roles) != 1 || roles[0] != "coordinator" {
		t.Errorf("/me roles = %v", me["roles"])
	}
	if status, body := api("GET", "/api/v1/me", "", ""); status != 401 || body["error"] == nil {
		t.Errorf("/me without token = %d %v", status, body)
	}
	if status, _ := api("GET", "/api/v1/me", "praxis_wrong", ""); status != 401 {
		t.Errorf("/me with a wrong token = %d", status)
	}
	if status, _ := api("GET", "/modules", "praxis_wrong", ""); status != 401 {
		t.Errorf("a page with a wrong token = %d, want 401", status)
	}
	status, users := api("GET", "/api/v1/users?q=person&limit=2", token[1], "")
	if status != 200 || users["total"].(float64) < 5 || len(users["users"].([]any)) != 2 {
		t.Fatalf("/users = %d %v", status, users)
	}
	if status, _ := api("GET", "/api/v1/users", a.tokens["facilitator"], ""); status != 403 {
		t.Errorf("/users as facilitator = %d", status)
	}
	target := fmt.Sprint(a.users["target"].ID)
	if status, body := api("PATCH", "/api/v1/users/"+target, token[1], `{"roles":["maintainer"]}`); status != 403 {
		t.Errorf("coordinator changing roles = %d %v", status, body)
	}
	if status, body := api("PATCH", "/api/v1/users/"+target, a.tokens["admin"], `{"roles":["maintainer","facilitator"]}`); status != 200 || len(body["roles"].([]any)) != 2 {
		t.Errorf("admin changing roles = %d %v", status, body)
	}
	if status, body := api("PATCH", "/api/v1/users/"+target, token[1], `{"status":"suspended"}`); status != 200 || body["status"] != "suspended" {
		t.Errorf("coordinator suspending = %d %v", status, body)
	}
	// The suspended user's token is refused at once.
	if status, _ := api("GET", "/api/v1/me", a.tokens["target"], ""); status != 401 {
		t.Errorf("suspended user's token = %d", status)
	}
	for body, want := range map[string]int{`{"roles": 5}`: 400, `{"colour":"red"}`: 400, `not json`: 400, ``: 400, `{}`: 422, `{"status":"deleted"}`: 422, `{"roles":["boss"]}`: 422} {
		if status, _ := api("PATCH", "/api/v1/users/"+target, a.tokens["admin"], body); status != want {
			t.Errorf("PATCH %q = %d, want %d", body, status, want)
		}
	}
	if status, _ := api("PATCH", "/api/v1/users/999999", a.tokens["admin"], `{"status":"active"}`); status != 404 {
		t.Errorf("PATCH unknown user = %d", status)
	}
	// Revoking from the page stops the token.
	id := regexp.MustCompile(`action="/account/tokens/(\d+)/revoke"`).FindStringSubmatch(again.body)
	b.submit("/account/tokens", "/account/tokens/"+id[1]+"/revoke", url.Values{})
	if status, _ := api("GET", "/api/v1/me", token[1], ""); status != 401 {
		t.Errorf("revoked token = %d", status)
	}
}

func TestResetLinkInvitationAndAudit(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	coord := a.browser()
	coord.logIn("coordinator@example.org")
	target := fmt.Sprint(a.users["target"].ID)
	res := coord.submit("/admin/users/"+target, "/admin/users/"+target+"/reset", url.Values{})
	link := regexp.MustCompile(`value="http://[^"]+(/reset/[^"]+)"`).FindStringSubmatch(res.body)
	if res.status != 200 || link == nil {
		t.Fatalf("issue reset = %d, link %v", res.status, link)
	}
	person := a.browser()
	mustContain(t, person.do(http.MethodGet, link[1], nil), "Set a new password", "Target Person")
	mismatch := person.submit(link[1], link[1], url.Values{"password": {"a fresh new passphrase"}, "confirm": {"different"}})
	mustContain(t, mismatch, "not the same")
	done := person.submit(link[1], link[1], url.Values{"password": {"a fresh new passphrase"}, "confirm": {"a fresh new passphrase"}})
	if done.status != http.StatusSeeOther {
		t.Fatalf("reset = %d %s", done.status, done.body)
	}
	if used := person.do(http.MethodGet, link[1], nil); used.status != http.StatusNotFound {
		t.Errorf("used link = %d, want 404", used.status)
	}

	// Invitations, with sign-up by invitation only.
	admin := a.browser()
	admin.logIn("admin@example.org")
	if res := admin.submit("/admin/settings", "/admin/settings", url.Values{"signup_mode": {"invitation"}}); res.status != http.StatusSeeOther {
		t.Fatalf("settings = %d", res.status)
	}
	mustContain(t, a.browser().do(http.MethodGet, "/signup", nil), "Joining this network is by invitation")
	inv := coord.submit("/admin/invitations", "/admin/invitations", url.Values{"note": {"Leeds"}})
	invLink := regexp.MustCompile(`value="http://[^"]+(/signup\?invitation=[^"]+)"`).FindStringSubmatch(inv.body)
	if invLink == nil {
		t.Fatal("no invitation link shown")
	}
	newcomer := a.browser()
	page := newcomer.do(http.MethodGet, invLink[1], nil)
	mustContain(t, page, "You have been invited")
	secret := strings.TrimPrefix(invLink[1], "/signup?invitation=")
	res = newcomer.submit(invLink[1], "/signup", url.Values{"name": {"Nia Newcomer"}, "email": {"nia@example.org"}, "password": {pw}, "conduct": {"yes"}, "invitation": {secret}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/account" {
		t.Fatalf("invited sign-up = %d %s", res.status, res.header.Get("Location"))
	}
	mustContain(t, newcomer.do(http.MethodGet, "/account", nil), "Welcome to the network, Nia Newcomer")

	audit := admin.do(http.MethodGet, "/admin/audit", nil)
	mustContain(t, audit, "password_reset.issue", "settings.signup_mode", "invitation.create", "Coordinator Person")
	if res := coord.do(http.MethodGet, "/admin/audit", nil); res.status != http.StatusForbidden {
		t.Errorf("audit log for a coordinator = %d", res.status)
	}
}

func TestExportAndDeleteThroughTheBrowser(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	b := a.browser()
	b.logIn("target@example.org")
	export := b.do(http.MethodGet, "/account/export.json", nil)
	if export.status != 200 || !strings.Contains(export.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export = %d %q", export.status, export.header.Get("Content-Disposition"))
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(export.body), &data); err != nil {
		t.Fatal(err)
	}
	if data["profile"].(map[string]any)["email"] != "target@example.org" || strings.Contains(export.body, "argon2id") || strings.Contains(export.body, a.tokens["target"]) {
		t.Fatalf("export holds the wrong data or a secret: %s", export.body)
	}
	res := b.submit("/account/data", "/account/delete", url.Values{"password": {pw}, "confirm": {"nope"}})
	mustContain(t, res, "type delete to confirm", `value="nope"`)
	if strings.Contains(res.body, pw) {
		t.Error("the refused form shows the password back")
	}
	// A phone's capital letter is fine.
	res = b.submit("/account/data", "/account/delete", url.Values{"password": {pw}, "confirm": {"Delete "}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("delete = %d", res.status)
	}
	if res := b.do(http.MethodGet, "/account", nil); res.status != http.StatusSeeOther {
		t.Errorf("/account after deleting = %d", res.status)
	}
	u, _ := a.db.FindUser(context.Background(), a.users["target"].ID)
	if u.Status != praxis.StatusDeleted || u.Email != "" {
		t.Errorf("deleted user = %+v", u)
	}
}

func TestSessionsPage(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	laptop, phone := a.browser(), a.browser()
	laptop.logIn("maintainer@example.org")
	phone.logIn("maintainer@example.org")
	page := laptop.do(http.MethodGet, "/account/sessions", nil)
	mustContain(t, page, "(this browser)")
	if n := strings.Count(page.body, "/revoke\""); n != 2 {
		t.Fatalf("sessions listed = %d, want 2", n)
	}
	laptop.submit("/account/sessions", "/account/sessions/revoke-others", url.Values{})
	if res := phone.do(http.MethodGet, "/account", nil); res.status != http.StatusSeeOther {
		t.Errorf("the other session still works: %d", res.status)
	}
	if res := laptop.do(http.MethodGet, "/account", nil); res.status != 200 {
		t.Errorf("this session was signed out too: %d", res.status)
	}
}

func TestLoginRedirectsBackSafely(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	b := a.browser()
	res := b.do(http.MethodGet, "/account/tokens", nil)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login?next=%2Faccount%2Ftokens" {
		t.Fatalf("anonymous /account/tokens = %d %q", res.status, res.header.Get("Location"))
	}
	for next, want := range map[string]string{"/account/tokens": "/account/tokens", "https://evil.example": "/", "//evil.example": "/", "/\\evil.example": "/"} {
		b := a.browser()
		page := b.do(http.MethodGet, "/login?next="+url.QueryEscape(next), nil)
		m := csrfField.FindStringSubmatch(page.body)
		res := b.do(http.MethodPost, "/login", url.Values{"email": {"admin@example.org"}, "password": {pw}, "next": {next}, "csrf": {m[1]}})
		if res.header.Get("Location") != want {
			t.Errorf("next=%q sent to %q, want %q", next, res.header.Get("Location"), want)
		}
	}
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	for _, tc := range []struct {
		proto      string
		wantSecure bool
		wantName   string
	}{{"", false, "praxis_session="}, {"https", true, "__Host-praxis_session="}} {
		b := a.browser()
		// The test client does not send Secure cookies over plain HTTP, so
		// the form relies on fetch metadata, as a browser's would.
		b.fetchSite = "same-origin"
		headers := []string{}
		if tc.proto != "" {
			headers = append(headers, "X-Forwarded-Proto", tc.proto)
		}
		res := b.do(http.MethodPost, "/login", url.Values{"email": {"admin@example.org"}, "password": {pw}}, headers...)
		var session string
		for _, c := range res.header.Values("Set-Cookie") {
			if strings.HasPrefix(c, tc.wantName) {
				session = c
			}
		}
		// Over HTTPS the __Host- prefix keeps sibling subdomains from setting
		// or shadowing the cookie (issue 17): Secure, Path=/, no Domain.
		if session == "" || !strings.Contains(session, "HttpOnly") || !strings.Contains(session, "SameSite=Lax") ||
			!strings.Contains(session, "Path=/;") || strings.Contains(session, "Domain=") {
			t.Fatalf("session cookie = %q", session)
		}
		if strings.Contains(session, "Secure") != tc.wantSecure {
			t.Errorf("proto %q: cookie %q, want Secure %v", tc.proto, session, tc.wantSecure)
		}
	}
}
