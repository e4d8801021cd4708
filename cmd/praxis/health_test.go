package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1048576", 1 << 20, true},
		{"512MB", 512e6, true},
		{"512 mb", 512e6, true},
		{"2GB", 2e9, true},
		{"1.5GiB", 3 << 29, true},
		{"100KiB", 100 << 10, true},
		{"10B", 10, true},
		{"lots", 0, false},
		{"-1GB", 0, false},
		{"", 0, false},
		{"99999999TB", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSize(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("parseSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

// TestHealthzChecksFreeSpace runs praxis with a free-space threshold no disk
// meets: /healthz answers 503 naming the disk_space check, while the others
// pass; with the check off it answers 200 with every check named.
func TestHealthzChecksFreeSpace(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	type health struct {
		Status  string
		Failing []string
		Error   string
		Checks  map[string]struct{ Status, Error string }
	}
	for _, tc := range []struct {
		threshold string
		status    int
		failing   []string
	}{
		{"1000TB", 503, []string{"disk_space"}},
		{"1MB", 200, nil},
	} {
		url, stop := startServe(t, dataDir, "--min-free-space", tc.threshold)
		status, body := getBody(t, url+"/healthz")
		stop()
		var h health
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatalf("healthz body %q: %v", body, err)
		}
		if status != tc.status || len(h.Failing) != len(tc.failing) || len(tc.failing) > 0 && h.Failing[0] != tc.failing[0] {
			t.Errorf("threshold %s: healthz = %d %s, want %d failing %v", tc.threshold, status, body, tc.status, tc.failing)
		}
		for _, name := range []string{"database", "repository", "disk_space"} {
			if _, ok := h.Checks[name]; !ok {
				t.Errorf("threshold %s: no %q check in %s", tc.threshold, name, body)
			}
		}
		if tc.status == 200 && h.Status != "ok" || tc.status == 503 && (h.Status != "failing" || h.Checks["disk_space"].Error == "") {
			t.Errorf("threshold %s: status %q, disk_space %+v", tc.threshold, h.Status, h.Checks["disk_space"])
		}
	}
}
