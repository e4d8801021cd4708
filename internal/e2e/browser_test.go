package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// stepTimeout bounds every browser action: a page that does not answer fails
// the test instead of hanging it.
const stepTimeout = 20 * time.Second

// browser is one tab in a fresh browser context (its own cookies), pointed at
// one praxis. Every page it loads is checked: the status, the
// Content-Security-Policy, and axe's serious and critical violations.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string

	mu         sync.Mutex
	dialogs    []string // messages of alert, confirm and prompt dialogs
	console    []string // console API calls and uncaught exceptions
	documents  int      // HTML documents whose headers were checked
	badHeaders []string // documents whose CSP allows inline scripts
}

// newBrowser opens a tab in its own browser context.
func newBrowser(t *testing.T, srv *server) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(suite.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	b := &browser{t: t, ctx: ctx, base: srv.URL, shots: screenshotDir(t)}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, d := range b.dialogs {
			t.Errorf("a JavaScript dialog opened: %q", d)
		}
		for _, m := range b.console {
			if strings.HasPrefix(m, "exception: ") {
				t.Errorf("a page threw an uncaught %s", m)
			}
		}
		if b.documents == 0 && !t.Failed() {
			t.Error("no HTML page of praxis passed through the header check")
		}
	})
	return b
}

// record runs in the tab's event loop: it notes dialogs, console output and
// the headers of HTML documents. It must return fast and send no command, so
// it leaves closing a dialog to a goroutine.
func (b *browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
		go func() {
			_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}()
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, arg := range ev.Args {
			args = append(args, string(arg.Value)+arg.Description)
		}
		b.console = append(b.console, fmt.Sprintf("console.%s(%s)", ev.Type, strings.Join(args, ", ")))
	case *runtime.EventExceptionThrown:
		b.console = append(b.console, "exception: "+ev.ExceptionDetails.Text+" "+exceptionDescription(ev.ExceptionDetails))
	case *network.EventResponseReceived:
		if ev.Type != network.ResourceTypeDocument || !strings.HasPrefix(ev.Response.URL, b.base) {
			return
		}
		if ct := header(ev.Response.Headers, "Content-Type"); !strings.HasPrefix(ct, "text/html") {
			return
		}
		b.documents++
		csp := header(ev.Response.Headers, "Content-Security-Policy")
		if script := directive(csp, "script-src"); script == "" || strings.Contains(script, "'unsafe-inline'") {
			b.badHeaders = append(b.badHeaders, fmt.Sprintf("%s: Content-Security-Policy %q", ev.Response.URL, csp))
		}
	}
}

func exceptionDescription(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// header finds a response header whatever the case of its name.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// directive returns the value of one directive of a Content-Security-Policy,
// falling back to default-src as browsers do.
func directive(csp, name string) string {
	var fallback string
	for part := range strings.SplitSeq(csp, ";") {
		fields := strings.Fields(part)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case name:
			return strings.Join(fields[1:], " ")
		case "default-src":
			fallback = strings.Join(fields[1:], " ")
		}
	}
	return fallback
}

// do runs actions with the step timeout.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser at %s: %v", b.location(), err)
	}
}

// eval evaluates JavaScript in the page, awaiting a promise, and decodes the
// result into out (when not nil).
func (b *browser) eval(js string, out any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.80q at %s: %v", js, b.location(), err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("evaluate %.80q: decode %s: %v", js, raw, err)
		}
	}
}

// location is the page's URL, or a note that it is unknown.
func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown page)"
	}
	return loc
}

// path is the page's URL without the server's address.
func (b *browser) path() string {
	return strings.TrimPrefix(b.location(), b.base)
}

// visit loads a page of praxis and checks it answered 200.
func (b *browser) visit(path string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	b.arrived(path, res, err, 200)
}

// submit clicks a button or link that loads a new page, waits for it and
// checks that it (after any redirect) answered 200.
func (b *browser) submit(selector string) {
	b.t.Helper()
	b.navigateBy(selector, chromedp.Click(chromedp.CSS(selector)), 200)
}

// navigateBy runs an action that loads a new page, such as a click or a key
// press, and checks that the page answered want.
func (b *browser) navigateBy(what string, action chromedp.Action[chromedp.Void], want int64) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, action)
	b.arrived(what, res, err, want)
}

// arrived checks the page a navigation ended on: its status, its headers and
// its accessibility.
func (b *browser) arrived(what string, res *network.Response, err error, want int64) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("%s at %s: %v", what, b.location(), err)
	}
	if res == nil {
		b.t.Fatalf("%s: no HTTP response", what)
	}
	if res.Status != want {
		b.t.Fatalf("%s: %s answered %d %s, want %d; page says %q", what, res.URL, res.Status, res.StatusText, want, b.textOr("main", ""))
	}
	b.loaded()
}

// loaded checks a page that has just loaded: its headers and its
// accessibility.
func (b *browser) loaded() {
	b.t.Helper()
	b.mu.Lock()
	bad := b.badHeaders
	b.badHeaders = nil
	b.mu.Unlock()
	for _, h := range bad {
		b.t.Errorf("a script-src without 'unsafe-inline' is required: %s", h)
	}
	b.checkAccessibility()
}

