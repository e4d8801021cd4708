package db_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// notificationsDB holds 10,000 people with 100 notifications each (a
// million, a tenth of them unread), as a busy network would after a year.
func notificationsDB(b *testing.B) *db.DB {
	b.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(b.TempDir(), "praxis.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	db.Exec(b, d, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
		INSERT INTO users (id, email, email_key, name, roles, status, created_at, updated_at)
		SELECT i, 'u' || i || '@example.org', 'u' || i || '@example.org', 'Person ' || i, 1, 'active', '2026-01-01', '2026-01-01' FROM n`)
	db.Exec(b, d, `INSERT INTO events (id, at, actor_id, kind, title) VALUES (1, '2026-01-01', 1, 'comment', 'A proposal')`)
	db.Exec(b, d, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
		INSERT INTO notifications (user_id, kind, topic, event_id, event_kind, actor_id, subject, url, count, created_at, updated_at, read_at, digest)
		SELECT i % 10000 + 1, 'reply', 'proposal:' || (i / 10000), 1, 'comment', 1, 'commented on “A proposal”', '/proposals/1', 1,
			datetime('2026-01-01', '+' || (i / 10000) || ' hours'), datetime('2026-01-01', '+' || (i / 10000) || ' hours'),
			CASE WHEN i / 10000 < 90 THEN '2026-06-01' END, 0 FROM n`)
	db.Exec(b, d, `ANALYZE`)
	return d
}

// BenchmarkUnreadCount is the bell, on every page a signed-in person sees.
func BenchmarkUnreadCount(b *testing.B) {
	d := notificationsDB(b)
	ctx := context.Background()
	if n, err := d.UnreadCount(ctx, 5000); err != nil || n != 10 {
		b.Fatalf("UnreadCount = %d %v, want 10", n, err)
	}
	for b.Loop() {
		if _, err := d.UnreadCount(ctx, 5000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInboxPage is the first page of a person's inbox.
func BenchmarkInboxPage(b *testing.B) {
	d := notificationsDB(b)
	ctx := context.Background()
	for b.Loop() {
		list, total, err := d.Notifications(ctx, db.NotificationFilter{UserID: 5000, Limit: 30})
		if err != nil || len(list) != 30 || total != 100 {
			b.Fatalf("Notifications = %d of %d, %v", len(list), total, err)
		}
	}
}

// BenchmarkNotifyCollapse writes one event's notification for a person
// with a hundred already (a repeat, collapsing into the unread one).
func BenchmarkNotifyCollapse(b *testing.B) {
	d := notificationsDB(b)
	ctx := context.Background()
	e := praxis.Activity{ID: 1, Kind: praxis.ActivityComment, ActorID: 1}
	i := int64(0)
	for b.Loop() {
		i++
		// Each round is a new event for the receipts, collapsing on one topic.
		db.Exec(b, d, `INSERT INTO events (at, actor_id, kind, title) VALUES ('2026-07-01', 1, 'comment', 'A proposal')`)
		e.ID = 1 + i
		if err := d.Notify(ctx, e, []db.NotificationDraft{{UserID: 5000, Kind: praxis.NotifyReply, Topic: "proposal:99", Subject: "commented", URL: "/proposals/1"}}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
