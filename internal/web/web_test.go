package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/demo"
	"github.com/praxis-coop/praxis/internal/export"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/search"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
	"github.com/praxis-coop/praxis/internal/workshop"
)

const stigma = "exploring-class-2-stigma"

type testApp struct {
	t      *testing.T
	server *httptest.Server
	store  *gitstore.Store
	first  string
}

func newTestApp(t testing.TB) *testApp {
	t.Helper()
	env := testenv.New(t, testenv.Options{Author: praxis.Signature{Name: "praxis", Email: "praxis@localhost"}})
	store := env.Store
	handler, err := web.New(testConfig(env, account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: env.DB})))
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	first := env.Main(t)
	app := &testApp{server: server, store: store, first: first}
	if tt, ok := t.(*testing.T); ok {
		app.t = tt
	}
	return app
}

func (a *testApp) commit(changes ...praxis.FileChange) string {
	a.t.Helper()
	ctx := context.Background()
	head, _ := a.store.Branch(ctx, "main")
	id, err := a.store.WriteCommit(ctx, gitstore.CommitRequest{
		Branch: "main", Expected: head, Message: "Test change", Changes: changes,
		Author: praxis.Signature{Name: "Tester", Email: "t@example.org"},
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return id
}

type response struct {
	status int
	header http.Header
	body   string
}

func (a *testApp) get(path string, headers ...string) response {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.server.URL+path, nil)
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
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (a *testApp) getJSON(path string, into any) response {
	a.t.Helper()
	res := a.get(path)
	if err := json.Unmarshal([]byte(res.body), into); err != nil {
		a.t.Fatalf("GET %s: body is not JSON (%v): %s", path, err, res.body)
	}
	return res
}

func mustContain(t *testing.T, res response, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(res.body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
}

func TestHomePage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.get("/")
	if res.status != http.StatusOK {
		t.Fatalf("GET / = %d", res.status)
	}
	mustContain(t, res, "Exploring Class", "Organising Fundamentals", `href="/series/exploring-class"`, "Seed the curriculum", "Browse all 13 workshops")
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.get("/modules/" + stigma)
	for name, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
	} {
		if got := res.header.Get(name); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", name, got, want)
		}
	}
	if strings.Contains(res.header.Get("Content-Security-Policy"), "unsafe-inline") {
		t.Error("CSP allows inline code")
	}
	if res.header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
}

func TestCatalogueAndFilters(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	all := a.get("/modules")
	if all.status != http.StatusOK || strings.Count(all.body, `class="card"`) != 13 {
		t.Fatalf("GET /modules = %d with %d cards, want 200 with 13", all.status, strings.Count(all.body, `class="card"`))
	}
	var api struct {
		Modules []struct {
			Slug     string
			Duration int
			Formats  []string
			Series   string
		}
	}
	a.getJSON("/api/v1/modules?format=online&max_duration=150&series=organising-fundamentals", &api)
	filtered := a.get("/modules?format=online&max_duration=150&series=organising-fundamentals")
	if n := strings.Count(filtered.body, `class="card"`); n != len(api.Modules) || n == 0 || n >= 13 {
		t.Fatalf("filtered page shows %d cards, API %d; want the same, some but not all", n, len(api.Modules))
	}
	for _, m := range api.Modules {
		if m.Duration > 150 || m.Series != "organising-fundamentals" || !strings.Contains(strings.Join(m.Formats, ","), "online") {
			t.Errorf("filter let through %+v", m)
		}
		if !strings.Contains(filtered.body, `href="/modules/`+m.Slug+`"`) {
			t.Errorf("filtered page lacks %s", m.Slug)
		}
	}
	if !strings.Contains(filtered.body, `<option value="online" selected>`) {
		t.Error("the chosen filter is not kept selected in the form")
	}
	junk := a.get("/modules?max_duration=lots&min_duration=-5&tag=%3Cscript%3E")
	if junk.status != http.StatusOK || strings.Contains(junk.body, "<script>") {
		t.Errorf("junk filters = %d, or the tag was echoed unescaped", junk.status)
	}
	mustContain(t, junk, "No workshop matches")
}

