package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func delivery(token string, worked string) *praxis.Delivery {
	when := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	return &praxis.Delivery{FacilitatorID: 1, Module: "m", Version: "v", Date: "2026-01-01", Duration: 60, Format: "online",
		Country: "GB", HostType: "other", Participants: 5, FeedbackToken: token, Worked: worked, CreatedAt: when, UpdatedAt: when}
}

// TestALockedDatabaseIsUnavailable holds the write lock from another
// connection for longer than the busy timeout: writes fail as EUNAVAILABLE
// with a plain sentence, write nothing, and work again once the lock goes.
func TestALockedDatabaseIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "praxis.db")
	d, err := db.OpenWith(ctx, path, db.Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.CreateUser(ctx, &praxis.User{Email: "a@example.org", Name: "A", Status: praxis.StatusActive, Roles: []praxis.Role{praxis.RoleFacilitator}, CreatedAt: time.Now()}, ""); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	_, err = d.CreateDelivery(ctx, delivery("locked", ""))
	if praxis.ErrorCode(err) != praxis.EUNAVAILABLE || !strings.Contains(praxis.ErrorMessage(err), "busy") || !strings.Contains(praxis.ErrorMessage(err), "nothing was saved") {
		t.Errorf("a write while another holds the lock = %v (%s), want EUNAVAILABLE saying the database is busy", err, praxis.ErrorMessage(err))
	}
	if err := d.CheckWritable(ctx, 50*time.Millisecond); praxis.ErrorCode(err) != praxis.EUNAVAILABLE {
		t.Errorf("CheckWritable under the lock = %v, want EUNAVAILABLE", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, total, err := d.ListDeliveries(ctx, praxis.DeliveryFilter{}); err != nil || total != 0 {
		t.Errorf("after the refused write: %d deliveries (%v), want none", total, err)
	}
	if err := d.CheckWritable(ctx, 50*time.Millisecond); err != nil {
		t.Errorf("CheckWritable once the lock is gone = %v", err)
	}
	if _, err := d.CreateDelivery(ctx, delivery("free", "")); err != nil {
		t.Errorf("a write once the lock is gone = %v", err)
	}
	if got := db.Pragma(t, d, "busy_timeout"); got != "200" {
		t.Errorf("busy_timeout after CheckWritable = %s, want 200 again", got)
	}
}

// TestAFullDatabaseIsUnavailable fills the database (SQLite answers
// SQLITE_FULL, as on a full disk): a write fails as EUNAVAILABLE saying the
// disk is full, and writes nothing.
func TestAFullDatabaseIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := openDB(t)
	if _, err := d.CreateUser(ctx, &praxis.User{Email: "a@example.org", Name: "A", Status: praxis.StatusActive, Roles: []praxis.Role{praxis.RoleFacilitator}, CreatedAt: time.Now()}, ""); err != nil {
		t.Fatal(err)
	}
	db.FillTo(t, d)
	_, err := d.CreateDelivery(ctx, delivery("full", strings.Repeat("A long reflection. ", 20000)))
	if praxis.ErrorCode(err) != praxis.EUNAVAILABLE || praxis.ErrorMessage(err) != "the server's disk is full; nothing was saved" {
		t.Fatalf("a write to a full database = %v (%q), want EUNAVAILABLE saying the disk is full", err, praxis.ErrorMessage(err))
	}
	if _, total, err := d.ListDeliveries(ctx, praxis.DeliveryFilter{}); err != nil || total != 0 {
		t.Errorf("after the refused write: %d deliveries (%v), want none", total, err)
	}
}
