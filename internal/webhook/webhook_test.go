package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/events"
	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/webhook"
)

// receiver is a local HTTP server that takes deliveries, checking each
// signature with the secret as a receiver would, and fails the first
// failFirst requests.
type receiver struct {
	*httptest.Server
	secret    string
	failFirst int

	mu       sync.Mutex
	requests int
	got      []delivery
	badSigs  int
}

type delivery struct {
	header  http.Header
	payload webhook.Payload
}

func newReceiver(t *testing.T, secret string, failFirst int) *receiver {
	r := &receiver{secret: secret, failFirst: failFirst}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		mac := hmac.New(sha256.New, []byte(r.secret))
		mac.Write(body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		r.mu.Lock()
		defer r.mu.Unlock()
		r.requests++
		if !hmac.Equal([]byte(req.Header.Get("X-Praxis-Signature")), []byte(want)) {
			r.badSigs++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.requests <= r.failFirst {
			http.Error(w, "not now", http.StatusServiceUnavailable)
			return
		}
		var p webhook.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		r.got = append(r.got, delivery{header: req.Header.Clone(), payload: p})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) deliveries() ([]delivery, int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...), r.requests, r.badSigs
}

type world struct {
	t     *testing.T
	env   *testenv.Env
	hooks *webhook.Service
	queue *jobs.Queue
	admin *praxis.User
}

func newWorld(t *testing.T, allowPrivate bool) *world {
	t.Helper()
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	if err := jobs.Migrate(ctx, env.DB.Pool()); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, env: env}
	w.queue = jobs.New(jobs.Config{Pool: env.DB.Pool(), PollInterval: 20 * time.Millisecond, Timeout: 10 * time.Second})
	bus := events.NewBus(w.queue)
	w.hooks = webhook.New(webhook.Config{DB: env.DB, BaseURL: "https://praxis.example.org", AllowPrivate: allowPrivate,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }, MaxAttempts: 4, Timeout: 5 * time.Second})
	w.hooks.Register(w.queue, bus)
	if err := w.queue.Ready(); err != nil {
		t.Fatal(err)
	}
	env.DB.OnEvent(bus.Publish)
	qctx, cancel := context.WithCancel(context.Background())
	if err := w.queue.Start(qctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		w.queue.Stop(stop)
		cancel()
	})
	accounts := account.New(account.Config{DB: env.DB})
	admin, _, err := accounts.AddUser(ctx, account.NewUser{Email: "admin@example.org", Name: "Ada Admin", Roles: []praxis.Role{praxis.RoleAdmin}, Password: "a long enough passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	w.admin = admin
	return w
}

// settle waits until the queue has nothing waiting or running.
func (w *world) settle() {
	w.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := w.queue.Counts(context.Background())
		if err != nil {
			w.t.Fatal(err)
		}
		if c[jobs.StatePending] == 0 && c[jobs.StateRunning] == 0 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("jobs still waiting: %v", c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *world) release(name string) {
	w.t.Helper()
	if err := w.env.DB.AddActivity(context.Background(), praxis.Activity{Kind: praxis.ActivityReleaseCut, ActorID: w.admin.ID, Ref: name, Title: name}); err != nil {
		w.t.Fatal(err)
	}
}

func TestDeliveryIsSignedRetriedAndLogged(t *testing.T) {
	w := newWorld(t, true)
	ctx := context.Background()
	const secret = "a secret of sixteen or more"
	r := newReceiver(t, secret, 2)
	hook, err := w.hooks.Create(ctx, w.admin, webhook.Input{URL: r.URL + "/hook", Events: []string{praxis.ActivityReleaseCut}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	// An event it does not want, then one it does.
	if err := w.env.DB.AddActivity(ctx, praxis.Activity{Kind: praxis.ActivityFork, ActorID: w.admin.ID, Module: "m"}); err != nil {
		t.Fatal(err)
	}
	w.release("v2026.12")
	w.settle()

	got, requests, bad := r.deliveries()
	if requests != 3 || len(got) != 1 || bad != 0 {
		t.Fatalf("receiver saw %d requests, %d accepted, %d badly signed; want 3, 1, 0", requests, len(got), bad)
	}
	d := got[0]
	if d.payload.Event != praxis.ActivityReleaseCut || d.payload.Data == nil || d.payload.Data.Release != "v2026.12" ||
		d.payload.Data.URL != "https://praxis.example.org/releases#v2026.12" || d.payload.Data.Actor == nil || d.payload.Data.Actor.Name != "Ada Admin" {
		t.Errorf("payload = %+v %+v", d.payload, d.payload.Data)
	}
	if d.header.Get("X-Praxis-Event") != praxis.ActivityReleaseCut || d.header.Get("X-Praxis-Delivery") != d.payload.Delivery || d.payload.Delivery == "" {
		t.Errorf("headers = %v", d.header)
	}
	_, log, err := w.hooks.Find(ctx, w.admin, hook.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 {
		t.Fatalf("log = %+v, want 3 attempts", log)
	}
	// Newest first: the success, then the two refusals, one delivery id.
	for i, want := range []int{204, 503, 503} {
		if log[i].StatusCode != want || log[i].Attempt != 3-i || log[i].Delivery != d.payload.Delivery {
			t.Errorf("log[%d] = %+v, want status %d, attempt %d", i, log[i], want, 3-i)
		}
	}
	if log[1].Error == "" || log[0].Error != "" {
		t.Errorf("errors = %q, %q", log[0].Error, log[1].Error)
	}

	t.Run("send test", func(t *testing.T) {
		if err := w.hooks.SendTest(ctx, w.admin, hook.ID); err != nil {
			t.Fatal(err)
		}
		w.settle()
		got, _, _ := r.deliveries()
		if len(got) != 2 || got[1].payload.Event != praxis.EventPing || got[1].payload.Data != nil || got[1].header.Get("X-Praxis-Event") != "ping" {
			t.Fatalf("deliveries = %+v", got)
		}
	})

	t.Run("given up after the last attempt", func(t *testing.T) {
		down := newReceiver(t, secret, 100)
		dead, err := w.hooks.Create(ctx, w.admin, webhook.Input{URL: down.URL, Events: []string{praxis.ActivityReleaseCut}, Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		w.release("v2027.01")
		w.settle()
		if _, requests, _ := down.deliveries(); requests != 4 {
			t.Errorf("a failing receiver saw %d attempts, want 4 (MaxAttempts)", requests)
		}
		failed, err := w.queue.List(ctx, jobs.StateFailed, 10)
		if err != nil || len(failed) != 1 || failed[0].Kind != "webhook.deliver" || !strings.Contains(failed[0].Error, "503") {
			t.Errorf("failed jobs = %+v %v, want the delivery with its error", failed, err)
		}
		if _, log, _ := w.hooks.Find(ctx, w.admin, dead.ID, 10); len(log) != 4 {
			t.Errorf("log has %d attempts, want 4", len(log))
		}
	})
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	w := newWorld(t, true)
	ctx := context.Background()
	target := newReceiver(t, "x", 0)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	t.Cleanup(redirect.Close)
	hook, err := w.hooks.Create(ctx, w.admin, webhook.Input{URL: redirect.URL, Events: []string{praxis.ActivityReleaseCut}})
	if err != nil {
		t.Fatal(err)
	}
	w.release("v2026.12")
	w.settle()
	if _, requests, _ := target.deliveries(); requests != 0 {
		t.Errorf("the redirect was followed %d times", requests)
	}
	if _, log, _ := w.hooks.Find(ctx, w.admin, hook.ID, 10); len(log) == 0 || log[0].StatusCode != http.StatusFound || log[0].Error == "" {
		t.Errorf("log = %+v, want a failed 302", log)
	}
}

func TestPrivateAddressesRefused(t *testing.T) {
	w := newWorld(t, false)
	ctx := context.Background()
	r := newReceiver(t, "a secret of sixteen or more", 0)

	// Typed in the form: refused at once, beside the field.
	for _, u := range []string{r.URL, "http://localhost:8080/x", "http://10.1.2.3/", "http://[::1]/", "http://169.254.169.254/latest", "http://100.64.0.1/", "http://0.0.0.0/"} {
		_, err := w.hooks.Create(ctx, w.admin, webhook.Input{URL: u, Events: []string{praxis.ActivityReleaseCut}})
		if praxis.ErrorCode(err) != praxis.EINVALID || praxis.ErrorField(err) != "url" {
			t.Errorf("Create(%s) = %v, want EINVALID on url", u, err)
		}
	}
	// A name that resolves to an internal address (here one stored before
	// the rule, standing for DNS that changed) is refused when dialled.
	hook := praxis.Webhook{URL: r.URL, Events: []string{praxis.ActivityReleaseCut}, Secret: "s"}
	if err := w.env.DB.CreateWebhook(ctx, &hook); err != nil {
		t.Fatal(err)
	}
	w.release("v2026.12")
	w.settle()
	if _, requests, _ := r.deliveries(); requests != 0 {
		t.Fatalf("a private address received %d requests", requests)
	}
	_, log, _ := w.hooks.Find(ctx, w.admin, hook.ID, 10)
	if len(log) == 0 || log[0].StatusCode != 0 || !strings.Contains(log[0].Error, "private") {
		t.Errorf("log = %+v, want the dial refused", log)
	}
}

func TestCreateNamesEveryMistake(t *testing.T) {
	w := newWorld(t, true)
	ctx := context.Background()
	_, err := w.hooks.Create(ctx, w.admin, webhook.Input{URL: "ftp://example.org", Events: nil, Secret: "short"})
	if fields := praxis.FieldErrors(err); praxis.ErrorCode(err) != praxis.EINVALID || len(fields) != 3 {
		t.Fatalf("Create = %v, want three field errors", err)
	}
	if hooks, _ := w.hooks.List(ctx, w.admin); len(hooks) != 0 {
		t.Errorf("a refused webhook was stored: %+v", hooks)
	}
	if _, err := w.hooks.Create(ctx, w.admin, webhook.Input{URL: "https://example.org/x", Events: []string{"no.such"}}); praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("unknown event = %v, want EINVALID", err)
	}
	facilitator := &praxis.User{ID: 99, Status: praxis.StatusActive, Roles: []praxis.Role{praxis.RoleFacilitator}}
	if _, err := w.hooks.Create(ctx, facilitator, webhook.Input{URL: "https://example.org/x", Events: []string{praxis.ActivityReleaseCut}}); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("a facilitator's Create = %v, want EFORBIDDEN", err)
	}
	h, err := w.hooks.Create(ctx, w.admin, webhook.Input{URL: "https://example.org/x", Events: []string{praxis.ActivityReleaseCut}})
	if err != nil || len(h.Secret) != 64 {
		t.Fatalf("Create without a secret = %+v %v, want one made", h, err)
	}
	if hooks, _ := w.hooks.List(ctx, w.admin); len(hooks) != 1 || hooks[0].Secret != "" {
		t.Errorf("List = %+v, want the webhook without its secret", hooks)
	}
}

func TestBackoffSpansAboutADay(t *testing.T) {
	var total time.Duration
	for attempt := 1; attempt < webhook.DefaultMaxAttempts; attempt++ {
		total += webhook.DefaultBackoff(attempt)
	}
	if total < 20*time.Hour || total > 28*time.Hour {
		t.Errorf("the last attempt comes %v after the first, want about a day", total)
	}
	if webhook.DefaultBackoff(1) != 30*time.Second || webhook.DefaultBackoff(2) != time.Minute {
		t.Errorf("backoff starts %v, %v; want 30s, 1m", webhook.DefaultBackoff(1), webhook.DefaultBackoff(2))
	}
}

func TestSign(t *testing.T) {
	// echo -n '{"a":1}' | openssl dgst -sha256 -hmac secret
	const want = "sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494"
	if got := webhook.Sign("secret", []byte(`{"a":1}`)); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestPayloadNamesTheSubject(t *testing.T) {
	w := newWorld(t, true)
	ctx := context.Background()
	r := newReceiver(t, "a secret of sixteen or more", 0)
	if _, err := w.hooks.Create(ctx, w.admin, webhook.Input{URL: r.URL, Events: []string{praxis.ActivityTrainingAwarded}, Secret: r.secret}); err != nil {
		t.Fatal(err)
	}
	if err := w.env.DB.AddActivity(ctx, praxis.Activity{Kind: praxis.ActivityTrainingAwarded, SubjectID: w.admin.ID, Module: "m"}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	got, _, _ := r.deliveries()
	if len(got) != 1 || got[0].payload.Data.Subject == nil || got[0].payload.Data.Subject.Name != "Ada Admin" || got[0].payload.Data.Actor != nil ||
		got[0].payload.Data.URL != "https://praxis.example.org/modules/m" {
		t.Fatalf("deliveries = %+v", got)
	}
	// An event about its own actor (a sign-up is) leaves the subject out.
	if err := w.env.DB.AddActivity(ctx, praxis.Activity{Kind: praxis.ActivityTrainingAwarded, ActorID: w.admin.ID, SubjectID: w.admin.ID, Module: "m"}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	got, _, _ = r.deliveries()
	if len(got) != 2 || got[1].payload.Data.Subject != nil || got[1].payload.Data.Actor == nil {
		t.Fatalf("an event whose subject is its actor: %+v, want the actor and no subject", got)
	}
}
