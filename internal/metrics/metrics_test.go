package metrics_test

import (
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/praxis-coop/praxis/internal/metrics"
)

// scrape returns the registry's text exposition.
func scrape(t *testing.T, r *metrics.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestObserveRequestLabels(t *testing.T) {
	r := metrics.New()
	r.ObserveRequest("/modules/:slug", http.MethodGet, http.StatusOK, 20*time.Millisecond)
	r.ObserveRequest("/modules/:slug", http.MethodGet, http.StatusNotFound, time.Millisecond)
	r.ObserveRequest("", "BREW", 599, time.Millisecond)
	r.ObserveGit("upload-pack", http.StatusOK)
	body := scrape(t, r)
	for _, want := range []string{
		`praxis_http_requests_total{method="GET",route="/modules/:slug",status="2xx"} 1`,
		`praxis_http_requests_total{method="GET",route="/modules/:slug",status="4xx"} 1`,
		`praxis_http_requests_total{method="OTHER",route="unmatched",status="5xx"} 1`,
		`praxis_http_request_duration_seconds_count{route="/modules/:slug"} 2`,
		`praxis_git_requests_total{service="upload-pack",status="200"} 1`,
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestWatchedCountersAreReadAtScrape(t *testing.T) {
	r := metrics.New()
	var hits, misses, conflicts atomic.Uint64
	if err := r.WatchCache("html", func() (uint64, uint64) { return hits.Load(), misses.Load() }); err != nil {
		t.Fatal(err)
	}
	if err := r.WatchMerges(func() metrics.MergeCounts { return metrics.MergeCounts{Conflicts: conflicts.Load()} }); err != nil {
		t.Fatal(err)
	}
	database, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer database.Close()
	if err := r.WatchDB("praxis", database); err != nil {
		t.Fatal(err)
	}
	hits.Store(3)
	misses.Store(1)
	conflicts.Store(2)
	body := scrape(t, r)
	for _, want := range []string{
		`praxis_cache_hits_total{cache="html"} 3`,
		`praxis_cache_misses_total{cache="html"} 1`,
		`praxis_proposal_merges_total{outcome="conflict"} 2`,
		`praxis_proposal_merges_total{outcome="merged"} 0`,
		`go_sql_max_open_connections{db_name="praxis"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if err := r.WatchCache("html", func() (uint64, uint64) { return 0, 0 }); err == nil {
		t.Error("watching the same cache twice succeeded, want an error")
	}
}
