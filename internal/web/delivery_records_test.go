package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// TestConcurrentDeliveryPatchesKeepEveryChange sends pairs of PATCHes that
// change different fields of one delivery at the same moment: both answer
// 200 and both changes are kept, every time. The dashboard's statistics, kept
// in memory, agree with what a fresh process reads from the database.
func TestConcurrentDeliveryPatchesKeepEveryChange(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac, coord := a.tokens["facilitator"], a.tokens["coordinator"]
	status, created := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(nil))
	if status != http.StatusCreated {
		t.Fatalf("POST = %d %v", status, created)
	}
	path := fmt.Sprintf("/api/v1/deliveries/%d", int(created["id"].(float64)))
	if status, _ := a.apiCall(http.MethodGet, "/api/v1/stats/deliveries", coord, nil); status != http.StatusOK {
		t.Fatalf("stats = %d", status) // loads the statistics, so the PATCHes keep them in step
	}
	lost := 0
	for i := range 60 {
		participants, region := 20+i, fmt.Sprintf("Region %d", i)
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for j, body := range []map[string]any{{"participants": participants}, {"region": region}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[j], _ = a.apiCall(http.MethodPatch, path, fac, body)
			}()
		}
		wg.Wait()
		if codes[0] != http.StatusOK || codes[1] != http.StatusOK {
			t.Fatalf("pair %d answered %v, want 200 and 200", i, codes)
		}
		_, got := a.apiCall(http.MethodGet, path, fac, nil)
		if got["participants"] != float64(participants) || got["region"] != region {
			lost++
			t.Errorf("pair %d: participants %v, region %v; want %d and %q", i, got["participants"], got["region"], participants, region)
		}
	}
	if lost > 0 {
		t.Fatalf("%d of 60 pairs lost a change", lost)
	}
	_, final := a.apiCall(http.MethodGet, path, fac, nil)
	if final["revision"] != float64(121) {
		t.Errorf("revision after 120 changes = %v, want 121", final["revision"])
	}

	// The statistics in memory agree with a fresh load from the database.
	_, live := a.apiCall(http.MethodGet, "/api/v1/stats/deliveries?group_by=region", coord, nil)
	fresh := delivery.New(delivery.Config{DB: a.env.DB, Catalog: a.env.Catalog, History: a.env.History, Releases: a.env.Releases,
		Forks: review.New(review.Config{DB: a.env.DB, Store: a.env.Store, Catalog: a.env.Catalog})})
	report, err := fresh.Report(context.Background(), a.users["coordinator"], delivery.Filter{}, []string{"region"})
	if err != nil {
		t.Fatal(err)
	}
	groups := live["groups"].([]any)
	if len(groups) != 1 || len(report.Tables[0].Groups) != 1 {
		t.Fatalf("regions: live %v, fresh %+v", groups, report.Tables[0].Groups)
	}
	g := groups[0].(map[string]any)
	want := report.Tables[0].Groups[0]
	if g["key"] != want.Key || g["participants"] != float64(want.Participants) || want.Participants != 79 {
		t.Errorf("statistics in memory %v, fresh from the database %+v (want 79 participants in Region 59)", g, want)
	}
}

// TestDeliveryPatchWithAnOldRevisionIsRefused: a PATCH that says which
// revision it was made from is refused with 409 once the delivery has moved
// on, and changes nothing.
func TestDeliveryPatchWithAnOldRevisionIsRefused(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac := a.tokens["facilitator"]
	_, created := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(nil))
	path := fmt.Sprintf("/api/v1/deliveries/%d", int(created["id"].(float64)))
	if created["revision"] != float64(1) {
		t.Fatalf("a new delivery's revision = %v, want 1", created["revision"])
	}
	if status, body := a.apiCall(http.MethodPatch, path, fac, map[string]any{"town": "Newport", "revision": 1}); status != http.StatusOK || body["revision"] != float64(2) {
		t.Fatalf("PATCH at the current revision = %d %v", status, body)
	}
	status, body := a.apiCall(http.MethodPatch, path, fac, map[string]any{"town": "Bangor", "revision": 1})
	if status != http.StatusConflict || !strings.Contains(fmt.Sprint(body["error"]), "revision 2") {
		t.Errorf("PATCH at an old revision = %d %v, want 409 naming revision 2", status, body)
	}
	if _, got := a.apiCall(http.MethodGet, path, fac, nil); got["town"] != "Newport" {
		t.Errorf("a refused PATCH changed the town to %v", got["town"])
	}
	if status, body := a.apiCall(http.MethodPatch, path, fac, map[string]any{"revision": 0}); status != http.StatusUnprocessableEntity || body["field"] != "revision" {
		t.Errorf("PATCH with revision 0 = %d %v", status, body)
	}
}

