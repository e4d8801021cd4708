package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// matchWomen is the module the facilitator finds and delivers.
const (
	matchWomen      = "organising-4-match-women-1888"
	matchWomenTitle = "Learning from our history: the match women's strike of 1888"
)

// signIn signs in through the form at /login.
func (b *browser) signIn(email string) {
	b.t.Helper()
	b.visit("/login")
	b.fill("#f-email", email)
	b.fill("#f-password", password)
	b.submit("form[action='/login'] button[type=submit]")
	if p := b.path(); strings.HasPrefix(p, "/login") {
		b.t.Fatalf("signing in as %s stayed on %s: %q", email, p, b.textOr("main", ""))
	}
}

// TestFacilitatorJourney: a facilitator joins, is approved, signs in with the
// keyboard, finds a workshop, takes its PDF and bundle away, and logs a
// delivery from a phone.
func TestFacilitatorJourney(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	coordinator := srv.addUser("cora@example.org", "Cora Coordinator", "coordinator")
	srv.start()
	b := newBrowser(t, srv)
	const name, email = "Fatima Facilitator", "fatima@example.org"

	// Joining needs the code of conduct; the default policy asks a
	// coordinator to approve the new account.
	b.visit("/signup")
	b.contains("main", "A coordinator will look at your account", "Our code of conduct")
	b.fill("#f-name", name)
	b.fill("#f-email", email)
	b.fill("#f-password", password)
	b.navigateBy("join without the code of conduct", chromedp.Click(chromedp.CSS("form[action='/signup'] button[type=submit]")), 422)
	b.contains("#f-conduct-error", "code of conduct")
	if got := b.attr("#f-conduct", "aria-invalid"); got != "true" {
		t.Errorf("the refused checkbox has aria-invalid=%q, want true", got)
	}
	b.fill("#f-password", password)
	b.click("#f-conduct")
	b.submit("form[action='/signup'] button[type=submit]")
	if p := b.path(); p != "/login" {
		t.Fatalf("after joining the page is %s, want /login", p)
	}
	b.contains(".flash", "A coordinator will look at your account soon")

	b.fill("#f-email", email)
	b.fill("#f-password", password)
	b.navigateBy("sign in before approval", chromedp.Click(chromedp.CSS("form[action='/login'] button[type=submit]")), 403)
	b.contains("main", "waiting for a coordinator to approve it")

	// A coordinator approves the account in their own browser.
	c := newBrowser(t, srv)
	c.signIn(coordinator.Email)
	c.visit("/admin/users?status=pending")
	c.contains(".result-count", "1 account")
	c.contains("tbody", name, email, "pending")
	c.submit("tbody td a")
	c.contains("h1", name)
	c.contains(".status", "pending")
	c.submit("form[action$='/status'] button[type=submit]")
	c.contains(".status", "active")

	// Signing in with the keyboard alone.
	b.visit("/login")
	b.tabTo("#f-email")
	b.keys(email)
	b.keys(kb.Tab)
	b.hasFocus("#f-password")
	b.keys(password)
	b.keys(kb.Tab)
	b.hasFocus("form[action='/login'] button[type=submit]")
	b.navigateBy("press Enter on Sign in", chromedp.KeyEvent(kb.Enter), 200)
	b.contains(".account-nav", name)

	// Finding the workshop: the header search, then the filters.
	b.visit("/")
	b.tabTo("#site-q")
	b.keys("strike")
	b.navigateBy("press Enter in the header search", chromedp.KeyEvent(kb.Enter), 200)
	if p := b.path(); p != "/search?q=strike" {
		t.Fatalf("the header search went to %s, want /search?q=strike", p)
	}
	b.contains(".result-count", "11 workshops for strike")
	b.set("#s-series", "organising-fundamentals")
	b.fill("#s-max", "150")
	b.submit(".search-form button[type=submit]")
	if p := b.path(); !strings.Contains(p, "series=organising-fundamentals") || !strings.Contains(p, "max_duration=150") {
		t.Fatalf("the filtered search is %s, want series and max_duration in the query", p)
	}
	b.contains(".result-count", "3 workshops for strike")
	if got := b.text(".search-results li:first-child h2"); got != matchWomenTitle {
		t.Fatalf("first result = %q, want %q", got, matchWomenTitle)
	}
	if n := b.count(".search-results .snippet mark"); n == 0 {
		t.Error("the search results mark no matching words")
	}
	b.screenshot("facilitator-search")

	b.submit(".search-results li:first-child h2 a")
	if p := b.path(); p != "/modules/"+matchWomen {
		t.Fatalf("the first result opened %s, want /modules/%s", p, matchWomen)
	}
	b.contains("h1", matchWomenTitle)
	b.contains(".agenda", "Welcome and agreements")
	b.screenshotTop("facilitator-module")

	// Taking it away: the links' own addresses, with the browser's cookies.
	pdf := b.fetch(b.attr(".downloads a[href$='plan.pdf']", "href"))
	if pdf.Status != 200 || pdf.ContentType != "application/pdf" || !bytes.HasPrefix(pdf.Body, []byte("%PDF-")) {
		t.Fatalf("plan.pdf = %d %s starting %q, want 200 application/pdf starting %%PDF-", pdf.Status, pdf.ContentType, head(pdf.Body))
	}
	bundle := b.fetch(b.attr(".downloads a[href$='bundle.zip']", "href"))
	if bundle.Status != 200 {
		t.Fatalf("bundle.zip = %d, want 200", bundle.Status)
	}
	plan := zipFile(t, bundle.Body, "plan.pdf")
	if !bytes.HasPrefix(plan, []byte("%PDF-")) {
		t.Errorf("plan.pdf in the bundle starts %q, want %%PDF-", head(plan))
	}

	// Logging the delivery on a phone, submitted from the keyboard.
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch))
	b.visit("/deliveries/new")
	b.contains("h1", "Log a delivery")
	date := time.Now().AddDate(0, 0, -3).Format("2006-01-02")
	b.set("#f-material", "module:"+matchWomen)
	b.set("#f-date", date)
	b.fill("#f-duration", "150")
	b.click("input[name=format][value=in-person]")
	b.fill("#f-participants", "14")
	b.fill("#f-first_time", "5")
	b.fill("#f-town", "Bow")
	b.fill("#f-region", "London")
	b.fill("#f-country", "GB")
	b.fill("#f-host", "East London match workers' history group")
	b.set("#f-host_type", "community group")
	b.fill("#f-reflection_worked", "The timeline made the three weeks feel real.")
	b.fill("#f-reflection_change", "Leave more time for the debate on who led the strike.")
	var width int
	b.eval(`document.documentElement.scrollWidth`, &width)
	if width > 375 {
		t.Errorf("the delivery form is %dpx wide on a 375px phone: it scrolls sideways", width)
	}
	b.screenshot("facilitator-delivery-phone")
	b.tabTo("form.delivery-form button[type=submit]")
	b.navigateBy("press Enter on Log the delivery", chromedp.KeyEvent(kb.Enter), 200)
	b.contains(".flash", "Delivery logged")
	b.contains("main", matchWomenTitle, "Bow", "14")

	b.visit("/deliveries")
	b.contains("h1", "My deliveries")
	b.contains(".totals", "Workshops\n1", "Participants\n14", "First-timers\n5")
	b.contains(".deliveries-table tbody", matchWomenTitle, "Bow, London", "14")
	if n := b.count(".deliveries-table tbody tr"); n != 1 {
		t.Errorf("My deliveries lists %d rows, want 1", n)
	}
	b.screenshot("facilitator-deliveries-phone")
}

