package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/events"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/mail"
	"github.com/praxis-coop/praxis/internal/notify"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/smtpsink"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
)

// notifyApp is praxis with accounts, notifications, the job queue working
// and a real SMTP sink.
type notifyApp struct {
	*accountApp
	notify *notify.Service
	queue  *jobs.Queue
	sink   *smtpsink.Sink
	review *review.Service
}

func newNotifyApp(t *testing.T) *notifyApp {
	t.Helper()
	n := &notifyApp{sink: smtpsink.Start(t)}
	n.accountApp = newAccountAppWith(t, testenv.Options{}, func(cfg *web.Config, env *testenv.Env) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, env.DB.Pool()); err != nil {
			t.Fatal(err)
		}
		sender, err := mail.New(mail.Config{Addr: n.sink.Addr(), From: "praxis@example.org", TLS: mail.TLSNone, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		n.review = cfg.Review
		n.queue = jobs.New(jobs.Config{Pool: env.DB.Pool(), PollInterval: 20 * time.Millisecond, Timeout: 10 * time.Second})
		bus := events.NewBus(n.queue)
		n.notify = notify.New(notify.Config{DB: env.DB, Catalog: env.Catalog, Mail: sender, BaseURL: "https://praxis.example.org"})
		n.notify.Register(n.queue, bus)
		if err := n.queue.Ready(); err != nil {
			t.Fatal(err)
		}
		env.DB.OnEvent(bus.Publish)
		qctx, cancel := context.WithCancel(context.Background())
		if err := n.queue.Start(qctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, done := context.WithTimeout(context.Background(), 10*time.Second)
			defer done()
			n.queue.Stop(stop)
			cancel()
		})
		cfg.Notify, cfg.Jobs, cfg.BaseURL = n.notify, n.queue, "https://praxis.example.org"
	})
	return n
}