// formValues reads the values of a page's form fields the way a browser would
// send them back unchanged: inputs, checked boxes and radios, selected
// options and textareas.
func formValues(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input ([^>]*)>`).FindAllStringSubmatch(body, -1) {
		attrs := m[1]
		name := regexp.MustCompile(`name="([^"]*)"`).FindStringSubmatch(attrs)
		if name == nil || name[1] == "csrf" {
			continue
		}
		typ := regexp.MustCompile(`type="([^"]*)"`).FindStringSubmatch(attrs)
		if typ != nil && (typ[1] == "checkbox" || typ[1] == "radio") && !strings.Contains(attrs, " checked") {
			continue
		}
		value := ""
		if m := regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(attrs); m != nil {
			value = htmlUnescape(m[1])
		}
		v.Add(name[1], value)
	}
	for _, m := range regexp.MustCompile(`(?s)<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(body, -1) {
		if sel := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m[2]); sel != nil {
			v.Set(m[1], htmlUnescape(sel[1]))
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea[^>]*name="([^"]*)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(body, -1) {
		v.Set(m[1], htmlUnescape(strings.TrimPrefix(m[2], "\n")))
	}
	return v
}

// TestStaleDeliveryFormSaysWhatChangedAndKeepsTheTyping: two people open the
// same delivery's form; one saves a change, then the other saves theirs. The
// second save writes nothing: its form comes back (409) saying what the other
// person changed, with the other's change taken into the fields the second
// person left alone and their own typing kept. Saving again keeps both.
func TestStaleDeliveryFormSaysWhatChangedAndKeepsTheTyping(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	_, created := a.apiCall(http.MethodPost, "/api/v1/deliveries", a.tokens["facilitator"], deliveryJSON(nil))
	where := fmt.Sprintf("/deliveries/%d", int(created["id"].(float64)))
	fac := a.browser()
	fac.logIn("facilitator@example.org")
	coord := a.browser()
	coord.logIn("coordinator@example.org")

	mine := fac.do(http.MethodGet, where+"/edit", nil)
	theirs := coord.do(http.MethodGet, where+"/edit", nil)
	csrf := func(page response) string { return csrfField.FindStringSubmatch(page.body)[1] }

	theirValues := formValues(t, theirs.body)
	theirValues.Set("participants", "30")
	theirValues.Set("csrf", csrf(theirs))
	if res := coord.do(http.MethodPost, where, theirValues); res.status != http.StatusSeeOther {
		t.Fatalf("the first save = %d\n%s", res.status, res.body)
	}

	myValues := formValues(t, mine.body)
	if myValues.Get("revision") != "1" || myValues.Get("participants") != "12" {
		t.Fatalf("the form lacks its revision or values: %v", myValues)
	}
	myValues.Set("town", "Merthyr Tydfil")
	myValues.Set("csrf", csrf(mine))
	res := fac.do(http.MethodPost, where, myValues)
	if res.status != http.StatusConflict {
		t.Fatalf("a save from a stale form = %d, want 409\n%s", res.status, res.body)
	}
	mustContain(t, res, "Nothing was saved", "someone else changed this delivery", "participants",
		`value="Merthyr Tydfil"`, `value="30"`, `Changed by someone else to &#34;30&#34;`)
	_, stored := a.apiCall(http.MethodGet, "/api/v1"+where, a.tokens["facilitator"], nil)
	if stored["town"] != "Cardiff" || stored["participants"] != float64(30) {
		t.Fatalf("after the refused save the record holds town %v, participants %v; want Cardiff and 30", stored["town"], stored["participants"])
	}

	// Saving the form as it came back keeps both changes.
	again := formValues(t, res.body)
	again.Set("csrf", csrf(res))
	if res := fac.do(http.MethodPost, where, again); res.status != http.StatusSeeOther {
		t.Fatalf("saving again = %d\n%s", res.status, res.body)
	}
	_, stored = a.apiCall(http.MethodGet, "/api/v1"+where, a.tokens["facilitator"], nil)
	if stored["town"] != "Merthyr Tydfil" || stored["participants"] != float64(30) {
		t.Errorf("after saving again: town %v, participants %v; want both changes", stored["town"], stored["participants"])
	}
}

