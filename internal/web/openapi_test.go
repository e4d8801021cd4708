package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// openAPIChecker checks answers against the schemas of the OpenAPI document
// an app serves. It reads the schemas strictly: an object may hold only the
// properties its schema names (the document itself leaves them open, so
// that clients accept fields added later).
type openAPIChecker struct {
	t        *testing.T
	compiler *jsonschema.Compiler
	doc      map[string]any
}

func newOpenAPIChecker(t *testing.T, a *accountApp) *openAPIChecker {
	t.Helper()
	res := a.rawCall(http.MethodGet, "/api/v1/openapi.json", nil)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(res.body))
	if err != nil || res.status != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json = %d: %v", res.status, err)
	}
	m := doc.(map[string]any)
	for _, s := range m["components"].(map[string]any)["schemas"].(map[string]any) {
		closeObjects(s)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("openapi.json", doc); err != nil {
		t.Fatal(err)
	}
	return &openAPIChecker{t: t, compiler: c, doc: m}
}

// closeObjects sets additionalProperties false on every object schema that
// names its properties and says nothing of others.
func closeObjects(v any) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["properties"]; ok {
			if _, set := v["additionalProperties"]; !set {
				v["additionalProperties"] = false
			}
		}
		for _, child := range v {
			closeObjects(child)
		}
	case []any:
		for _, child := range v {
			closeObjects(child)
		}
	}
}

func pointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// check validates an answer to method pattern (an Echo pattern) against the
// document's schema for its status; the status must be documented (or be a
// 5xx, which the default response covers).
func (o *openAPIChecker) check(method, pattern string, res response) {
	o.t.Helper()
	path := strings.NewReplacer(":slug", "{slug}", ":id", "{id}", ":token", "{token}", "*", "{path}").Replace(pattern)
	op, ok := o.doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		o.t.Errorf("%s %s is not in the document", method, path)
		return
	}
	status := strconv.Itoa(res.status)
	responses := op["responses"].(map[string]any)
	if _, ok := responses[status]; !ok {
		if res.status < 500 {
			o.t.Errorf("%s %s answered %d, which the document does not list: %.300s", method, path, res.status, res.body)
			return
		}
		status = "default"
	}
	content, _ := responses[status].(map[string]any)["content"].(map[string]any)
	media := strings.TrimSpace(strings.Split(res.header.Get("Content-Type"), ";")[0])
	if content == nil {
		if res.body != "" {
			o.t.Errorf("%s %s %d: the document gives no body, the answer has one", method, path, res.status)
		}
		return
	}
	if _, ok := content[media]; !ok {
		o.t.Errorf("%s %s %d: answered as %q, the document lists %v", method, path, res.status, media, content)
		return
	}
	if media != "application/json" {
		return
	}
	ptr := fmt.Sprintf("openapi.json#/paths/%s/%s/responses/%s/content/application~1json/schema", pointerEscape(path), strings.ToLower(method), status)
	schema, err := o.compiler.Compile(ptr)
	if err != nil {
		o.t.Fatalf("compile %s: %v", ptr, err)
	}
	value, err := jsonschema.UnmarshalJSON(strings.NewReader(res.body))
	if err != nil {
		o.t.Errorf("%s %s %d: not JSON: %.300s", method, path, res.status, res.body)
		return
	}
	if err := schema.Validate(value); err != nil {
		o.t.Errorf("%s %s %d does not match the document: %v\n%.600s", method, path, res.status, err, res.body)
	}
}

