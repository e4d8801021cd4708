package db

import (
	"context"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

type resetRow struct {
	ID        int64 `gorm:"primaryKey"`
	TokenHash []byte
	UserID    int64
	CreatedBy *int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (resetRow) TableName() string { return "password_resets" }

// PasswordReset is a one-time link to set a new password.
type PasswordReset struct {
	ID        int64
	UserID    int64
	ExpiresAt time.Time
}

// CreatePasswordReset stores a reset link under the hash of its secret,
// replacing any unused link the user had, and records who issued it.
func (db *DB) CreatePasswordReset(ctx context.Context, userID int64, createdBy *int64, tokenHash []byte, now, expires time.Time, audit *praxis.AuditEntry) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ? AND used_at IS NULL", userID).Delete(&resetRow{}).Error; err != nil {
			return fmt.Errorf("db: create reset: %w", err)
		}
		row := resetRow{TokenHash: tokenHash, UserID: userID, CreatedBy: createdBy, CreatedAt: now.UTC(), ExpiresAt: expires.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("db: create reset: %w", err)
		}
		if audit != nil {
			return addAudit(tx, *audit)
		}
		return nil
	})
}

// FindPasswordReset returns the unused, unexpired reset with the given secret
// hash. ENOTFOUND otherwise.
func (db *DB) FindPasswordReset(ctx context.Context, tokenHash []byte, now time.Time) (PasswordReset, error) {
	var row resetRow
	err := db.gorm.WithContext(ctx).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", tokenHash, now.UTC()).First(&row).Error
	if err != nil {
		return PasswordReset{}, praxis.Errorf(praxis.ENOTFOUND, "this password reset link is not valid: it may have been used already or have expired")
	}
	return PasswordReset{ID: row.ID, UserID: row.UserID, ExpiresAt: row.ExpiresAt.UTC()}, nil
}