// TestDeliveryFormShowsEveryProblemAtOnce: a form with several mistakes is
// shown again with each beside its field, and everything typed kept.
func TestDeliveryFormShowsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac := a.browser()
	fac.logIn("facilitator@example.org")
	form := url.Values{"material": {"module:exploring-class-2-stigma"}, "date": {"someday"}, "duration": {"120"},
		"format": {"online"}, "town": {"Swansea"}, "region": {"Wales"}, "country": {"Narnia"}, "host": {"Living Rent"},
		"host_type": {"tenants' union"}, "participants": {"0"}, "first_time": {"2"}, "co_names": {"Nobody Atall"}}
	res := fac.submit("/deliveries/new", "/deliveries", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a form with mistakes = %d", res.status)
	}
	for _, field := range []string{"date", "country", "participants"} {
		mustContain(t, res, `id="f-`+field+`-error"`)
	}
	mustContain(t, res, `id="f-co-error"`, "Nobody Atall", `value="Swansea"`)
	if n := strings.Count(res.body, `class="field-error"`); n != 4 {
		t.Errorf("%d fields marked, want 4", n)
	}
}

// TestCoFacilitatorsByNameWithoutEmails: co-facilitators are chosen by name
// from the members of the network; a name two members share asks which one is
// meant; an unknown name is refused. No page or API a facilitator uses for
// deliveries shows another member's email address, and an id that is not a
// member's is refused in the same words whether or not it exists.
func TestCoFacilitatorsByNameWithoutEmails(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	ctx := context.Background()
	add := func(email, name string, status praxis.UserStatus) *praxis.User {
		u, _, err := a.svc.AddUser(ctx, account.NewUser{Email: email, Name: name, Roles: []praxis.Role{praxis.RoleFacilitator}, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if status != praxis.StatusActive {
			if _, err := a.svc.SetStatus(ctx, a.users["admin"], u.ID, status); err != nil {
				t.Fatal(err)
			}
		}
		return u
	}
	samA := add("sam.a@secret.example", "Sam Jones", praxis.StatusActive)
	samB := add("sam.b@secret.example", "Sam Jones", praxis.StatusActive)
	rosa := add("rosa@secret.example", "Rosa Luxembourg", praxis.StatusActive)
	gone := add("gone@secret.example", "Gone Person", praxis.StatusSuspended)
	if _, err := a.svc.UpdateProfile(ctx, samB, account.ProfileUpdate{Name: "Sam Jones", Region: "Wales", Organisation: "Living Rent"}); err != nil {
		t.Fatal(err)
	}

	fac := a.browser()
	fac.logIn("facilitator@example.org")
	form := url.Values{"material": {"module:exploring-class-2-stigma"}, "date": {"2026-02-03"}, "duration": {"120"},
		"format": {"online"}, "town": {"Swansea"}, "region": {"Wales"}, "country": {"gb"}, "host": {"Living Rent"},
		"host_type": {"tenants' union"}, "participants": {"9"}, "first_time": {"2"}, "co_names": {"rosa  luxembourg, Sam Jones"}}
	res := fac.submit("/deliveries/new", "/deliveries", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("an ambiguous name = %d\n%s", res.status, res.body)
	}
	mustContain(t, res, "more than one member of the network is called &#34;Sam Jones&#34;", "Which Sam Jones do you mean?",
		fmt.Sprintf(`name="co_facilitator" value="%d" checked> Rosa Luxembourg`, rosa.ID),
		fmt.Sprintf(`name="co_facilitator" value="%d"> Sam Jones`, samA.ID),
		fmt.Sprintf(`name="co_facilitator" value="%d"> Sam Jones <span class="muted">(Living Rent, Wales)</span>`, samB.ID))
	if strings.Contains(res.body, "secret.example") {
		t.Error("the form shows an email address")
	}
	// Choosing one of them logs it.
	choose := formValues(t, res.body)
	choose.Add("co_facilitator", fmt.Sprint(samB.ID))
	res = fac.submit("/deliveries/new", "/deliveries", choose)
	if res.status != http.StatusSeeOther {
		t.Fatalf("after choosing = %d\n%s", res.status, res.body)
	}
	where := res.header.Get("Location")
	for _, page := range []string{where, where + "/edit", "/deliveries"} {
		body := fac.do(http.MethodGet, page, nil).body
		if strings.Contains(body, "secret.example") {
			t.Errorf("%s shows an email address", page)
		}
		if page != "/deliveries" && (!strings.Contains(body, "Rosa Luxembourg") || !strings.Contains(body, "Sam Jones")) {
			t.Errorf("%s does not name the co-facilitators", page)
		}
	}

	// The API names them, by id and name, without addresses.
	fac2 := a.tokens["facilitator"]
	id := strings.TrimPrefix(where, "/deliveries/")
	_, got := a.apiCall(http.MethodGet, "/api/v1/deliveries/"+id, fac2, nil)
	if fmt.Sprint(got["co_facilitators"]) != fmt.Sprint([]float64{float64(samB.ID), float64(rosa.ID)}) ||
		fmt.Sprint(got["co_facilitator_names"]) != "[Sam Jones Rosa Luxembourg]" {
		t.Errorf("API co-facilitators %v %v", got["co_facilitators"], got["co_facilitator_names"])
	}
	for _, path := range []string{"/api/v1/deliveries/" + id, "/api/v1/deliveries", "/api/v1/deliveries.json", "/api/v1/deliveries.csv",
		"/api/v1/modules/exploring-class-2-stigma/reflections", "/deliveries/people?co_names=sam"} {
		if body := a.bearerGet(path, fac2).body; strings.Contains(body, "secret.example") {
			t.Errorf("%s shows an email address", path)
		}
	}
	var exported []map[string]any
	if err := jsonUnmarshal(a.bearerGet("/api/v1/deliveries.json", fac2).body, &exported); err != nil || len(exported) != 1 ||
		fmt.Sprint(exported[0]["co_facilitator_names"]) != "[Sam Jones Rosa Luxembourg]" || exported[0]["revision"] != 1.0 {
		t.Errorf("the JSON export: %v %v", err, exported)
	}
	if body := a.bearerGet("/deliveries/people?co_names=Rosa+Luxembourg,+sam", fac2).body; !strings.Contains(body, `value="Rosa Luxembourg, Sam Jones"`) {
		t.Errorf("suggestions for the name being typed: %s", body)
	}

	// An id that is not a member's: suspended, never existed, deleted: the
	// same words.
	var messages []string
	for _, bad := range []int64{gone.ID, 999999} {
		status, body := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac2, deliveryJSON(map[string]any{"co_facilitators": []int64{bad}}))
		if status != http.StatusUnprocessableEntity || body["field"] != "co_facilitators" {
			t.Fatalf("co-facilitator %d = %d %v", bad, status, body)
		}
		messages = append(messages, strings.ReplaceAll(fmt.Sprint(body["error"]), fmt.Sprint(bad), "N"))
	}
	if messages[0] != messages[1] {
		t.Errorf("refusals differ, revealing which id exists: %q", messages)
	}
	// Re-rendering a crafted form does not name a suspended member either.
	form.Set("co_names", "")
	form.Add("co_facilitator", fmt.Sprint(gone.ID))
	res = fac.submit("/deliveries/new", "/deliveries", form)
	if res.status != http.StatusUnprocessableEntity || strings.Contains(res.body, "Gone Person") {
		t.Errorf("a suspended member's id in a form = %d, named: %v", res.status, strings.Contains(res.body, "Gone Person"))
	}
}
