package access_test

import (
	"os"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// PermissionsTable renders the policy as the Markdown table in
// docs/PERMISSIONS.md.
func permissionsTable() string {
	var b strings.Builder
	b.WriteString("| action | what it allows |")
	for _, r := range praxis.AllRoles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n| --- | --- |")
	for range praxis.AllRoles {
		b.WriteString(" :-: |")
	}
	b.WriteString("\n")
	for _, rule := range access.Policy() {
		b.WriteString("| `" + string(rule.Action) + "` | " + rule.Description + " |")
		for _, r := range praxis.AllRoles {
			mark := " "
			for _, allowed := range rule.Roles {
				if allowed == r {
					mark = "✓"
				}
			}
			b.WriteString(" " + mark + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// The documented table must be the policy in code. Regenerate the table with
// PRAXIS_WRITE_PERMISSIONS=1 go test ./internal/access -run TestPermissionsDoc.
func TestPermissionsDoc(t *testing.T) {
	t.Parallel()
	const path = "../../docs/PERMISSIONS.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- policy table: begin -->\n", "<!-- policy table: end -->"
	before, rest, ok1 := strings.Cut(string(doc), begin)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the policy table markers", path)
	}
	want := before + begin + permissionsTable() + end + after
	if os.Getenv("PRAXIS_WRITE_PERMISSIONS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc) != want {
		t.Fatalf("%s does not match the policy in access.go; regenerate it with PRAXIS_WRITE_PERMISSIONS=1 go test ./internal/access -run TestPermissionsDoc", path)
	}
}

func TestPolicy(t *testing.T) {
	fac := &praxis.User{ID: 1, Status: praxis.StatusActive, Roles: []praxis.Role{praxis.RoleFacilitator}}
	admin := &praxis.User{ID: 2, Status: praxis.StatusActive, Roles: []praxis.Role{praxis.RoleAdmin}}
	suspendedAdmin := &praxis.User{ID: 3, Status: praxis.StatusSuspended, Roles: []praxis.Role{praxis.RoleAdmin}}
	for _, rule := range access.Policy() {
		if !access.Can(admin, rule.Action) {
			t.Errorf("admin cannot %s", rule.Action)
		}
		if access.Can(suspendedAdmin, rule.Action) || access.Can(nil, rule.Action) {
			t.Errorf("suspended or anonymous can %s", rule.Action)
		}
	}
	if !access.Can(fac, access.UseAccount) || access.Can(fac, access.ManageUsers) {
		t.Error("facilitator permissions wrong")
	}
	if access.Can(admin, "no.such.action") {
		t.Error("an unknown action is allowed")
	}
	if praxis.ErrorCode(access.Authorize(nil, access.UseAccount)) != praxis.EUNAUTHORIZED || praxis.ErrorCode(access.Authorize(fac, access.ManageUsers)) != praxis.EFORBIDDEN {
		t.Error("Authorize codes wrong")
	}
}
