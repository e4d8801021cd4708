package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// requestGroup asks for a workshop through the API, as a group's own site
// might, and returns the request's id.
func (s *server) requestGroup(group, region string, modules ...string) int64 {
	s.t.Helper()
	var out struct{ ID int64 }
	s.publicAPI(http.MethodPost, "/api/v1/requests", map[string]any{"group_name": group, "group_type": "union branch",
		"contact_name": "Rosa Contact", "contact_email": "rosa.contact@example.net", "town": "Leeds", "region": region,
		"modules": modules, "participants": 12, "language": "en"}, &out, http.StatusCreated)
	return out.ID
}

// publicAPI sends a JSON request without credentials, as a script or
// another site would, and decodes the answer; it fails unless the status is
// want.
func (s *server) publicAPI(method, path string, body, out any, want int) {
	s.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(data))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		s.t.Fatalf("%s %s = %d %s, want %d", method, path, res.StatusCode, answer, want)
	}
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			s.t.Fatal(err)
		}
	}
}

// scheduleWorkshop schedules a workshop through the API and returns its id.
func (s *server) scheduleWorkshop(token string, start time.Time, capacity int, facilitators ...int64) int64 {
	s.t.Helper()
	var out struct{ ID int64 }
	s.api(token, http.MethodPost, "/api/v1/workshops", map[string]any{"module": matchWomen, "starts_at": start.UTC().Format(time.RFC3339),
		"ends_at": start.Add(2 * time.Hour).UTC().Format(time.RFC3339), "timezone": "Europe/London", "venue": "Bow Community Hall",
		"town": "London", "region": "London", "capacity": capacity, "visibility": "public", "facilitators": facilitators}, &out, http.StatusCreated)
	return out.ID
}

// userID reads a person's id from the API.
func (s *server) userID(token string) int64 {
	s.t.Helper()
	var me struct{ ID int64 }
	s.api(token, http.MethodGet, "/api/v1/me", nil, &me, http.StatusOK)
	return me.ID
}

// TestRequesterOnAPhone: someone from a union branch asks for a workshop on
// a phone, without an account: the form says everything wrong at once,
// keeps what they typed, and ends on their private status page.
func TestRequesterOnAPhone(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.start()
	b := newBrowser(t, srv)
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
	b.visit("/workshops")
	b.submit("a[href='/workshops/request']")
	b.fill("#f-group_name", "Unite Leeds community branch")
	b.fill("#f-contact_email", "rosa at example")
	b.navigateBy("send the request", chromedp.Click(chromedp.CSS("form[action='/workshops/request'] button[type=submit]")), 422)
	b.contains("main", "choose the kind of group", "give a name we can write to", "is not an email address", "say where the workshop would be",
		"choose at least one workshop", "give how many people you expect")
	if got := b.attr("#f-group_name", "value"); got != "Unite Leeds community branch" {
		t.Errorf("the group's name was not kept: %q", got)
	}
	b.set("#f-group_type", "union branch")
	b.fill("#f-contact_name", "Rosa Parks")
	b.fill("#f-contact_email", "rosa@example.net")
	b.fill("#f-town", "Leeds")
	b.fill("#f-region", "Yorkshire and the Humber")
	b.click("input[name=modules][value='" + matchWomen + "']")
	b.click("input[name=modules][value='series:exploring-class']")
	b.fill("#f-participants", "15")
	b.fill("#f-preferred_dates", "Saturday mornings in spring")
	b.atWidths("requester-form")
	b.submit("form[action='/workshops/request'] button[type=submit]")
	if !strings.HasPrefix(b.path(), "/requests/status/") {
		t.Fatalf("after the request: %s", b.path())
	}
	b.contains("main", "Thank you: we have your request", "Unite Leeds community branch", "New", "Learning from our history", "Where we come from")
	b.atWidths("requester-status")
}

