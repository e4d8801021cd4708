package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/events"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
	"github.com/praxis-coop/praxis/internal/webhook"
)

// hookApp is praxis with webhooks and the job queue working.
type hookApp struct {
	*accountApp
	queue *jobs.Queue
}

func newHookApp(t *testing.T) *hookApp {
	t.Helper()
	h := &hookApp{}
	h.accountApp = newAccountAppWith(t, testenv.Options{}, func(cfg *web.Config, env *testenv.Env) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, env.DB.Pool()); err != nil {
			t.Fatal(err)
		}
		h.queue = jobs.New(jobs.Config{Pool: env.DB.Pool(), PollInterval: 20 * time.Millisecond, Timeout: 10 * time.Second})
		bus := events.NewBus(h.queue)
		// The receivers are httptest servers on the loopback interface.
		hooks := webhook.New(webhook.Config{DB: env.DB, BaseURL: "https://praxis.example.org", AllowPrivate: true,
			Backoff: func(int) time.Duration { return 50 * time.Millisecond }})
		hooks.Register(h.queue, bus)
		if err := h.queue.Ready(); err != nil {
			t.Fatal(err)
		}
		env.DB.OnEvent(bus.Publish)
		qctx, cancel := context.WithCancel(context.Background())
		if err := h.queue.Start(qctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, done := context.WithTimeout(context.Background(), 10*time.Second)
			defer done()
			h.queue.Stop(stop)
			cancel()
		})
		cfg.Jobs, cfg.Webhooks, cfg.BaseURL = h.queue, hooks, "https://praxis.example.org"
	})
	return h
}

