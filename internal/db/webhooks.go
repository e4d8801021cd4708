package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

type webhookRow struct {
	ID        int64
	URL       string
	Events    string // kinds, comma-separated
	Secret    string
	CreatedBy *int64
	CreatedAt time.Time
}

func (webhookRow) TableName() string { return "webhooks" }

func (r webhookRow) webhook() praxis.Webhook {
	w := praxis.Webhook{ID: r.ID, URL: r.URL, Secret: r.Secret, CreatedAt: r.CreatedAt.UTC()}
	if r.Events != "" {
		w.Events = strings.Split(r.Events, ",")
	}
	if r.CreatedBy != nil {
		w.CreatedBy = *r.CreatedBy
	}
	return w
}

// CreateWebhook stores a webhook and sets its ID and CreatedAt.
func (db *DB) CreateWebhook(ctx context.Context, w *praxis.Webhook) error {
	row := webhookRow{URL: w.URL, Events: strings.Join(w.Events, ","), Secret: w.Secret, CreatedBy: nonZero(w.CreatedBy), CreatedAt: time.Now().UTC()}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("db: create webhook: %w", err)
	}
	w.ID, w.CreatedAt = row.ID, row.CreatedAt
	return nil
}

// Webhooks returns every webhook, oldest first.
func (db *DB) Webhooks(ctx context.Context) ([]praxis.Webhook, error) {
	var rows []webhookRow
	if err := db.gorm.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: webhooks: %w", err)
	}
	out := make([]praxis.Webhook, len(rows))
	for i, r := range rows {
		out[i] = r.webhook()
	}
	return out, nil
}

// WebhooksTx returns every webhook, inside tx (an event's transaction).
func WebhooksTx(ctx context.Context, tx *sql.Tx) ([]praxis.Webhook, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, url, events FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("db: webhooks: %w", err)
	}
	defer rows.Close()
	var out []praxis.Webhook
	for rows.Next() {
		var r webhookRow
		if err := rows.Scan(&r.ID, &r.URL, &r.Events); err != nil {
			return nil, fmt.Errorf("db: webhooks: %w", err)
		}
		out = append(out, r.webhook())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: webhooks: %w", err)
	}
	return out, nil
}

// FindWebhook returns a webhook; ENOTFOUND when there is none.
func (db *DB) FindWebhook(ctx context.Context, id int64) (praxis.Webhook, error) {
	var row webhookRow
	err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return praxis.Webhook{}, praxis.Errorf(praxis.ENOTFOUND, "there is no webhook %d", id)
	}
	if err != nil {
		return praxis.Webhook{}, fmt.Errorf("db: find webhook: %w", err)
	}
	return row.webhook(), nil
}

// DeleteWebhook deletes a webhook and its delivery log; ENOTFOUND when
// there is none.
func (db *DB) DeleteWebhook(ctx context.Context, id int64) error {
	res := db.gorm.WithContext(ctx).Where("id = ?", id).Delete(&webhookRow{})
	if res.Error != nil {
		return fmt.Errorf("db: delete webhook: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return praxis.Errorf(praxis.ENOTFOUND, "there is no webhook %d", id)
	}
	return nil
}

// WebhookLogSize is how many attempts the log keeps per webhook: older
// ones are deleted as new ones are logged.
const WebhookLogSize = 1000

type webhookDeliveryRow struct {
	ID         int64
	WebhookID  int64
	Delivery   string
	EventKind  string
	Attempt    int
	StatusCode int
	Error      string
	DurationMs int64
	At         time.Time
}

func (webhookDeliveryRow) TableName() string { return "webhook_deliveries" }

// RecordWebhookAttempt logs an attempt to deliver to a webhook, then calls
// then inside the same transaction (to complete the job when the attempt
// succeeded); then may be nil. A webhook deleted meanwhile logs nothing:
// ENOTFOUND.
func (db *DB) RecordWebhookAttempt(ctx context.Context, a praxis.WebhookAttempt, then func(tx *sql.Tx) error) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&webhookRow{}).Where("id = ?", a.WebhookID).Count(&n).Error; err != nil {
			return fmt.Errorf("db: webhook attempt: %w", err)
		}
		if n == 0 {
			return praxis.Errorf(praxis.ENOTFOUND, "there is no webhook %d", a.WebhookID)
		}
		row := webhookDeliveryRow{WebhookID: a.WebhookID, Delivery: a.Delivery, EventKind: a.EventKind, Attempt: a.Attempt,
			StatusCode: a.StatusCode, Error: a.Error, DurationMs: a.Duration.Milliseconds(), At: a.At.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("db: webhook attempt: %w", err)
		}
		// The log keeps the newest attempts (a walk of the index).
		if err := tx.Exec(`DELETE FROM webhook_deliveries WHERE webhook_id = ? AND id <= (
			SELECT id FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
			a.WebhookID, a.WebhookID, WebhookLogSize).Error; err != nil {
			return fmt.Errorf("db: webhook attempt: %w", err)
		}
		return withSQLTx(tx, then)
	})
}

// WebhookAttempts returns the newest attempts to deliver to a webhook,
// newest first.
func (db *DB) WebhookAttempts(ctx context.Context, webhookID int64, limit int) ([]praxis.WebhookAttempt, error) {
	var rows []webhookDeliveryRow
	if err := db.gorm.WithContext(ctx).Where("webhook_id = ?", webhookID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: webhook attempts: %w", err)
	}
	out := make([]praxis.WebhookAttempt, len(rows))
	for i, r := range rows {
		out[i] = praxis.WebhookAttempt{ID: r.ID, WebhookID: r.WebhookID, Delivery: r.Delivery, EventKind: r.EventKind, Attempt: r.Attempt,
			StatusCode: r.StatusCode, Error: r.Error, Duration: time.Duration(r.DurationMs) * time.Millisecond, At: r.At.UTC()}
	}
	return out, nil
}

// SetFeedToken sets the hash of a person's notifications feed token,
// replacing the one they had.
func (db *DB) SetFeedToken(ctx context.Context, userID int64, hash string) error {
	err := db.gorm.WithContext(ctx).Exec(`INSERT INTO feed_tokens (user_id, hash, created_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at`, userID, hash, time.Now().UTC()).Error
	if err != nil {
		return fmt.Errorf("db: set feed token: %w", err)
	}
	return nil
}

// FeedTokenUser returns the person whose feed token has hash; ENOTFOUND
// when nobody's has.
func (db *DB) FeedTokenUser(ctx context.Context, hash string) (int64, error) {
	var ids []int64
	if err := db.gorm.WithContext(ctx).Raw(`SELECT user_id FROM feed_tokens WHERE hash = ?`, hash).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("db: feed token: %w", err)
	}
	if len(ids) == 0 {
		return 0, praxis.Errorf(praxis.ENOTFOUND, "there is no such feed")
	}
	return ids[0], nil
}

// HasFeedToken reports whether a person has a notifications feed token.
func (db *DB) HasFeedToken(ctx context.Context, userID int64) (bool, error) {
	var n int64
	if err := db.gorm.WithContext(ctx).Raw(`SELECT COUNT(*) FROM feed_tokens WHERE user_id = ?`, userID).Scan(&n).Error; err != nil {
		return false, fmt.Errorf("db: feed token: %w", err)
	}
	return n > 0, nil
}
