package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
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

// TestCookieTossingFromAnotherPort: a page on another port of the same host
// is another origin but the same site, and cookies do not keep ports apart.
// It plants a praxis_csrf cookie and posts a form that repeats its value:
// to a signed-in person's profile, and to the sign-in form with the
// attacker's own account (login CSRF). Both are refused and change nothing
// (issue 17).
func TestCookieTossingFromAnotherPort(t *testing.T) {
	srv := newServer(t)
	person := srv.addUser("sam@example.org", "Sam Organiser", "facilitator")
	attackerAccount := srv.addUser("mal@example.org", "Mal Planted", "facilitator")
	srv.start()
	const planted = "planted-by-the-page-next-door"
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Cookies belong to a host, whatever its port: these reach praxis.
		for _, path := range []string{"/", "/account", "/login"} {
			http.SetCookie(w, &http.Cookie{Name: "praxis_csrf", Value: planted, Path: path})
		}
		fields := `<input type="hidden" name="name" value="Tossed">`
		action := srv.URL + "/account"
		if r.URL.Path == "/login" {
			action = srv.URL + "/login"
			fields = fmt.Sprintf(`<input type="hidden" name="email" value="%s"><input type="hidden" name="password" value="%s">`, attackerAccount.Email, password)
		}
		fmt.Fprintf(w, `<!doctype html><title>Next door</title><form method="post" action="%s">%s
<input type="hidden" name="csrf" value="%s"><button type="submit">Go</button></form>`, action, fields, planted)
	}))
	t.Cleanup(attacker.Close)
	if !strings.HasPrefix(attacker.URL, "http://127.0.0.1:") || !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("praxis at %s and the other page at %s are not two ports of one host", srv.URL, attacker.URL)
	}

	b := newBrowser(t, srv)
	b.signIn(person.Email)
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(attacker.URL+"/profile")); err != nil {
		t.Fatal(err)
	}
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL + "/account"}})
	if err != nil {
		t.Fatal(err)
	}
	plantedFor := 0
	for _, c := range cookies.Cookies {
		if c.Name == "praxis_csrf" && c.Value == planted {
			plantedFor++
		}
	}
	if plantedFor == 0 {
		t.Fatalf("the page next door could not plant its cookie for praxis: %+v", cookies.Cookies)
	}
	b.navigateBy("submit the form next door", chromedp.Click(chromedp.CSS("button")), 403)
	b.visit("/account")
	if name := b.attr("#f-name", "value"); name != person.Name {
		t.Fatalf("after the tossed cookie the name is %q, want %q", name, person.Name)
	}

	anon := newBrowser(t, srv)
	ctx2, cancel2 := context.WithTimeout(anon.ctx, stepTimeout)
	defer cancel2()
	if err := chromedp.Do(ctx2, chromedp.Navigate(attacker.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	anon.navigateBy("submit the sign-in form next door", chromedp.Click(chromedp.CSS("button")), 403)
	anon.visit("/")
	if anon.count(".account-nav a[href='/login']") != 1 || strings.Contains(anon.text(".account-nav"), attackerAccount.Name) {
		t.Errorf("the sign-in form next door signed the browser in: %q", anon.text(".account-nav"))
	}
}

// TestSignInRedirectStaysOnPraxis: a signed-in person who follows a link to
// /login?next=... is sent on only within praxis, whatever the link hides
// (tabs, newlines, backslashes) for the browser to reinterpret (issue 17).
// "Evil" is another local server that counts visits.
func TestSignInRedirectStaysOnPraxis(t *testing.T) {
	srv := newServer(t)
	person := srv.addUser("sam@example.org", "Sam Organiser", "facilitator")
	srv.start()
	var visits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		visits.Add(1)
		fmt.Fprint(w, `<!doctype html><title>Evil</title><p>Evil`)
	}))
	t.Cleanup(evil.Close)
	host := strings.TrimPrefix(evil.URL, "http://")

	b := newBrowser(t, srv)
	b.signIn(person.Email)
	for _, next := range []string{
		"/%09/" + host, "/%0A/" + host, "/%0D%0A/" + host, "%09//" + host, "/%5C" + host, "%5C%5C" + host,
		"/%09%5C" + host, "http:%5C%5C" + host, "http:/%09/" + host, "%20//" + host, "//" + host, evil.URL,
	} {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/login?next="+next))
		cancel()
		if err != nil {
			t.Errorf("next=%s: %v", next, err)
			continue
		}
		if loc := b.location(); !strings.HasPrefix(loc, srv.URL+"/") {
			t.Errorf("signed in, /login?next=%s led the browser to %s", next, loc)
		}
	}
	if n := visits.Load(); n > 0 {
		t.Errorf("the other site was visited %d times", n)
	}
	// A destination on praxis is kept.
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/login?next=%2Faccount%2Ftokens")); err != nil {
		t.Fatal(err)
	}
	if p := b.path(); p != "/account/tokens" {
		t.Errorf("next=/account/tokens led to %s", p)
	}
}

