package db

import (
	"context"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

type activityRow struct {
	ID         int64 `gorm:"primaryKey"`
	At         time.Time
	ActorID    *int64
	Kind       string
	ProposalID *int64
	Module     string
	Title      string
	Detail     string
}

func (activityRow) TableName() string { return "events" }

// addActivity records an entry of the activity feed (the table events) inside
// a transaction; an entry without a kind is nothing to record.
func addActivity(tx *gorm.DB, e praxis.Activity) error {
	if e.Kind == "" {
		return nil
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	row := activityRow{At: at.UTC(), ActorID: nonZero(e.ActorID), Kind: e.Kind, ProposalID: nonZero(e.ProposalID), Module: e.Module, Title: e.Title, Detail: e.Detail}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("db: event: %w", err)
	}
	return nil
}

// AddActivity records an entry of the activity feed on its own.
func (db *DB) AddActivity(ctx context.Context, e praxis.Activity) error {
	return addActivity(db.gorm.WithContext(ctx), e)
}

// ListActivity returns the newest entries of the activity feed first.
func (db *DB) ListActivity(ctx context.Context, f praxis.ActivityFilter) ([]praxis.Activity, error) {
	type row struct {
		Row       activityRow `gorm:"embedded"`
		ActorName string
	}
	q := db.gorm.WithContext(ctx).Table("events").Select("events.*, users.name AS actor_name").
		Joins("LEFT JOIN users ON users.id = events.actor_id")
	if f.ActorID != 0 {
		q = q.Where("events.actor_id = ?", f.ActorID)
	}
	if f.Module != "" {
		q = q.Where("events.module = ?", f.Module)
	}
	if f.ProposalID != 0 {
		q = q.Where("events.proposal_id = ?", f.ProposalID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	var rows []row
	if err := q.Order("events.id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: events: %w", err)
	}
	out := make([]praxis.Activity, len(rows))
	for i, j := range rows {
		r := j.Row
		e := praxis.Activity{ID: r.ID, At: r.At.UTC(), Actor: j.ActorName, Kind: r.Kind, Module: r.Module, Title: r.Title, Detail: r.Detail}
		if r.ActorID != nil {
			e.ActorID = *r.ActorID
		}
		if r.ProposalID != nil {
			e.ProposalID = *r.ProposalID
		}
		out[i] = e
	}
	return out, nil
}
