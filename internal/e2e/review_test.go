package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestReviewerSeesTheProposalChanged: a maintainer writes an approval while
// the author pushes a new version; submitting it is refused, the page says
// so plainly, shows what changed and keeps what they wrote (also on a 320 px
// phone), and their second submission approves the version they now saw.
// Then an admin asks for two approvals, and a wrong number is shown beside
// its field.
func TestReviewerSeesTheProposalChanged(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	contributor := srv.addUser("cai@example.org", "Cai Contributor", "facilitator")
	maintainer := srv.addUser("mo@example.org", "Mo Maintainer", "maintainer")
	admin := srv.addUser("ada@example.org", "Ada Admin", "admin")
	srv.start()
	token := srv.token(contributor.Email)

	var mod struct{ Version string }
	srv.api(token, "GET", "/api/v1/modules/"+stigma, nil, &mod, 200)
	source := srv.get("/modules/" + stigma + "/plan.md?rev=" + mod.Version)
	const before, first, second = "These images are not harmless jokes.", "These images are not harmless banter.", "These images are never harmless banter."
	if !strings.Contains(source, before) {
		t.Fatalf("the module no longer says %q; choose another sentence to change", before)
	}
	var proposal struct {
		ID   int
		Head string
	}
	srv.api(token, "POST", "/api/v1/proposals", map[string]any{"module": stigma, "title": "Call it banter", "base": mod.Version,
		"changes": []map[string]string{{"path": "module.md", "content": strings.Replace(source, before, first, 1)}}}, &proposal, 201)

	b := newBrowser(t, srv)
	b.signIn(maintainer.Email)
	b.visit(fmt.Sprintf("/proposals/%d", proposal.ID))
	b.contains(".review-form legend", "Review version "+proposal.Head[:7])
	b.click("input[name=verdict][value=approve]")
	b.fill("#r-body", "Clearer. Thank you.")

	// The author pushes a new version while the maintainer writes.
	var saved struct{ Head string }
	srv.api(token, "PUT", fmt.Sprintf("/api/v1/proposals/%d/files/module.md", proposal.ID), map[string]string{
		"content": strings.Replace(source, before, second, 1), "base": proposal.Head, "message": "Stronger"}, &saved, 200)

	b.navigateBy("submit the review", chromedp.Click(chromedp.CSS(".review-form button[type=submit]")), 409)
	b.contains(".notice-problem", "changed since you loaded it", "not recorded")
	b.contains("#since h2", "What changed since version "+proposal.Head[:7])
	b.contains("#since .word-diff ins", "never")
	var kept string
	b.eval(`document.querySelector("#r-body").value`, &kept)
	if kept != "Clearer. Thank you." {
		t.Errorf("the review form holds %q after the refusal, want what was typed", kept)
	}
	var checked bool
	b.eval(`document.querySelector("input[name=verdict][value=approve]").checked`, &checked)
	if !checked {
		t.Error("the verdict chosen was lost")
	}
	if head := b.attr(".review-form input[name=head]", "value"); head != saved.Head {
		t.Errorf("the review form is now for %s, want the new version %s", head, saved.Head)
	}
	b.screenshotTop("maintainer-proposal-changed")
	b.do(chromedp.EmulateViewport(320, 800, chromedp.EmulateMobile, chromedp.EmulateTouch))
	var width int
	b.eval(`document.documentElement.scrollWidth`, &width)
	if width > 320 {
		t.Errorf("the changed proposal page is %dpx wide on a 320px phone: it scrolls sideways", width)
	}
	b.screenshotTop("maintainer-proposal-changed-phone")
	b.do(chromedp.EmulateViewport(1280, 900))

	b.submit(".review-form button[type=submit]")
	b.contains(".checks-list", "Approved by a maintainer at its latest version (1 of 1 approval)")
	b.contains(".discussion", maintainer.Name, "approved", "Clearer. Thank you.")

	a := newBrowser(t, srv)
	a.signIn(admin.Email)
	a.visit("/admin/settings")
	a.fill("#f-review_approvals", "0")
	a.navigateBy("save settings", chromedp.Click(chromedp.CSS("form[action='/admin/settings'] button[type=submit]")), 422)
	a.contains(".field-invalid .field-error", "whole number from 1 to 5")
	a.screenshot("admin-settings-approvals")
	a.fill("#f-review_approvals", "2")
	a.submit("form[action='/admin/settings'] button[type=submit]")

	b.visit(fmt.Sprintf("/proposals/%d", proposal.ID))
	b.contains(".checks-list", "1 of 2 approvals")
	if n := b.count("form[action$='/merge']"); n != 0 {
		t.Error("the merge button is offered with 1 of 2 approvals")
	}
}