func TestCataloguePagination(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.commit(demo.Modules(100, 7, demo.ModuleOptions{BodyBytes: 500})...)
	first := a.get("/modules?format=in-person")
	if n := strings.Count(first.body, `class="card"`); n != 48 {
		t.Fatalf("first page shows %d cards, want 48", n)
	}
	mustContain(t, first, "Page 1 of 3", `href="/modules?format=in-person&amp;page=2" rel="next"`)
	last := a.get("/modules?format=in-person&page=99")
	mustContain(t, last, "Page 3 of 3", `rel="prev"`)
	if strings.Contains(last.body, `rel="next"`) {
		t.Error("the last page links to a next page")
	}
	seen := map[string]bool{}
	for p := 1; p <= 3; p++ {
		page := a.get(fmt.Sprintf("/modules?format=in-person&page=%d", p))
		for _, m := range regexp.MustCompile(`<h3 class="card-title"><a href="/modules/([a-z0-9-]+)">`).FindAllStringSubmatch(page.body, -1) {
			if seen[m[1]] {
				t.Errorf("%s is on two pages", m[1])
			}
			seen[m[1]] = true
		}
	}
	if len(seen) != 113 {
		t.Errorf("pages show %d modules in all, want 113", len(seen))
	}
}

func TestModulePage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.get("/modules/" + stigma)
	if res.status != http.StatusOK {
		t.Fatalf("GET module = %d", res.status)
	}
	mustContain(t, res,
		"<h1 id=\"plan-title\">Class, stigma and shame</h1>",
		"Current version", "By the end, participants will be able to", "Materials",
		`<table class="agenda">`, `<td class="num">0:00</td>`, "Total",
		`<blockquote class="say">`, `<blockquote class="facilitator-note">`,
		`href="/modules/`+stigma+`/handouts/`, `rel="prev"`, `rel="next"`,
		`href="/series/exploring-class"`,
	)
	// Every agenda row links to its section in the plan.
	rows := regexp.MustCompile(`<td><a href="#([a-z0-9-]+)">`).FindAllStringSubmatch(res.body, -1)
	if len(rows) < 5 {
		t.Fatalf("%d agenda rows link to sections, want every one", len(rows))
	}
	for _, r := range rows {
		if !strings.Contains(res.body, `id="`+r[1]+`"`) {
			t.Errorf("agenda links to #%s, which is not in the page", r[1])
		}
	}
}

func TestModuleAtOldRevision(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	plan := string(mustRead(t, a, stigma)) + "\nA brand new closing line.\n"
	a.commit(praxis.FileChange{Path: "modules/" + stigma + "/module.md", Content: []byte(plan)})

	now := a.get("/modules/" + stigma)
	mustContain(t, now, "A brand new closing line.", "Current version")
	old := a.get("/modules/" + stigma + "?rev=" + a.first)
	if old.status != http.StatusOK || strings.Contains(old.body, "A brand new closing line.") {
		t.Fatalf("old version = %d, or it shows the new text", old.status)
	}
	mustContain(t, old, "This is not the current version", `href="/modules/`+stigma+`">Read the current version`, a.first[:7])
	short := a.get("/modules/" + stigma + "?rev=" + a.first[:8])
	mustContain(t, short, "This is not the current version")
}

