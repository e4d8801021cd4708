// Package loadtest drives a real praxis (the binary, started as a separate
// process) with concurrent readers and writers and reports throughput and
// latency per route, and compares the module page with a static server of the
// same HTML: the practical ceiling.
//
// go test ./internal/loadtest runs a short smoke version; the full run is
//
//	PRAXIS_LOAD_SECONDS=60 go test ./internal/loadtest -run TestLoad -v -timeout 10m
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/testenv"
)

// praxisServer builds praxis, fills a data directory with demo data and
// accounts, and serves it. It returns the base URL and API tokens.
func praxisServer(t *testing.T) (string, map[string]string) {
	t.Helper()
	bin, err := testenv.BuildPraxis(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data")
	runCmd := func(stdin string, args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("praxis %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	deliveries := "20000"
	if os.Getenv("PRAXIS_LOAD_SECONDS") != "" {
		deliveries = "100000"
	}
	runCmd("", "demo", "--data", data, "--facilitators", "1000", "--deliveries", deliveries)
	tokens := map[string]string{}
	for _, u := range []struct{ email, role string }{{"fay@example.org", "facilitator"}, {"cora@example.org", "coordinator"}} {
		runCmd("a long enough passphrase\n", "user", "add", "--data", data, "--email", u.email, "--name", u.email, "--role", u.role, "--password-stdin")
		tokens[u.email] = runCmd("", "token", "create", "--data", data, "--email", u.email)
	}
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", "127.0.0.1:0", "--log-level", "warn")
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if base, ok := strings.CutPrefix(sc.Text(), "praxis listening on "); ok {
			go io.Copy(io.Discard, stdout)
			return base, tokens
		}
	}
	t.Fatalf("praxis did not start: %s", stderr.String())
	return "", nil
}

// recorder collects latencies per route.
type recorder struct {
	mu     sync.Mutex
	times  map[string][]time.Duration
	errors map[string]int
}

func (r *recorder) add(route string, d time.Duration, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ok {
		r.times[route] = append(r.times[route], d)
	} else {
		r.errors[route]++
	}
}

func percentile(list []time.Duration, p float64) time.Duration {
	if len(list) == 0 {
		return 0
	}
	slices.Sort(list)
	return list[min(len(list)-1, int(float64(len(list))*p))]
}

// client is shared by all simulated people. It asks for uncompressed pages, so
// praxis and the static server send the same bytes.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512, DisableCompression: true}, Timeout: 30 * time.Second}

func get(ctx context.Context, url, token string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// hammer runs n clients calling fn until ctx ends.
func hammer(ctx context.Context, n int, fn func(ctx context.Context, client int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				fn(ctx, i)
			}
		}()
	}
	wg.Wait()
}

func duration(t *testing.T) time.Duration {
	if s := os.Getenv("PRAXIS_LOAD_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("PRAXIS_LOAD_SECONDS=%q", s)
		}
		return time.Duration(n) * time.Second
	}
	return 3 * time.Second
}

// TestLoad: 200 readers of module pages, the catalogue and the dashboard, and
// 10 writers logging deliveries, for the duration; no errors, no lost writes.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs praxis")
	}
	base, tokens := praxisServer(t)
	fay, cora := tokens["fay@example.org"], tokens["cora@example.org"]
	readers, writers := 200, 10
	if os.Getenv("PRAXIS_LOAD_SECONDS") == "" {
		readers, writers = 20, 2
	}
	routes := []struct{ name, path, token string }{
		{"module page", "/modules/exploring-class-2-stigma", ""},
		{"module page", "/modules/organising-2-power-mapping", ""},
		{"catalogue", "/modules", ""},
		{"dashboard", "/stats", cora},
		{"stats API", "/api/v1/stats/deliveries?group_by=module", cora},
	}
	// Warm up: the first request of each route loads caches.
	for _, r := range routes {
		if code, err := get(context.Background(), base+r.path, r.token); err != nil || code != 200 {
			t.Fatalf("%s = %d %v", r.path, code, err)
		}
	}
	rec := &recorder{times: map[string][]time.Duration{}, errors: map[string]int{}}
	var acked []int64
	var ackMu sync.Mutex
	var writes atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), duration(t))
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		hammer(ctx, readers, func(ctx context.Context, i int) {
			r := routes[(i+int(writes.Load()))%len(routes)]
			start := time.Now()
			code, err := get(ctx, base+r.path, r.token)
			if ctx.Err() != nil {
				return
			}
			rec.add(r.name, time.Since(start), err == nil && code == 200)
		})
	}()
	go func() {
		defer wg.Done()
		hammer(ctx, writers, func(ctx context.Context, i int) {
			body, _ := json.Marshal(map[string]any{"module": "exploring-class-2-stigma", "date": "2026-05-01", "duration": 120,
				"format": "in-person", "country": "GB", "host_type": "union branch", "participants": 12, "first_time": 3})
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/deliveries", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+fay)
			req.Header.Set("Content-Type", "application/json")
			start := time.Now()
			res, err := client.Do(req)
			if ctx.Err() != nil {
				if err == nil {
					res.Body.Close()
				}
				return
			}
			ok := err == nil && res.StatusCode == http.StatusCreated
			if err == nil {
				var d struct{ ID int64 }
				json.NewDecoder(res.Body).Decode(&d)
				res.Body.Close()
				if ok {
					ackMu.Lock()
					acked = append(acked, d.ID)
					ackMu.Unlock()
				}
			}
			writes.Add(1)
			rec.add("log delivery", time.Since(start), ok)
		})
	}()
	wg.Wait()
	elapsed := duration(t)

	t.Logf("%d readers, %d writers, %s:", readers, writers, elapsed)
	t.Logf("%-14s %8s %8s %8s %8s %6s", "route", "req/s", "p50", "p99", "max", "errors")
	names := make([]string, 0, len(rec.times))
	for name := range rec.times {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		list := rec.times[name]
		t.Logf("%-14s %8.0f %8s %8s %8s %6d", name, float64(len(list))/elapsed.Seconds(),
			percentile(list, 0.5).Round(time.Microsecond*100), percentile(list, 0.99).Round(time.Microsecond*100),
			percentile(list, 1).Round(time.Millisecond), rec.errors[name])
	}
	for name, n := range rec.errors {
		if n > 0 {
			t.Errorf("%s: %d errors", name, n)
		}
	}
	// No lost writes: every acknowledged delivery is there.
	for _, id := range acked {
		if code, err := get(context.Background(), fmt.Sprintf("%s/api/v1/deliveries/%d", base, id), cora); err != nil || code != 200 {
			t.Errorf("acknowledged delivery %d lost: %d %v", id, code, err)
		}
	}

	// The ceiling: the same module page from a static handler, same clients.
	page, err := http.Get(base + "/modules/exploring-class-2-stigma")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(html)
	}))
	defer static.Close()
	measure := func(url string) float64 {
		var n atomic.Int64
		ctx, cancel := context.WithTimeout(context.Background(), elapsed/2)
		defer cancel()
		hammer(ctx, readers, func(ctx context.Context, _ int) {
			if code, err := get(ctx, url, ""); err == nil && code == 200 {
				n.Add(1)
			}
		})
		return float64(n.Load()) / (elapsed / 2).Seconds()
	}
	praxisRate, staticRate := measure(base+"/modules/exploring-class-2-stigma"), measure(static.URL)
	t.Logf("module page alone: praxis %.0f req/s, static server of the same HTML %.0f req/s (%.0f%%)", praxisRate, staticRate, 100*praxisRate/staticRate)
}
