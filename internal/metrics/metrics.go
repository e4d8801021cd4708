// Package metrics counts what operators watch and serves it in Prometheus's
// text format. It is the only package that imports the Prometheus client.
//
// Every metric lives on one Registry that praxis creates at start and passes
// down; nothing is registered on the client's global default. Labels take
// values from small fixed sets (route patterns, never raw paths), so the
// number of series stays bounded whatever clients send.
//
// Metrics:
//
//	praxis_http_requests_total{route,method,status}    requests by route pattern, method and status class (2xx…5xx)
//	praxis_http_request_duration_seconds{route}        latency by route pattern
//	praxis_git_requests_total{service,status}          git smart-HTTP requests: info, upload-pack, receive-pack, other
//	praxis_git_refused_total{reason}                   git requests refused: busy, client_busy, slow, too_large
//	praxis_git_requests_running                        git requests running now
//	praxis_proposal_merges_total{outcome}              merges into main: merged, conflict, refused, failed
//	praxis_cache_hits_total{cache}, praxis_cache_misses_total{cache}
//	go_sql_*{db_name}                                  the database's connection pool
//	go_*, process_*                                    the Go runtime and the process
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Unmatched is the route label of requests that matched no route.
const Unmatched = "unmatched"

// latencyBuckets reach from a cached page (milliseconds) to a download that
// runs into its 30 s limit.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Registry holds praxis's metrics. It is safe for concurrent use.
type Registry struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	git      *prometheus.CounterVec
}

// New returns a registry with the HTTP and git counters and the Go runtime and
// process collectors.
func New() *Registry {
	r := &Registry{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "praxis_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status class.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "praxis_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern.",
			Buckets: latencyBuckets,
		}, []string{"route"}),
		git: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "praxis_git_requests_total",
			Help: "Requests to the curriculum repository over git's smart HTTP protocol, by service and status code.",
		}, []string{"service", "status"}),
	}
	r.registry.MustRegister(r.requests, r.latency, r.git,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler serves the metrics in Prometheus's text format. It leaves
// compression to the caller's middleware.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.registry, promhttp.HandlerOpts{DisableCompression: true})
}

// ObserveRequest counts one answered HTTP request. route is the pattern that
// matched ("/modules/:slug"), or "" for none.
func (r *Registry) ObserveRequest(route, method string, status int, took time.Duration) {
	if route == "" {
		route = Unmatched
	}
	r.requests.WithLabelValues(route, knownMethod(method), statusClass(status)).Inc()
	r.latency.WithLabelValues(route).Observe(took.Seconds())
}

// ObserveGit counts one git smart-HTTP request; service is "info",
// "upload-pack", "receive-pack" or "other".
func (r *Registry) ObserveGit(service string, status int) {
	r.git.WithLabelValues(service, strconv.Itoa(status)).Inc()
}

// WatchCache exposes a cache's hit and miss counts, read at each scrape, as
// praxis_cache_hits_total and praxis_cache_misses_total with cache=name.
func (r *Registry) WatchCache(name string, stats func() (hits, misses uint64)) error {
	labels := prometheus.Labels{"cache": name}
	hits := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "praxis_cache_hits_total", Help: "Cache lookups that found their key.", ConstLabels: labels,
	}, func() float64 { h, _ := stats(); return float64(h) })
	misses := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "praxis_cache_misses_total", Help: "Cache lookups that did not find their key.", ConstLabels: labels,
	}, func() float64 { _, m := stats(); return float64(m) })
	return register(r.registry, hits, misses)
}

// WatchDB exposes a database's connection pool statistics (go_sql_*) with
// db_name=name.
func (r *Registry) WatchDB(name string, db *sql.DB) error {
	return register(r.registry, collectors.NewDBStatsCollector(db, name))
}

// MergeCounts are the outcomes of attempts to merge proposals into main.
type MergeCounts struct {
	// Merged landed on main.
	Merged uint64
	// Conflicts could not merge cleanly with main as it was.
	Conflicts uint64
	// Refused were turned down before merging: not approved, lint problems,
	// already merged or closed, changed since review, not permitted.
	Refused uint64
	// Failed ended in an internal error.
	Failed uint64
}

// WatchMerges exposes merge outcomes, read at each scrape, as
// praxis_proposal_merges_total{outcome}.
func (r *Registry) WatchMerges(counts func() MergeCounts) error {
	outcome := func(name string, value func(MergeCounts) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "praxis_proposal_merges_total",
			Help:        "Attempts to merge proposals into main, by outcome: merged, conflict, refused or failed.",
			ConstLabels: prometheus.Labels{"outcome": name},
		}, func() float64 { return float64(value(counts())) })
	}
	return register(r.registry,
		outcome("merged", func(c MergeCounts) uint64 { return c.Merged }),
		outcome("conflict", func(c MergeCounts) uint64 { return c.Conflicts }),
		outcome("refused", func(c MergeCounts) uint64 { return c.Refused }),
		outcome("failed", func(c MergeCounts) uint64 { return c.Failed }))
}

// GitLimits are the git server's refusals so far, by reason, and the requests
// it runs now.
type GitLimits struct {
	Busy, ClientBusy, Slow, TooLarge uint64
	Running                          int
}

// WatchGit exposes the git server's limits, read at each scrape, as
// praxis_git_refused_total{reason} (busy, client_busy, slow, too_large) and
// praxis_git_requests_running.
func (r *Registry) WatchGit(limits func() GitLimits) error {
	refused := func(reason string, value func(GitLimits) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "praxis_git_refused_total",
			Help:        "Git requests refused: busy (all places taken), client_busy (the client's places taken), slow (below the minimum pace; git was stopped), too_large (a push over the limit).",
			ConstLabels: prometheus.Labels{"reason": reason},
		}, func() float64 { return float64(value(limits())) })
	}
	return register(r.registry,
		refused("busy", func(l GitLimits) uint64 { return l.Busy }),
		refused("client_busy", func(l GitLimits) uint64 { return l.ClientBusy }),
		refused("slow", func(l GitLimits) uint64 { return l.Slow }),
		refused("too_large", func(l GitLimits) uint64 { return l.TooLarge }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "praxis_git_requests_running",
			Help: "Git requests running now (each is git http-backend and up to two git processes).",
		}, func() float64 { return float64(limits().Running) }))
}

func register(registry *prometheus.Registry, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := registry.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// statusClass turns a status code into its class, "2xx" to "5xx".
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// knownMethod keeps the method label to the methods HTTP defines, whatever a
// client sends.
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}
