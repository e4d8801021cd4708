package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// TestDeletedIdsAreNeverReused deletes the newest row of every table whose
// ids people see and whose rows can be deleted, adds another, and checks the
// new row did not get the deleted one's id: a link, or a revoke form, made for
// the deleted row must never reach a different one.
func TestDeletedIdsAreNeverReused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := openDB(t)
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	userID, err := d.CreateUser(ctx, &praxis.User{Email: "ids@example.org", Name: "Ids", Status: praxis.StatusActive,
		Roles: []praxis.Role{praxis.RoleFacilitator}, CreatedAt: when}, "hash")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	unique := func() []byte { n++; return []byte(fmt.Sprintf("secret-%d", n)) }
	newDelivery := func() (int64, error) {
		return d.CreateDelivery(ctx, &praxis.Delivery{FacilitatorID: userID, Module: "m", Version: "v", Date: "2026-01-01",
			Duration: 60, Format: "online", Country: "GB", HostType: "other", Participants: 5,
			FeedbackToken: string(unique()), CreatedAt: when, UpdatedAt: when})
	}
	keep, err := newDelivery()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		table  string
		create func() (int64, error)
		delete func(id int64) error
	}{
		{"deliveries", newDelivery, func(id int64) error { return d.DeleteDelivery(ctx, id) }},
		{"api_tokens", func() (int64, error) {
			return d.CreateToken(ctx, praxis.Token{UserID: userID, Name: "t", Prefix: "p", CreatedAt: when}, unique())
		}, func(id int64) error { return d.DeleteToken(ctx, userID, id) }},
		{"sessions", func() (int64, error) {
			return d.CreateSession(ctx, praxis.Session{UserID: userID, CreatedAt: when, ExpiresAt: when.Add(time.Hour), LastSeenAt: when}, unique())
		}, func(id int64) error { return d.DeleteSession(ctx, userID, id) }},
		{"trainings", func() (int64, error) {
			return d.AwardTraining(ctx, praxis.Training{UserID: userID, Module: "m", AwardedBy: userID, AwardedAt: when}, praxis.AuditEntry{})
		}, func(int64) error { return d.WithdrawTraining(ctx, userID, "m", praxis.AuditEntry{}) }},
		{"feedback", func() (int64, error) {
			fb := &praxis.Feedback{DeliveryID: keep, Rating: 4, CreatedAt: when}
			err := d.AddFeedback(ctx, fb, unique(), 100)
			return fb.ID, err
		}, func(id int64) error {
			// Feedback goes with its delivery (by cascade); delete the row
			// alone here, so the delivery it hangs on stays.
			db.Exec(t, d, fmt.Sprintf("DELETE FROM feedback WHERE id = %d", id))
			return nil
		}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			deleted, err := tc.create()
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.delete(deleted); err != nil {
				t.Fatal(err)
			}
			next, err := tc.create()
			if err != nil {
				t.Fatal(err)
			}
			if next <= deleted {
				t.Fatalf("after deleting the newest %s row (id %d) the next one got id %d, want a new id", tc.table, deleted, next)
			}
		})
	}
}
