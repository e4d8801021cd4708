package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// listApp is an accountApp with something in every list the API has: three
// deliveries with reflections, three answers to the first, three proposals,
// three releases, four commits in a module's history and downloads of three
// modules.
func listApp(t *testing.T) *accountApp {
	t.Helper()
	a := newAPIApp(t)
	fac, maint := a.tokens["facilitator"], a.tokens["maintainer"]
	if status, r := a.apiCall("POST", "/api/v1/releases", maint, map[string]string{"name": "v2026.01", "notes": "The start."}); status != 201 {
		t.Fatalf("release = %d %v", status, r)
	}
	for i := 1; i <= 3; i++ {
		a.env.Commit(t, fmt.Sprintf("Handout %d", i), praxis.FileChange{Path: fmt.Sprintf("modules/%s/handouts/sheet-%d.md", stigma, i), Content: []byte("# Sheet\n")})
		if i < 3 {
			if status, r := a.apiCall("POST", "/api/v1/releases", maint, map[string]string{"name": fmt.Sprintf("v2026.0%d", i+1), "notes": "More."}); status != 201 {
				t.Fatalf("release = %d %v", status, r)
			}
		}
	}
	var feedbackURL string
	for i := 0; i < 3; i++ {
		status, d := a.apiCall("POST", "/api/v1/deliveries", fac, deliveryJSON(map[string]any{"date": fmt.Sprintf("2026-01-1%d", i)}))
		if status != 201 {
			t.Fatalf("delivery = %d %v", status, d)
		}
		if i == 0 {
			feedbackURL = d["feedback_url"].(string)
		}
	}
	u, _ := url.Parse(feedbackURL)
	for i := 0; i < 3; i++ {
		res := a.browser().submit(u.Path, u.Path, url.Values{"rating": {"4"}, "valued": {fmt.Sprintf("Answer %d", i)}})
		if !strings.Contains(res.body, "Thank you") {
			t.Fatalf("feedback = %d", res.status)
		}
	}
	plan := planSource(t, a, stigma)
	_, mod := a.apiCall("GET", "/api/v1/modules/"+stigma, "", nil)
	for i, who := range []string{"facilitator", "target", "maintainer"} {
		status, p := a.apiCall("POST", "/api/v1/proposals", a.tokens[who], map[string]any{"module": stigma, "title": fmt.Sprintf("Change %d", i),
			"base": mod["version"], "changes": []map[string]string{{"path": "module.md", "content": plan + fmt.Sprintf("\nLine %d.\n", i)}}})
		if status != 201 {
			t.Fatalf("proposal = %d %v", status, p)
		}
	}
	// Workshops: two facilitators trained, three requests, three workshops
	// ahead, three registrations for the first (id 1).
	for _, who := range []string{"facilitator", "target"} {
		if err := a.svc.AwardTraining(context.Background(), a.users["admin"], a.users[who].ID, stigma, ""); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		if status, r := a.apiCall("POST", "/api/v1/requests", "", map[string]any{"group_name": fmt.Sprintf("Group %d", i), "group_type": "tenants' union",
			"contact_name": "Rosa", "contact_email": fmt.Sprintf("rosa%d@example.net", i), "online": true, "modules": []string{stigma}, "participants": 12}); status != 201 {
			t.Fatalf("request = %d %v", status, r)
		}
		day := time.Now().AddDate(0, 0, 30+i).Format(time.DateOnly)
		if status, w := a.apiCall("POST", "/api/v1/workshops", a.tokens["coordinator"], map[string]any{"module": stigma, "starts_at": day + "T18:00",
			"ends_at": day + "T20:30", "venue": "Unite House", "town": "London", "region": "London", "capacity": 2, "visibility": "public",
			"facilitators": []int64{a.users["target"].ID}}); status != 201 {
			t.Fatalf("workshop = %d %v", status, w)
		}
		if status, r := a.apiCall("POST", "/api/v1/workshops/1/registrations", "", map[string]any{"name": fmt.Sprintf("Person %d", i),
			"email": fmt.Sprintf("person%d@example.net", i)}); status != 201 {
			t.Fatalf("registration = %d %v", status, r)
		}
	}
	for _, slug := range []string{stigma, "organising-1-one-to-ones", "organising-2-power-mapping"} {
		if res := a.rawCall("GET", "/modules/"+slug+"/plan.md", nil); res.status != 200 {
			t.Fatalf("download = %d", res.status)
		}
	}
	// Three webhooks, for an event nothing here sends.
	for i := 0; i < 3; i++ {
		if status, h := a.apiCall("POST", "/api/v1/webhooks", a.tokens["admin"], map[string]any{"url": fmt.Sprintf("https://hooks.example.net/%d", i),
			"events": []string{"release.cut"}}); status != 201 {
			t.Fatalf("webhook = %d %v", status, h)
		}
	}
	return a
}

