package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
	"github.com/praxis-coop/praxis/internal/workshop"
)

// workshopApp is praxis with people in each role, and a clock the
// workshop service reads, which the test moves.
type workshopApp struct {
	*accountApp
	mu  sync.Mutex
	now time.Time
}

func newWorkshopApp(t *testing.T) *workshopApp {
	t.Helper()
	wa := &workshopApp{now: time.Now().UTC()}
	wa.accountApp = newAccountAppWith(t, testenv.Options{}, func(cfg *web.Config, env *testenv.Env) {
		rev := review.New(review.Config{DB: env.DB, Store: env.Store, Catalog: env.Catalog, History: env.History})
		deliveries := delivery.New(delivery.Config{DB: env.DB, Catalog: env.Catalog, History: env.History, Releases: env.Releases, Forks: rev})
		cfg.Deliveries = deliveries
		cfg.Workshops = workshop.New(workshop.Config{DB: env.DB, Catalog: env.Catalog, History: env.History, Releases: env.Releases,
			Deliveries: deliveries, Forks: rev, BaseURL: "https://praxis.example.org", Now: wa.clock})
	})
	for _, who := range []string{"facilitator", "target"} {
		if err := wa.svc.AwardTraining(context.Background(), wa.users["admin"], wa.users[who].ID, stigma, ""); err != nil {
			t.Fatal(err)
		}
	}
	return wa
}

func (wa *workshopApp) clock() time.Time {
	wa.mu.Lock()
	defer wa.mu.Unlock()
	return wa.now
}

func (wa *workshopApp) setClock(t time.Time) {
	wa.mu.Lock()
	defer wa.mu.Unlock()
	wa.now = t
}

// api sends a JSON request as who ("" for nobody) and decodes the answer.
func (wa *workshopApp) api(who, method, path string, body any, out any) int {
	wa.t.Helper()
	var reader io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		reader = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, wa.server.URL+path, reader)
	req.Header.Set("Content-Type", "application/json")
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+wa.tokens[who])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		wa.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			wa.t.Fatalf("%s %s: %d, not JSON: %s", method, path, res.StatusCode, data)
		}
	}
	return res.StatusCode
}

func (wa *workshopApp) raw(path string) (int, string) {
	wa.t.Helper()
	res, err := http.Get(wa.server.URL + path)
	if err != nil {
		wa.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data)
}

func (wa *workshopApp) workshopBody(days int, facilitator string) map[string]any {
	day := wa.clock().AddDate(0, 0, days).Format("2006-01-02")
	return map[string]any{"module": stigma, "starts_at": day + "T18:00", "ends_at": day + "T20:30", "timezone": "Europe/London",
		"venue": "Unite House", "town": "London", "region": "London", "capacity": 2, "visibility": "public",
		"facilitators": []int64{wa.users[facilitator].ID}}
}

