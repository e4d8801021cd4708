// Package feed writes Atom feeds (RFC 4287): the curriculum's changes, its
// releases, a module's history and a person's notifications, for feed
// readers. It knows nothing of where the entries come from; web builds them.
//
// Ids are tag: URIs (RFC 4151) under praxis's host, so a feed and each
// entry keep their id whatever the feed's other entries, and links are
// absolute, made from praxis's public address (--base-url).
package feed

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// ContentType is the media type of an Atom feed.
const ContentType = "application/atom+xml; charset=utf-8"

// tagYear is the date in the tag: URIs of feeds: the year praxis began
// naming its feeds. It never changes, or every reader would see new feeds.
const tagYear = "2026"

// Feed is an Atom feed.
type Feed struct {
	// ID is the feed's tag: URI (see TagURI).
	ID    string
	Title string
	// Link is the page the feed follows (the alternate), and Self the
	// feed's own address; both absolute.
	Link, Self string
	// Updated is when anything in the feed last changed; the newest entry's
	// time when zero.
	Updated time.Time
	Entries []Entry
}

// Entry is one entry of a feed.
type Entry struct {
	// ID is the entry's tag: URI, stable for the thing it tells of.
	ID      string
	Title   string
	Link    string
	Updated time.Time
	// Author is who made the change; "praxis" when empty (RFC 4287 asks
	// every entry, or the feed, for an author).
	Author string
	// Summary is plain text.
	Summary string
}

// Authority is the tagging authority of tag: URIs made for a praxis at
// baseURL: its host name ("localhost" when it has none).
func Authority(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return "localhost"
	}
	return strings.ToLower(u.Hostname())
}

// TagURI is the tag: URI of a feed or an entry of the praxis at baseURL:
// tag:host,2026:specific. specific names the thing ("changes",
// "commit/<id>", "release/<name>"); it is escaped as a tag URI needs.
func TagURI(baseURL, specific string) string {
	return "tag:" + Authority(baseURL) + "," + tagYear + ":" + escapeSpecific(specific)
}

// escapeSpecific keeps the characters a tag URI's specific part allows
// (RFC 4151: pchar, "/" and "?") and percent-encodes the rest.
func escapeSpecific(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   atomText    `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Gen     atomGen     `xml:"generator"`
	Entries []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomGen struct {
	URI  string `xml:"uri,attr"`
	Text string `xml:",chardata"`
}

type atomEntry struct {
	ID      string     `xml:"id"`
	Title   atomText   `xml:"title"`
	Updated string     `xml:"updated"`
	Author  atomPerson `xml:"author"`
	Link    atomLink   `xml:"link"`
	Summary *atomText  `xml:"summary"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// LastUpdated is the feed's Updated, or its newest entry's, or the zero
// time for an empty feed.
func (f *Feed) LastUpdated() time.Time {
	updated := f.Updated
	for _, e := range f.Entries {
		if e.Updated.After(updated) {
			updated = e.Updated
		}
	}
	return updated.UTC().Truncate(time.Second)
}

// Write writes the feed as Atom XML.
func (f *Feed) Write(w io.Writer) error {
	updated := f.LastUpdated()
	if updated.IsZero() {
		// RFC 4287 needs an updated date; an empty feed has had no change.
		updated = time.Unix(0, 0)
	}
	out := atomFeed{ID: f.ID, Title: atomText{Type: "text", Text: f.Title}, Updated: stamp(updated),
		Author: atomPerson{Name: "praxis"},
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: f.Self}, {Rel: "alternate", Type: "text/html", Href: f.Link}},
		Gen:    atomGen{URI: "https://github.com/praxis-coop/praxis", Text: "praxis"}}
	for _, e := range f.Entries {
		author := e.Author
		if author == "" {
			author = "praxis"
		}
		entry := atomEntry{ID: e.ID, Title: atomText{Type: "text", Text: e.Title}, Updated: stamp(e.Updated),
			Author: atomPerson{Name: author}, Link: atomLink{Rel: "alternate", Type: "text/html", Href: e.Link}}
		if e.Summary != "" {
			entry.Summary = &atomText{Type: "text", Text: e.Summary}
		}
		out.Entries = append(out.Entries, entry)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	return enc.Close()
}
