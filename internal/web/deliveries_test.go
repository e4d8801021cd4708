package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func deliveryJSON(overrides map[string]any) map[string]any {
	body := map[string]any{"module": "exploring-class-2-stigma", "date": "2026-01-15", "duration": 120,
		"format": "in-person", "town": "Cardiff", "region": "Wales", "country": "GB", "host": "=HYPERLINK(\"http://x\")",
		"host_type": "union branch", "participants": 12, "first_time": 4,
		"reflection_worked": "The stigma walk opened people up.", "reflection_change": "More time for the debrief."}
	for k, v := range overrides {
		body[k] = v
	}
	return body
}

func TestDeliveryAPI(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac, coord := a.tokens["facilitator"], a.tokens["coordinator"]
	status, created := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(nil))
	if status != http.StatusCreated {
		t.Fatalf("POST = %d %v", status, created)
	}
	keys(t, "delivery", created, "id", "version", "feedback_url", "facilitator_id", "co_facilitators")
	if v, _ := created["version"].(string); !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(v) {
		t.Errorf("version %q is not a pinned commit id", v)
	}
	id := int(created["id"].(float64))

	// Bad input: 422 naming the field; malformed JSON: 400; nothing stored.
	for field, override := range map[string]map[string]any{
		"participants": {"participants": 0},
		"date":         {"date": "next tuesday"},
		"country":      {"country": "Narnia"},
		"module":       {"module": "../../../etc/passwd"},
		"first_time":   {"first_time": 50},
	} {
		status, body := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(override))
		if status != http.StatusUnprocessableEntity || body["field"] != field {
			t.Errorf("%s: %d %v", field, status, body)
		}
	}
	if status, _ := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, "not an object"); status != http.StatusBadRequest {
		t.Errorf("malformed body = %d", status)
	}
	if status, _ := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(map[string]any{"colour": "red"})); status != http.StatusBadRequest {
		t.Errorf("unknown field = %d", status)
	}
	if status, _ := a.apiCall(http.MethodPost, "/api/v1/deliveries", "", deliveryJSON(nil)); status != http.StatusUnauthorized && status != http.StatusForbidden {
		t.Errorf("anonymous POST = %d", status)
	}

	// Another facilitator neither sees nor changes it; a coordinator does both.
	path := fmt.Sprintf("/api/v1/deliveries/%d", id)
	if status, _ := a.apiCall(http.MethodPatch, path, a.tokens["maintainer"], map[string]any{"participants": 3}); status != http.StatusNotFound {
		t.Errorf("stranger PATCH = %d", status)
	}
	status, patched := a.apiCall(http.MethodPatch, path, coord, map[string]any{"participants": 15})
	if status != http.StatusOK || patched["participants"].(float64) != 15 || patched["town"] != "Cardiff" {
		t.Errorf("coordinator PATCH = %d %v", status, patched)
	}
	a.apiCall(http.MethodPost, "/api/v1/deliveries", coord, deliveryJSON(map[string]any{"module": "organising-1-one-to-ones", "region": "London"}))

	_, mine := a.apiCall(http.MethodGet, "/api/v1/deliveries", fac, nil)
	_, everyone := a.apiCall(http.MethodGet, "/api/v1/deliveries", coord, nil)
	_, coordsOwn := a.apiCall(http.MethodGet, "/api/v1/deliveries?scope=mine", coord, nil)
	_, london := a.apiCall(http.MethodGet, "/api/v1/deliveries?region=London", coord, nil)
	if mine["total"] != 1.0 || everyone["total"] != 2.0 || coordsOwn["total"] != 1.0 || london["total"] != 1.0 {
		t.Errorf("totals: facilitator %v, coordinator %v, coordinator's own %v, London %v", mine["total"], everyone["total"], coordsOwn["total"], london["total"])
	}

	// Statistics are for coordinators.
	if status, _ := a.apiCall(http.MethodGet, "/api/v1/stats/deliveries", fac, nil); status != http.StatusForbidden {
		t.Errorf("facilitator stats = %d", status)
	}
	status, stats := a.apiCall(http.MethodGet, "/api/v1/stats/deliveries?group_by=region", coord, nil)
	if status != http.StatusOK || stats["group_by"] != "region" {
		t.Fatalf("stats = %d %v", status, stats)
	}
	groups := stats["groups"].([]any)
	if len(groups) != 2 || stats["totals"].(map[string]any)["participants"].(float64) != 27 {
		t.Errorf("stats by region: %v totals %v", groups, stats["totals"])
	}
	status, all := a.apiCall(http.MethodGet, "/api/v1/stats/deliveries", coord, nil)
	if status != http.StatusOK || len(all["tables"].([]any)) != 10 {
		t.Errorf("every table = %d, %d tables", status, len(all["tables"].([]any)))
	}
	// A query parameter that cannot be read is 400 naming it (issue 18; 422 before).
	if status, body := a.apiCall(http.MethodGet, "/api/v1/stats/deliveries?group_by=colour", coord, nil); status != http.StatusBadRequest || body["field"] != "group_by" {
		t.Errorf("unknown grouping = %d %v", status, body)
	}

	// Exports: CSV with formulas defused, JSON as an array.
	res := a.bearerGet("/api/v1/deliveries.csv", coord)
	records, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil || len(records) != 3 || records[0][0] != "id" {
		t.Fatalf("CSV: %v %d rows\n%s", err, len(records), res.body)
	}
	if !strings.Contains(res.body, `'=HYPERLINK`) || res.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("CSV does not defuse a formula, or has the wrong type:\n%s", res.body)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(a.bearerGet("/api/v1/deliveries.json?module=exploring-class-2-stigma", coord).body), &list); err != nil || len(list) != 1 {
		t.Errorf("JSON export: %v, %d", err, len(list))
	}
	table := a.bearerGet("/api/v1/stats/deliveries.csv?group_by=module", coord)
	if rows, _ := csv.NewReader(strings.NewReader(table.body)).ReadAll(); len(rows) != 3 {
		t.Errorf("stats CSV: %q", table.body)
	}

	if status, _ := a.apiCall(http.MethodDelete, path, fac, nil); status != http.StatusNoContent {
		t.Errorf("DELETE = %d", status)
	}
	if status, _ := a.apiCall(http.MethodGet, path, fac, nil); status != http.StatusNotFound {
		t.Errorf("GET after delete = %d", status)
	}
}