func mustRead(t *testing.T, a *testApp, slug string) []byte {
	t.Helper()
	snap, err := a.store.Snapshot(context.Background(), "main")
	if err != nil {
		t.Fatal(err)
	}
	data, err := snap.ReadFile("modules/" + slug + "/module.md")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestNotFoundAndPathTricks(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	plan := string(mustRead(t, a, stigma))
	for _, path := range []string{
		"/modules/no-such-module",
		"/modules/..%2Fseries",
		"/modules/%2e%2e",
		"/modules/" + stigma + "/handouts/..%2Fmodule.md",
		"/modules/" + stigma + "/handouts/../module.md",
		"/modules/" + stigma + "/handouts/%2e%2e/%2e%2e/%2e%2e/README.md",
		"/modules/" + stigma + "/handouts/",
		"/modules/" + stigma + "/handouts/nope.md",
		"/modules/" + stigma + "?rev=no-such-branch",
		"/modules/" + stigma + "?rev=../../config",
		"/modules/" + stigma + "?rev=" + strings.Repeat("0", 40),
		"/modules/Exploring-Class",
		"/series/nope",
		"/no/such/page",
		"/static/abc/css/nope.css",
	} {
		res := a.get(path)
		if res.status != http.StatusNotFound && res.status != http.StatusMovedPermanently {
			t.Errorf("GET %s = %d, want 404", path, res.status)
		}
		if strings.Contains(res.body, plan[:80]) {
			t.Errorf("GET %s leaked module.md", path)
		}
		if res.status == http.StatusNotFound && !strings.Contains(res.body, "Page not found") {
			t.Errorf("GET %s: 404 is not the praxis 404 page", path)
		}
	}
}

func TestBrokenModule(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.commit(praxis.FileChange{Path: "modules/broken-one/module.md", Content: []byte("---\ntitle: Broken\nsummary: [oops\n---\nbody\n")})
	list := a.get("/modules")
	if n := strings.Count(list.body, `class="card"`); n != 13 {
		t.Errorf("catalogue shows %d modules with one broken, want the 13 others", n)
	}
	mustContain(t, list, "Modules that cannot be shown", `href="/modules/broken-one"`)
	page := a.get("/modules/broken-one")
	if page.status != http.StatusOK {
		t.Fatalf("broken module page = %d", page.status)
	}
	mustContain(t, page, "cannot be read", "modules/broken-one/module.md:", "front matter is not valid YAML", "summary: [oops")
	var errBody struct {
		Error    string
		Problems []praxis.Problem
	}
	res := a.getJSON("/api/v1/modules/broken-one", &errBody)
	if res.status != http.StatusUnprocessableEntity || len(errBody.Problems) == 0 || !strings.Contains(errBody.Error, "cannot be read") {
		t.Errorf("API for a broken module = %d %+v", res.status, errBody)
	}
}

func TestHostileMarkdownIsInert(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	plan := "---\ntitle: Hostile\nsummary: x\nduration: 5\ngroup_size: {min: 1, max: 2}\nfacilitators: 1\nformats: [online]\nobjectives: [x]\nlanguage: en\nlicence: CC0-1.0\nagenda:\n  - {title: \"<img src=x onerror=alert(1)>\", minutes: 5}\n---\n" +
		"<script>alert(1)</script>\n\n## <img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<iframe src=\"https://example.org\"></iframe>\n"
	a.commit(praxis.FileChange{Path: "modules/hostile/module.md", Content: []byte(plan)})
	res := a.get("/modules/hostile")
	if res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "javascript:alert", "<iframe"} {
		if strings.Contains(res.body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func TestHandouts(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	var m struct{ Handouts []string }
	a.getJSON("/api/v1/modules/"+stigma, &m)
	if len(m.Handouts) == 0 {
		t.Fatal("no handouts")
	}
	page := a.get("/modules/" + stigma + "/handouts/" + m.Handouts[0])
	if page.status != http.StatusOK || !strings.Contains(page.body, `class="plan-body handout"`) {
		t.Fatalf("handout page = %d", page.status)
	}
	raw := a.get("/modules/" + stigma + "/handouts/" + m.Handouts[0] + "?raw=1")
	if raw.status != http.StatusOK || !strings.HasPrefix(raw.header.Get("Content-Type"), "text/markdown") ||
		!strings.Contains(raw.header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("raw handout = %d %q %q", raw.status, raw.header.Get("Content-Type"), raw.header.Get("Content-Security-Policy"))
	}
	again := a.get("/modules/"+stigma+"/handouts/"+m.Handouts[0]+"?raw=1", "If-None-Match", raw.header.Get("ETag"))
	if again.status != http.StatusNotModified {
		t.Errorf("conditional GET = %d, want 304", again.status)
	}
}

func TestSeriesPages(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	index := a.get("/series")
	mustContain(t, index, "Exploring Class", "Organising Fundamentals")
	res := a.get("/series/exploring-class")
	if res.status != http.StatusOK {
		t.Fatalf("series page = %d", res.status)
	}
	order := []string{"exploring-class-1-where-we-come-from", stigma, "exploring-class-3-how-class-shapes-lives",
		"exploring-class-4-class-in-our-movements", "exploring-class-5-redistribution", "exploring-class-6-taking-responsibility"}
	last := -1
	for _, slug := range order {
		i := strings.Index(res.body, `href="/modules/`+slug+`"`)
		if i < last || i < 0 {
			t.Fatalf("series page does not list %s in order", slug)
		}
		last = i
	}
	mustContain(t, res, "in all")
	var api struct {
		Series struct {
			Modules  []string
			Duration int
		}
	}
	a.getJSON("/api/v1/series/exploring-class", &api)
	if strings.Join(api.Series.Modules, ",") != strings.Join(order, ",") || api.Series.Duration < 600 {
		t.Errorf("API series = %+v", api.Series)
	}
}

func TestAPI(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	var list struct {
		Version string
		Modules []map[string]any
	}
	a.getJSON("/api/v1/modules", &list)
	if list.Version != a.first || len(list.Modules) != 13 {
		t.Fatalf("modules = version %s, %d modules", list.Version, len(list.Modules))
	}
	for _, key := range []string{"slug", "title", "summary", "series", "order", "duration", "formats", "tags", "audience"} {
		if _, ok := list.Modules[0][key]; !ok {
			t.Errorf("module summary lacks %q", key)
		}
	}
	var m map[string]any
	res := a.getJSON("/api/v1/modules/"+stigma, &m)
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		t.Fatalf("module = %d %s", res.status, res.header.Get("Content-Type"))
	}
	for _, key := range []string{"slug", "version", "markdown", "html", "title", "summary", "series", "order", "duration",
		"audience", "group_size", "facilitators", "formats", "objectives", "materials", "tags", "language", "licence", "authors", "agenda"} {
		if _, ok := m[key]; !ok {
			t.Errorf("module lacks %q", key)
		}
	}
	if m["version"] != a.first || m["slug"] != stigma {
		t.Errorf("version %v slug %v", m["version"], m["slug"])
	}
	for path, want := range map[string]int{
		"/api/v1/modules/nope":                    404,
		"/api/v1/modules/" + stigma + "?rev=nope": 404,
		"/api/v1/modules?rev=nope":                404,
		"/api/v1/nothing-here":                    404,
	} {
		var body struct{ Error string }
		res := a.getJSON(path, &body)
		if res.status != want || body.Error == "" {
			t.Errorf("GET %s = %d %+v, want %d with an error", path, res.status, body, want)
		}
	}
	var health map[string]any
	if res := a.getJSON("/healthz", &health); res.status != 200 || health["status"] != "ok" || health["checks"] == nil {
		t.Errorf("healthz = %d %v", res.status, health)
	}
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	home := a.get("/")
	css := regexp.MustCompile(`href="(/static/[0-9a-f]{12}/css/praxis.css)"`).FindStringSubmatch(home.body)
	if css == nil {
		t.Fatal("no hashed stylesheet link")
	}
	res := a.get(css[1], "Accept-Encoding", "gzip")
	if res.status != 200 || !strings.Contains(res.header.Get("Cache-Control"), "immutable") || res.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("stylesheet = %d, Cache-Control %q, Content-Encoding %q", res.status, res.header.Get("Cache-Control"), res.header.Get("Content-Encoding"))
	}
	stale := a.get("/static/000000000000/css/praxis.css")
	if stale.status != 200 || strings.Contains(stale.header.Get("Cache-Control"), "immutable") {
		t.Errorf("stale hash = %d %q; want today's file, not cached for long", stale.status, stale.header.Get("Cache-Control"))
	}
	if res := a.get("/favicon.ico"); res.status != http.StatusMovedPermanently {
		t.Errorf("favicon = %d", res.status)
	}
	if res := a.get("/modules/", "Accept", "text/html"); res.status != http.StatusMovedPermanently || res.header.Get("Location") != "/modules" {
		t.Errorf("trailing slash = %d %q", res.status, res.header.Get("Location"))
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/modules", strings.NewReader("x"))
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /modules = %d, want 405", res.StatusCode)
	}
}

// testConfig wires the services over one database and repository as the
// praxis command does.
func testConfig(env *testenv.Env, accounts *account.Service) web.Config {
	database, store, index, cat, versions := env.DB, env.Store, env.History, env.Catalog, env.Releases
	rev := review.New(review.Config{DB: database, Store: store, Catalog: cat, History: index})
	deliveries := delivery.New(delivery.Config{DB: database, Catalog: cat, History: index, Releases: versions, Forks: rev})
	return web.Config{Catalog: cat, Database: database, Accounts: accounts, Review: rev, History: index, Releases: versions,
		Deliveries: deliveries,
		Workshops: workshop.New(workshop.Config{DB: database, Catalog: cat, History: index, Releases: versions, Deliveries: deliveries,
			Forks: rev}),
		Exports: export.New(export.Config{Catalog: cat, Releases: versions, DB: database}),
		Search:  search.New(database, cat), Repository: store}
}
