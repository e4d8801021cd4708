package web_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// TestUserPatchValidatesEverythingBeforeWriting sends PATCHes that change
// roles and status together, where one half is refused: the answer is the
// refusal and the account, its sessions' owner and the audit log are as they
// were.
func TestUserPatchValidatesEverythingBeforeWriting(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	ctx := context.Background()
	admin, target := a.users["admin"], a.users["target"]
	for _, tc := range []struct {
		name   string
		token  string
		user   *praxis.User
		body   map[string]any
		status int
	}{
		{"an admin suspending themself while changing their roles", a.tokens["admin"], admin,
			map[string]any{"roles": []string{"admin", "maintainer"}, "status": "suspended"}, http.StatusForbidden},
		{"an admin setting their own status while changing their roles", a.tokens["admin"], admin,
			map[string]any{"roles": []string{"admin", "coordinator"}, "status": "active"}, http.StatusForbidden},
		{"an admin dropping their own admin role while setting another's status", a.tokens["admin"], admin,
			map[string]any{"roles": []string{"facilitator"}, "status": "active"}, http.StatusForbidden},
		{"a coordinator changing roles and status", a.tokens["coordinator"], target,
			map[string]any{"roles": []string{"maintainer"}, "status": "suspended"}, http.StatusForbidden},
		{"good roles with a bad status", a.tokens["admin"], target,
			map[string]any{"roles": []string{"maintainer"}, "status": "deleted"}, http.StatusUnprocessableEntity},
		{"a bad role with a good status", a.tokens["admin"], target,
			map[string]any{"roles": []string{"boss"}, "status": "suspended"}, http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := a.db.FindUser(ctx, tc.user.ID)
			if err != nil {
				t.Fatal(err)
			}
			audit, err := a.db.ListAudit(ctx, praxis.AuditFilter{TargetID: tc.user.ID, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			status, body := a.apiCall(http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", tc.user.ID), tc.token, tc.body)
			if status != tc.status {
				t.Fatalf("PATCH = %d %v, want %d", status, body, tc.status)
			}
			after, err := a.db.FindUser(ctx, tc.user.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(after.Roles, before.Roles) || after.Status != before.Status {
				t.Errorf("after a refused PATCH the account has roles %v and status %s, want %v and %s", after.Roles, after.Status, before.Roles, before.Status)
			}
			if audit2, _ := a.db.ListAudit(ctx, praxis.AuditFilter{TargetID: tc.user.ID, Limit: 100}); len(audit2) != len(audit) {
				t.Errorf("a refused PATCH wrote %d audit entries", len(audit2)-len(audit))
			}
		})
	}

	// Both halves allowed: both are applied, each with its audit entry.
	status, body := a.apiCall(http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", target.ID), a.tokens["admin"],
		map[string]any{"roles": []string{"maintainer"}, "status": "suspended"})
	if status != http.StatusOK || body["status"] != "suspended" || fmt.Sprint(body["roles"]) != "[maintainer]" {
		t.Fatalf("PATCH roles and status = %d %v", status, body)
	}
	if audit, _ := a.db.ListAudit(ctx, praxis.AuditFilter{TargetID: target.ID, Limit: 100}); len(audit) != 2 {
		t.Errorf("audit entries = %d, want 2 (roles, suspension)", len(audit))
	}
}
