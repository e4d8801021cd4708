package db

import (
	"context"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

type tokenRow struct {
	ID         int64 `gorm:"primaryKey"`
	TokenHash  []byte
	UserID     int64
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

func (r tokenRow) token() praxis.Token {
	t := praxis.Token{ID: r.ID, UserID: r.UserID, Name: r.Name, Prefix: r.Prefix, CreatedAt: r.CreatedAt.UTC()}
	if r.LastUsedAt != nil {
		used := r.LastUsedAt.UTC()
		t.LastUsedAt = &used
	}
	return t
}

// CreateToken stores an API token under the hash of its secret.
func (db *DB) CreateToken(ctx context.Context, t praxis.Token, tokenHash []byte) (int64, error) {
	row := tokenRow{TokenHash: tokenHash, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt.UTC()}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return 0, fmt.Errorf("db: create token: %w", err)
	}
	return row.ID, nil
}

// FindToken returns the token with the given secret hash. ENOTFOUND when none.
func (db *DB) FindToken(ctx context.Context, tokenHash []byte) (praxis.Token, error) {
	var row tokenRow
	if err := db.gorm.WithContext(ctx).Where("token_hash = ?", tokenHash).First(&row).Error; err != nil {
		return praxis.Token{}, translate(err, "token")
	}
	return row.token(), nil
}

// TouchToken records when a token was last used.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	if err := db.gorm.WithContext(ctx).Model(&tokenRow{}).Where("id = ?", id).Update("last_used_at", at.UTC()).Error; err != nil {
		return fmt.Errorf("db: touch token: %w", err)
	}
	return nil
}

// ListTokens returns a user's tokens, newest first.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]praxis.Token, error) {
	var rows []tokenRow
	if err := db.gorm.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list tokens: %w", err)
	}
	out := make([]praxis.Token, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

// DeleteToken revokes one of a user's tokens. ENOTFOUND when they have no such token.
func (db *DB) DeleteToken(ctx context.Context, userID, id int64) error {
	res := db.gorm.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&tokenRow{})
	if res.Error != nil {
		return fmt.Errorf("db: delete token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return praxis.Errorf(praxis.ENOTFOUND, "token not found")
	}
	return nil
}