func TestWorkshopAPIContract(t *testing.T) {
	t.Parallel()
	wa := newWorkshopApp(t)
	// Scheduled ten days ago, for three days ago: the delivery is recorded
	// after it, as delivery records want, by the real clock.
	real := wa.clock()
	wa.setClock(real.AddDate(0, 0, -10))
	// A public request, without an account.
	var created map[string]any
	status := wa.api("", http.MethodPost, "/api/v1/requests", map[string]any{"group_name": "Leeds Tenants' Union", "group_type": "tenants' union",
		"contact_name": "Rosa", "contact_email": "rosa@example.net", "town": "Leeds", "region": "London", "modules": []string{stigma},
		"participants": 12}, &created)
	if status != http.StatusCreated || created["status"] != "new" || created["id"] == nil {
		t.Fatalf("POST /api/v1/requests = %d %v", status, created)
	}
	var bad map[string]any
	if status := wa.api("", http.MethodPost, "/api/v1/requests", map[string]any{"group_name": "X", "group_type": "campaign", "contact_name": "X",
		"contact_email": "x@example.net", "online": true, "modules": []string{"made-up"}, "participants": 3}, &bad); status != http.StatusUnprocessableEntity ||
		bad["field"] != "modules" {
		t.Errorf("a made-up module = %d %v, want 422 naming modules", status, bad)
	}
	var queue struct {
		Requests []praxis.WorkshopRequest
		Total    int
	}
	if status := wa.api("coordinator", http.MethodGet, "/api/v1/requests?status=new", nil, &queue); status != http.StatusOK || queue.Total != 1 ||
		queue.Requests[0].ContactEmail != "rosa@example.net" {
		t.Errorf("the coordinators' queue = %d %+v", status, queue)
	}
	if status := wa.api("facilitator", http.MethodGet, "/api/v1/requests", nil, nil); status != http.StatusForbidden {
		t.Errorf("a facilitator listing requests = %d", status)
	}

	// Scheduling: the contract, bad input, and the conflict rule.
	body := wa.workshopBody(7, "facilitator")
	body["request_id"] = created["id"]
	var w struct {
		ID       int64
		Workshop struct {
			ID       int64
			StartsAt time.Time `json:"starts_at"`
			Timezone string
			Version  string
		}
		Warnings []workshop.Warning
	}
	if status := wa.api("coordinator", http.MethodPost, "/api/v1/workshops", body, &w); status != http.StatusCreated || w.ID == 0 || len(w.Workshop.Version) != 40 {
		t.Fatalf("POST /api/v1/workshops = %d %+v", status, w)
	}
	clash := wa.workshopBody(7, "facilitator")
	clash["starts_at"], clash["ends_at"] = strings.Replace(clash["starts_at"].(string), "18:00", "10:00", 1), strings.Replace(clash["ends_at"].(string), "20:30", "12:00", 1)
	var conflict map[string]any
	if status := wa.api("coordinator", http.MethodPost, "/api/v1/workshops", clash, &conflict); status != http.StatusConflict ||
		!strings.Contains(fmt.Sprint(conflict["error"]), "Facilitator Person is already facilitating") || conflict["clashes"] == nil ||
		conflict["field"] != "facilitators" || conflict["fields"].(map[string]any)["facilitators"] == nil {
		t.Errorf("the same facilitator the same day = %d %v, want 409 naming the clash", status, conflict)
	}
	for field, change := range map[string]func(map[string]any){
		"ends_at":    func(b map[string]any) { b["ends_at"] = strings.Replace(b["ends_at"].(string), "20:30", "17:00", 1) },
		"starts_at":  func(b map[string]any) { b["starts_at"] = wa.clock().AddDate(0, 0, -1).Format("2006-01-02") + "T18:00" },
		"capacity":   func(b map[string]any) { b["capacity"] = 0 },
		"online_url": func(b map[string]any) { b["format"], b["venue"] = "online", "" },
		"module":     func(b map[string]any) { b["module"] = "made-up" },
	} {
		b := wa.workshopBody(9, "target")
		change(b)
		var e map[string]any
		if status := wa.api("coordinator", http.MethodPost, "/api/v1/workshops", b, &e); status != http.StatusUnprocessableEntity || e["fields"].(map[string]any)[field] == nil {
			t.Errorf("bad %s = %d %v, want 422 naming it", field, status, e)
		}
	}
	var list struct {
		Workshops []map[string]any
		Total     int
	}
	wa.api("", http.MethodGet, fmt.Sprintf("/api/v1/workshops?from=%s&region=London&module=%s", wa.clock().Format("2006-01-02"), stigma), nil, &list)
	if list.Total != 1 || list.Workshops[0]["online_url"] != nil {
		t.Errorf("GET /api/v1/workshops = %+v", list)
	}

	// Registration: capacity 2, then the waiting list, then twice refused.
	reg := func(name string) (int, map[string]any) {
		var out map[string]any
		status := wa.api("", http.MethodPost, fmt.Sprintf("/api/v1/workshops/%d/registrations", w.ID),
			map[string]any{"name": name, "email": strings.ToLower(name) + "@example.net"}, &out)
		return status, out
	}
	cancelURLs := map[string]string{}
	for i, name := range []string{"Ann", "Bob", "Cat"} {
		status, out := reg(name)
		cancelURLs[name] = fmt.Sprint(out["cancel_url"])
		want := "registered"
		if i == 2 {
			want = "waitlisted"
		}
		if status != http.StatusCreated || out["status"] != want || !strings.Contains(fmt.Sprint(out["cancel_url"]), "/r/") {
			t.Errorf("registering %s = %d %v, want %s", name, status, out, want)
		}
	}
	if status, out := reg("Ann"); status != http.StatusConflict || out["field"] != "email" {
		t.Errorf("registering twice = %d %v, want 409 naming email", status, out)
	}
	// Bob cancels with the token of his cancel link, as a plain DELETE
	// (no body, no Content-Type: curl -X DELETE): Cat moves up.
	req, _ := http.NewRequest(http.MethodDelete, wa.server.URL+"/api/v1/registrations/"+path.Base(cancelURLs["Bob"]), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var cancelled map[string]any
	_ = json.NewDecoder(res.Body).Decode(&cancelled)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || cancelled["status"] != "cancelled" || cancelled["moved_up"] != true {
		t.Errorf("DELETE /api/v1/registrations/{token} = %d %v, want 200 cancelled with the queue moved up", res.StatusCode, cancelled)
	}

	// The public calendar and the workshop's, read by a real parser.
	code, feed := wa.raw("/workshops.ics")
	cal := testenv.ParseICS(t, []byte(feed))
	if code != http.StatusOK || len(cal.Events) != 1 || !cal.Events[0].Start.Equal(w.Workshop.StartsAt) || cal.Events[0].TZID != "Europe/London" {
		t.Errorf("/workshops.ics = %d %+v", code, cal)
	}
	if _, one := wa.raw(fmt.Sprintf("/workshops/%d.ics", w.ID)); len(testenv.ParseICS(t, []byte(one)).Events) != 1 {
		t.Errorf("/workshops/%d.ics lacks the event", w.ID)
	}
	if _, other := wa.raw("/workshops.ics?region=Wales"); len(testenv.ParseICS(t, []byte(other)).Events) != 0 {
		t.Error("the Wales feed lists a London workshop")
	}

	// Check-in and the delivery, once the workshop has happened.
	var regs struct{ Registrations []praxis.Registration }
	wa.api("facilitator", http.MethodGet, fmt.Sprintf("/api/v1/workshops/%d/registrations", w.ID), nil, &regs)
	if len(regs.Registrations) != 3 {
		t.Fatalf("registrations = %+v", regs)
	}
	if status := wa.api("maintainer", http.MethodGet, fmt.Sprintf("/api/v1/workshops/%d/registrations", w.ID), nil, nil); status != http.StatusForbidden {
		t.Errorf("someone who does not run it reading registrations = %d", status)
	}
	wa.setClock(real)
	if status := wa.api("facilitator", http.MethodPost, fmt.Sprintf("/api/v1/workshops/%d/attendance", w.ID),
		map[string]any{"registration_id": regs.Registrations[0].ID, "status": "attended"}, nil); status != http.StatusOK {
		t.Fatalf("attendance = %d", status)
	}
	var d map[string]any
	status = wa.api("facilitator", http.MethodPost, fmt.Sprintf("/api/v1/workshops/%d/delivery", w.ID), nil, &d)
	if status != http.StatusCreated || d["version"] != w.Workshop.Version || d["participants"] != float64(1) {
		t.Errorf("POST delivery = %d %v, want 201 pinned to %s with 1 participant", status, d, w.Workshop.Version)
	}
}

// TestRequestersContactDetailsByRouteAndRole walks every route that shows a
// request, for every role and for facilitators assigned and not: only
// coordinators (admins) and the facilitators assigned see the contact.
func TestRequestersContactDetailsByRouteAndRole(t *testing.T) {
	t.Parallel()
	wa := newWorkshopApp(t)
	var created map[string]any
	wa.api("", http.MethodPost, "/api/v1/requests", map[string]any{"group_name": "Bristol Community Group", "group_type": "community group",
		"contact_name": "Secret Contact", "contact_email": "secret.contact@example.net", "online": true, "modules": []string{stigma}, "participants": 8}, &created)
	id := int64(created["id"].(float64))
	// target offers and is confirmed (assigned); facilitator is trained but
	// not assigned.
	if status := wa.api("target", http.MethodGet, fmt.Sprintf("/api/v1/requests/%d", id), nil, nil); status != http.StatusOK {
		t.Fatalf("an opportunity for target = %d", status)
	}
	b := wa.browser()
	b.logIn("target@example.org")
	if res := b.submit(fmt.Sprintf("/requests/%d", id), fmt.Sprintf("/requests/%d/offers", id), url.Values{"role": {"lead"}}); res.status != http.StatusSeeOther {
		t.Fatalf("offer = %d\n%s", res.status, res.body)
	}
	cb := wa.browser()
	cb.logIn("coordinator@example.org")
	if res := cb.submit(fmt.Sprintf("/requests/%d", id), fmt.Sprintf("/requests/%d/offers/confirm", id), url.Values{"user": {fmt.Sprint(wa.users["target"].ID)}}); res.status != http.StatusSeeOther {
		t.Fatalf("confirm = %d", res.status)
	}
	routes := []string{fmt.Sprintf("/requests/%d", id), fmt.Sprintf("/api/v1/requests/%d", id), "/api/v1/requests", "/requests", "/opportunities"}
	sees := map[string]bool{"anonymous": false, "facilitator": false, "maintainer": false, "target": true, "coordinator": true, "admin": true}
	for who, want := range sees {
		for _, path := range routes {
			req, _ := http.NewRequest(http.MethodGet, wa.server.URL+path, nil)
			if who != "anonymous" {
				req.Header.Set("Authorization", "Bearer "+wa.tokens[who])
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(res.Body)
			res.Body.Close()
			got := strings.Contains(string(data), "secret.contact@example.net") || strings.Contains(string(data), "Secret Contact")
			if got && !want {
				t.Errorf("%s sees the requester's contact at %s (%d)", who, path, res.StatusCode)
			}
			if want && !got && strings.HasPrefix(path, fmt.Sprintf("/requests/%d", id)) {
				t.Errorf("%s does not see the requester's contact at %s (%d)", who, path, res.StatusCode)
			}
		}
	}
}

func TestRequestFormShowsEveryErrorAndKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	wa := newWorkshopApp(t)
	b := wa.browser()
	res := b.submit("/workshops/request", "/workshops/request", url.Values{"group_name": {"Our branch"}, "group_type": {""},
		"contact_name": {"Rosa"}, "contact_email": {"rosa at example"}, "participants": {"0"}, "notes": {"Saturdays & evenings"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad request form = %d", res.status)
	}
	mustContain(t, res, `value="Our branch"`, `value="Rosa"`, "Saturdays &amp; evenings", "choose the kind of group",
		"is not an email address", "say where the workshop would be", "choose at least one workshop", "give how many people you expect")
	// A robot filling the honeypot is thanked and nothing is stored.
	res = b.submit("/workshops/request", "/workshops/request", url.Values{"group_name": {"Spam"}, "group_type": {"other"}, "contact_name": {"S"},
		"contact_email": {"s@example.net"}, "online": {"yes"}, "modules": {stigma}, "participants": {"3"}, "website": {"http://spam.example"}})
	if res.status != http.StatusOK || !strings.Contains(res.body, "Your request") {
		t.Errorf("honeypot = %d", res.status)
	}
	var queue struct{ Total int }
	wa.api("coordinator", http.MethodGet, "/api/v1/requests", nil, &queue)
	if queue.Total != 0 {
		t.Errorf("%d requests stored after bad input and spam", queue.Total)
	}
	// A good one goes to its private status page.
	res = b.submit("/workshops/request", "/workshops/request", url.Values{"group_name": {"Our branch"}, "group_type": {"union branch"},
		"contact_name": {"Rosa"}, "contact_email": {"rosa@example.net"}, "online": {"yes"}, "modules": {"series:exploring-class"}, "participants": {"10"}})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/requests/status/") {
		t.Fatalf("good request = %d %s", res.status, res.header.Get("Location"))
	}
	status := b.do(http.MethodGet, res.header.Get("Location"), nil)
	mustContain(t, status, "Our branch", "New", "Where we come from")
}

func TestWorkshopSettingsOnTheSettingsPage(t *testing.T) {
	t.Parallel()
	wa := newWorkshopApp(t)
	b := wa.browser()
	b.logIn("admin@example.org")
	page := b.do(http.MethodGet, "/admin/settings", nil)
	mustContain(t, page, `name="workshop_retention_days" type="number" value="90"`, `name="workshop_conflict_warn_days" type="number" value="2"`)
	res := b.submit("/admin/settings", "/admin/settings", url.Values{"signup_mode": {"approval"}, "review_approvals": {"1"},
		"workshop_retention_days": {"0"}, "workshop_conflict_warn_days": {"lots"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad settings = %d", res.status)
	}
	mustContain(t, res, "from 1 to 3650", "from 0 to 30", `value="lots"`)
	res = b.submit("/admin/settings", "/admin/settings", url.Values{"signup_mode": {"approval"}, "review_approvals": {"1"},
		"workshop_retention_days": {"30"}, "workshop_conflict_warn_days": {"5"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("good settings = %d\n%s", res.status, res.body)
	}
	mustContain(t, b.do(http.MethodGet, "/admin/settings", nil), `name="workshop_retention_days" type="number" value="30"`)
}

// TestCoordinatorAssignsAndDeclinesARequest: on a request's page a
// coordinator chooses who looks after it from the coordinators, moves it
// along with a note, and declines it with words for the group, which the
// requester then reads on their status page.
func TestCoordinatorAssignsAndDeclinesARequest(t *testing.T) {
	t.Parallel()
	wa := newWorkshopApp(t)
	var created map[string]any
	wa.api("", http.MethodPost, "/api/v1/requests", map[string]any{"group_name": "Cardiff Renters", "group_type": "tenants' union",
		"contact_name": "Rosa", "contact_email": "rosa@example.net", "town": "Cardiff", "region": "Wales", "modules": []string{stigma},
		"participants": 10}, &created)
	id := int64(created["id"].(float64))
	page := fmt.Sprintf("/requests/%d", id)
	cb := wa.browser()
	cb.logIn("coordinator@example.org")
	coordinator := wa.users["coordinator"]
	res := cb.do(http.MethodGet, page, nil)
	mustContain(t, res, fmt.Sprintf(`<option value="%d">%s</option>`, coordinator.ID, coordinator.Name))
	if res := cb.submit(page, page, url.Values{"status": {"matching"}, "assigned_to": {fmt.Sprint(coordinator.ID)},
		"note": {"Asked Wales facilitators."}}); res.status != http.StatusSeeOther {
		t.Fatalf("assigning = %d\n%s", res.status, res.body)
	}
	var got struct {
		Request praxis.WorkshopRequest
		Notes   []praxis.RequestNote
	}
	wa.api("coordinator", http.MethodGet, "/api/v1/requests/"+fmt.Sprint(id), nil, &got)
	if got.Request.Status != praxis.RequestMatching || got.Request.AssignedTo != coordinator.ID || len(got.Notes) == 0 {
		t.Errorf("after assigning: %+v %+v", got.Request, got.Notes)
	}
	// Declining without a reason is refused beside the field, with the
	// words typed kept; with one, the group reads the words.
	res = cb.submit(page, page, url.Values{"status": {"declined"}, "assigned_to": {fmt.Sprint(coordinator.ID)},
		"decline_message": {"Nobody in Wales is free before March."}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("declining without a reason = %d", res.status)
	}
	mustContain(t, res, "Nobody in Wales is free before March.")
	if res := cb.submit(page, page, url.Values{"status": {"declined"}, "assigned_to": {fmt.Sprint(coordinator.ID)},
		"decline_reason": {"no_facilitator"}, "decline_message": {"Nobody in Wales is free before March."}}); res.status != http.StatusSeeOther {
		t.Fatalf("declining = %d\n%s", res.status, res.body)
	}
	statusURL, err := url.Parse(fmt.Sprint(created["status_url"]))
	if err != nil {
		t.Fatal(err)
	}
	status := wa.browser().do(http.MethodGet, statusURL.Path, nil)
	mustContain(t, status, "Declined", "Nobody in Wales is free before March.")
}

// TestSchedulingFormShowsEveryErrorBesideItsField: the scheduling form
// goes through the one form rule: every field at fault at once, each beside
// its field under the form's names (the end beside "end", not the
// service's "ends_at"), with what was typed kept; a facilitator already
// facilitating that day is refused beside the facilitators with 409.
func TestSchedulingFormShowsEveryErrorBesideItsField(t *testing.T) {
	t.Parallel()
	wa := newWorkshopApp(t)
	cb := wa.browser()
	cb.logIn("coordinator@example.org")
	day := wa.clock().AddDate(0, 0, 9).Format("2006-01-02")
	facilitator := fmt.Sprint(wa.users["facilitator"].ID)
	res := cb.submit("/workshops/new", "/workshops", url.Values{"material": {"module:" + stigma}, "date": {day}, "start": {"18:00"},
		"end": {"17:00"}, "timezone": {"Europe/London"}, "format": {"online"}, "town": {"Swansea"}, "capacity": {"0"},
		"visibility": {"public"}, "facilitator": {facilitator}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad scheduling form = %d\n%s", res.status, res.body)
	}
	mustContain(t, res, `id="f-end-error">the workshop ends before it starts`, `id="f-online_url-error">an online workshop needs the link`,
		`id="f-capacity-error">give the number of places`, `href="#f-end"`, `href="#f-capacity"`, `value="Swansea"`)
	if strings.Contains(res.body, "f-ends_at") {
		t.Errorf("the form names the service's field ends_at instead of its own end")
	}
	// A workshop for the facilitator that day, then the form again: the
	// clash stands beside the facilitators.
	body := wa.workshopBody(9, "facilitator")
	if status := wa.api("coordinator", http.MethodPost, "/api/v1/workshops", body, nil); status != http.StatusCreated {
		t.Fatalf("POST /api/v1/workshops = %d", status)
	}
	res = cb.submit("/workshops/new", "/workshops", url.Values{"material": {"module:" + stigma}, "date": {day}, "start": {"10:00"},
		"end": {"12:00"}, "timezone": {"Europe/London"}, "format": {"in-person"}, "town": {"Swansea"}, "capacity": {"12"},
		"visibility": {"public"}, "facilitator": {facilitator}})
	if res.status != http.StatusConflict {
		t.Fatalf("a facilitator booked that day = %d\n%s", res.status, res.body)
	}
	mustContain(t, res, `id="f-facilitators-error" role="alert">Facilitator Person is already facilitating`, "choose someone else, or another day.",
		`href="#f-facilitators"`)
}

// TestListingFiltersByLanguageByName: the public listing offers the
// languages of the workshops coming up by their names (nobody need know a
// language code) and lists only those in the language chosen.
func TestListingFiltersByLanguageByName(t *testing.T) {
	t.Parallel()
	wa := newWorkshopApp(t)
	english := wa.workshopBody(5, "facilitator")
	welsh := wa.workshopBody(6, "facilitator")
	welsh["language"], welsh["venue"], welsh["town"], welsh["region"] = "cy", "Canolfan y Gweithwyr", "Caerdydd", "Wales"
	for _, body := range []map[string]any{english, welsh} {
		if status := wa.api("coordinator", http.MethodPost, "/api/v1/workshops", body, nil); status != http.StatusCreated {
			t.Fatalf("scheduling = %d", status)
		}
	}
	b := wa.browser()
	res := b.do(http.MethodGet, "/workshops", nil)
	mustContain(t, res, `<select id="w-language" name="language">`, `<option value="cy">Welsh</option>`, `<option value="en">English</option>`)
	res = b.do(http.MethodGet, "/workshops?language=cy", nil)
	mustContain(t, res, `<option value="cy" selected>Welsh</option>`, "Caerdydd")
	if strings.Contains(res.body, "London ·") {
		t.Error("the Welsh listing shows the London workshop in English")
	}
}

// TestPublicWorkshopWritesKeepTheirCSRFRules: the workshop's public writes
// stay public through the API's middleware order (issue 18), and keep the
// cross-site protection they had (issue 21). Anonymous JSON to the API, and a
// plain DELETE, need no CSRF token: no browser sends either across sites
// without a CORS preflight. Anything else anonymous (a body without a
// Content-Type, as a no-cors fetch of a Blob sends, or a form) must carry the
// token, and whatever a browser marks as from another site is refused;
// the public pages' forms (a request, a registration, cancelling one) are
// checked as every form is.
func TestPublicWorkshopWritesKeepTheirCSRFRules(t *testing.T) {
	t.Parallel()
	wa := newWorkshopApp(t)
	request := func(i int) []byte {
		data, _ := json.Marshal(map[string]any{"group_name": fmt.Sprintf("Group %d", i), "group_type": "tenants' union", "contact_name": "Rosa",
			"contact_email": fmt.Sprintf("rosa%d@example.net", i), "online": true, "modules": []string{stigma}, "participants": 12})
		return data
	}
	for i, tc := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"JSON", []string{"Content-Type", "application/json"}, http.StatusCreated},
		{"JSON marked cross-site", []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"JSON from another origin", []string{"Content-Type", "application/json", "Origin", "http://evil.example"}, http.StatusForbidden},
		{"no Content-Type", nil, http.StatusForbidden},
		{"no Content-Type, marked cross-site", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"text/plain", []string{"Content-Type", "text/plain"}, http.StatusForbidden},
	} {
		if res := wa.rawCall(http.MethodPost, "/api/v1/requests", request(i), tc.headers...); res.status != tc.want {
			t.Errorf("anonymous POST /api/v1/requests, %s = %d %s, want %d", tc.name, res.status, res.body, tc.want)
		}
	}
	if res := wa.rawCall(http.MethodDelete, "/api/v1/registrations/no-such-token", nil); res.status != http.StatusNotFound {
		t.Errorf("a plain DELETE /api/v1/registrations/{token} = %d %s, want 404 (past the CSRF check)", res.status, res.body)
	}
	if res := wa.rawCall(http.MethodDelete, "/api/v1/registrations/no-such-token", nil, "Sec-Fetch-Site", "cross-site"); res.status != http.StatusForbidden {
		t.Errorf("a DELETE /api/v1/registrations/{token} marked cross-site = %d, want 403", res.status)
	}
	if res := wa.rawCall(http.MethodPost, "/api/v1/workshops/1/registrations", []byte(`name=Ann&email=ann%40example.net`),
		"Content-Type", "application/x-www-form-urlencoded"); res.status != http.StatusForbidden {
		t.Errorf("an anonymous form to POST /api/v1/workshops/{id}/registrations = %d, want 403", res.status)
	}
	// The public pages' forms, without their token or from another site.
	forms := map[string]url.Values{
		"/workshops/request":    {"group_name": {"Our branch"}, "group_type": {"union branch"}, "contact_name": {"Rosa"}, "contact_email": {"rosa@example.net"}, "online": {"yes"}, "modules": {stigma}, "participants": {"10"}},
		"/workshops/1/register": {"name": {"Ann"}, "email": {"ann@example.net"}},
		"/r/some-token/cancel":  {},
	}
	for path, form := range forms {
		for _, site := range []string{"", "cross-site", "same-site"} {
			b := wa.browser()
			b.fetchSite = site
			if res := b.do(http.MethodPost, path, form); res.status != http.StatusForbidden {
				t.Errorf("anonymous POST %s without the form's token, Sec-Fetch-Site %q = %d, want 403", path, site, res.status)
			}
		}
	}
	var queue struct{ Total int }
	wa.api("coordinator", http.MethodGet, "/api/v1/requests", nil, &queue)
	if queue.Total != 1 {
		t.Errorf("%d requests stored, want the one sent as JSON", queue.Total)
	}
}
