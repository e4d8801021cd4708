package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/githttp"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
)

// scrapeMetrics reads /metrics as a local Prometheus would: over the loopback
// interface, with no credentials.
func (a *accountApp) scrapeMetrics() string {
	a.t.Helper()
	res, err := http.Get(a.server.URL + "/metrics")
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		a.t.Fatalf("GET /metrics from loopback = %d, want 200\n%s", res.StatusCode, body)
	}
	return string(body)
}

// serveLocal runs one request through the app as if from this machine, and
// returns once the app is done with it (an HTTP client may see the response
// before the app has counted it).
func serveLocal(handler http.Handler, method, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = "127.0.0.1:50000"
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec
}

// metricValue returns the value of the series named exactly (name and
// labels, as Prometheus writes them), or -1 when it is absent.
func metricValue(t *testing.T, exposition, series string) float64 {
	t.Helper()
	for line := range strings.SplitSeq(exposition, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("%s has value %q", series, rest)
			}
			return v
		}
	}
	return -1
}

func TestMetricsCountRoutesNotPaths(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	if rec := serveLocal(a.handler, http.MethodGet, "/modules/"+stigma); rec.Code != http.StatusOK {
		t.Fatalf("GET /modules/%s = %d", stigma, rec.Code)
	}
	if rec := serveLocal(a.handler, http.MethodGet, "/modules/no-such-module"); rec.Code != http.StatusNotFound {
		t.Fatalf("GET /modules/no-such-module = %d", rec.Code)
	}
	body := a.scrapeMetrics()
	if got := metricValue(t, body, `praxis_http_requests_total{method="GET",route="/modules/:slug",status="2xx"}`); got != 1 {
		t.Errorf("requests to /modules/:slug with 2xx = %v, want 1", got)
	}
	if got := metricValue(t, body, `praxis_http_requests_total{method="GET",route="/modules/:slug",status="4xx"}`); got != 1 {
		t.Errorf("requests to /modules/:slug with 4xx = %v, want 1", got)
	}
	if strings.Contains(body, stigma) || strings.Contains(body, "no-such-module") {
		t.Error("the metrics carry a raw path; labels must be route patterns")
	}
	for _, want := range []string{
		`praxis_http_request_duration_seconds_bucket{route="/modules/:slug",le="0.1"}`,
		`go_sql_max_open_connections{db_name="praxis"}`,
		`praxis_proposal_merges_total{outcome="merged"}`,
		"go_goroutines",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestMetricsNeedAnAdminFromElsewhere(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	// httptest.NewRequest comes from 192.0.2.1, an address on no loopback.
	for _, tc := range []struct {
		name  string
		actor string
		want  int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"facilitator", "facilitator", http.StatusForbidden},
		{"coordinator", "coordinator", http.StatusForbidden},
		{"maintainer", "maintainer", http.StatusForbidden},
		{"admin", "admin", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tc.actor != "" {
				req.Header.Set("Authorization", "Bearer "+a.tokens[tc.actor])
			}
			rec := httptest.NewRecorder()
			a.handler.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("GET /metrics from %s as %s = %d, want %d", req.RemoteAddr, tc.name, rec.Code, tc.want)
			}
			if tc.want == http.StatusOK && !strings.Contains(rec.Body.String(), "praxis_http_requests_total") {
				t.Error("an admin's /metrics lacks praxis_http_requests_total")
			}
		})
	}
	t.Run("forwarded by a proxy on this machine", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, a.server.URL+"/metrics", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("GET /metrics through a local proxy = %d, want 401", res.StatusCode)
		}
	})
}

func TestMetricsCountCacheHits(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	const hits, misses = `praxis_cache_hits_total{cache="catalog_html"}`, `praxis_cache_misses_total{cache="catalog_html"}`
	before := a.scrapeMetrics()
	// The API renders the plan on every request (module pages may come
	// from the page cache before they reach the catalog).
	for range 2 {
		if rec := serveLocal(a.handler, http.MethodGet, "/api/v1/modules/"+stigma); rec.Code != http.StatusOK {
			t.Fatalf("GET /api/v1/modules/%s = %d", stigma, rec.Code)
		}
	}
	after := a.scrapeMetrics()
	if metricValue(t, before, misses) < 0 || metricValue(t, before, hits) < 0 {
		t.Fatalf("metrics lack the catalog cache's counters")
	}
	if metricValue(t, after, misses) <= metricValue(t, before, misses) {
		t.Errorf("cache misses %v → %v, want more after a first view", metricValue(t, before, misses), metricValue(t, after, misses))
	}
	if metricValue(t, after, hits) <= metricValue(t, before, hits) {
		t.Errorf("cache hits %v → %v, want more after a second view", metricValue(t, before, hits), metricValue(t, after, hits))
	}
}

