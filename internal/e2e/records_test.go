package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// atWidths takes a screenshot of the page at 1280 and 375 pixels wide, and
// checks that nothing scrolls sideways at 375 and 320.
func (b *browser) atWidths(name string) {
	b.t.Helper()
	for _, w := range []int64{1280, 375, 320} {
		if w == 1280 {
			b.do(chromedp.EmulateViewport(w, 900))
		} else {
			b.do(chromedp.EmulateViewport(w, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
		}
		var width int
		b.eval(`document.documentElement.scrollWidth`, &width)
		if width > int(w) {
			var wide []string
			b.eval(fmt.Sprintf(`[...document.querySelectorAll("body, body *")].filter(e => e.getBoundingClientRect().right > %d || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible").slice(0, 8).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right) + "/" + e.scrollWidth)`, w), &wide)
			b.t.Errorf("%s is %dpx wide on a %dpx screen: it scrolls sideways; too wide: %v", name, width, w, wide)
		}
		if w != 320 {
			b.screenshot(fmt.Sprintf("%s-%d", name, w))
		}
	}
	b.do(chromedp.EmulateViewport(1280, 900))
}

// TestCoFacilitatorsAndStaleFormsInTheBrowser: a facilitator names a
// co-facilitator by typing part of a name (suggestions come as they type),
// is asked which of two members with that name they mean, and logs the
// delivery without ever seeing an email address; an edit form saved after
// someone else changed the delivery comes back saying so, with the typing
// kept, and saves on the second try.
func TestCoFacilitatorsAndStaleFormsInTheBrowser(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	fac := srv.addUser("fatima@example.org", "Fatima Facilitator", "facilitator")
	srv.addUser("sam.one@hidden.example", "Sam Jones", "facilitator")
	srv.addUser("sam.two@hidden.example", "Sam Jones", "facilitator")
	srv.addUser("rosa@hidden.example", "Rosa Luxembourg", "facilitator")
	srv.start()
	token := srv.token(fac.Email)
	b := newBrowser(t, srv)
	b.signIn(fac.Email)

	b.visit("/deliveries/new")
	b.set("#f-material", "module:"+matchWomen)
	b.fill("#f-duration", "150")
	b.fill("#f-participants", "14")
	b.fill("#f-town", "Bow")
	b.fill("#f-co_names", "Rosa Luxembourg, Sa")
	var suggestion string
	b.waitFor(`[...document.querySelectorAll("#co-people option")].some(o => o.value === "Rosa Luxembourg, Sam Jones")`)
	b.eval(`[...document.querySelectorAll("#co-people option")].map(o => o.value).join("|")`, &suggestion)
	if strings.Contains(suggestion, "Rosa Luxembourg, Rosa Luxembourg") {
		t.Errorf("the suggestions offer a name already typed: %q", suggestion)
	}
	b.fill("#f-co_names", "Rosa Luxembourg, Sam Jones")
	b.navigateBy("log with an ambiguous name", chromedp.Click(chromedp.CSS("form.delivery-form button[type=submit]")), 422)
	b.contains("#f-co-error", `more than one member of the network is called "Sam Jones"`)
	if n := b.count(`.people-choices input[name=co_facilitator]`); n != 3 {
		t.Errorf("%d co-facilitator choices, want Rosa (ticked) and the two Sam Joneses", n)
	}
	b.contains("main", "Which Sam Jones do you mean?", "Rosa Luxembourg")
	if strings.Contains(b.text("main"), "@hidden.example") {
		t.Error("the form shows a member's email address")
	}
	b.atWidths("delivery-co-facilitators")
	b.click(`.choice-question + .people-choices input[name=co_facilitator]`)
	b.submit("form.delivery-form button[type=submit]")
	b.contains(".flash", "Delivery logged")
	b.contains("main", "Rosa Luxembourg", "Sam Jones")
	where := b.path()

	// Someone else changes the record while the form is open.
	b.visit(where + "/edit")
	if strings.Contains(b.text("main"), "@") {
		t.Error("the edit form shows an email address")
	}
	srv.api(token, "PATCH", "/api/v1"+where, map[string]any{"participants": 20}, nil, 200)
	b.fill("#f-town", "Poplar")
	b.navigateBy("save a stale form", chromedp.Click(chromedp.CSS("form.delivery-form button[type=submit]")), 409)
	b.contains(".notice-problem", "Nothing was saved", "participants")
	b.contains("#f-participants-error", `Changed by someone else to "20"`)
	var town, participants string
	b.eval(`document.querySelector("#f-town").value`, &town)
	b.eval(`document.querySelector("#f-participants").value`, &participants)
	if town != "Poplar" || participants != "20" {
		t.Errorf("the stale form came back with town %q and participants %q, want Poplar (typed) and 20 (theirs)", town, participants)
	}
	b.atWidths("delivery-stale")
	b.submit("form.delivery-form button[type=submit]")
	b.contains("main", "Poplar", "20, of whom")
}

// gitShow reads a file at a commit with real git.
func (s *server) gitShow(commit, path string) []byte {
	s.t.Helper()
	out, err := exec.Command("git", "--git-dir", filepath.Join(s.dir, "curriculum.git"), "show", commit+":"+path).Output()
	if err != nil {
		s.t.Fatalf("git show %s:%s: %v", commit, path, err)
	}
	return out
}

// TestFilesRoundTripThroughTheBrowser saves files through the web editor of
// a real browser, whose text box turns every line break into CRLF and drops a
// line break right after the tag: each file keeps its own line breaks, its
// byte-order mark and its leading blank lines. A PNG is never put in a text
// box: the editor offers to download, replace or remove it.
func TestFilesRoundTripThroughTheBrowser(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	srv := newServer(t)
	fac := srv.addUser("fatima@example.org", "Fatima Facilitator", "facilitator")
	srv.start()
	token := srv.token(fac.Email)
	var fork struct {
		ID   int
		Head string
	}
	srv.api(token, "POST", "/api/v1/modules/"+matchWomen+"/forks", nil, &fork, 201)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0xff, 0x00, 0x0d, 0x0a}, 64)...)
	files := []struct {
		path    string
		content []byte
	}{
		{"handouts/diagram.png", png},
		{"handouts/crlf.md", []byte("# Cards\r\n\r\nOne\r\nTwo\r\n")},
		{"handouts/bom.md", []byte("\ufeff# With a mark\r\nOne\r\n")},
		{"handouts/blank.md", []byte("\n\n# After two blank lines\n")},
	}
	head := fork.Head
	for _, f := range files {
		var saved struct{ Head string }
		srv.api(token, "PUT", fmt.Sprintf("/api/v1/forks/%d/files/%s", fork.ID, f.path),
			map[string]string{"content": base64.StdEncoding.EncodeToString(f.content), "encoding": "base64", "base": head}, &saved, 200)
		head = saved.Head
	}
	dir := "modules/" + matchWomen + "/"
	if got := srv.gitShow(head, dir+"handouts/diagram.png"); !bytes.Equal(got, png) {
		t.Fatalf("the PNG saved through the API is %q", got)
	}

	b := newBrowser(t, srv)
	b.signIn(fac.Email)
	b.visit(fmt.Sprintf("/forks/%d/edit?file=handouts/diagram.png", fork.ID))
	if n := b.count("#f-content"); n != 0 {
		t.Fatal("the PNG is opened in a text box")
	}
	b.contains("main", "handouts/diagram.png is not a text file", "Download handouts/diagram.png", "Replace the file", "Remove handouts/diagram.png")
	b.atWidths("editor-binary")

	for _, f := range files[1:] {
		b.visit(fmt.Sprintf("/forks/%d/edit?file=%s", fork.ID, f.path))
		var text string
		b.eval(`document.querySelector("#f-content").value`, &text)
		want := strings.ReplaceAll(strings.TrimPrefix(string(f.content), "\ufeff"), "\r\n", "\n")
		if text != want {
			t.Errorf("%s in the text box: %q, want %q", f.path, text, want)
		}
		b.eval(`(() => { const el = document.querySelector("#f-content"); el.value = el.value + "Added in the browser.\n" })()`, nil)
		b.submit("form.editor-form button[type=submit]:not([name])")
		var now struct{ Head string }
		srv.api(token, "GET", fmt.Sprintf("/api/v1/forks/%d", fork.ID), nil, &now, 200)
		head = now.Head
		eol := "\n"
		if bytes.Contains(f.content, []byte("\r\n")) {
			eol = "\r\n"
		}
		if got, want := srv.gitShow(head, dir+f.path), string(f.content)+"Added in the browser."+eol; string(got) != want {
			t.Errorf("%s after a save in the browser: %q, want %q", f.path, got, want)
		}
	}
	if got := srv.gitShow(head, dir+"handouts/diagram.png"); !bytes.Equal(got, png) {
		t.Error("the PNG changed")
	}
}
