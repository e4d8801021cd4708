package feed_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/feed"
)

func TestTagURI(t *testing.T) {
	for _, c := range []struct{ base, specific, want string }{
		{"https://Praxis.Example.org:8443/x", "commit/abc", "tag:praxis.example.org,2026:commit/abc"},
		{"", "changes", "tag:localhost,2026:changes"},
		{"https://praxis.example.org", "release/v2026.10 draft#1", "tag:praxis.example.org,2026:release/v2026.10%20draft%231"},
	} {
		if got := feed.TagURI(c.base, c.specific); got != c.want {
			t.Errorf("TagURI(%q, %q) = %q, want %q", c.base, c.specific, got, c.want)
		}
	}
}

func TestWriteEscapesAndDates(t *testing.T) {
	when := time.Date(2026, 12, 3, 16, 20, 0, 0, time.FixedZone("CET", 3600))
	f := &feed.Feed{ID: "tag:x,2026:f", Title: "A & B <c>", Link: "https://x/", Self: "https://x/f.atom",
		Entries: []feed.Entry{{ID: "tag:x,2026:e", Title: "Title \x01 with a control character", Link: "https://x/e", Updated: when, Summary: "<b>not HTML</b>"}}}
	var b strings.Builder
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Entry   struct {
			Title   string `xml:"title"`
			Summary string `xml:"summary"`
			Author  string `xml:"author>name"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(b.String()), &parsed); err != nil {
		t.Fatalf("the feed is not well-formed XML: %v\n%s", err, b.String())
	}
	if parsed.Title != "A & B <c>" || parsed.Entry.Summary != "<b>not HTML</b>" || parsed.Entry.Author != "praxis" {
		t.Errorf("parsed = %+v", parsed)
	}
	if parsed.Updated != "2026-12-03T15:20:00Z" {
		t.Errorf("updated = %q, want the entry's time in UTC", parsed.Updated)
	}
	// An empty feed still says when it was updated (RFC 4287 requires it).
	var empty strings.Builder
	if err := (&feed.Feed{ID: "tag:x,2026:f", Title: "t"}).Write(&empty); err != nil || !strings.Contains(empty.String(), "<updated>1970-01-01T00:00:00Z</updated>") {
		t.Errorf("empty feed = %v %s", err, empty.String())
	}
}