// TestCoordinatorMatchesAndSchedules: a coordinator opens a request, reads
// who could run it and why (one trained facilitator is already booked that
// day and cannot be chosen), schedules it for the one who is free, and the
// requester's status page shows the workshop.
func TestCoordinatorMatchesAndSchedules(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	coord := srv.addUser("cora@example.org", "Cora Coordinator", "coordinator")
	admin := srv.addUser("ada@example.org", "Ada Admin", "admin")
	fay := srv.addUser("fay@example.org", "Fay Facilitator", "facilitator")
	gil := srv.addUser("gil@example.org", "Gil Facilitator", "facilitator")
	srv.start()
	coordToken := srv.token(coord.Email)
	fayID, gilID := srv.userID(srv.token(fay.Email)), srv.userID(srv.token(gil.Email))
	ab := newBrowser(t, srv)
	ab.signIn(admin.Email)
	for _, id := range []int64{fayID, gilID} {
		ab.visit(fmt.Sprintf("/admin/users/%d", id))
		ab.set("#t-module", matchWomen)
		ab.submit("form[action$='/trainings'] button[type=submit]")
	}
	day := time.Now().In(london(t)).AddDate(0, 0, 14)
	dayText := day.Format("2006-01-02")
	srv.scheduleWorkshop(coordToken, time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, london(t)), 10, gilID)
	id := srv.requestGroup("Bow Tenants", "London", matchWomen)

	b := newBrowser(t, srv)
	b.signIn(coord.Email)
	b.visit("/requests")
	b.submit(fmt.Sprintf("a[href='/requests/%d']", id))
	b.contains("main", "rosa.contact@example.net", "Trained to deliver")
	b.set("#m-date", dayText)
	b.submit("form[action^='/requests/'] button[type=submit]")
	b.contains("main", "Not available: already facilitating")
	b.atWidths("coordinator-request")
	b.submit("a[href^='/workshops/new?request=']")
	b.set("#f-date", dayText)
	b.submit("button[formaction='/workshops/new']")
	if b.count(fmt.Sprintf("input[name=facilitator][value='%d'][disabled]", gilID)) != 1 {
		t.Error("Gil, booked that day, can be ticked")
	}
	b.contains("#facilitators", "Fay Facilitator", "Trained to deliver", "Gil Facilitator", "Not available: already facilitating Learning from our history")
	b.click(fmt.Sprintf("input[name=facilitator][value='%d']", fayID))
	b.fill("#f-venue", "Bow Community Hall, Roman Road")
	b.fill("#f-capacity", "12")
	b.atWidths("coordinator-schedule")
	b.submit("form[action='/workshops'] button[type=submit]:not([formaction])")
	if !strings.HasPrefix(b.path(), "/workshops/") {
		t.Fatalf("after scheduling: %s", b.path())
	}
	b.contains("main", "Learning from our history", "Fay Facilitator", "Bow Community Hall")
	b.contains(".flash", "Workshop scheduled")
	var queue struct {
		Requests []struct{ Status string }
	}
	srv.api(coordToken, http.MethodGet, "/api/v1/requests?status=scheduled", nil, &queue, http.StatusOK)
	if len(queue.Requests) != 1 {
		t.Errorf("scheduled requests: %+v", queue)
	}
}

