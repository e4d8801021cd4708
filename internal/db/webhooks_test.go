package db_test

import (
	"context"
	"testing"

	"github.com/praxis-coop/praxis/internal/praxis"
)

func TestDeletingAnAccountDeletesItsFeedToken(t *testing.T) {
	d, _ := openDB(t)
	ctx := context.Background()
	id, err := d.CreateUser(ctx, &praxis.User{Email: "f@example.org", Name: "F", Status: praxis.StatusActive, Roles: []praxis.Role{praxis.RoleFacilitator}}, "hash")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetFeedToken(ctx, id, "token-hash"); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	if has, err := d.HasFeedToken(ctx, id); err != nil || has {
		t.Errorf("HasFeedToken after deletion = %v %v, want false", has, err)
	}
	if _, err := d.FeedTokenUser(ctx, "token-hash"); praxis.ErrorCode(err) != praxis.ENOTFOUND {
		t.Errorf("FeedTokenUser after deletion = %v, want ENOTFOUND", err)
	}
}
