package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// parsedFeed is what feedparser, a real feed reader, makes of a feed.
type parsedFeed struct {
	Bozo    bool   `json:"bozo"`
	Problem string `json:"problem"`
	Version string `json:"version"`
	Feed    struct {
		ID      string              `json:"id"`
		Title   string              `json:"title"`
		Updated string              `json:"updated"`
		Links   []map[string]string `json:"links"`
	} `json:"feed"`
	Entries []struct {
		ID      string `json:"id"`
		Title   string `json:"title"`
		Link    string `json:"link"`
		Updated string `json:"updated"`
		Author  string `json:"author"`
		Summary string `json:"summary"`
	} `json:"entries"`
}

const feedparserScript = `
import json, sys, feedparser
d = feedparser.parse(sys.stdin.buffer.read())
out = {"bozo": bool(d.bozo), "problem": str(d.get("bozo_exception", "")), "version": d.version,
       "feed": {"id": d.feed.get("id", ""), "title": d.feed.get("title", ""), "updated": d.feed.get("updated", ""),
                "links": [{"rel": l.get("rel", ""), "href": l.get("href", ""), "type": l.get("type", "")} for l in d.feed.get("links", [])]},
       "entries": [{"id": e.get("id", ""), "title": e.get("title", ""), "link": e.get("link", ""), "updated": e.get("updated", ""),
                    "author": e.get("author", ""), "summary": e.get("summary", "")} for e in d.entries]}
json.dump(out, sys.stdout)
`

// feedparser parses an Atom document with Python's feedparser (Debian's
// python3-feedparser). It skips the test when there is no python3 with it,
// except in CI, where it fails.
func feedparser(t *testing.T, body string) parsedFeed {
	t.Helper()
	var python string
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import feedparser").Run() == nil {
			python = path
			break
		}
	}
	if python == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 with feedparser is needed (apt-get install python3-feedparser)")
		}
		t.Skip("no python3 with feedparser (apt-get install python3-feedparser): the feeds are not read by a real parser")
	}
	cmd := exec.Command(python, "-c", feedparserScript)
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("feedparser: %v", err)
	}
	var f parsedFeed
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatalf("feedparser's answer: %v: %s", err, out)
	}
	if f.Bozo || f.Version != "atom10" {
		t.Fatalf("feedparser reads a %q feed with problem %q:\n%s", f.Version, f.Problem, body)
	}
	return f
}

func TestAtomFeeds(t *testing.T) {
	a := newAccountApp(t)
	maint := a.tokens["maintainer"]
	if status, r := a.apiCall("POST", "/api/v1/releases", maint, map[string]string{"name": "v2026.10", "notes": "The starter curriculum & <more>."}); status != 201 {
		t.Fatalf("create release = %d %v", status, r)
	}
	b := a.browser()

	t.Run("changes", func(t *testing.T) {
		res := b.do(http.MethodGet, "/changes.atom", nil)
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("GET /changes.atom = %d %s", res.status, res.header.Get("Content-Type"))
		}
		f := feedparser(t, res.body)
		if !strings.HasPrefix(f.Feed.ID, "tag:") || f.Feed.Title == "" || len(f.Entries) == 0 {
			t.Fatalf("feed = %+v", f.Feed)
		}
		if !hasLink(f, "self", "/changes.atom") || !hasLink(f, "alternate", "/changes") {
			t.Errorf("links = %v", f.Feed.Links)
		}
		e := f.Entries[0]
		if !strings.HasPrefix(e.ID, "tag:") || !strings.Contains(e.ID, ":commit/") || e.Title == "" || e.Updated == "" || !strings.HasPrefix(e.Link, "http") {
			t.Errorf("entry = %+v", e)
		}
		// Asked again, the same ids: a reader sees nothing new.
		if again := feedparser(t, b.do(http.MethodGet, "/changes.atom", nil).body); again.Entries[0].ID != e.ID || again.Feed.ID != f.Feed.ID {
			t.Errorf("ids changed: %s, %s", again.Feed.ID, again.Entries[0].ID)
		}
	})

	t.Run("releases", func(t *testing.T) {
		res := b.do(http.MethodGet, "/releases.atom", nil)
		f := feedparser(t, res.body)
		if len(f.Entries) != 1 || f.Entries[0].Title != "Release v2026.10" || !strings.HasSuffix(f.Entries[0].Link, "/releases#v2026.10") {
			t.Fatalf("entries = %+v", f.Entries)
		}
		if !strings.Contains(f.Entries[0].Summary, "The starter curriculum & <more>.") {
			t.Errorf("summary = %q, want the notes", f.Entries[0].Summary)
		}
	})

	t.Run("module history", func(t *testing.T) {
		res := b.do(http.MethodGet, "/modules/"+stigma+"/history.atom", nil)
		f := feedparser(t, res.body)
		if len(f.Entries) == 0 || !strings.Contains(f.Feed.Title, "History of") || !strings.Contains(f.Entries[0].Link, "/modules/"+stigma) {
			t.Fatalf("feed = %+v %+v", f.Feed, f.Entries)
		}
		if res := b.do(http.MethodGet, "/modules/no-such-module/history.atom", nil); res.status != 404 {
			t.Errorf("unknown module's feed = %d, want 404", res.status)
		}
	})

	t.Run("conditional get", func(t *testing.T) {
		res := b.do(http.MethodGet, "/releases.atom", nil)
		etag, modified := res.header.Get("ETag"), res.header.Get("Last-Modified")
		if etag == "" || modified == "" {
			t.Fatalf("ETag = %q, Last-Modified = %q", etag, modified)
		}
		if res := b.do(http.MethodGet, "/releases.atom", nil, "If-None-Match", etag); res.status != 304 || res.body != "" {
			t.Errorf("If-None-Match = %d %q, want 304", res.status, res.body)
		}
		if res := b.do(http.MethodGet, "/releases.atom", nil, "If-Modified-Since", modified); res.status != 304 {
			t.Errorf("If-Modified-Since = %d, want 304", res.status)
		}
		if res := b.do(http.MethodGet, "/releases.atom", nil, "If-None-Match", `"stale"`); res.status != 200 {
			t.Errorf("stale If-None-Match = %d, want 200", res.status)
		}
	})

	t.Run("pages announce their feeds", func(t *testing.T) {
		for page, feed := range map[string]string{
			"/changes":                        "/changes.atom",
			"/releases":                       "/releases.atom",
			"/modules/" + stigma:              "/modules/" + stigma + "/history.atom",
			"/modules/" + stigma + "/history": "/modules/" + stigma + "/history.atom",
		} {
			res := b.do(http.MethodGet, page, nil)
			if want := `<link rel="alternate" type="application/atom+xml"`; !strings.Contains(res.body, want) || !strings.Contains(res.body, `href="`+feed+`"`) {
				t.Errorf("%s lacks its feed link to %s", page, feed)
			}
			if want := `<a href="` + feed + `" type="application/atom+xml">`; !strings.Contains(res.body, want) {
				t.Errorf("%s shows no link to its feed %s", page, feed)
			}
		}
	})
}