// getList asks for one page of a list with a token, and reads its items (by
// their JSON), next cursor and Link header.
func (a *accountApp) getList(path, token, items string) (int, []string, *string, string, map[string]any) {
	a.t.Helper()
	res := a.rawCall("GET", path, nil, "Authorization", "Bearer "+token)
	var body map[string]json.RawMessage
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		a.t.Fatalf("GET %s = %d, not JSON: %s", path, res.status, res.body)
	}
	var all map[string]any
	json.Unmarshal([]byte(res.body), &all)
	if res.status != http.StatusOK {
		return res.status, nil, nil, "", all
	}
	var list []json.RawMessage
	if err := json.Unmarshal(body[items], &list); err != nil {
		a.t.Fatalf("GET %s: %q is not a list: %s", path, items, res.body)
	}
	out := make([]string, len(list))
	for i, item := range list {
		out[i] = string(item)
	}
	raw, ok := body["next"]
	if !ok {
		a.t.Fatalf("GET %s has no \"next\": %s", path, res.body)
	}
	var next *string
	json.Unmarshal(raw, &next)
	return res.status, out, next, res.header.Get("Link"), all
}

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// TestEveryAPIListPagesTheSameWay: every list in the API takes limit and
// cursor, answers "next" (the cursor of the next page, null on the last) and
// a Link header to it; walking the pages gives every item once, as one big
// page does. A bad limit or cursor is 400 naming it (issue 18).
func TestEveryAPIListPagesTheSameWay(t *testing.T) {
	a := listApp(t)
	fac, coord := a.tokens["facilitator"], a.tokens["coordinator"]
	lists := []struct {
		path, token, items string
		max, want          int
	}{
		{"/api/v1/modules?format=in-person", fac, "modules", 1000, 13},
		{"/api/v1/series", fac, "series", 1000, 2},
		{"/api/v1/modules/" + stigma + "/history", fac, "commits", 500, 4},
		{"/api/v1/releases", fac, "releases", 1000, 3},
		{"/api/v1/search?q=class", fac, "results", 100, 12},
		{"/api/v1/users?q=person", coord, "users", 500, 5},
		{"/api/v1/proposals?status=open", fac, "proposals", 200, 3},
		{"/api/v1/deliveries?format=in-person", fac, "deliveries", 1000, 3},
		{"/api/v1/deliveries/1/feedback", fac, "feedback", 1000, 3},
		{"/api/v1/modules/" + stigma + "/reflections", fac, "reflections", 200, 3},
		{"/api/v1/stats/downloads", coord, "downloads", 1000, 3},
		{"/api/v1/requests?status=new", coord, "requests", 500, 3},
		{"/api/v1/workshops?region=London", fac, "workshops", 1000, 3},
		{"/api/v1/workshops/1/registrations", coord, "registrations", 1000, 3},
		{"/api/v1/suggestions?module=" + stigma, coord, "suggestions", 1000, 2},
		{"/api/v1/webhooks", a.tokens["admin"], "webhooks", 1000, 3},
	}
	for _, l := range lists {
		t.Run(l.path, func(t *testing.T) {
			join := "?"
			if strings.Contains(l.path, "?") {
				join = "&"
			}
			status, whole, next, link, body := a.getList(fmt.Sprintf("%s%slimit=%d", l.path, join, l.max), l.token, l.items)
			if status != 200 || len(whole) < l.want || next != nil || link != "" {
				t.Fatalf("one page of %d = %d with %d items, next %v, Link %q, want %d items on the last page: %v", l.max, status, len(whole), next, link, l.want, body)
			}
			seen := map[string]bool{}
			page := fmt.Sprintf("%s%slimit=2", l.path, join)
			for pages := 1; ; pages++ {
				status, items, next, link, body := a.getList(page, l.token, l.items)
				if status != 200 || len(items) == 0 || len(items) > 2 {
					t.Fatalf("GET %s = %d with %d items: %v", page, status, len(items), body)
				}
				for _, item := range items {
					if seen[item] {
						t.Errorf("%s is on two pages", item)
					}
					seen[item] = true
				}
				if next == nil {
					if link != "" {
						t.Errorf("the last page has a Link header: %q", link)
					}
					break
				}
				m := nextLink.FindStringSubmatch(link)
				if m == nil {
					t.Fatalf("GET %s: Link = %q, want <url>; rel=\"next\"", page, link)
				}
				u, err := url.Parse(m[1])
				if err != nil || !u.IsAbs() || u.Query().Get("cursor") != *next || u.Query().Get("limit") != "2" {
					t.Fatalf("Link %q does not carry the cursor %q and the limit", m[1], *next)
				}
				page = u.RequestURI()
				if pages > 20 {
					t.Fatal("the pages never end")
				}
			}
			if len(seen) != len(whole) {
				t.Errorf("the pages hold %d items, one page %d", len(seen), len(whole))
			}
			for _, item := range whole {
				if !seen[item] {
					t.Errorf("%s is on no page", item)
				}
			}
			_, _, next, _, _ = a.getList(fmt.Sprintf("%s%slimit=1", l.path, join), l.token, l.items)
			for query, field := range map[string]string{
				"limit=0": "limit", "limit=-1": "limit", "limit=ten": "limit", "limit=1.5": "limit",
				fmt.Sprintf("limit=%d", l.max+1): "limit",
				"cursor=not-a-cursor":            "cursor", "cursor=" + url.QueryEscape(*next) + "&offset=1": "cursor",
			} {
				res := a.rawCall("GET", l.path+join+query, nil, "Authorization", "Bearer "+l.token)
				var e struct{ Error, Field string }
				json.Unmarshal([]byte(res.body), &e)
				if res.status != http.StatusBadRequest || e.Field != field || !strings.Contains(e.Error, field) {
					t.Errorf("?%s = %d %s, want 400 naming %s", query, res.status, res.body, field)
				}
			}
		})
	}
}