// settle waits until no job waits or runs.
func (n *notifyApp) settle() {
	n.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := n.queue.Counts(context.Background())
		if err != nil {
			n.t.Fatal(err)
		}
		if c[jobs.StatePending] == 0 && c[jobs.StateRunning] == 0 {
			return
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("the queue did not settle: %v", c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openProposal opens a proposal as the facilitator.
func (n *notifyApp) openProposal() *praxis.Proposal {
	n.t.Helper()
	ctx := context.Background()
	snap, err := n.env.Store.Snapshot(ctx, "main")
	if err != nil {
		n.t.Fatal(err)
	}
	plan, _ := snap.ReadFile("modules/" + stigma + "/module.md")
	p, err := n.review.CreateProposal(ctx, n.users["facilitator"], review.NewProposal{Title: "A welcome", Module: stigma,
		Edits: []review.Edit{{Path: "module.md", Content: []byte(strings.Replace(string(plan), "## ", "## Welcome\n\n## ", 1))}}})
	if err != nil {
		n.t.Fatal(err)
	}
	return p
}

var bellCount = regexp.MustCompile(`aria-label="Notifications, (\d+) unread"`)

func TestTheBellTheInboxAndMarkingRead(t *testing.T) {
	n := newNotifyApp(t)
	p := n.openProposal()
	maint := n.browser()
	maint.logIn("maintainer@example.org")
	res := maint.submit(fmt.Sprintf("/proposals/%d", p.ID), fmt.Sprintf("/proposals/%d/comments", p.ID), url.Values{"body": {"Nice. @Coordinator Person, have a look?"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("comment = %d %s", res.status, res.body)
	}
	n.settle()

	fac := n.browser()
	fac.logIn("facilitator@example.org")
	home := fac.do(http.MethodGet, "/", nil)
	if m := bellCount.FindStringSubmatch(home.body); m == nil || m[1] != "1" {
		t.Fatalf("the bell on the home page does not say 1 unread: %v", m)
	}
	inbox := fac.do(http.MethodGet, "/notifications?unread=1", nil)
	mustContain(t, inbox, "Maintainer Person commented on your proposal", `href="/notifications/`, "Mark all read")
	id := regexp.MustCompile(`href="/notifications/(\d+)"`).FindStringSubmatch(inbox.body)[1]

	// A plain link opens it and marks it read.
	open := fac.do(http.MethodGet, "/notifications/"+id, nil)
	if open.status != http.StatusSeeOther || open.header.Get("Location") != fmt.Sprintf("/proposals/%d", p.ID) {
		t.Fatalf("opening = %d %s", open.status, open.header.Get("Location"))
	}
	if bellCount.MatchString(fac.do(http.MethodGet, "/", nil).body) {
		t.Error("the bell still counts after opening the notification")
	}
	// Someone else's notification is not found.
	coord := n.browser()
	coord.logIn("coordinator@example.org")
	if res := coord.do(http.MethodGet, "/notifications/"+id, nil); res.status != http.StatusNotFound {
		t.Errorf("opening another's notification = %d, want 404", res.status)
	}
	// The coordinator was mentioned; marking all read with the form.
	if m := bellCount.FindStringSubmatch(coord.do(http.MethodGet, "/", nil).body); m == nil || m[1] != "1" {
		t.Fatalf("the coordinator's bell: %v", m)
	}
	mustContain(t, coord.do(http.MethodGet, "/notifications", nil), "mentioned you in")
	if res := coord.submit("/notifications", "/notifications/read", url.Values{"all": {"1"}}); res.status != http.StatusSeeOther {
		t.Fatalf("mark all read = %d", res.status)
	}
	if bellCount.MatchString(coord.do(http.MethodGet, "/", nil).body) {
		t.Error("the bell still counts after marking all read")
	}
	// Signed out, there is no bell and no inbox.
	anon := n.browser()
	if strings.Contains(anon.do(http.MethodGet, "/", nil).body, `class="bell"`) {
		t.Error("an anonymous visitor sees a bell")
	}
	if res := anon.do(http.MethodGet, "/notifications", nil); res.status != http.StatusSeeOther {
		t.Errorf("anonymous inbox = %d, want a redirect to sign in", res.status)
	}
}

func TestEmailSettingsFormShowsEveryMistakeAndKeepsWhatWasChosen(t *testing.T) {
	n := newNotifyApp(t)
	b := n.browser()
	b.logIn("maintainer@example.org")
	page := b.do(http.MethodGet, "/account/notifications", nil)
	mustContain(t, page, `name="email.reply" value="immediately" checked`, `name="email.proposal_waiting" value="digest" checked`, "You watch nothing yet")
	if strings.Contains(page.body, "email.signup") {
		t.Error("a maintainer is offered sign-up emails, which only concern coordinators")
	}
	res := b.submit("/account/notifications", "/account/notifications", url.Values{
		"email.reply": {"off"}, "email.mention": {"sometimes"}, "email.signup": {"off"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad settings = %d, want 422", res.status)
	}
	mustContain(t, res, `id="f-email.mention-error"`, "choose how to email mentions", "There is no kind of notification &#34;signup&#34; for you to choose",
		`name="email.reply" value="off" checked`)
	if chosen, _ := n.db.NotificationSettings(context.Background(), n.users["maintainer"].ID); len(chosen) != 0 {
		t.Errorf("a refused form stored %v", chosen)
	}
	res = b.submit("/account/notifications", "/account/notifications", url.Values{"email.reply": {"off"}, "email.mention": {"digest"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("good settings = %d %s", res.status, res.body)
	}
	mustContain(t, b.do(http.MethodGet, "/account/notifications", nil), `name="email.reply" value="off" checked`, `name="email.mention" value="digest" checked`)
}

func TestWatchButtonsOnModuleSeriesAndChangesPages(t *testing.T) {
	n := newNotifyApp(t)
	b := n.browser()
	b.logIn("facilitator@example.org")
	for _, c := range []struct{ page, target, legend string }{
		{"/modules/" + stigma, "module:" + stigma, "Watch this module"},
		{"/series/exploring-class", "series:exploring-class", "Watch this series"},
		{"/changes", "curriculum", "Watch the whole curriculum"},
	} {
		page := b.do(http.MethodGet, c.page, nil)
		mustContain(t, page, c.legend, `name="target" value="`+c.target+`"`, `value="everything"`, `value="releases"`)
		res := b.submit(c.page, "/watch", url.Values{"target": {c.target}, "back": {c.page}, "level": {"releases"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != c.page {
			t.Fatalf("watch %s = %d %s", c.target, res.status, res.header.Get("Location"))
		}
		mustContain(t, b.do(http.MethodGet, c.page, nil), "You are watching for releases only", `value="none"`)
	}
	settings := b.do(http.MethodGet, "/account/notifications", nil)
	mustContain(t, settings, "The whole curriculum", "Series “", "Module “", "releases only")
	// Somewhere else is not where "back" may lead.
	if res := b.submit("/changes", "/watch", url.Values{"target": {"curriculum"}, "back": {"https://evil.example/"}, "level": {"none"}}); res.header.Get("Location") != "/" {
		t.Errorf("back to another site = %q, want /", res.header.Get("Location"))
	}
	if res := b.submit("/changes", "/watch", url.Values{"target": {"module:nope"}, "back": {"/changes"}, "level": {"everything"}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("watching a module that does not exist = %d, want 422", res.status)
	}
	// Anonymous visitors are offered nothing.
	if strings.Contains(n.browser().do(http.MethodGet, "/modules/"+stigma, nil).body, `action="/watch"`) {
		t.Error("an anonymous visitor sees a watch form")
	}
}

func TestOneClickUnsubscribeNeedsNoSignInNorForm(t *testing.T) {
	n := newNotifyApp(t)
	ctx := context.Background()
	link, err := n.notify.UnsubscribeURL(ctx, n.users["facilitator"].ID, praxis.NotifyReply)
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(link, "https://praxis.example.org")
	anon := n.browser()
	// Following the link changes nothing: it asks.
	page := anon.do(http.MethodGet, path, nil)
	mustContain(t, page, "Stop emails about replies?", `<form method="post" action="`+path+`"`)
	if chosen, _ := n.db.NotificationSettings(ctx, n.users["facilitator"].ID); len(chosen) != 0 {
		t.Fatalf("a GET changed the settings: %v", chosen)
	}
	// A mail program's one-click POST (RFC 8058): no cookie, no token.
	res := anon.do(http.MethodPost, path, url.Values{"List-Unsubscribe": {"One-Click"}}, "Sec-Fetch-Site", "cross-site")
	if res.status != http.StatusOK {
		t.Fatalf("one-click unsubscribe = %d %s", res.status, res.body)
	}
	if chosen, _ := n.db.NotificationSettings(ctx, n.users["facilitator"].ID); chosen[praxis.NotifyReply] != praxis.EmailOff {
		t.Errorf("settings after unsubscribing = %v", chosen)
	}
	if res := anon.do(http.MethodPost, path+"x", url.Values{"List-Unsubscribe": {"One-Click"}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("a forged link = %d, want 422", res.status)
	}
	// Other forms still need their token.
	if res := anon.do(http.MethodPost, "/watch", url.Values{"target": {"curriculum"}, "level": {"everything"}}, "Sec-Fetch-Site", "cross-site"); res.status != http.StatusForbidden {
		t.Errorf("a cross-site POST elsewhere = %d, want 403", res.status)
	}
}

func TestAdminsSeeFailedJobsWithTheirErrorAndRetryThem(t *testing.T) {
	n := newNotifyApp(t)
	// The mail server refuses the author's address for good: the email
	// job gives up at once and waits for an admin.
	n.sink.RejectNext(1)
	p := n.openProposal()
	maint := n.browser()
	maint.logIn("maintainer@example.org")
	maint.submit(fmt.Sprintf("/proposals/%d", p.ID), fmt.Sprintf("/proposals/%d/comments", p.ID), url.Values{"body": {"Hello"}})
	n.settle()
	admin := n.browser()
	admin.logIn("admin@example.org")
	page := admin.do(http.MethodGet, "/admin/jobs", nil)
	mustContain(t, page, "notify.email", "550", "no such mailbox", "Retry now", "Failed (1)")
	id := regexp.MustCompile(`action="/admin/jobs/(\d+)/retry"`).FindStringSubmatch(page.body)[1]
	if res := admin.submit("/admin/jobs", "/admin/jobs/"+id+"/retry", url.Values{"state": {"failed"}}); res.status != http.StatusSeeOther {
		t.Fatalf("retry = %d %s", res.status, res.body)
	}
	n.settle()
	if got := n.sink.Messages(); len(got) != 1 || got[0].To[0] != "facilitator@example.org" {
		t.Fatalf("after the retry the sink has %d messages, want the author's", len(got))
	}
	mustContain(t, admin.do(http.MethodGet, "/admin/jobs?state=done", nil), "notify.email")
	if !strings.Contains(admin.do(http.MethodGet, "/admin/jobs", nil).body, "No jobs have failed") {
		t.Error("the failed job is still listed after it succeeded")
	}
	coord := n.browser()
	coord.logIn("coordinator@example.org")
	if res := coord.do(http.MethodGet, "/admin/jobs", nil); res.status != http.StatusForbidden {
		t.Errorf("a coordinator on the jobs page = %d, want 403", res.status)
	}
}

func TestNotificationsAPI(t *testing.T) {
	n := newNotifyApp(t)
	p := n.openProposal()
	fac, maint := n.tokens["facilitator"], n.tokens["maintainer"]
	if status, _ := n.apiCall(http.MethodPost, fmt.Sprintf("/api/v1/proposals/%d/comments", p.ID), maint, map[string]any{"body": "First"}); status != http.StatusCreated && status != http.StatusOK {
		t.Fatalf("comment = %d", status)
	}
	n.settle()
	status, body := n.apiCall(http.MethodGet, "/api/v1/notifications?unread=true", fac, nil)
	if status != http.StatusOK || body["unread"] != float64(1) {
		t.Fatalf("GET notifications = %d %v", status, body)
	}
	list := body["notifications"].([]any)
	first := list[0].(map[string]any)
	keys(t, "notification", first, "id", "kind", "subject", "url", "created_at", "read")
	if first["kind"] != praxis.NotifyReply || first["url"] != fmt.Sprintf("https://praxis.example.org/proposals/%d", p.ID) || first["read"] != false {
		t.Errorf("notification = %v", first)
	}
	if status, body := n.apiCall(http.MethodPost, "/api/v1/notifications/read", fac, map[string]any{}); status != http.StatusUnprocessableEntity {
		t.Errorf("mark read of nothing = %d %v, want 422", status, body)
	}
	if status, body := n.apiCall(http.MethodPost, "/api/v1/notifications/read", fac, map[string]any{"ids": []any{first["id"]}}); status != http.StatusOK || body["unread"] != float64(0) || body["marked"] != float64(1) {
		t.Errorf("mark read by id = %d %v", status, body)
	}
	if status, body := n.apiCall(http.MethodPost, "/api/v1/notifications/read", fac, map[string]any{"all": true}); status != http.StatusOK || body["marked"] != float64(0) {
		t.Errorf("mark all read = %d %v", status, body)
	}
	if status, _ := n.apiCall(http.MethodGet, "/api/v1/notifications", "", nil); status != http.StatusUnauthorized {
		t.Errorf("anonymous = %d, want 401", status)
	}

	status, settings := n.apiCall(http.MethodGet, "/api/v1/me/notification-settings", fac, nil)
	if status != http.StatusOK {
		t.Fatalf("GET settings = %d", status)
	}
	keys(t, "settings", settings, "email", "kinds", "watches", "mail_enabled")
	if email := settings["email"].(map[string]any); email["reply"] != "immediately" || email["feedback"] != "digest" || email["signup"] != nil {
		t.Errorf("email choices = %v", email)
	}
	status, bad := n.apiCall(http.MethodPut, "/api/v1/me/notification-settings", fac, map[string]any{"email": map[string]any{"reply": "never", "mention": "sometimes"}})
	if status != http.StatusUnprocessableEntity || bad["fields"] == nil || len(bad["fields"].(map[string]any)) != 2 {
		t.Errorf("PUT bad = %d %v, want 422 naming both", status, bad)
	}
	// A bad second watch changes nothing: not the choices, not the first
	// watch.
	status, bad = n.apiCall(http.MethodPut, "/api/v1/me/notification-settings", fac, map[string]any{
		"email": map[string]any{"reply": "off"}, "watches": []any{map[string]any{"target": "curriculum", "level": "releases"},
			map[string]any{"target": "module:no-such-module", "level": "everything"}}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("PUT with a bad watch = %d %v, want 422", status, bad)
	}
	if _, after := n.apiCall(http.MethodGet, "/api/v1/me/notification-settings", fac, nil); after["email"].(map[string]any)["reply"] != "immediately" ||
		len(after["watches"].([]any)) != 0 {
		t.Errorf("after a refused PUT: %v, want nothing changed", after)
	}
	status, saved := n.apiCall(http.MethodPut, "/api/v1/me/notification-settings", fac, map[string]any{
		"email": map[string]any{"reply": "digest"}, "watches": []any{map[string]any{"target": "module:" + stigma, "level": "everything"}}})
	if status != http.StatusOK || saved["email"].(map[string]any)["reply"] != "digest" || len(saved["watches"].([]any)) != 1 {
		t.Errorf("PUT = %d %v", status, saved)
	}
}