func hasLink(f parsedFeed, rel, suffix string) bool {
	for _, l := range f.Feed.Links {
		if l["rel"] == rel && strings.HasSuffix(l["href"], suffix) {
			return true
		}
	}
	return false
}

func TestNotificationsFeed(t *testing.T) {
	n := newNotifyApp(t)
	fac := n.browser()
	fac.logIn("facilitator@example.org")

	page := fac.do(http.MethodGet, "/account/notifications", nil)
	mustContain(t, page, "Make my feed address")
	res := fac.submit("/account/notifications", "/account/notifications/feed", url.Values{})
	m := regexp.MustCompile(`value="(https://praxis\.example\.org/notifications/feed/[^"]+)"`).FindStringSubmatch(res.body)
	if res.status != http.StatusCreated || m == nil {
		t.Fatalf("make feed address = %d, want the address shown", res.status)
	}
	feedPath := strings.TrimPrefix(m[1], "https://praxis.example.org")
	if again := fac.do(http.MethodGet, "/account/notifications", nil); strings.Contains(again.body, feedPath) || !strings.Contains(again.body, "Make a new feed address") {
		t.Error("the settings page shows the feed address again, or does not offer a new one")
	}

	// Something that concerns the facilitator.
	ctx := context.Background()
	if err := n.db.AddActivity(ctx, praxis.Activity{Kind: praxis.ActivityTrainingAwarded, ActorID: n.users["coordinator"].ID,
		SubjectID: n.users["facilitator"].ID, Module: stigma}); err != nil {
		t.Fatal(err)
	}
	n.settle()

	anon := n.browser()
	res = anon.do(http.MethodGet, feedPath, nil)
	if res.status != 200 {
		t.Fatalf("GET the private feed = %d", res.status)
	}
	f := feedparser(t, res.body)
	if len(f.Entries) != 1 || !strings.Contains(f.Entries[0].Title, "Coordinator Person recorded that you are trained") ||
		!strings.HasPrefix(f.Entries[0].Link, "https://praxis.example.org/modules/") {
		t.Fatalf("entries = %+v", f.Entries)
	}
	if cc := res.header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control = %q, want private", cc)
	}
	if res := anon.do(http.MethodGet, "/notifications/feed/not-a-token", nil); res.status != 404 {
		t.Errorf("a bad token = %d, want 404", res.status)
	}
	// A new address: the old one stops working.
	fac.submit("/account/notifications", "/account/notifications/feed", url.Values{})
	if res := anon.do(http.MethodGet, feedPath, nil); res.status != 404 {
		t.Errorf("the old address after a new one = %d, want 404", res.status)
	}
}
