package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// hostileCells are values a spreadsheet would run as formulas or DDE calls.
var hostileCells = []string{
	`=cmd|' /C calc'!A0`,
	`+1+cmd|' /C calc'!A0`,
	`-2+3+cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	`＝HYPERLINK("http://evil.example")`,
	`=HYPERLINK("http://evil.example","click")`,
}

var plainNumberCell = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// checkDefused fails for every cell of a CSV body that a spreadsheet would
// run: one starting (after spaces) with = + - @, a tab, a carriage return or
// their full-width forms, unless it is a plain number.
func checkDefused(t *testing.T, route, body string) int {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v\n%s", route, err, body)
	}
	hostile := 0
	for _, record := range records {
		for _, cell := range record {
			if strings.HasPrefix(cell, "'") {
				hostile++
				continue
			}
			if plainNumberCell.MatchString(cell) {
				continue
			}
			trimmed := strings.TrimLeft(cell, " \u00a0\n")
			for _, start := range []string{"=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"} {
				if strings.HasPrefix(trimmed, start) {
					t.Errorf("%s: cell %q would run as a formula", route, cell)
				}
			}
		}
	}
	return hostile
}

// TestEveryCSVDefusesFormulas fills every free-text field that reaches a CSV
// (places, hosts, reflections, people's names, module titles) with formulas
// and checks each CSV route, and every grouping of the statistics, defuses
// them. A CSV route the test does not know fails it, so a new one cannot be
// added without being checked.
func TestEveryCSVDefusesFormulas(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	ctx := context.Background()
	coord := a.tokens["coordinator"]

	// A module whose title is a formula, committed to main.
	snap, err := a.env.Store.Snapshot(ctx, praxis.MainBranch)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := snap.ReadFile("modules/" + stigma + "/module.md")
	if err != nil {
		t.Fatal(err)
	}
	plan = []byte(strings.Replace(string(plan), `title: "Class, stigma and shame"`, `title: "=cmd|' /C calc'!A0"`, 1))
	if _, err := a.env.Store.WriteCommit(ctx, gitstore.CommitRequest{Branch: praxis.MainBranch, Expected: a.env.Main(t),
		Changes: []praxis.FileChange{{Path: "modules/" + stigma + "/module.md", Content: plan}},
		Author:  praxis.Signature{Name: "Tester", Email: "t@example.org"}, Message: "A hostile title"}); err != nil {
		t.Fatal(err)
	}
	// A facilitator whose name is a formula.
	u, _, err := a.svc.AddUser(ctx, account.NewUser{Email: "evil@example.org", Name: "@SUM(1+1)*cmd|' /C calc'!A0",
		Roles: []praxis.Role{praxis.RoleFacilitator}, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	evil, err := a.svc.CreateTokenFor(ctx, u.Email, "test")
	if err != nil {
		t.Fatal(err)
	}
	for i, cell := range hostileCells {
		token := coord
		if i%2 == 0 {
			token = evil
		}
		status, body := a.apiCall(http.MethodPost, "/api/v1/deliveries", token, deliveryJSON(map[string]any{
			"region": cell, "town": cell, "host": cell, "reflection_worked": cell, "reflection_change": cell}))
		if status != http.StatusCreated {
			t.Fatalf("POST a delivery with %q = %d %v", cell, status, body)
		}
	}

	checked := map[string]bool{}
	check := func(route, path string) {
		t.Helper()
		res := a.bearerGet(path, coord)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s = %d\n%s", path, res.status, res.body)
		}
		if n := checkDefused(t, path, res.body); n == 0 {
			t.Errorf("GET %s: no hostile value reached the CSV, so the test proves nothing\n%s", path, res.body)
		}
		checked[route] = true
	}
	check("/api/v1/deliveries.csv", "/api/v1/deliveries.csv")
	for _, g := range []string{"region", "module", "series", "month", "country", "host_type", "format", "frequency", "version", "feedback"} {
		res := a.bearerGet("/api/v1/stats/deliveries.csv?group_by="+g, coord)
		if res.status != http.StatusOK {
			t.Fatalf("stats CSV by %s = %d", g, res.status)
		}
		checkDefused(t, g, res.body)
	}
	check("/api/v1/stats/deliveries.csv", "/api/v1/stats/deliveries.csv?group_by=region")
	if res := a.bearerGet("/api/v1/stats/deliveries.csv?group_by=module", coord); !strings.Contains(res.body, `'=cmd`) {
		t.Errorf("the module title is not in the module table as defused text:\n%s", res.body)
	}

	for _, r := range a.handler.Routes() {
		if strings.HasSuffix(r.Path, ".csv") && !checked[r.Path] {
			t.Errorf("the CSV route %s %s is not checked here", r.Method, r.Path)
		}
	}
}
