package web_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
)

// healthz reads /healthz.
func (a *accountApp) healthz() (int, map[string]any) {
	a.t.Helper()
	return a.apiCall(http.MethodGet, "/healthz", "", nil)
}

func failingChecks(body map[string]any) string {
	return fmt.Sprint(body["failing"])
}

// TestALockedDatabaseAnswers503AndWritesNothing holds the database's write
// lock from another connection for longer than the busy timeout: writes
// through the API and the forms answer 503 with a plain sentence, /healthz
// names the database as failing, and once the lock goes nothing was written
// by the refused requests, in the database or in the statistics.
func TestALockedDatabaseAnswers503AndWritesNothing(t *testing.T) {
	t.Parallel()
	a := newAccountAppWith(t, testenv.Options{BusyTimeout: 300 * time.Millisecond}, nil)
	ctx := context.Background()
	fac, coord := a.tokens["facilitator"], a.tokens["coordinator"]
	_, created := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(nil))
	path := fmt.Sprintf("/api/v1/deliveries/%d", int(created["id"].(float64)))
	if status, _ := a.apiCall(http.MethodGet, "/api/v1/stats/deliveries", coord, nil); status != http.StatusOK {
		t.Fatal("stats")
	}
	b := a.browser()
	b.logIn("facilitator@example.org")
	formPage := b.do(http.MethodGet, "/deliveries/new", nil)
	csrf := csrfField.FindStringSubmatch(formPage.body)[1]

	other, err := sql.Open("sqlite3", "file:"+filepath.Join(a.env.Dir, "praxis.db")+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	const busy = "the database is busy with other changes and did not answer in time; nothing was saved"
	status, body := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(map[string]any{"town": "Locked out"}))
	if status != http.StatusServiceUnavailable || !strings.HasPrefix(fmt.Sprint(body["error"]), busy) {
		t.Errorf("POST while locked = %d %v, want 503 saying %q", status, body, busy)
	}
	status, body = a.apiCall(http.MethodPatch, path, fac, map[string]any{"participants": 99})
	if status != http.StatusServiceUnavailable || !strings.HasPrefix(fmt.Sprint(body["error"]), busy) {
		t.Errorf("PATCH while locked = %d %v, want 503", status, body)
	}
	form := url.Values{"csrf": {csrf}, "material": {"module:exploring-class-2-stigma"}, "date": {"2026-02-03"}, "duration": {"120"},
		"format": {"online"}, "country": {"GB"}, "host_type": {"other"}, "participants": {"9"}, "town": {"Locked out"}}
	page := b.do(http.MethodPost, "/deliveries", form)
	if page.status != http.StatusServiceUnavailable || !strings.Contains(page.body, "nothing was saved") {
		t.Errorf("the form while locked = %d, want 503 with the sentence", page.status)
	}
	status, health := a.healthz()
	if status != http.StatusServiceUnavailable || health["status"] != "failing" || failingChecks(health) != "[database]" ||
		!strings.Contains(fmt.Sprint(health["error"]), "busy") {
		t.Errorf("healthz while locked = %d %v, want 503 failing [database]", status, health)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}

	_, list := a.apiCall(http.MethodGet, "/api/v1/deliveries", coord, nil)
	_, record := a.apiCall(http.MethodGet, path, fac, nil)
	_, stats := a.apiCall(http.MethodGet, "/api/v1/stats/deliveries", coord, nil)
	totals := stats["totals"].(map[string]any)
	if list["total"] != 1.0 || record["participants"] != 12.0 || record["revision"] != 1.0 || totals["deliveries"] != 1.0 || totals["participants"] != 12.0 {
		t.Errorf("after the lock: %v deliveries, participants %v (revision %v), statistics %v; want the one delivery as it was",
			list["total"], record["participants"], record["revision"], totals)
	}
	if status, health := a.healthz(); status != http.StatusOK || health["status"] != "ok" {
		t.Errorf("healthz after the lock = %d %v", status, health)
	}
}

