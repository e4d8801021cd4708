package web_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/praxis"
)

const stigmaSlug = "exploring-class-2-stigma"

// zipNames opens a zip, reads every entry whole (each must open) and returns
// the names.
func zipNames(t *testing.T, body string) []string {
	t.Helper()
	r, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var names []string
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s does not open: %v", f.Name, err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Fatalf("%s does not read: %v", f.Name, err)
		}
		rc.Close()
		names = append(names, f.Name)
	}
	return names
}

func zipFile(t *testing.T, body, name string) string {
	t.Helper()
	r, _ := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	for _, f := range r.File {
		if f.Name == name {
			rc, _ := f.Open()
			defer rc.Close()
			data, _ := io.ReadAll(rc)
			return string(data)
		}
	}
	t.Fatalf("no %s in the zip", name)
	return ""
}

func TestPlanDownloads(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	short := praxis.ShortID(a.first)
	for _, c := range []struct{ ext, contentType, disposition, magic string }{
		{"md", "text/markdown; charset=utf-8", "inline", "---"},
		{"pdf", "application/pdf", "inline", "%PDF-"},
		{"odt", "application/vnd.oasis.opendocument.text", "attachment", "PK"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "attachment", "PK"},
	} {
		res := a.get("/modules/" + stigmaSlug + "/plan." + c.ext)
		if res.status != http.StatusOK || res.header.Get("Content-Type") != c.contentType || !strings.HasPrefix(res.body, c.magic) {
			t.Errorf("%s: %d %s %.20q", c.ext, res.status, res.header.Get("Content-Type"), res.body)
			continue
		}
		want := c.disposition + `; filename="` + stigmaSlug + "-" + short + "." + c.ext + `"`
		if got := res.header.Get("Content-Disposition"); got != want {
			t.Errorf("%s: Content-Disposition %q, want %q", c.ext, got, want)
		}
		etag := res.header.Get("ETag")
		if etag == "" || res.header.Get("Cache-Control") == "" {
			t.Errorf("%s: no ETag or Cache-Control", c.ext)
		}
		if again := a.get("/modules/"+stigmaSlug+"/plan."+c.ext, "If-None-Match", etag); again.status != http.StatusNotModified {
			t.Errorf("%s: repeat with the ETag = %d", c.ext, again.status)
		}
	}
	if md := a.get("/modules/" + stigmaSlug + "/plan.md"); md.body != string(mustRead(t, a, stigmaSlug)) {
		t.Error("plan.md is not the source as stored")
	}
	// A download at a commit id is immutable; at main it is not.
	if res := a.get("/modules/" + stigmaSlug + "/plan.md?rev=" + a.first); !strings.Contains(res.header.Get("Cache-Control"), "immutable") {
		t.Errorf("download at a commit: Cache-Control %q", res.header.Get("Cache-Control"))
	}
	if res := a.get("/modules/" + stigmaSlug + "/plan.md"); strings.Contains(res.header.Get("Cache-Control"), "immutable") {
		t.Error("download at main is marked immutable")
	}
	for path, want := range map[string]int{
		"/modules/" + stigmaSlug + "/plan.pdf?rev=0000000000000000000000000000000000000000": http.StatusNotFound,
		"/modules/no-such-module/plan.pdf":                                                  http.StatusNotFound,
		"/modules/" + stigmaSlug + "/plan.pdf?start=25:99":                                  http.StatusUnprocessableEntity,
		"/modules/" + stigmaSlug + "/plan.pdf?paper=a3":                                     http.StatusUnprocessableEntity,
		"/modules/..%2f..%2fetc/plan.md":                                                    http.StatusNotFound,
		"/series/no-such-series/bundle.zip":                                                 http.StatusNotFound,
	} {
		if res := a.get(path); res.status != want {
			t.Errorf("GET %s = %d, want %d", path, res.status, want)
		}
	}
}

