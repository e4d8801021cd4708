package db

import (
	"context"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

type sessionRow struct {
	ID         int64 `gorm:"primaryKey"`
	TokenHash  []byte
	UserID     int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	UserAgent  string
	IP         string
}

func (sessionRow) TableName() string { return "sessions" }

func (r sessionRow) session() praxis.Session {
	return praxis.Session{ID: r.ID, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		LastSeenAt: r.LastSeenAt.UTC(), UserAgent: r.UserAgent, IP: r.IP}
}

// CreateSession stores a session under the hash of its secret.
func (db *DB) CreateSession(ctx context.Context, s praxis.Session, tokenHash []byte) (int64, error) {
	row := sessionRow{TokenHash: tokenHash, UserID: s.UserID, CreatedAt: s.CreatedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(),
		LastSeenAt: s.LastSeenAt.UTC(), UserAgent: s.UserAgent, IP: s.IP}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return 0, fmt.Errorf("db: create session: %w", err)
	}
	return row.ID, nil
}

// FindSession returns the unexpired session with the given secret hash.
// ENOTFOUND when there is none.
func (db *DB) FindSession(ctx context.Context, tokenHash []byte, now time.Time) (praxis.Session, error) {
	var row sessionRow
	err := db.gorm.WithContext(ctx).Where("token_hash = ? AND expires_at > ?", tokenHash, now.UTC()).First(&row).Error
	if err != nil {
		return praxis.Session{}, translate(err, "session")
	}
	return row.session(), nil
}

// TouchSession records that a session was used, and may extend its expiry.
func (db *DB) TouchSession(ctx context.Context, id int64, seen, expires time.Time) error {
	err := db.gorm.WithContext(ctx).Model(&sessionRow{}).Where("id = ?", id).
		Updates(map[string]any{"last_seen_at": seen.UTC(), "expires_at": expires.UTC()}).Error
	if err != nil {
		return fmt.Errorf("db: touch session: %w", err)
	}
	return nil
}

// ListSessions returns a user's unexpired sessions, most recently used first.
func (db *DB) ListSessions(ctx context.Context, userID int64, now time.Time) ([]praxis.Session, error) {
	var rows []sessionRow
	err := db.gorm.WithContext(ctx).Where("user_id = ? AND expires_at > ?", userID, now.UTC()).
		Order("last_seen_at DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: list sessions: %w", err)
	}
	out := make([]praxis.Session, len(rows))
	for i, r := range rows {
		out[i] = r.session()
	}
	return out, nil
}

// DeleteSession ends one of a user's sessions. ENOTFOUND when the user has no
// such session.
func (db *DB) DeleteSession(ctx context.Context, userID, id int64) error {
	res := db.gorm.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&sessionRow{})
	if res.Error != nil {
		return fmt.Errorf("db: delete session: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return praxis.Errorf(praxis.ENOTFOUND, "session not found")
	}
	return nil
}

// DeleteOtherSessions ends every session of a user except keep (0 for all).
func (db *DB) DeleteOtherSessions(ctx context.Context, userID, keep int64) (int64, error) {
	res := db.gorm.WithContext(ctx).Where("user_id = ? AND id <> ?", userID, keep).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("db: delete sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// DeleteExpiredSessions removes sessions that expired before now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res := db.gorm.WithContext(ctx).Where("expires_at <= ?", now.UTC()).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("db: delete expired sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}
