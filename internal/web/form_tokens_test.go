package web_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"testing"
)

// postForm is a form that changes something, and what it holds.
var postForm = regexp.MustCompile(`(?s)<form\b[^>]*method="post"[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)

// TestEveryFormCarriesTheSessionsToken: each form on the pages for
// deliveries, moving and copying modules, binary files, reviews bound to a
// head and the admin settings (quotas, approvals) repeats the CSRF token of
// the signed-in person's session, so that a browser without fetch metadata
// can send it (issue 17's session-bound token on every form, whichever
// branch added the form).
func TestEveryFormCarriesTheSessionsToken(t *testing.T) {
	a := newAccountApp(t)
	fac := a.tokens["facilitator"]
	_, delivery := a.apiCall(http.MethodPost, "/api/v1/deliveries", fac, deliveryJSON(nil))
	_, fork := a.apiCall(http.MethodPost, "/api/v1/modules/"+stigma+"/forks", fac, nil)
	forkID := int(fork["id"].(float64))
	status, saved := a.apiCall(http.MethodPut, fmt.Sprintf("/api/v1/forks/%d/files/handouts/diagram.png", forkID), fac,
		map[string]string{"content": base64.StdEncoding.EncodeToString(pngBytes), "encoding": "base64", "base": fork["head"].(string)})
	if status != http.StatusOK {
		t.Fatalf("PUT diagram.png = %d %v", status, saved)
	}
	proposal, _ := openProposal(t, a, fac, "## About this workshop", "## About this workshop (reviewed)")

	pages := map[string][]string{
		"facilitator@example.org": {
			"/deliveries/new",
			fmt.Sprintf("/deliveries/%d/edit", int(delivery["id"].(float64))),
			"/modules/" + stigma + "/move",
			fmt.Sprintf("/forks/%d/edit?file=handouts/diagram.png", forkID),
			"/account",
		},
		"maintainer@example.org": {fmt.Sprintf("/proposals/%d", proposal)},
		"admin@example.org":      {"/admin/settings"},
	}
	for who, paths := range pages {
		b := a.browser()
		b.logIn(who)
		for _, path := range paths {
			page := b.do(http.MethodGet, path, nil)
			if page.status != http.StatusOK {
				t.Fatalf("GET %s as %s = %d", path, who, page.status)
			}
			// The layout's sign-out form carries the session's token.
			token := csrfField.FindStringSubmatch(page.body)
			if token == nil || token[1] == "" {
				t.Fatalf("GET %s has no token", path)
			}
			forms := postForm.FindAllStringSubmatch(page.body, -1)
			if len(forms) < 2 {
				t.Errorf("GET %s: %d forms; want the page's own besides sign-out", path, len(forms))
			}
			for _, form := range forms {
				if m := csrfField.FindStringSubmatch(form[2]); m == nil || m[1] != token[1] {
					t.Errorf("GET %s: the form to %s lacks the session's CSRF token", path, form[1])
				}
			}
		}
	}
}
