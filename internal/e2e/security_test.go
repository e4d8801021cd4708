package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// hostile is Markdown that would run script, or frame another site, if
// praxis let raw HTML or javascript: links through.
const hostile = `

## Hostile

<script>alert(1)</script>

<img src=x onerror=alert(2)>

A [x](javascript:alert(3)) link.

<iframe src="https://example.org"></iframe>
`

// TestMarkdownCannotRunScript commits hostile Markdown to a fork and loads it
// in every place praxis renders it. The page's Content-Security-Policy is
// bypassed, so that the sanitiser alone is on trial: a dialog, an iframe, an
// event handler or a javascript: link would each be a failure.
func TestMarkdownCannotRunScript(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	contributor := srv.addUser("cai@example.org", "Cai Contributor", "facilitator")
	srv.start()
	token := srv.token(contributor.Email)

	var mod struct{ Version string }
	srv.api(token, "GET", "/api/v1/modules/"+meetings, nil, &mod, 200)
	source := srv.get("/modules/" + meetings + "/plan.md?rev=" + mod.Version)
	var fork struct{ ID int }
	srv.api(token, "POST", "/api/v1/modules/"+meetings+"/forks", nil, &fork, 201)
	var saved struct{ Head string }
	srv.api(token, "PUT", fmt.Sprintf("/api/v1/forks/%d/files/module.md", fork.ID), map[string]string{
		"content": source + hostile, "base": mod.Version, "message": "Hostile Markdown",
	}, &saved, 200)

	b := newBrowser(t, srv)
	b.signIn(contributor.Email)
	if _, err := chromedp.Call(b.ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}

	// The canary shows that, with the policy bypassed, an unsanitised
	// handler in this browser does open a dialog the test sees.
	b.visit("/modules/" + meetings)
	b.eval(`document.body.insertAdjacentHTML("beforeend", "<img src=x onerror=alert('canary')>")`, nil)
	b.waitFor(`document.readyState === "complete"`)
	b.waitForDialog("canary")

	for _, path := range []string{
		fmt.Sprintf("/forks/%d", fork.ID),
		fmt.Sprintf("/modules/%s?rev=%s", meetings, saved.Head),
		fmt.Sprintf("/forks/%d/edit", fork.ID),
	} {
		b.visit(path)
		b.checkInert(path)
		b.contains("main", "A x link.")
		b.clickText("x")
		b.checkInert(path + " after clicking the link's text")
	}

	// The editor's live preview renders the draft on the server as well.
	b.eval(`(() => { const el = document.querySelector("#f-content"); el.focus(); el.setSelectionRange(el.value.length, el.value.length) })()`, nil)
	b.keys("\nPreview again.\n")
	b.waitFor(`document.querySelector("#preview").innerText.includes("Preview again.")`)
	b.checkInert("the live preview")

	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if strings.Contains(m, "alert") || strings.Contains(m, "exception") {
			t.Errorf("the hostile Markdown reached the console: %s", m)
		}
	}
}

// waitForDialog waits until a dialog with this message has opened, and
// forgets it.
func (b *browser) waitForDialog(message string) {
	b.t.Helper()
	found := func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		for i, d := range b.dialogs {
			if strings.HasSuffix(d, message) {
				b.dialogs = slices.Delete(b.dialogs, i, i+1)
				return true
			}
		}
		return false
	}
	for range 100 {
		if found() {
			return
		}
		b.do(chromedp.Sleep(20 * time.Millisecond))
	}
	b.t.Fatalf("no dialog %q opened within 2s: the dialog check would not see one", message)
}

