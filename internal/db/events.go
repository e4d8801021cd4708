package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

type eventRow struct {
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

func (eventRow) TableName() string { return "events" }

func (r eventRow) event() praxis.Event {
	e := praxis.Event{ID: r.ID, At: r.At.UTC(), Kind: r.Kind, Module: r.Module, Title: r.Title, Detail: r.Detail, ObjectID: r.ObjectID, Ref: r.Ref}
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

// EventHook is told of each event inside the transaction that records it,
// with the event's id set: what it writes in tx (a job to fan the event
// out) commits with the change, or not at all. Its error undoes the change.
type EventHook func(ctx context.Context, tx *sql.Tx, e praxis.Event) error

// OnEvent sets the hook told of every event recorded from now on; nil for
// none. Set it once, at start, before anything is written.
func (db *DB) OnEvent(hook EventHook) {
	if hook == nil {
		db.eventHook.Store(nil)
		return
	}
	db.eventHook.Store(&hook)
}

// addEvent records an event inside a transaction, and tells the hook; an
// event without a kind is nothing to record.
func (db *DB) addEvent(tx *gorm.DB, e praxis.Event) error {
	if e.Kind == "" {
		return nil
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	row := eventRow{At: at.UTC(), ActorID: nonZero(e.ActorID), Kind: e.Kind, ProposalID: nonZero(e.ProposalID), Module: e.Module,
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

// AddEvent records an event on its own (in a transaction of its own, with
// the hook).
func (db *DB) AddEvent(ctx context.Context, e praxis.Event) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return db.addEvent(tx, e) })
}

// FindEvent returns an event with its actor's name. ENOTFOUND when there is
// none.
func (db *DB) FindEvent(ctx context.Context, id int64) (praxis.Event, error) {
	events, err := db.listEvents(ctx, EventFilter{ID: id, Kinds: []string{}})
	if err != nil {
		return praxis.Event{}, err
	}
	if len(events) == 0 {
		return praxis.Event{}, praxis.Errorf(praxis.ENOTFOUND, "event not found")
	}
	return events[0], nil
}

// EventFilter narrows the activity feed.
type EventFilter struct {
	ActorID    int64
	Module     string
	ProposalID int64
	Limit      int
	// Kinds are the kinds to list; nil means the public ones
	// (praxis.PublicEventKinds), an empty list every kind.
	Kinds []string
	// ID picks one event.
	ID int64
}

// ListEvents returns the newest events first.
func (db *DB) ListEvents(ctx context.Context, f EventFilter) ([]praxis.Event, error) {
	return db.listEvents(ctx, f)
}

func (db *DB) listEvents(ctx context.Context, f EventFilter) ([]praxis.Event, error) {
	type row struct {
		Row       eventRow `gorm:"embedded"`
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
		q = q.Where("events.kind IN ?", praxis.PublicEventKinds)
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
	out := make([]praxis.Event, len(rows))
	for i, j := range rows {
		out[i] = j.Row.event()
		out[i].Actor = j.ActorName
	}
	return out, nil
}
