package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/praxis"
)

var reviewHead = regexp.MustCompile(`<form method="post" action="/proposals/\d+/reviews"[^>]*>\s*<input type="hidden" name="csrf" value="[^"]*">\s*<input type="hidden" name="head" value="([0-9a-f]{40})">`)

// openProposal opens a proposal changing one sentence of the stigma module
// through the API and returns its id and head.
func openProposal(t *testing.T, a *accountApp, token, old, new string) (int, string) {
	t.Helper()
	plan := planSource(t, a, stigma)
	if !strings.Contains(plan, old) {
		t.Fatalf("the plan lacks %q", old)
	}
	status, prop := a.apiCall("POST", "/api/v1/proposals", token, map[string]any{"module": stigma, "title": "Change " + old,
		"changes": []map[string]string{{"path": "module.md", "content": strings.Replace(plan, old, new, 1)}}})
	if status != http.StatusCreated {
		t.Fatalf("create proposal = %d %v", status, prop)
	}
	return int(prop["id"].(float64)), prop["head"].(string)
}

// A reviewer approves the version their page showed: when the author pushes
// in between, the review is refused, nothing is recorded, and the page says
// so and shows what changed, keeping what they wrote.
func TestReviewOfAVersionNobodySaw(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	fac := a.tokens["facilitator"]
	id, head := openProposal(t, a, fac, "## About this workshop", "## About this workshop (as reviewed)")
	propURL := fmt.Sprintf("/proposals/%d", id)

	maint := a.browser()
	maint.logIn("maintainer@example.org")
	page := maint.do(http.MethodGet, propURL, nil)
	m := reviewHead.FindStringSubmatch(page.body)
	if m == nil || m[1] != head {
		t.Fatalf("the review form does not carry the head %s it shows", head)
	}
	mustContain(t, page, "Review version "+head[:7])

	// The author pushes a new version while the maintainer reads.
	plan := planSource(t, a, stigma)
	status, saved := a.apiCall("PUT", fmt.Sprintf("/api/v1/proposals/%d/files/module.md", id), fac, map[string]string{
		"content": strings.Replace(plan, "## About this workshop", "## About this workshop (slipped in later)", 1), "base": head, "message": "Later"})
	if status != http.StatusOK {
		t.Fatalf("edit = %d %v", status, saved)
	}
	newer := saved["head"].(string)

	res := maint.submit(propURL, propURL+"/reviews", url.Values{"verdict": {"approve"}, "body": {"Clear and kind."}, "head": {head}})
	if res.status != http.StatusConflict {
		t.Fatalf("approving the version the page showed after a push = %d, want 409", res.status)
	}
	mustContain(t, res, "changed since you loaded it", "Your review was not recorded", "What changed since version <code>"+head[:7]+"</code>",
		"slipped in later", "Clear and kind.</textarea>", `name="head" value="`+newer+`"`)
	if strings.Contains(res.body, `Merge into the curriculum`) {
		t.Error("the merge button is offered after a refused review")
	}
	_, view := a.apiCall("GET", fmt.Sprintf("/api/v1/proposals/%d", id), "", nil)
	if view["approved"] != false || len(view["reviews"].([]any)) != 0 {
		t.Fatalf("after a refused review: approved %v, reviews %v", view["approved"], view["reviews"])
	}

	// The API says the same, with the head it is now at.
	status, body := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", id), a.tokens["maintainer"], map[string]string{"verdict": "approve", "head": head})
	if status != http.StatusConflict || body["head"] != newer {
		t.Fatalf("API review of an old head = %d %v, want 409 naming %s", status, body, newer)
	}

	// Reviewing the version now shown works, and the merge button appears.
	res = maint.submit(propURL, propURL+"/reviews", url.Values{"verdict": {"approve"}, "body": {"Clear and kind."}, "head": {newer}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("review of the current version = %d\n%s", res.status, res.body)
	}
	mustContain(t, maint.do(http.MethodGet, propURL, nil), "Approved by a maintainer at its latest version (1 of 1 approval)", "Merge into the curriculum")

	// A later push makes that approval stale, and the page says so.
	plan = planSource(t, a, stigma)
	status, _ = a.apiCall("PUT", fmt.Sprintf("/api/v1/proposals/%d/files/module.md", id), fac, map[string]string{
		"content": strings.Replace(plan, "## About this workshop", "## About this workshop (after the approval)", 1), "base": newer, "message": "After"})
	if status != http.StatusOK {
		t.Fatalf("second edit = %d", status)
	}
	page = maint.do(http.MethodGet, propURL, nil)
	mustContain(t, page, "0 of 1 approval", "An approval of an earlier version does not count", "(an earlier version)", "?since="+newer)
	if strings.Contains(page.body, "Merge into the curriculum") {
		t.Error("the merge button is offered on a stale approval")
	}
	mustContain(t, maint.do(http.MethodGet, propURL+"?since="+newer, nil), "What changed since version", "after the approval")
	if res := maint.do(http.MethodGet, propURL+"?since=nonsense", nil); res.status != http.StatusUnprocessableEntity {
		t.Errorf("?since=nonsense = %d, want 422", res.status)
	}
	// Without a head the API reviews the current version, as before.
	if status, r := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", id), a.tokens["maintainer"], map[string]string{"verdict": "approve"}); status != http.StatusCreated || r["head"] == newer {
		t.Errorf("API review without a head = %d %v", status, r)
	}
}