// fill types text into an empty field, as a person would.
func (b *browser) fill(selector, text string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`document.querySelector(%q).value = ""`, selector), nil)
	b.do(chromedp.SendKeys(chromedp.CSS(selector), text))
}

// set sets the value of a field directly: selects, dates, long text.
func (b *browser) set(selector, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.CSS(selector), value))
}

// click clicks an element that does not load a new page.
func (b *browser) click(selector string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(selector)))
}

// text returns the visible text of the first element matching selector.
func (b *browser) text(selector string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("text of %s at %s: %v", selector, b.location(), err)
	}
	return s
}

// textOr returns the text of selector, or def when there is no such element.
func (b *browser) textOr(selector, def string) string {
	var s *string
	b.eval(fmt.Sprintf(`(() => { const el = document.querySelector(%q); return el ? el.innerText : null })()`, selector), &s)
	if s == nil {
		return def
	}
	return *s
}

// count returns how many elements match selector.
func (b *browser) count(selector string) int {
	b.t.Helper()
	var n int
	b.eval(fmt.Sprintf(`document.querySelectorAll(%q).length`, selector), &n)
	return n
}

// attr returns an attribute of the first element matching selector.
func (b *browser) attr(selector, name string) string {
	b.t.Helper()
	var v string
	b.eval(fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: () => ""}).getAttribute(%q) || ""`, selector, name), &v)
	return v
}

// contains fails the test unless the element's text contains every want.
func (b *browser) contains(selector string, want ...string) {
	b.t.Helper()
	got := b.text(selector)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Fatalf("%s of %s = %q, want it to contain %q", selector, b.path(), got, w)
		}
	}
}

// waitFor waits until a JavaScript condition holds.
func (b *browser) waitFor(condition string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](condition, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		b.t.Fatalf("waiting at %s for %s: %v", b.path(), condition, err)
	}
}

// screenshot saves the whole page as name.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	b.saveScreenshot(name, chromedp.FullScreenshot(100))
}

// screenshotTop saves what the window shows as name.png, for pages too long
// to picture whole.
func (b *browser) screenshotTop(name string) {
	b.t.Helper()
	b.saveScreenshot(name, chromedp.CaptureScreenshot())
}

func (b *browser) saveScreenshot(name string, capture chromedp.Action[[]byte]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, capture)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// fetched is a response the page fetched with its own cookies.
type fetched struct {
	Status      int    `json:"status"`
	ContentType string `json:"type"`
	Body        []byte `json:"body"` // base64 in JSON
}

// fetch requests a URL from the page, with the browser's cookies, and
// returns the answer.
func (b *browser) fetch(href string) fetched {
	b.t.Helper()
	var f fetched
	b.eval(fmt.Sprintf(`(async () => {
		const r = await fetch(%q, {credentials: "same-origin"});
		const bytes = new Uint8Array(await r.arrayBuffer());
		let s = "";
		for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
		return {status: r.status, type: r.headers.get("content-type") || "", body: btoa(s)};
	})()`, href), &f)
	return f
}

// tabTo presses Tab from the top of the page until selector has the focus,
// and checks that the focus is visible there.
func (b *browser) tabTo(selector string) {
	b.t.Helper()
	b.eval(`document.querySelector(".skip-link").focus()`, nil)
	for range 80 {
		var on bool
		b.eval(fmt.Sprintf(`document.activeElement.matches(%q)`, selector), &on)
		if on {
			b.hasFocus(selector)
			return
		}
		b.do(chromedp.KeyEvent(kb.Tab))
	}
	b.t.Fatalf("80 presses of Tab on %s never reached %s; the focus is on %s", b.path(), selector, b.activeElement())
}

// hasFocus checks that selector has the keyboard focus and that an outline
// or a shadow shows where it is.
func (b *browser) hasFocus(selector string) {
	b.t.Helper()
	var on bool
	b.eval(fmt.Sprintf(`document.activeElement.matches(%q)`, selector), &on)
	if !on {
		b.t.Fatalf("the focus on %s is on %s, want %s", b.path(), b.activeElement(), selector)
	}
	var style struct{ Outline, Width, Shadow string }
	b.eval(`(() => { const s = getComputedStyle(document.activeElement);
		return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow} })()`, &style)
	if (style.Outline == "none" || style.Width == "0px") && style.Shadow == "none" {
		b.t.Errorf("%s has the keyboard focus on %s but nothing shows it (outline %s %s, box-shadow %s)",
			selector, b.path(), style.Outline, style.Width, style.Shadow)
	}
}

// activeElement describes the focused element, for messages.
func (b *browser) activeElement() string {
	b.t.Helper()
	var active string
	b.eval(`document.activeElement.outerHTML.slice(0, 120)`, &active)
	return active
}

// keys types into the focused element.
func (b *browser) keys(text string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(text))
}
