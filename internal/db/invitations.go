package db

import (
	"context"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

type invitationRow struct {
	ID        int64 `gorm:"primaryKey"`
	TokenHash []byte
	CreatedBy int64
	Email     string
	Note      string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	UsedBy    *int64
}

func (invitationRow) TableName() string { return "invitations" }

func (r invitationRow) invitation() praxis.Invitation {
	return praxis.Invitation{ID: r.ID, CreatedBy: r.CreatedBy, Email: r.Email, Note: r.Note,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), UsedAt: r.UsedAt, UsedBy: r.UsedBy}
}

// CreateInvitation stores an invitation under the hash of its secret and records
// it in the audit log.
func (db *DB) CreateInvitation(ctx context.Context, inv praxis.Invitation, tokenHash []byte, audit praxis.AuditEntry) (int64, error) {
	row := invitationRow{TokenHash: tokenHash, CreatedBy: inv.CreatedBy, Email: inv.Email, Note: inv.Note,
		CreatedAt: inv.CreatedAt.UTC(), ExpiresAt: inv.ExpiresAt.UTC()}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		audit.Detail = fmt.Sprintf("invitation %d %s", row.ID, audit.Detail)
		return addAudit(tx, audit)
	})
	if err != nil {
		return 0, fmt.Errorf("db: create invitation: %w", err)
	}
	return row.ID, nil
}

// FindInvitation returns the unused, unexpired invitation with the given secret
// hash. ENOTFOUND otherwise.
func (db *DB) FindInvitation(ctx context.Context, tokenHash []byte, now time.Time) (praxis.Invitation, error) {
	var row invitationRow
	err := db.gorm.WithContext(ctx).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", tokenHash, now.UTC()).First(&row).Error
	if err != nil {
		return praxis.Invitation{}, praxis.Errorf(praxis.ENOTFOUND, "this invitation link is not valid: it may have been used already or have expired")
	}
	return row.invitation(), nil
}

// ListInvitations returns the newest invitations.
func (db *DB) ListInvitations(ctx context.Context, limit int) ([]praxis.Invitation, error) {
	var rows []invitationRow
	if err := db.gorm.WithContext(ctx).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list invitations: %w", err)
	}
	out := make([]praxis.Invitation, len(rows))
	for i, r := range rows {
		out[i] = r.invitation()
	}
	return out, nil
}

// CreateUserFromInvitation creates a user and marks the invitation used in one
// transaction, so an invitation can never be used twice. ECONFLICT when the
// invitation was used meanwhile or the email is taken.
func (db *DB) CreateUserFromInvitation(ctx context.Context, invitationID int64, u *praxis.User, passwordHash string) (int64, error) {
	var id int64
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := rowFromUser(u)
		row.ID = 0
		row.PasswordHash = passwordHash
		now := time.Now().UTC()
		row.CreatedAt, row.UpdatedAt = now, now
		if err := tx.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				return praxis.Errorf(praxis.ECONFLICT, "there is already an account with the email %s", row.Email)
			}
			return err
		}
		res := tx.Model(&invitationRow{}).Where("id = ? AND used_at IS NULL", invitationID).
			Updates(map[string]any{"used_at": now, "used_by": row.ID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ECONFLICT, "this invitation has already been used")
		}
		id = row.ID
		return nil
	})
	if err != nil && praxis.ErrorCode(err) == praxis.EINTERNAL {
		return 0, fmt.Errorf("db: create user from invitation: %w", err)
	}
	return id, err
}