func TestBundles(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	// A handout that is not UTF-8: the bundle still builds and says so.
	a.commit(praxis.FileChange{Path: "modules/" + stigmaSlug + "/handouts/broken.md", Content: []byte("# Broken\n\n\xff\xfe not text\n")})
	res := a.get("/modules/" + stigmaSlug + "/bundle.zip")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("bundle = %d %s\n%s", res.status, res.header.Get("Content-Type"), res.body)
	}
	names := zipNames(t, res.body)
	for _, want := range []string{"plan.pdf", "plan.md", "README.md", "LICENSE.md", "handouts/broken.md"} {
		if !slices.Contains(names, want) {
			t.Errorf("bundle lacks %s: %v", want, names)
		}
	}
	pdfs := 0
	for _, n := range names {
		if strings.HasPrefix(n, "handouts/") && strings.HasSuffix(n, ".pdf") {
			pdfs++
		}
	}
	if pdfs < 3 {
		t.Errorf("only %d handouts as PDF: %v", pdfs, names)
	}
	readme := zipFile(t, res.body, "README.md")
	for _, want := range []string{"Class, stigma and shame", "handouts/broken.md: not UTF-8 text", "CC-BY-SA-4.0", "/modules/" + stigmaSlug} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q:\n%s", want, readme)
		}
	}

	series := a.get("/series/exploring-class/bundle.zip")
	if series.status != http.StatusOK {
		t.Fatalf("series bundle = %d %s", series.status, series.body)
	}
	names = zipNames(t, series.body)
	if !slices.Contains(names, "01-exploring-class-1-where-we-come-from/plan.pdf") || !slices.Contains(names, "06-exploring-class-6-taking-responsibility/plan.md") || !slices.Contains(names, "README.md") {
		t.Errorf("series bundle: %v", names)
	}

	whole := a.get("/curriculum.zip?rev=" + a.first)
	if whole.status != http.StatusOK {
		t.Fatalf("curriculum.zip = %d", whole.status)
	}
	names = zipNames(t, whole.body)
	root := "curriculum-" + praxis.ShortID(a.first) + "/"
	if !slices.Contains(names, root+"modules/"+stigmaSlug+"/module.md") || !slices.Contains(names, root+"LICENSE.md") {
		t.Errorf("curriculum.zip: %d entries, e.g. %v", len(names), names[:min(5, len(names))])
	}
	if slices.Contains(names, root+"modules/"+stigmaSlug+"/handouts/broken.md") {
		t.Error("the curriculum at the first commit holds a file added later")
	}
}

func TestPrintView(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.get("/modules/" + stigmaSlug + "/print?start=18:30&paper=letter")
	if res.status != http.StatusOK {
		t.Fatalf("print = %d", res.status)
	}
	mustContain(t, res, "Class, stigma and shame", `class="paper-letter"`, "<td>18:30</td>", "CC-BY-SA-4.0", `class="handout"`, `class="print-footer"`, "/modules/"+stigmaSlug+"/plan.pdf?")
	times := regexp.MustCompile(`<td>(\d\d:\d\d)</td>`).FindAllStringSubmatch(res.body, -1)
	if len(times) < 4 || times[1][1] <= "18:30" {
		t.Errorf("agenda start times: %v", times)
	}
	if strings.Contains(res.body, "site-header") {
		t.Error("the print view carries the site's header")
	}
}

func TestDownloadsAreCounted(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	get := func(path string, headers ...string) response {
		return a.browser().do(http.MethodGet, path, nil, headers...)
	}
	first := get("/modules/" + stigmaSlug + "/plan.pdf")
	get("/modules/" + stigmaSlug + "/plan.pdf")
	get("/modules/"+stigmaSlug+"/plan.pdf", "If-None-Match", first.header.Get("ETag")) // not a download
	get("/modules/" + stigmaSlug + "/plan.docx")
	if status, _ := a.apiCall(http.MethodGet, "/api/v1/stats/downloads", a.tokens["facilitator"], nil); status != http.StatusForbidden {
		t.Errorf("facilitator reads download counts: %d", status)
	}
	status, body := a.apiCall(http.MethodGet, "/api/v1/stats/downloads", a.tokens["coordinator"], nil)
	if status != http.StatusOK {
		t.Fatalf("downloads = %d", status)
	}
	got := map[string]float64{}
	for _, d := range body["downloads"].([]any) {
		m := d.(map[string]any)
		got[m["module"].(string)+" "+m["format"].(string)] = m["count"].(float64)
	}
	if got[stigmaSlug+" pdf"] != 2 || got[stigmaSlug+" docx"] != 1 {
		t.Errorf("counts: %v", got)
	}
	coord := a.browser()
	coord.logIn("coordinator@example.org")
	mustContain(t, coord.do(http.MethodGet, "/stats", nil), "Downloads and deliveries by module", "Class, stigma and shame")
}