// mountTinyDisk mounts a tmpfs of size bytes at a new folder, for a real full
// disk. It skips the test where mounting is not allowed (it needs root).
func mountTinyDisk(t *testing.T, size int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a small tmpfs for a real full disk here (%v); TestAFullDatabaseIsUnavailable in internal/db and TestStorageErrorsAreUnavailable in internal/gitstore cover the translation", err)
	}
	t.Cleanup(func() {
		// Detached: go-git keeps some loose objects open after the store is
		// closed; the file system goes when they are.
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a file until the disk has no room left.
func fill(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, chunk := range [][]byte{make([]byte, 1<<20), make([]byte, 4096), make([]byte, 1)} {
		for {
			if _, err := f.Write(chunk); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
	return name
}

// TestAFullDiskAnswers503AndWritesNothing puts the data directory on a
// small tmpfs, fills it, and tries to write: a delivery (SQLite) and a file
// of an adapted copy (git) both answer 503 "the server's disk is full;
// nothing was saved", /healthz names the failing checks, and once there is
// room again the refused writes are nowhere and new ones work.
func TestAFullDiskAnswers503AndWritesNothing(t *testing.T) {
	t.Parallel()
	dir := mountTinyDisk(t, 32<<20)
	a := newAccountAppWith(t, testenv.Options{Dir: dir}, func(c *web.Config, _ *testenv.Env) { c.DataDir, c.MinFreeSpace = dir, 1<<20 })
	fac := a.tokens["facilitator"]
	status, fork := a.apiCall(http.MethodPost, "/api/v1/modules/"+stigma+"/forks", fac, nil)
	if status != http.StatusCreated {
		t.Fatalf("fork = %d %v", status, fork)
	}
	forkPath := fmt.Sprintf("/api/v1/forks/%d", int(fork["id"].(float64)))
	if status, health := a.healthz(); status != http.StatusOK {
		t.Fatalf("healthz before filling = %d %v", status, health)
	}
	// Empty the write-ahead log, so the next write must find new room.
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "praxis.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	filler := fill(t, dir)

	const full = "the server's disk is full; nothing was saved"
	status, body := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(map[string]any{
		"reflection_worked": strings.Repeat("So much to say. ", 300)}))
	if status != http.StatusServiceUnavailable || body["error"] != full {
		t.Errorf("POST a delivery on a full disk = %d %v, want 503 %q", status, body, full)
	}
	status, body = a.apiCall(http.MethodPut, forkPath+"/files/handouts/new.md", fac,
		map[string]string{"content": "# New\n\n" + strings.Repeat("A handout line.\n", 2000), "base": fork["head"].(string)})
	if status != http.StatusServiceUnavailable || body["error"] != full {
		t.Errorf("PUT a file on a full disk = %d %v, want 503 %q", status, body, full)
	}
	status, health := a.healthz()
	if status != http.StatusServiceUnavailable || health["status"] != "failing" || !strings.Contains(failingChecks(health), "disk_space") {
		t.Errorf("healthz on a full disk = %d %v, want 503 failing disk_space", status, health)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if status, health := a.healthz(); status != http.StatusOK {
		t.Errorf("healthz with room again = %d %v", status, health)
	}
	_, list := a.apiCall(http.MethodGet, "/api/v1/deliveries", fac, nil)
	_, now := a.apiCall(http.MethodGet, forkPath, fac, nil)
	if list["total"] != 0.0 || now["head"] != fork["head"] {
		t.Errorf("after the full disk: %v deliveries, fork at %v; want none, and the fork where it was (%v)", list["total"], now["head"], fork["head"])
	}
	if status, body := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(nil)); status != http.StatusCreated {
		t.Errorf("POST with room again = %d %v", status, body)
	}
	if status, body := a.apiCall(http.MethodPut, forkPath+"/files/handouts/new.md", fac,
		map[string]string{"content": "# New\n", "base": fork["head"].(string)}); status != http.StatusOK {
		t.Errorf("PUT with room again = %d %v", status, body)
	}
}