// Nobody approves their own proposal, and a merge needs as many approvals as
// an admin has set, shown on the page as "1 of 2 approvals".
func TestSelfApprovalAndRequiredApprovals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newAccountApp(t)
	second, _, err := a.svc.AddUser(ctx, account.NewUser{Email: "sam@example.org", Name: "Sam Second", Roles: []praxis.Role{praxis.RoleMaintainer}, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	secondToken, err := a.svc.CreateTokenFor(ctx, second.Email, "test")
	if err != nil {
		t.Fatal(err)
	}

	admin := a.browser()
	admin.logIn("admin@example.org")
	mustContain(t, admin.do(http.MethodGet, "/admin/settings", nil), `name="review_approvals"`, `value="1"`)
	res := admin.submit("/admin/settings", "/admin/settings", url.Values{"signup_mode": {"open"}, "git_read": {"public"}, "review_approvals": {"0"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("settings with 0 approvals = %d, want 422", res.status)
	}
	mustContain(t, res, `id="f-review_approvals-error"`, "give a whole number from 1 to 5", `value="0"`)
	if mode, _ := a.svc.SignupMode(ctx); mode == praxis.SignupOpen {
		t.Error("a form with a bad number still saved the sign-up policy")
	}
	if res := admin.submit("/admin/settings", "/admin/settings", url.Values{"signup_mode": {"approval"}, "git_read": {"public"}, "review_approvals": {"2"}}); res.status != http.StatusSeeOther {
		t.Fatalf("settings = %d\n%s", res.status, res.body)
	}
	mustContain(t, admin.do(http.MethodGet, "/admin/settings", nil), `value="2"`)

	maintToken := a.tokens["maintainer"]
	id, head := openProposal(t, a, maintToken, "## About this workshop", "## About this workshop (a maintainer's own)")
	propURL := fmt.Sprintf("/proposals/%d", id)
	author := a.browser()
	author.logIn("maintainer@example.org")
	page := author.do(http.MethodGet, propURL, nil)
	mustContain(t, page, "You cannot approve your own proposal", "0 of 2 approvals")
	if strings.Contains(page.body, `value="approve"`) {
		t.Error("the author is offered Approve on their own proposal")
	}
	if status, body := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", id), maintToken, map[string]string{"verdict": "approve", "head": head}); status != http.StatusForbidden {
		t.Fatalf("self-approval = %d %v, want 403", status, body)
	}
	if res := author.submit(propURL, propURL+"/reviews", url.Values{"verdict": {"approve"}, "head": {head}}); res.status != http.StatusForbidden {
		t.Errorf("self-approval from the page = %d, want 403", res.status)
	}

	if status, _ := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", id), a.tokens["admin"], map[string]string{"verdict": "approve", "head": head}); status != http.StatusCreated {
		t.Fatalf("admin review = %d", status)
	}
	page = author.do(http.MethodGet, propURL, nil)
	mustContain(t, page, "1 of 2 approvals")
	if strings.Contains(page.body, "Merge into the curriculum") {
		t.Error("the merge button is offered with 1 of 2 approvals")
	}
	status, view := a.apiCall("GET", fmt.Sprintf("/api/v1/proposals/%d", id), "", nil)
	if status != http.StatusOK || view["approvals"] != 1.0 || view["approvals_required"] != 2.0 || view["approved"] != false {
		t.Fatalf("GET proposal = approvals %v of %v, approved %v", view["approvals"], view["approvals_required"], view["approved"])
	}
	if status, body := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", id), maintToken, map[string]string{"head": head}); status != http.StatusUnprocessableEntity || !strings.Contains(body["error"].(string), "1 of the 2 approvals") {
		t.Fatalf("merge with 1 of 2 approvals = %d %v", status, body)
	}
	if status, _ := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", id), secondToken, map[string]string{"verdict": "approve", "head": head}); status != http.StatusCreated {
		t.Fatalf("second review = %d", status)
	}
	mustContain(t, author.do(http.MethodGet, propURL, nil), "Approved by 2 maintainers at its latest version (2 of 2 approvals)", "Merge into the curriculum")
	if status, body := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", id), maintToken, map[string]string{"head": head}); status != http.StatusOK {
		t.Fatalf("merge = %d %v", status, body)
	}
}

// A merge refused for conflicts says on the page which files conflict.
func TestMergeConflictPageNamesTheFiles(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	first, firstHead := openProposal(t, a, a.tokens["facilitator"], "## About this workshop", "## About this workshop (first)")
	second, secondHead := openProposal(t, a, a.tokens["target"], "## About this workshop", "## About this workshop (second)")
	maint := a.tokens["maintainer"]
	for _, p := range []struct {
		id   int
		head string
	}{{first, firstHead}, {second, secondHead}} {
		if status, body := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/reviews", p.id), maint, map[string]string{"verdict": "approve", "head": p.head}); status != http.StatusCreated {
			t.Fatalf("review = %d %v", status, body)
		}
	}
	if status, body := a.apiCall("POST", fmt.Sprintf("/api/v1/proposals/%d/merge", first), maint, nil); status != http.StatusOK {
		t.Fatalf("merge = %d %v", status, body)
	}
	b := a.browser()
	b.logIn("maintainer@example.org")
	propURL := fmt.Sprintf("/proposals/%d", second)
	res := b.submit(propURL, propURL+"/merge", url.Values{"head": {secondHead}})
	if res.status != http.StatusConflict {
		t.Fatalf("conflicted merge = %d", res.status)
	}
	mustContain(t, res, "Conflicting: modules/"+stigma+"/module.md.")
}
