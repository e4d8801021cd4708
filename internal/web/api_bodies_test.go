package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestEveryAPIBodyRefusesUnknownFields walks every API route that writes:
// a body with a field the route does not take is 400 naming the field, and
// nothing is written. Close, reopen, update, fork and delete took anything
// before (issue 18).
func TestEveryAPIBodyRefusesUnknownFields(t *testing.T) {
	a := newAPIApp(t)
	admin := a.tokens["admin"]
	plan := planSource(t, a, stigma)
	_, mod := a.apiCall("GET", "/api/v1/modules/"+stigma, "", nil)
	status, prop := a.apiCall("POST", "/api/v1/proposals", admin, map[string]any{"module": stigma, "title": "A change", "base": mod["version"],
		"changes": []map[string]string{{"path": "module.md", "content": plan + "\nOne more line.\n"}}})
	if status != 201 {
		t.Fatalf("proposal = %d %v", status, prop)
	}
	status, d := a.apiCall("POST", "/api/v1/deliveries", admin, deliveryJSON(nil))
	if status != 201 {
		t.Fatalf("delivery = %d %v", status, d)
	}
	proposalID, deliveryID := int64(prop["id"].(float64)), int64(d["id"].(float64))
	checked := 0
	for _, r := range a.handler.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") || r.Method == http.MethodGet {
			continue
		}
		id := int64(1)
		switch {
		case strings.HasPrefix(r.Path, "/api/v1/proposals/"):
			id = proposalID
		case strings.HasPrefix(r.Path, "/api/v1/deliveries/"):
			id = deliveryID
		case strings.HasPrefix(r.Path, "/api/v1/users/"):
			id = a.users["target"].ID
		}
		res := a.rawCall(r.Method, apiPath(r.Path, stigma, id), []byte(`{"no_such_field": 1}`),
			"Authorization", "Bearer "+admin, "Content-Type", "application/json")
		var e struct{ Error, Field string }
		json.Unmarshal([]byte(res.body), &e)
		if res.status != http.StatusBadRequest || e.Field != "no_such_field" || !strings.Contains(e.Error, "no_such_field") {
			t.Errorf("%s %s with an unknown field = %d %s, want 400 naming it", r.Method, r.Path, res.status, res.body)
		}
		checked++
	}
	if checked < 15 {
		t.Fatalf("checked only %d routes", checked)
	}
	if _, p := a.apiCall("GET", fmt.Sprintf("/api/v1/proposals/%d", proposalID), "", nil); p["status"] != "open" || len(p["comments"].([]any)) != 0 || len(p["reviews"].([]any)) != 0 {
		t.Errorf("the refused requests changed the proposal: %v %v %v", p["status"], p["comments"], p["reviews"])
	}
	if status, _ := a.apiCall("GET", fmt.Sprintf("/api/v1/deliveries/%d", deliveryID), admin, nil); status != 200 {
		t.Errorf("the refused DELETE removed the delivery: GET = %d", status)
	}
	if status, fork := a.apiCall("POST", "/api/v1/modules/"+stigma+"/forks", admin, nil); status != 201 {
		t.Errorf("a fork after the refused one = %d %v, want 201 (the refused one made none)", status, fork)
	}
	// The routes that take no body still take none, or an empty object.
	for _, body := range []any{nil, map[string]any{}} {
		if status, p := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/close", proposalID), admin, body); status != 200 || p["status"] != "closed" {
			t.Errorf("close with %v = %d %v", body, status, p)
		}
		a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reopen", proposalID), admin, nil)
	}
	// A field of the wrong type is named too.
	if status, e := a.apiCall("POST", "/api/v1/deliveries", admin, deliveryJSON(map[string]any{"participants": "twelve"})); status != 400 || e["field"] != "participants" {
		t.Errorf("participants as text = %d %v, want 400 naming participants", status, e)
	}
}

// TestDeliveryReflectionAlias: "reflection", the name the contract gave,
// is taken for "reflection_worked" (issue 18).
func TestDeliveryReflectionAlias(t *testing.T) {
	a := newAccountApp(t)
	fac := a.tokens["facilitator"]
	body := deliveryJSON(map[string]any{"reflection": "Pairs worked better than threes."})
	delete(body, "reflection_worked")
	status, d := a.apiCall("POST", "/api/v1/deliveries", fac, body)
	if status != 201 || d["reflection_worked"] != "Pairs worked better than threes." {
		t.Fatalf("POST with reflection = %d %v", status, d)
	}
	path := fmt.Sprintf("/api/v1/deliveries/%v", d["id"])
	if status, p := a.apiCall("PATCH", path, fac, map[string]any{"reflection": "Threes, after all."}); status != 200 || p["reflection_worked"] != "Threes, after all." || p["reflection_change"] != d["reflection_change"] {
		t.Errorf("PATCH with reflection = %d %v", status, p)
	}
	same := deliveryJSON(map[string]any{"reflection": "The same words."})
	same["reflection_worked"] = "The same words."
	if status, d := a.apiCall("POST", "/api/v1/deliveries", fac, same); status != 201 || d["reflection_worked"] != "The same words." {
		t.Errorf("POST with both names agreeing = %d %v", status, d)
	}
	both := deliveryJSON(map[string]any{"reflection": "One thing."})
	if status, e := a.apiCall("POST", "/api/v1/deliveries", fac, both); status != 422 || e["field"] != "reflection" {
		t.Errorf("POST with both names disagreeing = %d %v, want 422 naming reflection", status, e)
	}
	_, list := a.apiCall("GET", "/api/v1/deliveries", fac, nil)
	if n := len(list["deliveries"].([]any)); n != 2 {
		t.Errorf("%d deliveries recorded, want 2 (the refused one is not)", n)
	}
}