func TestMetricsCountMergeOutcomes(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac, target, maint := a.tokens["facilitator"], a.tokens["target"], a.tokens["maintainer"]
	plan := planSource(t, a, stigma)
	_, mod := a.apiCall("GET", "/api/v1/modules/"+stigma, "", nil)
	open := func(token, heading string) int {
		status, p := a.apiCall("POST", "/api/v1/proposals", token, map[string]any{
			"module": stigma, "title": "Rename heading", "base": mod["version"],
			"changes": []map[string]string{{"path": "module.md", "content": strings.Replace(plan, "## About this workshop", "## "+heading, 1)}},
		})
		if status != http.StatusCreated {
			t.Fatalf("create = %d %v", status, p)
		}
		return int(p["id"].(float64))
	}
	first, second := open(fac, "About this session"), open(target, "About today")
	merge := func(id int) int {
		status, _ := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", id), maint, nil)
		return status
	}
	if status := merge(first); status != http.StatusUnprocessableEntity {
		t.Fatalf("merge before approval = %d, want 422", status)
	}
	for _, id := range []int{first, second} {
		a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", id), maint, map[string]any{"verdict": "approve"})
	}
	if status := merge(first); status != http.StatusOK {
		t.Fatalf("first merge = %d", status)
	}
	if status := merge(second); status != http.StatusConflict {
		t.Fatalf("conflicting merge = %d, want 409", status)
	}
	body := a.scrapeMetrics()
	for outcome, want := range map[string]float64{"merged": 1, "conflict": 1, "refused": 1, "failed": 0} {
		if got := metricValue(t, body, `praxis_proposal_merges_total{outcome="`+outcome+`"}`); got != want {
			t.Errorf("merges with outcome %s = %v, want %v", outcome, got, want)
		}
	}
}

func TestMetricsCountGitRequests(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, testenv.Options{})
	store := env.Store
	git, err := githttp.New(githttp.Config{Repository: store.Path(),
		Authenticate: func(*http.Request) (*praxis.User, error) { return nil, nil },
		PublicRead:   func(context.Context) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(env, account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: env.DB}))
	cfg.Git = git
	handler, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)

	for path, want := range map[string]int{
		"/curriculum.git/info/refs?service=git-upload-pack":  http.StatusOK,
		"/curriculum.git/info/refs?service=git-receive-pack": http.StatusUnauthorized,
	} {
		if rec := serveLocal(handler, http.MethodGet, path); rec.Code != want {
			t.Fatalf("GET %s = %d, want %d", path, rec.Code, want)
		}
	}
	res, err := http.Get(server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if got := metricValue(t, string(body), `praxis_git_requests_total{service="info",status="200"}`); got != 1 {
		t.Errorf("git info/refs answered 200 = %v, want 1 (the anonymous fetch)\n%s", got, body)
	}
	if got := metricValue(t, string(body), `praxis_git_requests_total{service="info",status="401"}`); got != 1 {
		t.Errorf("git info/refs answered 401 = %v, want 1 (the anonymous push)", got)
	}
	if strings.Contains(string(body), `route="/curriculum.git`) {
		t.Error("git requests are counted as web requests too")
	}
}

func TestUploadsAllowFilesUpToTheirLimit(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac := a.tokens["facilitator"]
	status, fork := a.apiCall("POST", "/api/v1/modules/"+stigma+"/forks", fac, nil)
	if status != http.StatusCreated {
		t.Fatalf("create fork = %d %v", status, fork)
	}
	// 3 MB: over the general 2 MB body limit, under the 5 MB file limit.
	handout := "# Big handout\n\n" + strings.Repeat("Role card text for a long exercise.\n", 3<<20/36)
	status, saved := a.apiCall("PUT", fmt.Sprintf("/api/v1/forks/%d/files/handouts/big.md", int(fork["id"].(float64))), fac,
		map[string]string{"content": handout, "base": fork["head"].(string), "message": "Add a big handout"})
	if status != http.StatusOK {
		t.Fatalf("PUT a 3 MB handout = %d %v, want 200", status, saved)
	}
	status, refused := a.apiCall("POST", "/api/v1/deliveries", fac, map[string]string{"reflection_worked": handout})
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("POST a 3 MB delivery = %d %v, want 413", status, refused)
	}
	status, refused = a.apiCall("PUT", fmt.Sprintf("/api/v1/forks/%d/files/handouts/huge.md", int(fork["id"].(float64))), fac,
		map[string]string{"content": strings.Repeat(handout, 3), "base": saved["head"].(string)})
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("PUT a 9 MB handout = %d %v, want 413", status, refused)
	}
}

func TestHealthzAnswers503WhenTheDatabaseDoesNot(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	if status, body := a.apiCall("GET", "/healthz", "", nil); status != http.StatusOK || body["status"] != "ok" {
		t.Fatalf("healthz = %d %v, want 200 ok", status, body)
	}
	a.db.Close()
	status, body := a.apiCall("GET", "/healthz", "", nil)
	if status != http.StatusServiceUnavailable || body["status"] == "ok" || body["status"] == nil {
		t.Fatalf("healthz with the database closed = %d %v, want 503 and a status that is not ok", status, body)
	}
}
