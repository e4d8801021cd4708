package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestRenamingAModuleInTheBrowser: a facilitator proposes a new address for
// a workshop from its page, on a phone; the form shows every mistake at once
// and keeps what was typed; a maintainer merges it; the old address leads to
// the new one.
func TestRenamingAModuleInTheBrowser(t *testing.T) {
	t.Parallel()
	const old, renamed = "exploring-class-2-stigma", "stigma-and-shame"
	srv := newServer(t)
	facilitator := srv.addUser("fatima@example.org", "Fatima Facilitator", "facilitator")
	maintainer := srv.addUser("mo@example.org", "Mo Maintainer", "maintainer")
	srv.start()

	b := newBrowser(t, srv)
	b.signIn(facilitator.Email)
	b.visit("/modules/" + old)
	b.submit("a[href='/modules/" + old + "/move']")
	b.contains("h1", "Rename or copy this workshop")
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
	b.fill("#f-move_to", "Stigma And Shame")
	b.navigateBy("propose with two mistakes", chromedp.Click(chromedp.CSS("form[action$='/move'] button[type=submit]")), 422)
	b.contains("#f-move_to-error", "lowercase letters, digits and single hyphens")
	b.contains("#f-title-error", "title")
	for _, field := range []string{"#f-move_to", "#f-title"} {
		if got := b.attr(field, "aria-invalid"); got != "true" {
			t.Errorf("%s has aria-invalid=%q, want true", field, got)
		}
	}
	if got := b.attr("#f-move_to", "value"); got != "Stigma And Shame" {
		t.Errorf("the refused address reads %q, want what was typed", got)
	}
	var width int
	b.eval(`document.documentElement.scrollWidth`, &width)
	if width > 375 {
		t.Errorf("the form is %dpx wide on a 375px phone: it scrolls sideways", width)
	}
	b.screenshot("rename-form-phone")
	b.fill("#f-move_to", renamed)
	b.fill("#f-title", "A clearer address for the stigma workshop")
	b.submit("form[action$='/move'] button[type=submit]")
	b.contains(".flash", "Your proposal is open")
	b.contains(".checks-list", "pass every lint rule", "Merges cleanly")
	proposal := b.path()

	m := newBrowser(t, srv)
	m.signIn(maintainer.Email)
	m.visit(proposal)
	m.click("input[name=verdict][value=approve]")
	m.submit("form[action$='/reviews'] button[type=submit]")
	m.screenshot("rename-proposal")
	m.submit("form[action$='/merge'] button[type=submit]")
	m.contains("main", "Merged")

	b.visit("/modules/" + old)
	if p := b.path(); p != "/modules/"+renamed {
		t.Errorf("the old address ended at %s, want /modules/%s", p, renamed)
	}
	b.contains("h1", "Class, stigma and shame")
	b.visit("/series/exploring-class")
	b.contains("main", "Class, stigma and shame")
}
