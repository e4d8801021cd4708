package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/events"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/notify"
	"github.com/praxis-coop/praxis/internal/smtpsink"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
	"github.com/praxis-coop/praxis/internal/webhook"
)

// newAPIApp is praxis with accounts, notifications, webhooks and the job
// queue working: every API route answers as it does in production, so the
// tests that walk every route (unknown fields, the OpenAPI document) reach
// the handlers rather than "not set up on this server".
func newAPIApp(t *testing.T) *accountApp {
	t.Helper()
	sink := smtpsink.Start(t)
	return newAccountAppWith(t, testenv.Options{}, func(cfg *web.Config, env *testenv.Env) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, env.DB.Pool()); err != nil {
			t.Fatal(err)
		}
		sender, err := mail.New(mail.Config{Addr: sink.Addr(), From: "praxis@example.org", TLS: mail.TLSNone, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		queue := jobs.New(jobs.Config{Pool: env.DB.Pool(), PollInterval: 20 * time.Millisecond, Timeout: 10 * time.Second})
		bus := events.NewBus(queue)
		notes := notify.New(notify.Config{DB: env.DB, Catalog: env.Catalog, Mail: sender, BaseURL: "https://praxis.example.org"})
		notes.Register(queue, bus)
		hooks := webhook.New(webhook.Config{DB: env.DB, BaseURL: "https://praxis.example.org", AllowPrivate: true,
			Backoff: func(int) time.Duration { return 50 * time.Millisecond }})
		hooks.Register(queue, bus)
		if err := queue.Ready(); err != nil {
			t.Fatal(err)
		}
		env.DB.OnEvent(bus.Publish)
		qctx, cancel := context.WithCancel(context.Background())
		if err := queue.Start(qctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, done := context.WithTimeout(context.Background(), 10*time.Second)
			defer done()
			queue.Stop(stop)
			cancel()
		})
		cfg.Notify, cfg.Jobs, cfg.Webhooks, cfg.BaseURL = notes, queue, hooks, "https://praxis.example.org"
	})
}

// TestNotificationsAPIUnderTheConvention: the inbox pages with limit and
// cursor (next in the body, a Link header), keeps issue 20's keys, and a
// query parameter it cannot read is a 400 naming it (issue 18).
func TestNotificationsAPIUnderTheConvention(t *testing.T) {
	n := newNotifyApp(t)
	fac, maint := n.tokens["facilitator"], n.tokens["maintainer"]
	for i := range 3 {
		p := n.openProposal() // a comment on each: three notifications, not one grouped
		if status, _ := n.apiCall(http.MethodPost, fmt.Sprintf("/api/v1/proposals/%d/comments", p.ID), maint, map[string]any{"body": fmt.Sprintf("Comment %d", i)}); status != http.StatusCreated {
			t.Fatalf("comment = %d", status)
		}
		n.settle()
	}
	_, all := n.apiCall(http.MethodGet, "/api/v1/notifications", fac, nil)
	total := int(all["total"].(float64))
	if total < 2 {
		t.Fatalf("the facilitator has %d notifications, want at least 2: %v", total, all)
	}
	seen := map[float64]bool{}
	path := "/api/v1/notifications?limit=1"
	for pages := 0; path != ""; pages++ {
		if pages > total {
			t.Fatalf("more pages than notifications")
		}
		res := n.bearerGet(path, fac)
		var body map[string]any
		if err := jsonUnmarshal(res.body, &body); err != nil || res.status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, res.status, res.body)
		}
		keys(t, "inbox", body, "unread", "total", "notifications", "next")
		list := body["notifications"].([]any)
		if len(list) != 1 {
			t.Fatalf("GET %s gave %d notifications, want 1", path, len(list))
		}
		id := list[0].(map[string]any)["id"].(float64)
		if seen[id] {
			t.Errorf("notification %v came twice", id)
		}
		seen[id] = true
		path = ""
		if next, ok := body["next"].(string); ok {
			link := res.header.Get("Link")
			if !strings.Contains(link, "cursor="+next) || !strings.HasSuffix(link, `rel="next"`) {
				t.Errorf("Link = %q, want the next page (cursor %s)", link, next)
			}
			path = "/api/v1/notifications?limit=1&cursor=" + next
		} else if res.header.Get("Link") != "" {
			t.Errorf("the last page has a Link header: %q", res.header.Get("Link"))
		}
	}
	if len(seen) != total {
		t.Errorf("paging gave %d notifications, want %d", len(seen), total)
	}
	for _, bad := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=lots", "limit"}, {"limit=201", "limit"}, {"unread=maybe", "unread"}, {"cursor=nonsense", "cursor"},
	} {
		status, e := n.apiCall(http.MethodGet, "/api/v1/notifications?"+bad.query, fac, nil)
		if status != http.StatusBadRequest || e["field"] != bad.field {
			t.Errorf("GET /api/v1/notifications?%s = %d %v, want 400 naming %s", bad.query, status, e, bad.field)
		}
	}
	// ?unread=1, taken before the convention, still is.
	if status, body := n.apiCall(http.MethodGet, "/api/v1/notifications?unread=1", fac, nil); status != http.StatusOK || body["unread"] == nil {
		t.Errorf("unread=1 = %d %v", status, body)
	}
	// Bodies with a field the route does not take are refused, and mark nothing.
	if status, e := n.apiCall(http.MethodPost, "/api/v1/notifications/read", fac, map[string]any{"all": true, "everything": true}); status != http.StatusBadRequest || e["field"] != "everything" {
		t.Errorf("mark read with an unknown field = %d %v, want 400 naming it", status, e)
	}
	if status, e := n.apiCall(http.MethodPost, "/api/v1/notifications/read", fac, map[string]any{"all": "yes"}); status != http.StatusBadRequest || e["field"] != "all" {
		t.Errorf("all as text = %d %v, want 400 naming all", status, e)
	}
	if _, body := n.apiCall(http.MethodGet, "/api/v1/notifications", fac, nil); body["unread"] != all["unread"] {
		t.Errorf("the refused requests changed the unread count: %v, was %v", body["unread"], all["unread"])
	}
	if status, e := n.apiCall(http.MethodPut, "/api/v1/me/notification-settings", fac, map[string]any{"emails": map[string]string{}}); status != http.StatusBadRequest || e["field"] != "emails" {
		t.Errorf("settings with an unknown field = %d %v, want 400 naming it", status, e)
	}
}

