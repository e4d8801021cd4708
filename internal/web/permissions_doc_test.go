package web_test

import (
	"os"
	"strings"
	"testing"
)

// The routes table in docs/PERMISSIONS.md must list every route with the action
// it needs. Regenerate it with
// PRAXIS_WRITE_PERMISSIONS=1 go test ./internal/web -run TestPermissionsDocRoutes.
func TestPermissionsDocRoutes(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	var b strings.Builder
	b.WriteString("| method | route | action |\n| --- | --- | --- |\n")
	for _, r := range a.handler.Routes() {
		action := "public"
		if r.Action != "" {
			action = "`" + string(r.Action) + "`"
		}
		if r.Loopback {
			action += ", or anyone on the loopback interface"
		}
		b.WriteString("| " + r.Method + " | `" + r.Path + "` | " + action + " |\n")
	}
	const path = "../../docs/PERMISSIONS.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- routes table: begin -->\n", "<!-- routes table: end -->"
	before, rest, ok1 := strings.Cut(string(doc), begin)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the routes table markers", path)
	}
	want := before + begin + b.String() + end + after
	if os.Getenv("PRAXIS_WRITE_PERMISSIONS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc) != want {
		t.Fatalf("%s does not list the routes in routes.go; regenerate it with PRAXIS_WRITE_PERMISSIONS=1 go test ./internal/web -run TestPermissionsDocRoutes", path)
	}
}
