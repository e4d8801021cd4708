package db_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func TestDeletingAnAccountDeletesItsFeedToken(t *testing.T) {
	d, _ := openDB(t)
	ctx := context.Background()
	id, err := d.CreateUser(ctx, &praxis.User{Email: "f@example.org", Name: "F", Status: praxis.StatusActive, Roles: []praxis.Role{praxis.RoleFacilitator}}, "hash")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetFeedToken(ctx, id, "token-hash"); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	if has, err := d.HasFeedToken(ctx, id); err != nil || has {
		t.Errorf("HasFeedToken after deletion = %v %v, want false", has, err)
	}
	if _, err := d.FeedTokenUser(ctx, "token-hash"); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("FeedTokenUser after deletion = %v, want ENOTFOUND", err)
	}
}

func TestWebhookLogKeepsTheNewest(t *testing.T) {
	d, _ := openDB(t)
	ctx := context.Background()
	w := praxis.Webhook{URL: "https://example.org/hook", Events: []string{praxis.ActivityReleaseCut}, Secret: "s"}
	if err := d.CreateWebhook(ctx, &w); err != nil {
		t.Fatal(err)
	}
	other := praxis.Webhook{URL: "https://example.org/other", Events: []string{praxis.ActivityReleaseCut}, Secret: "s"}
	if err := d.CreateWebhook(ctx, &other); err != nil {
		t.Fatal(err)
	}
	if err := d.RecordWebhookAttempt(ctx, praxis.WebhookAttempt{WebhookID: other.ID, Delivery: "o", EventKind: "ping", Attempt: 1, At: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= db.WebhookLogSize+5; i++ {
		if err := d.RecordWebhookAttempt(ctx, praxis.WebhookAttempt{WebhookID: w.ID, Delivery: fmt.Sprint(i), EventKind: "ping", Attempt: 1, StatusCode: 204, At: time.Now()}, nil); err != nil {
			t.Fatal(err)
		}
	}
	log, err := d.WebhookAttempts(ctx, w.ID, 2*db.WebhookLogSize)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != db.WebhookLogSize || log[0].Delivery != fmt.Sprint(db.WebhookLogSize+5) || log[len(log)-1].Delivery != "6" {
		t.Errorf("log has %d attempts from %s to %s, want the newest %d", len(log), log[0].Delivery, log[len(log)-1].Delivery, db.WebhookLogSize)
	}
	if log, _ := d.WebhookAttempts(ctx, other.ID, 10); len(log) != 1 {
		t.Errorf("another webhook's log = %+v, want its one attempt kept", log)
	}
}

// BenchmarkRecordWebhookAttempt logs an attempt to a webhook whose log is
// full, so each one also cuts the oldest.
func BenchmarkRecordWebhookAttempt(b *testing.B) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(b.TempDir(), "praxis.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	w := praxis.Webhook{URL: "https://example.org/hook", Events: []string{praxis.ActivityReleaseCut}, Secret: "s"}
	if err := d.CreateWebhook(ctx, &w); err != nil {
		b.Fatal(err)
	}
	a := praxis.WebhookAttempt{WebhookID: w.ID, Delivery: "e1-w1", EventKind: praxis.ActivityReleaseCut, Attempt: 1, StatusCode: 204, At: time.Now()}
	for range db.WebhookLogSize {
		if err := d.RecordWebhookAttempt(ctx, a, nil); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if err := d.RecordWebhookAttempt(ctx, a, nil); err != nil {
			b.Fatal(err)
		}
	}
}