// TestWebhooksAPIUnderTheConvention: the webhooks list pages as every list
// does, its parameters are read strictly, and the routes that take no body
// refuse a field (issue 18).
func TestWebhooksAPIUnderTheConvention(t *testing.T) {
	a := newAPIApp(t)
	admin := a.tokens["admin"]
	for i := range 3 {
		if status, body := a.apiCall(http.MethodPost, "/api/v1/webhooks", admin, map[string]any{"url": fmt.Sprintf("https://hooks.example.net/%d", i), "events": []string{"release.cut"}}); status != http.StatusCreated {
			t.Fatalf("POST /api/v1/webhooks = %d %v", status, body)
		}
	}
	status, whole := a.apiCall(http.MethodGet, "/api/v1/webhooks", admin, nil)
	if status != http.StatusOK || len(whole["webhooks"].([]any)) != 3 || whole["total"] != float64(3) || whole["next"] != nil {
		t.Fatalf("GET /api/v1/webhooks = %d %v, want all three and no next", status, whole)
	}
	res := a.bearerGet("/api/v1/webhooks?limit=2", admin)
	var first map[string]any
	jsonUnmarshal(res.body, &first)
	next, _ := first["next"].(string)
	if res.status != http.StatusOK || len(first["webhooks"].([]any)) != 2 || next == "" || !strings.Contains(res.header.Get("Link"), "cursor="+next) {
		t.Fatalf("GET /api/v1/webhooks?limit=2 = %d %s (Link %q)", res.status, res.body, res.header.Get("Link"))
	}
	status, second := a.apiCall(http.MethodGet, "/api/v1/webhooks?limit=2&cursor="+next, admin, nil)
	if status != http.StatusOK || len(second["webhooks"].([]any)) != 1 || second["next"] != nil {
		t.Errorf("the second page = %d %v, want the last webhook", status, second)
	}
	if status, e := a.apiCall(http.MethodGet, "/api/v1/webhooks?limit=none", admin, nil); status != http.StatusBadRequest || e["field"] != "limit" {
		t.Errorf("limit=none = %d %v, want 400 naming limit", status, e)
	}
	id := int(whole["webhooks"].([]any)[0].(map[string]any)["id"].(float64))
	if status, e := a.apiCall(http.MethodPost, "/api/v1/webhooks", admin, map[string]any{"url": "https://hooks.example.net/x", "events": []string{"release.cut"}, "active": true}); status != http.StatusBadRequest || e["field"] != "active" {
		t.Errorf("POST with an unknown field = %d %v, want 400 naming it", status, e)
	}
	if status, e := a.apiCall(http.MethodDelete, fmt.Sprintf("/api/v1/webhooks/%d", id), admin, map[string]any{"force": true}); status != http.StatusBadRequest || e["field"] != "force" {
		t.Errorf("DELETE with a field = %d %v, want 400 naming it", status, e)
	}
	if status, _ := a.apiCall(http.MethodGet, "/api/v1/webhooks", admin, nil); status != http.StatusOK {
		t.Fatal(status)
	} else if _, again := a.apiCall(http.MethodGet, "/api/v1/webhooks", admin, nil); again["total"] != float64(3) {
		t.Errorf("the refused requests changed the webhooks: %v", again)
	}
	if status, body := a.apiCall(http.MethodDelete, fmt.Sprintf("/api/v1/webhooks/%d", id), admin, nil); status != http.StatusNoContent {
		t.Errorf("DELETE = %d %v, want 204", status, body)
	}
}