// TestHandoutsCannotRunOnPraxis: a contributor adds a JavaScript file and a
// stylesheet as handouts of their adapted copy. praxis's own policy allows
// scripts and styles from praxis's origin, so if the files were served as
// what they are, any HTML injection could load them. In the browser, a
// script element and a stylesheet link pointing at them must do nothing
// (issue 17). The canary shows that the same elements pointing at praxis's
// real assets do work here.
func TestHandoutsCannotRunOnPraxis(t *testing.T) {
	srv := newServer(t)
	contributor := srv.addUser("cai@example.org", "Cai Contributor", "facilitator")
	srv.start()
	token := srv.token(contributor.Email)
	var mod struct{ Version string }
	srv.api(token, "GET", "/api/v1/modules/"+meetings, nil, &mod, 200)
	var fork struct{ ID int }
	srv.api(token, "POST", "/api/v1/modules/"+meetings+"/forks", nil, &fork, 201)
	head := mod.Version
	for name, content := range map[string]string{
		"evil.js":  `document.documentElement.dataset.pwned = "script"; alert("handout script ran")`,
		"evil.css": `html { --pwned: 1; } body { display: none !important; }`,
	} {
		var saved struct{ Head string }
		srv.api(token, "PUT", fmt.Sprintf("/api/v1/forks/%d/files/handouts/%s", fork.ID, name), map[string]string{
			"content": content, "base": head, "message": "Add " + name,
		}, &saved, 200)
		head = saved.Head
	}

	b := newBrowser(t, srv)
	b.visit("/modules/" + meetings)
	load := func(tag, url string) string {
		var outcome string
		b.eval(fmt.Sprintf(`new Promise(done => {
			const el = document.createElement(%q);
			if (el.tagName === "LINK") { el.rel = "stylesheet"; el.href = %q } else { el.src = %q }
			el.onload = () => done("loaded"); el.onerror = () => done("refused");
			document.head.appendChild(el);
		})`, tag, url, url), &outcome)
		return outcome
	}
	// The canary: praxis's own script and stylesheet load in this page.
	var assets struct{ Script, Style string }
	b.eval(`({script: (document.querySelector("script[src]") || {}).src || "", style: document.querySelector("link[rel=stylesheet]").href})`, &assets)
	if got := load("link", assets.Style); got != "loaded" {
		t.Fatalf("praxis's own stylesheet %s did not load in the page (%s): the check would prove nothing", assets.Style, got)
	}
	for _, c := range []struct{ tag, name string }{{"script", "evil.js"}, {"link", "evil.css"}} {
		url := fmt.Sprintf("/modules/%s/handouts/%s?rev=%s", meetings, c.name, head)
		if got := load(c.tag, url); got != "refused" {
			t.Errorf("a <%s> pointing at the handout %s was %s, want refused", c.tag, c.name, got)
		}
	}
	var pwned struct{ Script, Style string }
	b.eval(`({script: document.documentElement.dataset.pwned || "", style: getComputedStyle(document.documentElement).getPropertyValue("--pwned")})`, &pwned)
	if pwned.Script != "" || strings.TrimSpace(pwned.Style) != "" {
		t.Errorf("a handout ran on praxis's origin: %+v", pwned)
	}
}
