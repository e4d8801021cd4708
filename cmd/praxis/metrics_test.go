package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeMetrics checks that serve wires the metrics: /metrics answers a
// local scraper with the web, git, cache, merge and database series.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	url, stop := startServe(t, filepath.Join(t.TempDir(), "data"))
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	if status, _ := getBody(t, url+"/modules/organising-4-match-women-1888"); status != 200 {
		t.Fatalf("module page = %d", status)
	}
	getBody(t, url+"/curriculum.git/info/refs?service=git-upload-pack")
	want := []string{
		`praxis_http_requests_total{method="GET",route="/modules/:slug",status="2xx"} 1`,
		`praxis_git_requests_total{service="info",`,
		`praxis_cache_misses_total{cache="catalog_html"}`,
		`praxis_proposal_merges_total{outcome="conflict"} 0`,
		`go_sql_open_connections{db_name="praxis"}`,
		"process_cpu_seconds_total",
	}
	// A request is counted just after its response is sent: give the
	// server a moment to count the two above.
	var body string
	for range 50 {
		var status int
		status, body = getBody(t, url+"/metrics")
		if status != 200 {
			t.Fatalf("GET /metrics = %d\n%s", status, body)
		}
		if strings.Contains(body, want[0]) && strings.Contains(body, want[1]) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}
}
