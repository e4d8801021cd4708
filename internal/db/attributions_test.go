package db_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

func TestAttributionsKeepTheFirstRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "praxis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	when := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	ann, err := d.CreateUser(ctx, &praxis.User{Email: "ann@example.org", Name: "Ann Lee", Status: praxis.StatusActive, Roles: []praxis.Role{praxis.RoleFacilitator}, CreatedAt: when}, "hash")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := d.CreateUser(ctx, &praxis.User{Email: "bob@example.org", Name: "Bob", Status: praxis.StatusActive, Roles: []praxis.Role{praxis.RoleFacilitator}, CreatedAt: when}, "hash")
	if err != nil {
		t.Fatal(err)
	}
	commit := "1111111111111111111111111111111111111111"
	if err := d.RecordAttributions(ctx, []praxis.Attribution{{Object: commit, UserID: ann, Action: praxis.ActionSaved, AuthorName: "Ann Lee", AuthorEmail: "ann@example.org", At: when}}); err != nil {
		t.Fatal(err)
	}
	// Pushed again later by someone else: the first record stands.
	if err := d.RecordAttributions(ctx, []praxis.Attribution{{Object: commit, UserID: bob, Action: praxis.ActionPushed, AuthorName: "Bob", AuthorEmail: "bob@example.org"}}); err != nil {
		t.Fatal(err)
	}
	got, err := d.Attributions(ctx, []string{commit, "2222222222222222222222222222222222222222"})
	if err != nil {
		t.Fatal(err)
	}
	a := got[commit]
	if len(got) != 1 || a == nil || a.UserID != ann || a.Name != "Ann Lee" || a.Action != praxis.ActionSaved || a.AuthorEmail != "ann@example.org" || !a.At.Equal(when) {
		t.Fatalf("Attributions = %v %+v", got, a)
	}
	if a.DiffersFrom(praxis.Signature{Name: "Ann Lee", Email: "ANN@example.org"}) || !a.DiffersFrom(praxis.Signature{Name: "Maya", Email: "ann@example.org"}) ||
		!a.DiffersFrom(praxis.Signature{Name: "Ann Lee", Email: "maya@example.org"}) {
		t.Error("DiffersFrom compares names exactly and emails without case")
	}
}
