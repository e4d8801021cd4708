package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A form names every field at fault at once: beside each field, and in the
// summary at the top, each linked to its field; what was typed stays, the
// password never comes back.
func TestFormShowsEveryFieldErrorAtOnce(t *testing.T) {
	a := newAccountApp(t)
	b := a.browser()
	res := b.submit("/signup", "/signup", url.Values{"name": {""}, "email": {"not an address"}, "password": {"short"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a sign-up wrong in every field = %d", res.status)
	}
	for _, name := range []string{"name", "email", "password", "conduct"} {
		mustContain(t, res, `id="f-`+name+`-error"`, `<a href="#f-`+name+`">`)
	}
	mustContain(t, res, "Please correct the fields marked below", `value="not an address"`)
	if strings.Contains(res.body, `value="short"`) {
		t.Error("the password was echoed back into the form")
	}
}

// The API names the first field at fault in "field" and every one in
// "fields", whichever service refused the input: one field (an account) or
// several (a proposal to move a module, whose address is named first).
func TestAPIFieldErrors(t *testing.T) {
	a := newAccountApp(t)
	token := a.tokens["facilitator"]
	status, body := a.apiCall(http.MethodPost, "/api/v1/proposals", token,
		map[string]any{"module": stigma, "move_to": "Not An Address", "title": ""})
	fields, _ := body["fields"].(map[string]any)
	if status != http.StatusUnprocessableEntity || body["field"] != "move_to" || body["error"] != "2 fields need fixing" ||
		fields["move_to"] == nil || fields["title"] == nil {
		t.Errorf("a move wrong in two fields = %d %v; want 422 naming move_to first, and both", status, body)
	}
	status, body = a.apiCall(http.MethodPatch, "/api/v1/deliveries/1", token, map[string]any{"revision": 0})
	fields, _ = body["fields"].(map[string]any)
	if status != http.StatusUnprocessableEntity || body["field"] != "revision" || fields["revision"] != body["error"] {
		t.Errorf("a PATCH with revision 0 = %d %v; want 422 naming revision in field and fields", status, body)
	}
}
