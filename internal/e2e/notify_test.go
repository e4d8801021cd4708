package e2e

import (
	"fmt"

	"github.com/chromedp/chromedp"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNotificationsInTheBrowser: a facilitator whose proposal a maintainer
// answers sees the bell count it, opens the inbox, follows the notification
// (which marks it read), chooses what is emailed to her, and watches a
// module; an admin looks at the background jobs. Every page at 1280 and 375
// pixels, none scrolling sideways at 320, none with serious axe violations.
func TestNotificationsInTheBrowser(t *testing.T) {
	srv := newServer(t)
	fay := srv.addUser("fay@example.org", "Fay Facilitator", "facilitator")
	srv.addUser("max@example.org", "Max Maintainer", "maintainer")
	ada := srv.addUser("ada@example.org", "Ada Admin", "admin")
	srv.start()
	fayToken, maxToken := srv.token(fay.Email), srv.token("max@example.org")

	var proposal struct {
		ID int64 `json:"id"`
	}
	srv.api(fayToken, http.MethodPost, "/api/v1/proposals", map[string]any{"module": matchWomen, "title": "A welcome round",
		"changes": []map[string]any{{"path": "handouts/welcome.md", "content": "# Welcome\n\nGo round: your name, and why you came.\n"}}}, &proposal, http.StatusCreated)
	srv.api(maxToken, http.MethodPost, fmt.Sprintf("/api/v1/proposals/%d/comments", proposal.ID),
		map[string]any{"body": "Thank you, Fay. @Fay Facilitator, could the round name the strike's leaders too?"}, nil, http.StatusCreated)
	// The job queue tells her in a moment.
	var inbox struct {
		Unread int `json:"unread"`
	}
	for deadline := time.Now().Add(30 * time.Second); inbox.Unread < 1; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no notification reached Fay within 30s")
		}
		srv.api(fayToken, http.MethodGet, "/api/v1/notifications?unread=true", nil, &inbox, http.StatusOK)
	}

	b := newBrowser(t, srv)
	b.signIn(fay.Email)
	b.visit("/")
	if label := b.attr("a.bell", "aria-label"); label != "Notifications, 1 unread" {
		t.Errorf("the bell says %q, want 1 unread", label)
	}
	b.click("a.bell")
	b.loaded()
	b.contains("main", "Max Maintainer mentioned you in “A welcome round”", "Mark all read")
	b.atWidths("notifications-inbox")
	b.checkAccessibility()
	b.click(".inbox-item a")
	b.loaded()
	if p := b.path(); p != fmt.Sprintf("/proposals/%d", proposal.ID) {
		t.Errorf("the notification led to %s", p)
	}
	if n := b.count("a.bell .bell-count"); n != 0 {
		t.Error("the bell still counts once the notification was opened")
	}

	b.visit("/account/notifications")
	b.contains("main", "Mentions", "Replies", "Modules you use", "You watch nothing yet")
	b.atWidths("notifications-settings")
	b.checkAccessibility()
	b.click(`input[name="email.reply"][value="off"]`)
	b.submit(`form[action="/account/notifications"] button[type=submit]`)
	b.contains(".flash", "Your email settings are saved.")

	b.visit("/modules/" + matchWomen)
	b.contains(".watch-form", "Watch this module")
	b.submit(`.watch-form button[value="everything"]`)
	b.contains(".watch-form", "You are watching everything")
	b.contains(".flash", "You are watching it")
	b.noSidewaysScroll("module with its watch form")
	for _, w := range []int64{1280, 375} {
		if w == 1280 {
			b.do(chromedp.EmulateViewport(w, 900))
		} else {
			b.do(chromedp.EmulateViewport(w, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
		}
		b.eval(`document.querySelector(".watch-form").scrollIntoView({block: "center"}); true`, nil)
		b.screenshotTop(fmt.Sprintf("notifications-module-watch-%d", w))
	}
	b.do(chromedp.EmulateViewport(1280, 900))
	b.checkAccessibility()
	b.visit("/account/notifications")
	if !strings.Contains(b.text(".watch-list"), matchWomenTitle) {
		t.Errorf("the watch list does not name the module: %q", b.text(".watch-list"))
	}

	admin := newBrowser(t, srv)
	admin.signIn(ada.Email)
	admin.visit("/admin/jobs?state=done")
	admin.contains("main", "Background jobs", "notify.fanout")
	admin.atWidths("notifications-jobs")
	admin.checkAccessibility()
}

// noSidewaysScroll checks that the page fits 375 and 320 pixels wide.
func (b *browser) noSidewaysScroll(name string) {
	b.t.Helper()
	for _, w := range []int64{375, 320} {
		b.do(chromedp.EmulateViewport(w, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
		var width int
		b.eval(`document.documentElement.scrollWidth`, &width)
		if width > int(w) {
			b.t.Errorf("%s is %dpx wide on a %dpx screen: it scrolls sideways", name, width, w)
		}
	}
	b.do(chromedp.EmulateViewport(1280, 900))
}