func london(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestParticipantRegistersAndCancels: two people sign up for a workshop with
// one place from their phones; the second joins the waiting list and is
// told so; when the first cancels through their private link, the second
// has the place.
func TestParticipantRegistersAndCancels(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	coord := srv.addUser("cora@example.org", "Cora Coordinator", "coordinator")
	srv.start()
	coordToken := srv.token(coord.Email)
	id := srv.scheduleWorkshop(coordToken, time.Now().Add(72*time.Hour), 1, srv.userID(coordToken))

	register := func(name, email string) (*browser, string) {
		b := newBrowser(t, srv)
		b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
		b.visit("/workshops")
		b.submit(fmt.Sprintf("a[href='/workshops/%d']", id))
		b.fill("#f-name", name)
		b.fill("#f-email", email)
		b.submit("form[action$='/register'] button[type=submit]")
		if !strings.HasPrefix(b.path(), "/r/") {
			t.Fatalf("after signing up: %s", b.path())
		}
		return b, b.path()
	}
	// Someone looks for workshops in English, choosing the language by name.
	lister := newBrowser(t, srv)
	lister.visit("/workshops")
	lister.set("#w-language", "en")
	lister.submit("form.filters button[type=submit]")
	lister.contains("main", "Learning from our history", "English")
	lister.atWidths("public-listing")

	ann, annLink := register("Ann Participant", "ann@example.net")
	ann.contains("h1", "You have a place")
	ann.atWidths("participant-registered")
	bob, bobLink := register("Bob Participant", "bob@example.net")
	bob.contains("main", "The workshop is full, so you are on its waiting list", "number 1 in the queue")
	bob.atWidths("participant-waitlisted")
	// Signing up twice with one email is refused beside the field.
	again := newBrowser(t, srv)
	again.visit(fmt.Sprintf("/workshops/%d", id))
	again.fill("#f-name", "Ann Again")
	again.fill("#f-email", "ANN@example.net")
	again.navigateBy("sign up twice", chromedp.Click(chromedp.CSS("form[action$='/register'] button[type=submit]")), 422)
	again.contains(".field-error", "already has a place")

	ann.visit(annLink)
	ann.submit("form[action$='/cancel'] button[type=submit]")
	ann.contains("h1", "Registration cancelled")
	ann.contains(".flash", "Your place went to the next person on the waiting list")
	bob.visit(bobLink)
	bob.contains("h1", "You have a place")
}

// TestCheckInAndDelivery: on the day, the facilitator checks people in on a
// phone (who came, who did not, a walk-in), then records the delivery from
// the check-in, pinned to the version planned.
func TestCheckInAndDelivery(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	coord := srv.addUser("cora@example.org", "Cora Coordinator", "coordinator")
	fay := srv.addUser("fay@example.org", "Fay Facilitator", "facilitator")
	srv.start()
	coordToken, fayToken := srv.token(coord.Email), srv.token(fay.Email)
	start := time.Now().Add(8 * time.Second)
	if start.In(london(t)).Format("2006-01-02") != start.Add(2*time.Hour).In(london(t)).Format("2006-01-02") {
		start = start.Add(3 * time.Hour) // near midnight: a workshop that starts and ends on one day
	}
	id := srv.scheduleWorkshop(coordToken, start, 3, srv.userID(fayToken))
	// Three places; Eve waits, and comes anyway.
	links := map[string]string{}
	for _, name := range []string{"Ann", "Bob", "Cat", "Eve"} {
		var out struct {
			CancelURL string `json:"cancel_url"`
		}
		srv.publicAPI(http.MethodPost, fmt.Sprintf("/api/v1/workshops/%d/registrations", id),
			map[string]any{"name": name + " Participant", "email": strings.ToLower(name) + "@example.net", "first_time": name == "Ann"}, &out, http.StatusCreated)
		links[name] = strings.TrimPrefix(out.CancelURL, srv.URL)
	}
	var planned struct{ Version string }
	srv.api(coordToken, http.MethodGet, fmt.Sprintf("/api/v1/workshops/%d", id), nil, &planned, http.StatusOK)
	time.Sleep(time.Until(start) + time.Second)

	b := newBrowser(t, srv)
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
	b.signIn(fay.Email)
	b.visit("/workshops/mine")
	b.submit(fmt.Sprintf("a[href='/workshops/%d/checkin']", id))
	rows := b.count(".checkin-row")
	if rows != 4 {
		t.Fatalf("%d people on the check-in list, want 4", rows)
	}
	b.submit(".checkin-row:nth-child(1) form:nth-of-type(1) button")
	b.submit(".checkin-row:nth-child(2) form:nth-of-type(2) button")
	b.contains(".checkin-row:nth-child(4)", "Eve Participant", "waiting list")
	if n := b.count(".checkin-row:nth-child(4) form"); n != 1 {
		t.Errorf("Eve, waiting, has %d check-in buttons, want one: Came", n)
	}
	b.submit(".checkin-row:nth-child(4) form button")
	b.fill("#f-name", "Dee Walkin")
	b.click("input[name=first_time]")
	b.submit("form[action$='/walkin'] button[type=submit]")
	b.contains(".totals", "Came\n3", "Did not come\n1", "Not marked\n1", "Waiting list\n0")
	b.atWidths("facilitator-checkin")
	var height int
	b.eval(`Math.round(document.querySelector(".checkin-actions button").getBoundingClientRect().height)`, &height)
	if height < 44 {
		t.Errorf("the check-in buttons are %dpx tall, want at least 44 for a finger", height)
	}
	b.submit(fmt.Sprintf("a[href='/workshops/%d/delivery']", id))
	if got := b.attr("#f-participants", "value"); got != "3" {
		t.Errorf("participants pre-filled as %q, want 3 (Ann, Eve and the walk-in)", got)
	}
	if got := b.attr("#f-first_time", "value"); got != "2" {
		t.Errorf("first-timers pre-filled as %q, want 2", got)
	}
	b.set("#f-reflection_worked", "The source cards got everyone talking.")
	b.atWidths("facilitator-record-delivery")
	b.submit("form[action$='/delivery'] button[type=submit]")
	if !strings.HasPrefix(b.path(), "/deliveries/") {
		t.Fatalf("after recording: %s", b.path())
	}
	b.contains(".flash", "Delivery recorded")
	var d struct {
		Version      string
		Participants int
		Worked       string `json:"reflection_worked"`
	}
	srv.api(fayToken, http.MethodGet, "/api/v1"+b.path(), nil, &d, http.StatusOK)
	if d.Version != planned.Version || d.Participants != 3 || d.Worked == "" {
		t.Errorf("the delivery %+v, want version %s, 3 participants and the reflection", d, planned.Version)
	}
	// Cat's private link, after the start, no longer cancels her place.
	cat := newBrowser(t, srv)
	cat.visit(links["Cat"])
	cat.contains("main", "You have a place", "The workshop has started, so this place can no longer be cancelled.")
	if n := cat.count("form[action$='/cancel']"); n != 0 {
		t.Errorf("Cat's page after the start has %d cancel forms, want none", n)
	}
	cat.atWidths("participant-after-start")
}