func (a *accountApp) bearerGet(path, token string) response {
	a.t.Helper()
	b := a.browser()
	return b.do(http.MethodGet, path, nil, "Authorization", "Bearer "+token)
}

func TestLoggingADeliveryAndFeedbackInTheBrowser(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac := a.browser()
	fac.logIn("facilitator@example.org")
	form := url.Values{"material": {"module:exploring-class-2-stigma"}, "date": {"2026-02-03"}, "duration": {"120"},
		"format": {"online"}, "town": {"Swansea"}, "region": {"Wales"}, "country": {"gb"}, "host": {"Living Rent"},
		"host_type": {"tenants' union"}, "participants": {"abc"}, "first_time": {"2"},
		"co_names":          {"maintainer person"},
		"reflection_worked": {"Pairs <script>alert(1)</script> worked."}, "reflection_change": {"Shorter input."}}

	// A mistake shows the form again with the field marked and every value kept.
	res := fac.submit("/deliveries/new", "/deliveries", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad participants = %d", res.status)
	}
	mustContain(t, res, `id="f-participants-error"`, `value="Swansea"`, `aria-invalid="true"`)
	form.Set("participants", "9")
	res = fac.submit("/deliveries/new", "/deliveries", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("log = %d\n%s", res.status, res.body)
	}
	where := res.header.Get("Location")
	page := fac.do(http.MethodGet, where, nil)
	mustContain(t, page, "Swansea", "Maintainer Person", "/f/", "Turn this into a proposal", "No answers yet")
	if strings.Contains(page.body, "<script>alert(1)") {
		t.Error("a reflection's markup reached the page unescaped")
	}
	token := regexp.MustCompile(`/f/([A-Za-z0-9_-]+)`).FindStringSubmatch(page.body)[1]

	qrRes := fac.do(http.MethodGet, where+"/qr.png", nil)
	if _, err := png.Decode(bytes.NewReader([]byte(qrRes.body))); err != nil || qrRes.header.Get("Content-Type") != "image/png" {
		t.Errorf("QR code: %v %s", err, qrRes.header.Get("Content-Type"))
	}

	// A participant answers without an account, once.
	participant := a.browser()
	res = participant.submit("/f/"+token, "/f/"+token, url.Values{"rating": {"9"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Errorf("rating 9 = %d", res.status)
	}
	res = participant.submit("/f/"+token, "/f/"+token, url.Values{"rating": {"4"}, "valued": {"Hearing from neighbours"}})
	mustContain(t, res, "Thank you")
	participant.submit("/f/"+token, "/f/"+token, url.Values{"rating": {"1"}})
	if res := a.browser().do(http.MethodGet, "/f/not-a-token", nil); res.status != http.StatusNotFound {
		t.Errorf("unknown feedback link = %d", res.status)
	}
	page = fac.do(http.MethodGet, where, nil)
	mustContain(t, page, "4.0 out of 5", "from 1 answer", "Hearing from neighbours")

	mine := fac.do(http.MethodGet, "/deliveries", nil)
	mustContain(t, mine, "Class, stigma and shame", "Swansea, Wales", "4.0 (1)")

	// Other members see the reflection on the module page and can turn it
	// into a proposal; anonymous visitors see neither.
	other := a.browser()
	other.logIn("maintainer@example.org")
	mustContain(t, other.do(http.MethodGet, "/modules/exploring-class-2-stigma", nil), "From facilitators who ran it", "Shorter input.")
	if body := a.browser().do(http.MethodGet, "/modules/exploring-class-2-stigma", nil).body; strings.Contains(body, "Shorter input.") {
		t.Error("an anonymous visitor read a reflection")
	}
	id := strings.TrimPrefix(where, "/deliveries/")
	mustContain(t, other.do(http.MethodGet, "/modules/exploring-class-2-stigma/suggest?reflection="+id, nil), "Changes from a delivery on 2026-02-03", "Shorter input.")

	// The coordinator's dashboard draws it and rejects a bad filter clearly.
	coord := a.browser()
	coord.logIn("coordinator@example.org")
	stats := coord.do(http.MethodGet, "/stats", nil)
	mustContain(t, stats, `data-chart="month"`, "Feb 2026", `id="stats-data"`, "Tenants&#39; union")
	if res := coord.do(http.MethodGet, "/stats?from=someday", nil); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "YYYY-MM-DD") {
		t.Errorf("bad filter = %d", res.status)
	}
	if res := fac.do(http.MethodGet, "/stats", nil); res.status != http.StatusForbidden {
		t.Errorf("facilitator /stats = %d", res.status)
	}

	// Editing keeps the feedback; deleting removes the record.
	edit := fac.do(http.MethodGet, where+"/edit", nil)
	mustContain(t, edit, `value="Swansea"`, `Maintainer Person`)
	if strings.Contains(edit.body, "@example.org") {
		t.Error("the edit page shows an email address")
	}
	form.Set("participants", "11")
	if res := fac.submit(where+"/edit", where, form); res.status != http.StatusSeeOther {
		t.Fatalf("edit = %d\n%s", res.status, res.body)
	}
	mustContain(t, fac.do(http.MethodGet, where, nil), "11, of whom 2", "4.0 out of 5")
	if res := fac.submit(where, where+"/delete", url.Values{}); res.status != http.StatusSeeOther {
		t.Errorf("delete = %d", res.status)
	}
	if res := fac.do(http.MethodGet, where, nil); res.status != http.StatusNotFound {
		t.Errorf("after delete = %d", res.status)
	}
}