// TestAPIListsKeepOffsetAndTotal: the lists that took limit and offset and
// answered total still do.
func TestAPIListsKeepOffsetAndTotal(t *testing.T) {
	a := listApp(t)
	fac, coord := a.tokens["facilitator"], a.tokens["coordinator"]
	for _, l := range []struct{ path, token, items string }{
		{"/api/v1/users?q=person", coord, "users"},
		{"/api/v1/proposals?status=open", fac, "proposals"},
		{"/api/v1/deliveries?format=in-person", fac, "deliveries"},
		{"/api/v1/search?q=class", fac, "results"},
		{"/api/v1/requests?status=new", coord, "requests"},
		{"/api/v1/workshops?region=London", fac, "workshops"},
	} {
		_, all, _, _, body := a.getList(l.path+"&limit=100", l.token, l.items)
		total := body["total"].(float64)
		if int(total) != len(all) {
			t.Errorf("%s: total %v, %d items", l.path, total, len(all))
		}
		_, rest, _, _, _ := a.getList(l.path+"&limit=100&offset=1", l.token, l.items)
		if len(rest) != len(all)-1 || rest[0] != all[1] {
			t.Errorf("%s&offset=1 gives %d items, want all but the first", l.path, len(rest))
		}
		if res := a.rawCall("GET", l.path+"&offset=-1", nil, "Authorization", "Bearer "+l.token); res.status != 400 || !strings.Contains(res.body, `"field":"offset"`) {
			t.Errorf("%s&offset=-1 = %d %s, want 400 naming offset", l.path, res.status, res.body)
		}
	}
}

// TestAPIFilterValuesAreCheckedNotIgnored: a filter value that cannot be
// read is 400 naming its parameter; before, most were silently ignored.
func TestAPIFilterValuesAreCheckedNotIgnored(t *testing.T) {
	a := newAccountApp(t)
	fac, coord := a.tokens["facilitator"], a.tokens["coordinator"]
	for _, tc := range []struct{ path, token, field string }{
		{"/api/v1/modules?format=underwater", fac, "format"},
		{"/api/v1/modules?min_duration=lots", fac, "min_duration"},
		{"/api/v1/modules?max_duration=-5", fac, "max_duration"},
		{"/api/v1/modules?series=no-such-series", fac, "series"},
		{"/api/v1/search?format=underwater", fac, "format"},
		{"/api/v1/search?group_size=many", fac, "group_size"},
		{"/api/v1/users?status=asleep", coord, "status"},
		{"/api/v1/users?role=boss", coord, "role"},
		{"/api/v1/proposals?status=pending", fac, "status"},
		{"/api/v1/proposals?author=me", fac, "author"},
		{"/api/v1/proposals?module=Not%20A%20Slug", fac, "module"},
		{"/api/v1/deliveries?format=underwater", fac, "format"},
		{"/api/v1/deliveries?from=2026-13-01", fac, "from"},
		{"/api/v1/deliveries?from=2026-02-01&to=2026-01-01", fac, "to"},
		{"/api/v1/deliveries?scope=everyone", coord, "scope"},
		{"/api/v1/deliveries?series=no-such-series", fac, "series"},
		{"/api/v1/deliveries.csv?format=underwater", fac, "format"},
		{"/api/v1/deliveries.json?to=yesterday", fac, "to"},
		{"/api/v1/stats/deliveries?group_by=colour", coord, "group_by"},
		{"/api/v1/stats/deliveries?from=soon", coord, "from"},
		{"/api/v1/stats/deliveries.csv?group_by=month&format=underwater", coord, "format"},
		{"/api/v1/stats/downloads?from=soon", coord, "from"},
		{"/api/v1/modules/" + stigma + "/history?before=main&cursor=x", fac, "cursor"},
		{"/api/v1/requests?status=lost", coord, "status"},
		{"/api/v1/requests?module=Not%20A%20Slug", coord, "module"},
		{"/api/v1/workshops?format=underwater", fac, "format"},
		{"/api/v1/workshops?from=soon", fac, "from"},
		{"/api/v1/suggestions?online=maybe", coord, "online"},
		{"/api/v1/suggestions?date=2026-13-01", coord, "date"},
		{"/api/v1/suggestions?request_id=first", coord, "request_id"},
	} {
		res := a.rawCall("GET", tc.path, nil, "Authorization", "Bearer "+tc.token)
		var e struct{ Error, Field string }
		json.Unmarshal([]byte(res.body), &e)
		if res.status != http.StatusBadRequest || e.Field != tc.field || e.Error == "" {
			t.Errorf("GET %s = %d %s, want 400 naming %s", tc.path, res.status, res.body, tc.field)
		}
	}
}
