package db

import (
	"context"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

type auditRow struct {
	ID       int64 `gorm:"primaryKey"`
	At       time.Time
	ActorID  *int64
	Action   string
	TargetID *int64
	Detail   string
}

func (auditRow) TableName() string { return "audit_log" }

func nonZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// addAudit writes an audit entry inside a transaction that makes the change it
// describes, so there is never a change without its record.
func addAudit(tx *gorm.DB, e praxis.AuditEntry) error {
	if e.Action == "" {
		return nil
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	row := auditRow{At: at.UTC(), ActorID: nonZero(e.ActorID), Action: e.Action, TargetID: nonZero(e.TargetID), Detail: e.Detail}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return nil
}

// AddAudit records an entry on its own.
func (db *DB) AddAudit(ctx context.Context, e praxis.AuditEntry) error {
	return addAudit(db.gorm.WithContext(ctx), e)
}

// ListAudit returns audit entries, newest first, with names of actor and target.
func (db *DB) ListAudit(ctx context.Context, f praxis.AuditFilter) ([]praxis.AuditEntry, error) {
	q := db.gorm.WithContext(ctx).Table("audit_log").
		Select("audit_log.*, actor.name AS actor_name, target.name AS target_name").
		Joins("LEFT JOIN users actor ON actor.id = audit_log.actor_id").
		Joins("LEFT JOIN users target ON target.id = audit_log.target_id")
	if f.TargetID != 0 {
		q = q.Where("audit_log.target_id = ?", f.TargetID)
	}
	if f.ActorID != 0 {
		q = q.Where("audit_log.actor_id = ?", f.ActorID)
	}
	if f.Before != 0 {
		q = q.Where("audit_log.id < ?", f.Before)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	type row struct {
		ID         int64
		At         time.Time
		ActorID    *int64
		Action     string
		TargetID   *int64
		Detail     string
		ActorName  string
		TargetName string
	}
	var rows []row
	if err := q.Order("audit_log.id DESC").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: audit log: %w", err)
	}
	out := make([]praxis.AuditEntry, len(rows))
	for i, r := range rows {
		e := praxis.AuditEntry{ID: r.ID, At: r.At.UTC(), Action: r.Action, Detail: r.Detail, ActorName: r.ActorName, TargetName: r.TargetName}
		if r.ActorID != nil {
			e.ActorID = *r.ActorID
		}
		if r.TargetID != nil {
			e.TargetID = *r.TargetID
		}
		out[i] = e
	}
	return out, nil
}