// head is the start of a body, for messages.
func head(body []byte) string {
	return string(body[:min(len(body), 16)])
}

// zipFile returns the named file of a zip archive, failing the test when the
// archive or the file is missing.
func zipFile(t *testing.T, archive []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatalf("not a zip (%d bytes starting %q): %v", len(archive), head(archive), err)
	}
	var names []string
	for _, f := range zr.File {
		if f.Name != name && !strings.HasSuffix(f.Name, "/"+name) {
			names = append(names, f.Name)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	t.Fatalf("the zip has no %s; it has %s", name, strings.Join(names, ", "))
	return nil
}

// meetings is the module the contributor adapts.
const meetings = "organising-6-meetings"

// TestContributorJourney: a facilitator adapts a module, edits it with the
// live preview, is stopped by a broken front matter, fixes it, proposes the
// change and answers a maintainer's comment.
func TestContributorJourney(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	contributor := srv.addUser("cai@example.org", "Cai Contributor", "facilitator")
	maintainer := srv.addUser("mo@example.org", "Mo Maintainer", "maintainer")
	srv.start()
	maintainerToken := srv.token(maintainer.Email)
	b := newBrowser(t, srv)
	b.signIn(contributor.Email)

	b.visit("/modules/" + meetings)
	b.submit("form[action='/modules/" + meetings + "/fork'] button[type=submit]")
	forkPath := b.path()
	if !strings.HasPrefix(forkPath, "/forks/") {
		t.Fatalf("adapting the module went to %s, want /forks/{id}", forkPath)
	}
	b.contains(".flash", "This is your own copy of the module")
	b.contains("#fork-heading", "Your adapted copy")
	b.contains(".notice-fork", "No changes yet.")

	b.submit(".notice-fork a[href$='/edit']")
	if p := b.path(); p != forkPath+"/edit" {
		t.Fatalf("Edit the plan went to %s, want %s/edit", p, forkPath)
	}
	var source string
	b.eval(`document.querySelector("#f-content").value`, &source)
	if !strings.HasPrefix(source, "---\ntitle: \"Meetings people come back to") {
		t.Fatalf("the editor holds %.60q, want the module's source", source)
	}

	// Typing updates the preview through htmx.
	const added = "A closing round: one word each on how the meeting felt."
	b.eval(`(() => { const el = document.querySelector("#f-content"); el.focus(); el.setSelectionRange(el.value.length, el.value.length) })()`, nil)
	b.keys("\n" + added + "\n")
	b.waitFor(fmt.Sprintf(`document.querySelector("#preview").innerText.includes(%q)`, added))
	b.set("#f-message", "Add a closing round")
	b.screenshot("contributor-editor")

	// A broken front matter is refused with the problem named, and the draft
	// is kept.
	b.eval(`(() => { const el = document.querySelector("#f-content"); el.value = el.value.replace("\nduration: 150\n", "\nduration: two hours\n") })()`, nil)
	b.navigateBy("save a broken front matter", chromedp.Click(chromedp.CSS(".editor-form button.button[type=submit]")), 422)
	b.contains(".notice-problem", "Not saved: the module has problems", "duration: must be a whole number")
	b.eval(`document.querySelector("#f-content").value`, &source)
	if !strings.Contains(source, added) || !strings.Contains(source, "duration: two hours") {
		t.Fatal("the refused draft was not given back in the editor")
	}
	b.eval(`(() => { const el = document.querySelector("#f-content"); el.value = el.value.replace("\nduration: two hours\n", "\nduration: 150\n") })()`, nil)
	b.submit(".editor-form button.button[type=submit]")
	if p := b.path(); p != forkPath {
		t.Fatalf("saving went to %s, want %s", p, forkPath)
	}
	b.contains(".flash", "Saved.")
	b.contains(".notice-fork", "1 change of its own.")
	b.contains(".plan-body", added)

	// Proposing the change.
	b.submit(".notice-fork a[href$='/propose']")
	b.contains("h1", "Propose your changes")
	b.fill("#p-title", "A closing round for every meeting")
	b.fill("#p-description", "Groups that ended with a round came back more often.")
	b.submit("form[action$='/propose'] button[type=submit]")
	proposalPath := b.path()
	var proposalID int
	if _, err := fmt.Sscanf(proposalPath, "/proposals/%d", &proposalID); err != nil {
		t.Fatalf("proposing went to %s, want /proposals/{id}", proposalPath)
	}
	b.contains(".flash", "Your proposal is open")
	b.contains("h1", "open", "A closing round for every meeting")
	b.contains(".word-diff ins", "closing round")

	// A maintainer asks a question through the API; the contributor answers
	// in the browser.
	const question = "Does the round work online too?"
	srv.api(maintainerToken, "POST", fmt.Sprintf("/api/v1/proposals/%d/comments", proposalID), map[string]string{"body": question}, nil, 201)
	b.visit(proposalPath)
	b.contains(".discussion", maintainer.Name, question)
	const answer = "Yes: in the chat, one word each, then unmute to say why."
	b.fill("#c-body", answer)
	b.submit("form[action$='/comments'] button[type=submit]")
	if p := b.path(); p != proposalPath {
		t.Fatalf("commenting went to %s, want %s", p, proposalPath)
	}
	b.contains(".discussion", question, contributor.Name, answer)
	b.screenshot("contributor-proposal")

	var proposal struct {
		Comments []struct{ Body string }
	}
	srv.api(maintainerToken, "GET", fmt.Sprintf("/api/v1/proposals/%d", proposalID), nil, &proposal, 200)
	if n := len(proposal.Comments); n != 2 || proposal.Comments[1].Body != answer {
		t.Errorf("the API lists comments %+v, want the question and then the answer", proposal.Comments)
	}
}

// stigma is the module the maintainer's proposal changes.
const stigma = "exploring-class-2-stigma"

// TestMaintainerJourney: a maintainer reviews a proposal's rendered and
// source diffs, approves and merges it, cuts a release, and finds the change
// in the module's history.
func TestMaintainerJourney(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	contributor := srv.addUser("cai@example.org", "Cai Contributor", "facilitator")
	maintainer := srv.addUser("mo@example.org", "Mo Maintainer", "maintainer")
	srv.start()
	contributorToken := srv.token(contributor.Email)

	// The proposal arrives through the API, as a script or a git push would
	// make it.
	var mod struct{ Version string }
	srv.api(contributorToken, "GET", "/api/v1/modules/"+stigma, nil, &mod, 200)
	source := srv.get("/modules/" + stigma + "/plan.md?rev=" + mod.Version)
	const before, after = "These images are not harmless jokes.", "These images are not harmless banter."
	if !strings.Contains(source, before) {
		t.Fatalf("the module no longer says %q; choose another sentence to change", before)
	}
	var fork struct{ ID int }
	srv.api(contributorToken, "POST", "/api/v1/modules/"+stigma+"/forks", nil, &fork, 201)
	srv.api(contributorToken, "PUT", fmt.Sprintf("/api/v1/forks/%d/files/module.md", fork.ID), map[string]string{
		"content": strings.Replace(source, before, after, 1), "base": mod.Version, "message": "Banter, not jokes",
	}, nil, 200)
	var proposal struct{ ID int }
	srv.api(contributorToken, "POST", "/api/v1/proposals", map[string]any{
		"fork_id": fork.ID, "title": "Call it banter", "description": "Closer to how people talk about it.",
	}, &proposal, 201)

	b := newBrowser(t, srv)
	b.signIn(maintainer.Email)
	b.visit("/proposals")
	b.contains("main", "Call it banter")
	b.submit(fmt.Sprintf("main a[href='/proposals/%d']", proposal.ID))
	b.contains("h1", "open", "Call it banter")
	b.contains(".checks-list", "Waiting for a maintainer to approve", "pass every lint rule", "Merges cleanly")
	if n := b.count("form[action$='/merge']"); n != 0 {
		t.Error("the merge button is offered before approval")
	}
	b.contains(".word-diff del", "jokes")
	b.contains(".word-diff ins", "banter")
	b.click(".file-diff details:not([open]) > summary")
	b.contains("table.diff tr.diff-del", before)
	b.contains("table.diff tr.diff-add", after)
	b.screenshot("maintainer-proposal")

	b.click("input[name=verdict][value=approve]")
	b.fill("#r-body", "Clearer. Thank you.")
	b.submit(".review-form button[type=submit]")
	b.contains(".checks-list", "Approved by a maintainer at its latest version")
	b.contains(".discussion", maintainer.Name, "approved", "Clearer. Thank you.")

	b.submit("form[action$='/merge'] button[type=submit]")
	b.contains("h1", "merged")
	b.contains(".merge-panel", "Merged")
	if code := b.text(".merge-panel code"); len(code) < 7 {
		t.Errorf("the merged proposal names its merge commit %q, want a short commit id", code)
	}

	b.visit("/releases/new")
	b.contains("h1", "Cut a release")
	var notes string
	b.eval(`document.querySelector("#r-notes").value`, &notes)
	if !strings.Contains(notes, "Call it banter") {
		t.Errorf("the release notes are pre-filled with %q, want the merged proposal", notes)
	}
	release := time.Now().UTC().Format("v2006.01")
	b.fill("#r-name", release)
	b.submit("form[action='/releases'] button[type=submit]")
	if p := b.path(); p != "/releases" {
		t.Fatalf("cutting the release went to %s, want /releases", p)
	}
	b.contains(".flash", "Release "+release+" is cut")
	b.contains("main", release, "Call it banter")

	b.visit("/modules/" + stigma)
	b.contains(".plan-body", after)
	b.visit("/modules/" + stigma + "/history")
	b.contains("h1", "History of")
	first := b.text("ol.history > li:first-child")
	for _, want := range []string{"Banter, not jokes", contributor.Name, fmt.Sprintf("from proposal #%d", proposal.ID), "first in " + release} {
		if !strings.Contains(first, want) {
			t.Errorf("the newest history entry reads %q, want it to mention %q", first, want)
		}
	}
	b.screenshot("maintainer-history")
	b.submit("ol.history > li:first-child .history-links a[href*='/compare/']")
	b.contains("main", "banter")
}

// statsGroup is one row of a statistics table.
type statsGroup struct {
	Label        string `json:"label"`
	Deliveries   int    `json:"deliveries"`
	Participants int    `json:"participants"`
	FirstTime    int    `json:"first_time"`
}

// TestCoordinatorJourney: a coordinator reads the dashboard of a network with
// 2,000 deliveries, filters it by region and dates, and finds the same
// figures in its charts, its tables, the JSON API and the CSV export.
func TestCoordinatorJourney(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.cli("", "demo", "--data", srv.dir, "--facilitators", "50", "--deliveries", "2000")
	coordinator := srv.addUser("cora@example.org", "Cora Coordinator", "coordinator")
	srv.start()
	token := srv.token(coordinator.Email)
	srv.waitForStats(token, 2000)

	b := newBrowser(t, srv)
	b.signIn(coordinator.Email)
	b.visit("/stats")
	b.contains("h1", "The network at a glance")
	b.contains(".totals", "Workshops\n2,000")
	b.waitForCharts()
	b.screenshot("coordinator-dashboard")

	// Filtering by a region and a year up to last month.
	var region string
	b.eval(`document.querySelector("#s-region").options[1].value`, &region)
	from := time.Now().AddDate(-1, 0, 0).Format("2006-01-02")
	to := time.Now().AddDate(0, -1, 0).Format("2006-01-02")
	b.set("#s-region", region)
	b.set("#s-from", from)
	b.set("#s-to", to)
	b.submit("form.filters button[type=submit]")
	query := b.path()
	for _, want := range []string{"region=" + strings.ReplaceAll(region, " ", "+"), "from=" + from, "to=" + to} {
		if !strings.Contains(query, want) {
			t.Fatalf("the filtered dashboard is %s, want %s in its query", query, want)
		}
	}
	b.contains(".lead", "from "+longDate(from), "to "+longDate(to))
	b.waitForCharts()
	b.screenshot("coordinator-dashboard-filtered")

	filter := fmt.Sprintf("from=%s&to=%s&region=%s", from, to, strings.ReplaceAll(region, " ", "%20"))
	for _, groupBy := range []string{"region", "module"} {
		var report struct {
			Totals struct{ Deliveries int }
			Groups []statsGroup
		}
		srv.api(token, "GET", "/api/v1/stats/deliveries?group_by="+groupBy+"&"+filter, nil, &report, 200)
		if len(report.Groups) == 0 || report.Totals.Deliveries == 0 {
			t.Fatalf("the API finds no deliveries in %s from %s to %s; the demo data should have some", region, from, to)
		}
		if groupBy == "region" && (len(report.Groups) != 1 || report.Groups[0].Label != region) {
			t.Errorf("the API's regions for a filter on %s are %+v", region, report.Groups)
		}
		if got := b.text(".totals div:first-child dd"); got != thousands(report.Totals.Deliveries) {
			t.Errorf("the dashboard counts %s workshops, the API %d", got, report.Totals.Deliveries)
		}
		var rows []statsGroup
		b.eval(fmt.Sprintf(`Array.from(document.querySelectorAll("#t-%s tbody tr")).map(tr => {
			const n = i => parseInt(tr.cells[i].textContent.replace(/,/g, ""), 10);
			return {label: tr.cells[0].textContent.trim(), deliveries: n(1), participants: n(2), first_time: n(3)};
		})`, groupBy), &rows)
		if !equalGroups(rows, report.Groups) {
			t.Errorf("the %s table shows %+v, the API %+v", groupBy, rows, report.Groups)
		}
	}

	// The exports carry the same filter.
	tableCSV := b.attr("#t-region a[href*='deliveries.csv']", "href")
	checkFilterLink(t, tableCSV, region, from, to)
	table := readCSV(t, b.fetch(tableCSV))
	if len(table) != 2 || table[0][1] != "label" || table[1][1] != region {
		t.Errorf("the region table's CSV has %d lines starting %q, want a header and one row for %s", len(table), table[:min(len(table), 3)], region)
	}
	deliveriesCSV := b.attr(".exports a[href^='/api/v1/deliveries.csv']", "href")
	checkFilterLink(t, deliveriesCSV, region, from, to)
	records := readCSV(t, b.fetch(deliveriesCSV))
	if len(records) < 2 {
		t.Fatalf("the deliveries CSV has %d lines, want a header and rows", len(records))
	}
	column := map[string]int{}
	for i, name := range records[0] {
		column[name] = i
	}
	outside := 0
	for _, r := range records[1:] {
		if r[column["region"]] != region || r[column["date"]] < from || r[column["date"]] > to {
			outside++
		}
	}
	if outside > 0 {
		t.Errorf("the deliveries CSV linked from the filtered dashboard has %d of %d deliveries outside %s, %s to %s",
			outside, len(records)-1, region, from, to)
	}
}

// checkFilterLink checks that an export link carries the dashboard's filter.
func checkFilterLink(t *testing.T, href, region, from, to string) {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("region") != region || q.Get("from") != from || q.Get("to") != to {
		t.Errorf("the export link %s does not carry the filter region=%s from=%s to=%s (its query parses as %v)", href, region, from, to, q)
	}
}

// readCSV parses a fetched CSV file, failing the test unless it is one.
func readCSV(t *testing.T, f fetched) [][]string {
	t.Helper()
	if f.Status != 200 || !strings.HasPrefix(f.ContentType, "text/csv") {
		t.Fatalf("CSV export = %d %s, want 200 text/csv", f.Status, f.ContentType)
	}
	records, err := csv.NewReader(bytes.NewReader(f.Body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV export: %v", err)
	}
	return records
}

// waitForStats waits until praxis has loaded the statistics of n deliveries,
// which it does in the background after it starts listening.
func (s *server) waitForStats(token string, n int) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var report struct{ Totals struct{ Deliveries int } }
		s.api(token, "GET", "/api/v1/stats/deliveries?group_by=region", nil, &report, 200)
		if report.Totals.Deliveries == n {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the statistics count %d deliveries 15s after start, want %d", report.Totals.Deliveries, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForCharts waits until dashboard.js has drawn every chart.
func (b *browser) waitForCharts() {
	b.t.Helper()
	b.waitFor(`document.querySelectorAll("canvas[data-chart]").length > 0 &&
		document.querySelectorAll("canvas[data-chart]:not([data-drawn='true'])").length === 0`)
}

func equalGroups(a, b []statsGroup) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// thousands writes n as the dashboard does: 12,345.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// longDate writes a YYYY-MM-DD date as the dashboard does: 2 January 2006.
func longDate(date string) string {
	d, _ := time.Parse("2006-01-02", date)
	return d.Format("2 January 2006")
}