// TestOpenAPIDescribesRealAnswers drives every API route through the real
// app, successes and failures, and checks each answer against the schema
// the document gives for its status.
func TestOpenAPIDescribesRealAnswers(t *testing.T) {
	a := listApp(t)
	o := newOpenAPIChecker(t, a)
	fac, maint, coord, admin := a.tokens["facilitator"], a.tokens["maintainer"], a.tokens["coordinator"], a.tokens["admin"]
	call := func(method, pattern, path, token string, body any) map[string]any {
		t.Helper()
		var data []byte
		if body != nil {
			data, _ = json.Marshal(body)
		}
		headers := []string{"Content-Type", "application/json"}
		if token != "" {
			headers = append(headers, "Authorization", "Bearer "+token)
		}
		res := a.rawCall(method, path, data, headers...)
		o.check(method, pattern, res)
		var out map[string]any
		json.Unmarshal([]byte(res.body), &out)
		return out
	}
	touched := map[string]bool{}
	do := func(method, pattern, path, token string, body any) map[string]any {
		t.Helper()
		touched[method+" "+pattern] = true
		return call(method, pattern, path, token, body)
	}
	get := func(pattern, path, token string) map[string]any {
		t.Helper()
		return do(http.MethodGet, pattern, path, token, nil)
	}

	get("/api/v1/openapi.json", "/api/v1/openapi.json", "")
	get("/api/v1/modules", "/api/v1/modules?limit=3", "")
	get("/api/v1/modules", "/api/v1/modules?format=underwater", "")
	get("/api/v1/modules", "/api/v1/modules?rev=no-such-version", "")
	mod := get("/api/v1/modules/:slug", "/api/v1/modules/"+stigma, "")
	get("/api/v1/modules/:slug", "/api/v1/modules/no-such-module", "")
	get("/api/v1/modules/:slug/history", "/api/v1/modules/"+stigma+"/history?limit=2", "")
	get("/api/v1/modules/:slug/history", "/api/v1/modules/"+stigma+"/history?limit=0", "")
	get("/api/v1/modules/:slug/compare", "/api/v1/modules/"+stigma+"/compare?from=v2026.01&to=main", "")
	get("/api/v1/modules/:slug/compare", "/api/v1/modules/"+stigma+"/compare?from=v2026.01", "")
	get("/api/v1/modules/:slug/reflections", "/api/v1/modules/"+stigma+"/reflections?limit=1", fac)
	get("/api/v1/modules/:slug/reflections", "/api/v1/modules/"+stigma+"/reflections", "")
	get("/api/v1/series", "/api/v1/series", "")
	get("/api/v1/series/:slug", "/api/v1/series/exploring-class", "")
	get("/api/v1/releases", "/api/v1/releases?limit=1", "")
	get("/api/v1/search", "/api/v1/search?q=class&limit=2", "")
	get("/api/v1/me", "/api/v1/me", fac)
	get("/api/v1/me", "/api/v1/me", "praxis_wrong")
	get("/api/v1/users", "/api/v1/users?limit=2", coord)
	get("/api/v1/users", "/api/v1/users", fac)
	get("/api/v1/users/:id", fmt.Sprintf("/api/v1/users/%d", a.users["target"].ID), coord)
	get("/api/v1/proposals", "/api/v1/proposals?limit=2", "")
	get("/api/v1/proposals/:id", "/api/v1/proposals/1", "")
	get("/api/v1/proposals/:id", "/api/v1/proposals/999", "")
	get("/api/v1/deliveries", "/api/v1/deliveries?limit=2", fac)
	get("/api/v1/deliveries/:id", "/api/v1/deliveries/1", fac)
	get("/api/v1/deliveries/:id/feedback", "/api/v1/deliveries/1/feedback", fac)
	get("/api/v1/deliveries.json", "/api/v1/deliveries.json", fac)
	get("/api/v1/deliveries.csv", "/api/v1/deliveries.csv", fac)
	get("/api/v1/stats/deliveries", "/api/v1/stats/deliveries?group_by=region", coord)
	get("/api/v1/stats/deliveries", "/api/v1/stats/deliveries", coord)
	get("/api/v1/stats/deliveries.csv", "/api/v1/stats/deliveries.csv?group_by=month", coord)
	get("/api/v1/stats/downloads", "/api/v1/stats/downloads", coord)

	// Forks and proposals, from a fork to a merge.
	plan := planSource(t, a, stigma)
	fork := do("POST", "/api/v1/modules/:slug/forks", "/api/v1/modules/"+stigma+"/forks", fac, nil)
	do("POST", "/api/v1/modules/:slug/forks", "/api/v1/modules/"+stigma+"/forks", fac, nil)
	forkPath := fmt.Sprintf("/api/v1/forks/%v", fork["id"])
	get("/api/v1/forks/:id", forkPath, "")
	saved := do("PUT", "/api/v1/forks/:id/files/*", forkPath+"/files/module.md", fac, map[string]string{"content": plan + "\nAdapted.\n", "base": fork["head"].(string)})
	do("PUT", "/api/v1/forks/:id/files/*", forkPath+"/files/module.md", fac, map[string]string{"content": plan, "base": fork["head"].(string)})
	do("PUT", "/api/v1/forks/:id/files/*", forkPath+"/files/module.md", fac, map[string]string{"content": "---\ntitle: [\n---\n", "base": saved["head"].(string)})
	saved = do("PUT", "/api/v1/forks/:id/files/*", forkPath+"/files/handouts/extra.md", fac, map[string]string{"content": "# Extra\n", "base": saved["head"].(string)})
	do("DELETE", "/api/v1/forks/:id/files/*", forkPath+"/files/handouts/extra.md?base="+saved["head"].(string), fac, nil)
	do("POST", "/api/v1/forks/:id/update", forkPath+"/update", fac, nil)
	prop := do("POST", "/api/v1/proposals", "/api/v1/proposals", fac, map[string]any{"fork_id": fork["id"], "title": "Adapted"})
	do("POST", "/api/v1/proposals", "/api/v1/proposals", fac, map[string]any{"title": "Nothing"})
	propPath := fmt.Sprintf("/api/v1/proposals/%v", prop["id"])
	view := get("/api/v1/proposals/:id", propPath, "")
	saved = do("PUT", "/api/v1/proposals/:id/files/*", propPath+"/files/handouts/more.md", fac, map[string]string{"content": "# More\n", "base": view["head"].(string)})
	saved = do("DELETE", "/api/v1/proposals/:id/files/*", propPath+"/files/handouts/more.md", fac, map[string]string{"base": saved["head"].(string)})
	do("POST", "/api/v1/proposals/:id/update", propPath+"/update", fac, nil)
	do("POST", "/api/v1/proposals/:id/comments", propPath+"/comments", fac, map[string]any{"body": "See line 3", "path": "modules/" + stigma + "/module.md", "line": 3})
	do("POST", "/api/v1/proposals/:id/comments", propPath+"/comments", fac, map[string]any{"body": ""})
	do("POST", "/api/v1/proposals/:id/merge", propPath+"/merge", maint, nil)
	do("POST", "/api/v1/proposals/:id/reviews", propPath+"/reviews", maint, map[string]any{"verdict": "approve", "head": mod["version"]})
	do("POST", "/api/v1/proposals/:id/reviews", propPath+"/reviews", maint, map[string]any{"verdict": "approve"})
	do("POST", "/api/v1/proposals/:id/merge", propPath+"/merge", fac, nil)
	do("POST", "/api/v1/proposals/:id/merge", propPath+"/merge", maint, map[string]any{"head": saved["head"]})
	do("POST", "/api/v1/proposals/:id/close", "/api/v1/proposals/2/close", a.tokens["target"], nil)
	do("POST", "/api/v1/proposals/:id/reopen", "/api/v1/proposals/2/reopen", fac, nil)
	do("POST", "/api/v1/proposals/:id/reopen", "/api/v1/proposals/2/reopen", a.tokens["target"], map[string]any{})
	do("POST", "/api/v1/proposals/:id/merge", "/api/v1/proposals/3/merge", maint, nil)

	// Deliveries, accounts and releases.
	d := do("POST", "/api/v1/deliveries", "/api/v1/deliveries", fac, deliveryJSON(nil))
	do("POST", "/api/v1/deliveries", "/api/v1/deliveries", fac, deliveryJSON(map[string]any{"format": "underwater", "participants": -1}))
	do("POST", "/api/v1/deliveries", "/api/v1/deliveries", "", deliveryJSON(nil))
	dPath := fmt.Sprintf("/api/v1/deliveries/%v", d["id"])
	do("PATCH", "/api/v1/deliveries/:id", dPath, fac, map[string]any{"town": "Newport", "revision": d["revision"]})
	do("PATCH", "/api/v1/deliveries/:id", dPath, fac, map[string]any{"town": "Swansea", "revision": d["revision"]})
	do("DELETE", "/api/v1/deliveries/:id", dPath, fac, nil)
	do("DELETE", "/api/v1/deliveries/:id", dPath, fac, nil)
	do("PATCH", "/api/v1/users/:id", fmt.Sprintf("/api/v1/users/%d", a.users["target"].ID), admin, map[string]any{"status": "suspended"})
	do("PATCH", "/api/v1/users/:id", fmt.Sprintf("/api/v1/users/%d", a.users["target"].ID), admin, map[string]any{"roles": "all"})
	do("POST", "/api/v1/releases", "/api/v1/releases", maint, map[string]string{"name": "v2026.09", "notes": "Adapted."})
	do("POST", "/api/v1/releases", "/api/v1/releases", maint, map[string]string{"name": "v2026.09", "notes": "Again."})
	do("POST", "/api/v1/releases", "/api/v1/releases", fac, map[string]string{"name": "v2026.10", "notes": "Mine."})

	// Workshops: a request, scheduling, registering, check-in.
	asked := do("POST", "/api/v1/requests", "/api/v1/requests", "", map[string]any{"group_name": "Leeds Tenants", "group_type": "tenants' union",
		"contact_name": "Rosa", "contact_email": "rosa@example.net", "online": true, "modules": []string{stigma}, "participants": 12})
	do("POST", "/api/v1/requests", "/api/v1/requests", "", map[string]any{"group_name": "Leeds Tenants", "colour": "red"})
	do("POST", "/api/v1/requests", "/api/v1/requests", "", map[string]any{"group_name": "Leeds Tenants", "online": true, "modules": []string{"made-up"}})
	get("/api/v1/requests", "/api/v1/requests?limit=1", coord)
	get("/api/v1/requests", "/api/v1/requests?status=lost", coord)
	get("/api/v1/requests", "/api/v1/requests", fac)
	get("/api/v1/requests/:id", fmt.Sprintf("/api/v1/requests/%v", asked["id"]), coord)
	get("/api/v1/requests/:id", "/api/v1/requests/999", coord)
	get("/api/v1/suggestions", fmt.Sprintf("/api/v1/suggestions?module=%s&request_id=%v&limit=1", stigma, asked["id"]), coord)
	get("/api/v1/suggestions", "/api/v1/suggestions?online=maybe", coord)
	day := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	scheduled := map[string]any{"module": stigma, "starts_at": day + "T18:00", "ends_at": day + "T20:30", "timezone": "Europe/London",
		"venue": "Unite House", "town": "London", "region": "London", "capacity": 1, "visibility": "public",
		"facilitators": []int64{a.users["facilitator"].ID}, "request_id": asked["id"]}
	ws := do("POST", "/api/v1/workshops", "/api/v1/workshops", coord, scheduled)
	scheduled["starts_at"], scheduled["ends_at"], scheduled["request_id"] = day+"T10:00", day+"T12:00", nil
	do("POST", "/api/v1/workshops", "/api/v1/workshops", coord, scheduled)
	scheduled["capacity"] = 0
	do("POST", "/api/v1/workshops", "/api/v1/workshops", coord, scheduled)
	wsPath := fmt.Sprintf("/api/v1/workshops/%v", ws["id"])
	get("/api/v1/workshops", "/api/v1/workshops?limit=1", "")
	get("/api/v1/workshops", "/api/v1/workshops?from=soon", "")
	get("/api/v1/workshops/:id", wsPath, "")
	get("/api/v1/workshops/:id", "/api/v1/workshops/999", "")
	ann := do("POST", "/api/v1/workshops/:id/registrations", wsPath+"/registrations", "", map[string]any{"name": "Ann", "email": "ann@example.net"})
	do("POST", "/api/v1/workshops/:id/registrations", wsPath+"/registrations", "", map[string]any{"name": "Bob", "email": "bob@example.net"})
	do("POST", "/api/v1/workshops/:id/registrations", wsPath+"/registrations", "", map[string]any{"name": "Ann", "email": "ann@example.net"})
	do("POST", "/api/v1/workshops/:id/registrations", wsPath+"/registrations", "", map[string]any{"name": "Cat", "email": "not an email"})
	get("/api/v1/workshops/:id/registrations", wsPath+"/registrations?limit=1", fac)
	get("/api/v1/workshops/:id/registrations", wsPath+"/registrations", maint)
	do("POST", "/api/v1/workshops/:id/attendance", wsPath+"/attendance", fac, map[string]any{"registration_id": ann["id"], "status": "attended"})
	do("POST", "/api/v1/workshops/:id/delivery", wsPath+"/delivery", fac, nil)
	do("DELETE", "/api/v1/registrations/:token", "/api/v1/registrations/"+path.Base(ann["cancel_url"].(string)), "", nil)
	do("DELETE", "/api/v1/registrations/:token", "/api/v1/registrations/no-such-token", "", nil)
	get("/api/v1/stats/workshops", "/api/v1/stats/workshops", coord)
	do("POST", "/api/v1/workshops/:id/cancel", wsPath+"/cancel", coord, map[string]any{"reason": "Snow."})
	do("POST", "/api/v1/workshops/:id/cancel", wsPath+"/cancel", coord, map[string]any{"reason": "Snow."})

	// Notifications and webhooks (issue 20).
	get("/api/v1/notifications", "/api/v1/notifications?limit=1", fac)
	get("/api/v1/notifications", "/api/v1/notifications?unread=true", maint)
	get("/api/v1/notifications", "/api/v1/notifications?unread=maybe", fac)
	get("/api/v1/notifications", "/api/v1/notifications", "")
	do("POST", "/api/v1/notifications/read", "/api/v1/notifications/read", fac, map[string]any{"all": true})
	do("POST", "/api/v1/notifications/read", "/api/v1/notifications/read", fac, map[string]any{})
	do("POST", "/api/v1/notifications/read", "/api/v1/notifications/read", fac, map[string]any{"ids": "all"})
	get("/api/v1/me/notification-settings", "/api/v1/me/notification-settings", fac)
	do("PUT", "/api/v1/me/notification-settings", "/api/v1/me/notification-settings", fac, map[string]any{
		"email": map[string]string{"reply": "digest"}, "watches": []map[string]string{{"target": "module:" + stigma, "level": "everything"}}})
	do("PUT", "/api/v1/me/notification-settings", "/api/v1/me/notification-settings", fac, map[string]any{"email": map[string]string{"reply": "never"}})
	hook := do("POST", "/api/v1/webhooks", "/api/v1/webhooks", admin, map[string]any{"url": "https://hooks.example.net/praxis", "events": []string{"release.cut"}})
	do("POST", "/api/v1/webhooks", "/api/v1/webhooks", admin, map[string]any{"url": "ftp://x", "events": []string{}})
	do("POST", "/api/v1/webhooks", "/api/v1/webhooks", fac, map[string]any{"url": "https://hooks.example.net/praxis", "events": []string{"release.cut"}})
	get("/api/v1/webhooks", "/api/v1/webhooks?limit=1", admin)
	get("/api/v1/webhooks", "/api/v1/webhooks", fac)
	hookPath := fmt.Sprintf("/api/v1/webhooks/%v", hook["id"])
	do("POST", "/api/v1/webhooks/:id/test", hookPath+"/test", admin, nil)
	get("/api/v1/webhooks/:id", hookPath, admin)
	get("/api/v1/webhooks/:id", "/api/v1/webhooks/999", admin)
	do("DELETE", "/api/v1/webhooks/:id", hookPath, admin, nil)
	do("DELETE", "/api/v1/webhooks/:id", hookPath, admin, nil)
	do("POST", "/api/v1/webhooks/:id/test", hookPath+"/test", admin, nil)

	for _, r := range a.handler.Routes() {
		if strings.HasPrefix(r.Path, "/api/") && !touched[r.Method+" "+r.Path] {
			t.Errorf("%s %s was not checked against the document", r.Method, r.Path)
		}
	}
}
