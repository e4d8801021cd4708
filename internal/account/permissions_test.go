package account_test

import (
	"os"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
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
	for _, rule := range account.Policy() {
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
// PRAXIS_WRITE_PERMISSIONS=1 go test ./internal/account -run TestPermissionsDoc.
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
		t.Fatalf("%s does not match the policy in policy.go; regenerate it with PRAXIS_WRITE_PERMISSIONS=1 go test ./internal/account -run TestPermissionsDoc", path)
	}
}
