package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebhooksInTheBrowser: an admin adds a webhook, sees every mistake of
// the form at once, copies the secret shown once, sends a test that a real
// receiver checks the signature of, reads the delivery log, and deletes the
// webhook after a confirmation. Every page at 1280 and 375 pixels, none
// scrolling sideways at 320, none with serious axe violations.
func TestWebhooksInTheBrowser(t *testing.T) {
	var mu sync.Mutex
	var secret string
	var pings, bad int
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if r.Header.Get("X-Praxis-Signature") != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		pings++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)

	srv := newServer(t)
	// The receiver listens on the loopback interface.
	srv.flags = []string{"--webhooks-allow-private"}
	ada := srv.addUser("ada@example.org", "Ada Admin", "admin")
	srv.start()

	b := newBrowser(t, srv)
	b.signIn(ada.Email)
	b.visit("/admin/webhooks")
	b.contains("main", "Webhooks", "No webhooks yet", "Events to send", "A release is cut")
	b.atWidths("webhooks-list")

	b.fill("#f-url", "chat.example.org/hook")
	b.fill("#f-secret", "short")
	b.navigateBy("add with mistakes", chromedp.Click(chromedp.CSS(`form[action="/admin/webhooks"] button[type=submit]`)), http.StatusUnprocessableEntity)
	b.contains("#f-url-error", "whole web address")
	b.contains("#f-events-error", "at least one event")
	b.contains("#f-secret-error", "at least 16 characters")
	if v := b.attr("#f-url", "value"); v != "chat.example.org/hook" {
		t.Errorf("the address typed is %q after the refusal, want it kept", v)
	}
	b.atWidths("webhooks-form-errors")

	b.fill("#f-url", receiver.URL+"/praxis")
	b.click(`input[name="events"][value="release.cut"]`)
	b.navigateBy("add", chromedp.Click(chromedp.CSS(`form[action="/admin/webhooks"] button[type=submit]`)), http.StatusCreated)
	b.contains("main", "It is not shown again")
	mu.Lock()
	secret = b.attr("#webhook-secret", "value")
	mu.Unlock()
	if len(secret) != 64 {
		t.Fatalf("the secret shown is %q, want 64 hex digits", secret)
	}
	b.atWidths("webhooks-added")

	b.submit(`form[action$="/test"] button`)
	b.contains(".flash", "A test is on its way")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		got := pings
		mu.Unlock()
		if got == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the test did not reach the receiver within 30s")
		}
	}
	time.Sleep(200 * time.Millisecond) // the attempt is logged as the answer comes
	b.visit(b.path())
	b.contains("main", "Test (ping)", "204", "delivered")
	if b.count("#webhook-secret") != 0 {
		t.Error("the secret is shown again on the webhook's page")
	}
	b.atWidths("webhooks-detail")

	b.submit(`a[href$="/delete"]`)
	b.contains("main", "cannot be undone")
	b.atWidths("webhooks-delete")
	b.submit(`form[action$="/delete"] button`)
	b.contains(".flash", "The webhook is deleted")
	b.contains("main", "No webhooks yet")
	if bad != 0 {
		t.Errorf("%d deliveries were badly signed", bad)
	}
}