// TestForksProposalsAndDiffsSpeakAlike: the same field names and path
// conventions across fork, proposal and diff responses (issue 18): who made
// it is author_id and author; a whole diff is diff; every path is the
// repository's, and the file routes take the paths responses give.
func TestForksProposalsAndDiffsSpeakAlike(t *testing.T) {
	a := newAccountApp(t)
	fac := a.tokens["facilitator"]
	facID := float64(a.users["facilitator"].ID)
	status, fork := a.apiCall("POST", "/api/v1/modules/"+stigma+"/forks", fac, nil)
	if status != 201 || fork["author_id"] != facID || fork["author"] != "Facilitator Person" || fork["ahead"] != 0.0 || fork["behind"] != 0.0 || fork["created_at"] == nil {
		t.Fatalf("new fork = %d %v, want author_id, author, ahead, behind and created_at", status, fork)
	}
	forkPath := fmt.Sprintf("/api/v1/forks/%v", fork["id"])
	if _, got := a.apiCall("GET", forkPath, "", nil); got["author_id"] != facID || got["author"] != "Facilitator Person" || got["user_id"] != facID {
		t.Errorf("GET fork = %v, want author_id, author and user_id", got)
	}
	plan := planSource(t, a, stigma)
	repoPath := "modules/" + stigma + "/module.md"
	status, saved := a.apiCall("PUT", forkPath+"/files/"+repoPath, fac, map[string]string{"content": plan + "\nAdapted.\n", "base": fork["head"].(string)})
	if status != 200 {
		t.Fatalf("PUT a fork's file by its repository path = %d %v", status, saved)
	}
	if status, e := a.apiCall("PUT", forkPath+"/files/modules/organising-6-meetings/module.md", fac, map[string]string{"content": plan, "base": saved["head"].(string)}); status != 422 || e["field"] != "module" {
		t.Errorf("PUT a file of another module into the fork = %d %v, want 422 naming module", status, e)
	}
	status, prop := a.apiCall("POST", "/api/v1/proposals", fac, map[string]any{"fork_id": fork["id"], "title": "Adapted"})
	if status != 201 {
		t.Fatalf("proposal = %d %v", status, prop)
	}
	proposalPath := fmt.Sprintf("/api/v1/proposals/%v", prop["id"])
	_, view := a.apiCall("GET", proposalPath, "", nil)
	files := view["files"].([]any)
	if len(files) != 1 || files[0].(map[string]any)["path"] != repoPath {
		t.Fatalf("proposal files = %v, want %s", files, repoPath)
	}
	if status, e := a.apiCall("PUT", proposalPath+"/files/"+repoPath, fac, map[string]string{"content": plan + "\nAdapted twice.\n", "base": view["head"].(string)}); status != 200 {
		t.Errorf("PUT a proposal's file by the path its diff gives = %d %v", status, e)
	}
	_, mod := a.apiCall("GET", "/api/v1/modules/"+stigma, "", nil)
	if status, p := a.apiCall("POST", "/api/v1/proposals", a.tokens["target"], map[string]any{"title": "By repository path", "base": mod["version"],
		"changes": []map[string]string{{"path": repoPath, "content": plan + "\nAnother line.\n"}}}); status != 201 || p["modules"].([]any)[0] != stigma {
		t.Errorf("a proposal whose changes give repository paths = %d %v", status, p)
	}
	_, hist := a.apiCall("GET", "/api/v1/modules/"+stigma+"/history", "", nil)
	seed := hist["commits"].([]any)[0].(map[string]any)["commit"].(string)
	_, cmp := a.apiCall("GET", fmt.Sprintf("/api/v1/modules/%s/compare?from=%s&to=%s", stigma, seed, saved["head"]), "", nil)
	if cmp["diff"] == nil || cmp["diff"] != cmp["unified"] || !strings.Contains(cmp["diff"].(string), "+Adapted.") {
		t.Errorf("compare = diff %v, unified %v; want the whole diff under both names", cmp["diff"], cmp["unified"])
	}
	cmpFile := cmp["files"].([]any)[0].(map[string]any)
	propFile := files[0].(map[string]any)
	for k := range propFile {
		if _, ok := cmpFile[k]; !ok {
			t.Errorf("a compared file lacks %q, which a proposal's file has", k)
		}
	}
	if cmpFile["path"] != repoPath {
		t.Errorf("compared file path = %v, want %s", cmpFile["path"], repoPath)
	}
}