func (h *hookApp) settle() {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := h.queue.Counts(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		if c[jobs.StatePending] == 0 && c[jobs.StateRunning] == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the queue did not settle: %v", c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hookReceiver takes deliveries whose signature is right for the secret it
// is told, and counts the rest.
type hookReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	secret  string
	events  []string
	badSigs int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		mac := hmac.New(sha256.New, []byte(r.secret))
		mac.Write(body)
		if req.Header.Get("X-Praxis-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			r.badSigs++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.events = append(r.events, req.Header.Get("X-Praxis-Event"))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

func (r *hookReceiver) got() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...), r.badSigs
}

func TestWebhooksAPI(t *testing.T) {
	h := newHookApp(t)
	admin, fac, maint := h.tokens["admin"], h.tokens["facilitator"], h.tokens["maintainer"]
	r := newHookReceiver(t)

	if status, _ := h.apiCall("GET", "/api/v1/webhooks", fac, nil); status != http.StatusForbidden {
		t.Errorf("a facilitator's GET /api/v1/webhooks = %d, want 403", status)
	}
	if status, body := h.apiCall("POST", "/api/v1/webhooks", admin, map[string]any{"url": "ftp://x", "events": []string{}}); status != http.StatusUnprocessableEntity {
		t.Errorf("POST with a bad url = %d %v, want 422", status, body)
	}
	status, created := h.apiCall("POST", "/api/v1/webhooks", admin, map[string]any{"url": r.URL, "events": []string{"release.cut"}})
	secret, _ := created["secret"].(string)
	if status != http.StatusCreated || len(secret) < 16 || created["id"] == nil {
		t.Fatalf("POST /api/v1/webhooks = %d %v", status, created)
	}
	r.setSecret(secret)
	id := int(created["id"].(float64))
	path := "/api/v1/webhooks/" + strconv.Itoa(id)

	var list struct {
		Webhooks []map[string]any `json:"webhooks"`
	}
	res := h.bearerGet("/api/v1/webhooks", admin)
	if err := json.Unmarshal([]byte(res.body), &list); err != nil || len(list.Webhooks) != 1 || list.Webhooks[0]["secret"] != nil || strings.Contains(res.body, secret) {
		t.Errorf("GET /api/v1/webhooks = %s, want the webhook without its secret", res.body)
	}

	if status, _ := h.apiCall("POST", "/api/v1/releases", maint, map[string]string{"name": "v2026.10", "notes": "First."}); status != 201 {
		t.Fatalf("release = %d", status)
	}
	h.settle()
	if got, bad := r.got(); len(got) != 1 || got[0] != "release.cut" || bad != 0 {
		t.Fatalf("receiver got %v (%d badly signed), want one release.cut", got, bad)
	}
	status, detail := h.apiCall("GET", path, admin, nil)
	deliveries, _ := detail["deliveries"].([]any)
	if status != 200 || len(deliveries) != 1 || deliveries[0].(map[string]any)["status_code"].(float64) != 204 {
		t.Errorf("GET %s = %d %v, want one 204 delivery", path, status, detail)
	}

	if status, _ := h.apiCall("POST", path+"/test", admin, nil); status != http.StatusAccepted {
		t.Errorf("test = %d, want 202", status)
	}
	h.settle()
	if got, _ := r.got(); len(got) != 2 || got[1] != "ping" {
		t.Errorf("receiver got %v, want a ping after the release", got)
	}

	if status, _ := h.apiCall("DELETE", path, admin, nil); status != http.StatusNoContent {
		t.Errorf("DELETE = %d, want 204", status)
	}
	if status, _ := h.apiCall("GET", path, admin, nil); status != http.StatusNotFound {
		t.Errorf("GET after DELETE = %d, want 404", status)
	}
}

func TestWebhookPages(t *testing.T) {
	h := newHookApp(t)
	r := newHookReceiver(t)
	admin := h.browser()
	admin.logIn("admin@example.org")

	// Every mistake at once, beside its field; the address kept, the
	// secret not.
	res := admin.submit("/admin/webhooks", "/admin/webhooks", url.Values{"url": {"not an address"}, "secret": {"short"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form = %d", res.status)
	}
	mustContain(t, res, `id="f-url-error"`, `id="f-events-error"`, `id="f-secret-error"`, `value="not an address"`)
	if strings.Contains(res.body, `value="short"`) {
		t.Error("the refused form shows the secret again")
	}

	const secret = "the receivers own secret"
	r.setSecret(secret)
	res = admin.submit("/admin/webhooks", "/admin/webhooks", url.Values{"url": {r.URL + "/in"}, "events": {"release.cut", "proposal.opened"}, "secret": {secret}})
	if res.status != http.StatusCreated || !strings.Contains(res.body, secret) || !strings.Contains(res.body, "not shown again") {
		t.Fatalf("add = %d, want the page with the secret shown once", res.status)
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("the page with the secret: Cache-Control %q, want no-store", got)
	}
	id := regexp.MustCompile(`action="/admin/webhooks/(\d+)/test"`).FindStringSubmatch(res.body)[1]
	page := "/admin/webhooks/" + id
	detail := admin.do(http.MethodGet, page, nil)
	if detail.status != 200 || strings.Contains(detail.body, secret) {
		t.Errorf("detail = %d; it must not show the secret again", detail.status)
	}
	mustContain(t, detail, "A release is cut", "A proposal is opened", "Nothing has been sent yet")
	mustContain(t, admin.do(http.MethodGet, "/admin/webhooks", nil), r.URL+"/in")

	if res := admin.submit(page, page+"/test", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("send test = %d", res.status)
	}
	h.settle()
	mustContain(t, admin.do(http.MethodGet, page, nil), "Test (ping)", "<strong>204</strong> delivered")
	if got, bad := r.got(); len(got) != 1 || got[0] != "ping" || bad != 0 {
		t.Errorf("receiver got %v (%d bad)", got, bad)
	}

	confirm := admin.do(http.MethodGet, page+"/delete", nil)
	mustContain(t, confirm, "Delete webhook "+id+"?", "cannot be undone")
	if res := admin.submit(page+"/delete", page+"/delete", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("delete = %d", res.status)
	}
	if res := admin.do(http.MethodGet, page, nil); res.status != http.StatusNotFound {
		t.Errorf("deleted webhook's page = %d, want 404", res.status)
	}

	fac := h.browser()
	fac.logIn("facilitator@example.org")
	if res := fac.do(http.MethodGet, "/admin/webhooks", nil); res.status != http.StatusForbidden {
		t.Errorf("a facilitator's /admin/webhooks = %d, want 403", res.status)
	}
}