func TestForkDownloadAndHugePlan(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	tok := a.tokens["facilitator"]
	status, fork := a.apiCall(http.MethodPost, "/api/v1/modules/"+stigmaSlug+"/forks", tok, nil)
	if status != http.StatusCreated {
		t.Fatalf("fork = %d %v", status, fork)
	}
	id, head := int(fork["id"].(float64)), fork["head"].(string)
	plan := planSource(t, a, stigmaSlug)
	edited := strings.Replace(plan, "## ", "Our branch runs this on Thursdays.\n\n## ", 1)
	status, res := a.apiCall(http.MethodPut, "/api/v1/forks/"+itoa(id)+"/files/module.md", tok, map[string]string{"content": edited, "base": head, "message": "Thursdays"})
	if status != http.StatusOK {
		t.Fatalf("edit fork = %d %v", status, res)
	}
	newHead := res["head"].(string)
	md := a.browser().do(http.MethodGet, "/modules/"+stigmaSlug+"/plan.md?rev="+newHead, nil)
	if md.status != http.StatusOK || !strings.Contains(md.body, "Thursdays") {
		t.Errorf("the fork's plan.md = %d", md.status)
	}
	if pdf := a.browser().do(http.MethodGet, "/modules/"+stigmaSlug+"/plan.pdf?rev="+newHead, nil); pdf.status != http.StatusOK {
		t.Errorf("the fork's PDF = %d", pdf.status)
	}
	mustContain(t, a.browser().do(http.MethodGet, "/forks/"+itoa(id), nil), "/plan.pdf?rev="+newHead)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestHugePlanIsRefusedNotFatal(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	plan := string(mustRead(t, a, stigmaSlug))
	huge := plan + strings.Repeat("A very long plan line that goes on and on.\n\n", 30_000) // about 1.3 MB
	a.commit(praxis.FileChange{Path: "modules/" + stigmaSlug + "/module.md", Content: []byte(huge)})
	// The plan is past the size praxis reads (lint says so): a clear 4xx.
	if res := a.get("/modules/" + stigmaSlug + "/plan.pdf"); res.status != http.StatusRequestEntityTooLarge && res.status != http.StatusUnprocessableEntity {
		t.Errorf("PDF of a 1.3 MB plan = %d %s", res.status, res.body)
	}
	if res := a.get("/modules/exploring-class-1-where-we-come-from/plan.pdf"); res.status != http.StatusOK {
		t.Errorf("after a refused export, another PDF = %d", res.status)
	}
}

// TestExportLinksKeepTheFilter: links built from a query string must reach
// the server as that query, not as one escaped value.
func TestExportLinksKeepTheFilter(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	coord := a.browser()
	coord.logIn("coordinator@example.org")
	stats := coord.do(http.MethodGet, "/stats?region=London&from=2025-01-01", nil)
	mustContain(t, stats, `/api/v1/deliveries.csv?from=2025-01-01&amp;region=London"`, `/api/v1/stats/deliveries?from=2025-01-01&amp;region=London"`)
	print := a.browser().do(http.MethodGet, "/modules/"+stigmaSlug+"/print?start=18:30&paper=letter", nil)
	mustContain(t, print, `/plan.pdf?paper=letter&amp;start=18%3A30"`)
}