// checkInert fails the test when the page holds anything the hostile Markdown
// could run or frame.
func (b *browser) checkInert(where string) {
	b.t.Helper()
	var found struct {
		Iframes, Handlers, Scripts int
		Links                      []string
	}
	b.eval(`(() => ({
		iframes: document.querySelectorAll("iframe, frame, object, embed").length,
		handlers: Array.from(document.querySelectorAll("*")).filter(el =>
			Array.from(el.attributes).some(a => a.name.startsWith("on"))).length,
		scripts: Array.from(document.scripts).filter(s => s.text.includes("alert")).length,
		links: Array.from(document.querySelectorAll("a[href]")).map(a => a.getAttribute("href"))
			.filter(h => /^\s*javascript:/i.test(h)),
	}))()`, &found)
	if found.Iframes > 0 || found.Handlers > 0 || found.Scripts > 0 || len(found.Links) > 0 {
		b.t.Errorf("%s: %d frames, %d elements with event handlers, %d scripts with alert, javascript: links %q; want none",
			where, found.Iframes, found.Handlers, found.Scripts, found.Links)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.dialogs {
		b.t.Errorf("%s: a dialog opened: %s", where, d)
	}
	b.dialogs = nil
}

// clickText clicks the innermost element of the plan whose own text is text,
// or the word inside a paragraph where a link to it was written.
func (b *browser) clickText(text string) {
	b.t.Helper()
	var box struct{ X, Y float64 }
	b.eval(fmt.Sprintf(`(() => {
		const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
		for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			const i = n.data.indexOf(" %[1]s ");
			if (i < 0 || !n.data.includes("link")) continue;
			const r = document.createRange();
			r.setStart(n, i + 1); r.setEnd(n, i + 1 + %[2]d);
			r.startContainer.parentElement.scrollIntoView({block: "center"});
			const rect = r.getBoundingClientRect();
			return {x: rect.x + rect.width / 2, y: rect.y + rect.height / 2};
		}
		return {x: -1, y: -1};
	})()`, text, len(text)), &box)
	if box.X < 0 {
		b.t.Fatalf("no %q to click on %s", text, b.path())
	}
	b.do(chromedp.MouseClickXY(box.X, box.Y))
	b.waitFor(`document.readyState === "complete"`)
}

// TestFormsRefuseCrossSiteRequests posts a signed-in person's profile form
// without its CSRF token: from another site in the browser, and with the
// session cookie from a client that says it comes from another site or says
// nothing. Each is refused with 403 and changes nothing.
func TestFormsRefuseCrossSiteRequests(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	person := srv.addUser("sam@example.org", "Sam Organiser", "facilitator")
	srv.start()
	b := newBrowser(t, srv)
	b.signIn(person.Email)

	// A page on another site (localhost is not 127.0.0.1) with a form that
	// posts to praxis.
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>Win a prize</title>
<form method="post" action="%s/account"><input type="hidden" name="name" value="Hacked">
<button type="submit">Claim</button></form>`, srv.URL)
	}))
	t.Cleanup(attacker.Close)
	attackURL := strings.Replace(attacker.URL, "127.0.0.1", "localhost", 1)
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(attackURL)); err != nil {
		t.Fatal(err)
	}
	b.navigateBy("submit the other site's form", chromedp.Click(chromedp.CSS("button")), 403)

	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(secFetchSite, name string) int {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, "POST", srv.URL+"/account", strings.NewReader(url.Values{"name": {name}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if secFetchSite != "" {
			req.Header.Set("Sec-Fetch-Site", secFetchSite)
		}
		for _, c := range cookies.Cookies {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, site := range []string{"cross-site", ""} {
		if status := post(site, "Hacked"); status != http.StatusForbidden {
			t.Errorf("POST /account with the session cookie, no CSRF token and Sec-Fetch-Site %q = %d, want 403", site, status)
		}
	}
	b.visit("/account")
	if name := b.attr("#f-name", "value"); name != person.Name {
		t.Fatalf("after the refused requests the name is %q, want %q", name, person.Name)
	}

	// The same request from praxis's own pages is accepted: the session
	// cookie was good, and the refusals above were the CSRF check.
	const newName = "Sam O."
	if status := post("same-origin", newName); status != http.StatusSeeOther {
		t.Errorf("POST /account from the same origin = %d, want 303", status)
	}
	b.visit("/account")
	if name := b.attr("#f-name", "value"); name != newName {
		t.Errorf("after the same-origin request the name is %q, want %q", name, newName)
	}
}
