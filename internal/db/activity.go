package db

import (
	"context"
	"database/sql"
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
	SubjectID  *int64
	ObjectID   int64
	Ref        string
}

func (activityRow) TableName() string { return "events" }

func (r activityRow) activity() praxis.Activity {
	e := praxis.Activity{ID: r.ID, At: r.At.UTC(), Kind: r.Kind, Module: r.Module, Title: r.Title, Detail: r.Detail, ObjectID: r.ObjectID, Ref: r.Ref}
	if r.ActorID != nil {
		e.ActorID = *r.ActorID
	}
	if r.ProposalID != nil {
		e.ProposalID = *r.ProposalID
	}
	if r.SubjectID != nil {
		e.SubjectID = *r.SubjectID
	}
	return e
}

// EventHook is told of each entry of the activity feed (each event) inside
// the transaction that records it, with the entry's id set: what it writes
// in tx (a job to fan the event out) commits with the change, or not at
// all. Its error undoes the change.
type EventHook func(ctx context.Context, tx *sql.Tx, e praxis.Activity) error

// OnEvent sets the hook told of every event recorded from now on; nil for
// none. Set it once, at start, before anything is written.
func (db *DB) OnEvent(hook EventHook) {
	if hook == nil {
		db.eventHook.Store(nil)
		return
	}
	db.eventHook.Store(&hook)
}

// addActivity records an entry of the activity feed (the table events)
// inside a transaction, and tells the hook; an entry without a kind is
// nothing to record.
func (db *DB) addActivity(tx *gorm.DB, e praxis.Activity) error {
	if e.Kind == "" {
		return nil
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	row := activityRow{At: at.UTC(), ActorID: nonZero(e.ActorID), Kind: e.Kind, ProposalID: nonZero(e.ProposalID), Module: e.Module,
		Title: e.Title, Detail: e.Detail, SubjectID: nonZero(e.SubjectID), ObjectID: e.ObjectID, Ref: e.Ref}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("db: event: %w", err)
	}
	hook := db.eventHook.Load()
	if hook == nil {
		return nil
	}
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	e.ID, e.At = row.ID, row.At
	if err := (*hook)(tx.Statement.Context, sqlTx, e); err != nil {
		return fmt.Errorf("db: event %s: %w", e.Kind, err)
	}
	return nil
}

// AddActivity records an entry of the activity feed on its own (in a
// transaction of its own, with the hook).
func (db *DB) AddActivity(ctx context.Context, e praxis.Activity) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return db.addActivity(tx, e) })
}

// FindActivity returns an entry of the activity feed, of any kind, with its
// actor's name. ENOTFOUND when there is none.
func (db *DB) FindActivity(ctx context.Context, id int64) (praxis.Activity, error) {
	list, err := db.ListActivity(ctx, praxis.ActivityFilter{ID: id, Kinds: []string{}})
	if err != nil {
		return praxis.Activity{}, err
	}
	if len(list) == 0 {
		return praxis.Activity{}, praxis.Errorf(praxis.ENOTFOUND, "event not found")
	}
	return list[0], nil
}

// ListActivity returns the newest entries of the activity feed first (the
// public kinds unless the filter names others).
func (db *DB) ListActivity(ctx context.Context, f praxis.ActivityFilter) ([]praxis.Activity, error) {
	type row struct {
		Row       activityRow `gorm:"embedded"`
		ActorName string
	}
	q := db.gorm.WithContext(ctx).Table("events").Select("events.*, users.name AS actor_name").
		Joins("LEFT JOIN users ON users.id = events.actor_id")
	if f.ID != 0 {
		q = q.Where("events.id = ?", f.ID)
	}
	if f.ActorID != 0 {
		q = q.Where("events.actor_id = ?", f.ActorID)
	}
	if f.Module != "" {
		q = q.Where("events.module = ?", f.Module)
	}
	if f.ProposalID != 0 {
		q = q.Where("events.proposal_id = ?", f.ProposalID)
	}
	switch {
	case f.Kinds == nil:
		q = q.Where("events.kind IN ?", praxis.PublicActivityKinds)
	case len(f.Kinds) > 0:
		q = q.Where("events.kind IN ?", f.Kinds)
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
		out[i] = j.Row.activity()
		out[i].Actor = j.ActorName
	}
	return out, nil
}
