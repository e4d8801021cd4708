// Package ical writes iCalendar (RFC 5545) calendars: the workshops feeds
// and the calendar entries attached to registration emails. Lines end in
// CRLF and are folded at 75 octets (never inside a UTF-8 sequence), text is
// escaped, every event has a UID and a DTSTAMP, and times are local times
// with a TZID whose VTIMEZONE is written from the Go time zone database's
// transitions around the events (or UTC times, for events in UTC).
package ical

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ProdID names the program that wrote a calendar.
const ProdID = "-//praxis//workshops//EN"

// Calendar is a VCALENDAR.
type Calendar struct {
	// Name is shown by calendar programs for a subscribed feed
	// (X-WR-CALNAME); optional.
	Name string
	// Method is the iTIP method (PUBLISH for feeds and attachments); optional.
	Method string
	Events []Event
}

// Event is a VEVENT.
type Event struct {
	// UID is unique and stable for the event across feeds and updates.
	UID      string
	Summary  string
	Location string
	// Description is plain text; line breaks are kept.
	Description string
	URL         string
	Start, End  time.Time
	// TZID is the IANA zone the event's times are written in; "" or "UTC"
	// writes UTC times.
	TZID string
	// Stamp is when this copy was made (DTSTAMP); LastModified when the event
	// last changed.
	Stamp, LastModified time.Time
	// Cancelled marks the event STATUS:CANCELLED (it stays in feeds so that
	// calendars that had it drop it).
	Cancelled bool
	// Sequence counts revisions of the event, for calendars that track them.
	Sequence int
}

// Write writes the calendar.
func Write(w io.Writer, c Calendar) error {
	var b bytes.Buffer
	line := func(name, value string) { writeLine(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", ProdID)
	line("CALSCALE", "GREGORIAN")
	if c.Method != "" {
		line("METHOD", c.Method)
	}
	if c.Name != "" {
		line("X-WR-CALNAME", Escape(c.Name))
	}
	zones := map[string][]time.Time{}
	var order []string
	for _, e := range c.Events {
		if e.TZID == "" || e.TZID == "UTC" {
			continue
		}
		if _, ok := zones[e.TZID]; !ok {
			order = append(order, e.TZID)
		}
		zones[e.TZID] = append(zones[e.TZID], e.Start, e.End)
	}
	// Each zone is loaded once, not once per event: loading reads the zone
	// database.
	locs := map[string]*time.Location{}
	for _, name := range order {
		loc, err := writeTimezone(&b, name, zones[name])
		if err != nil {
			return err
		}
		locs[name] = loc
	}
	for _, e := range c.Events {
		if err := writeEvent(&b, e, locs[e.TZID]); err != nil {
			return err
		}
	}
	line("END", "VCALENDAR")
	_, err := w.Write(b.Bytes())
	return err
}

// writeEvent writes one event; loc is the location of its TZID (nil for
// UTC).
func writeEvent(b *bytes.Buffer, e Event, loc *time.Location) error {
	if e.UID == "" {
		return fmt.Errorf("ical: an event without a UID")
	}
	if !e.End.After(e.Start) {
		return fmt.Errorf("ical: event %s ends before it starts", e.UID)
	}
	writeLine(b, "BEGIN:VEVENT")
	writeLine(b, "UID:"+Escape(e.UID))
	stamp := e.Stamp
	if stamp.IsZero() {
		stamp = time.Now()
	}
	writeLine(b, "DTSTAMP:"+utcTime(stamp))
	start, end := eventTimes(e, loc)
	writeLine(b, "DTSTART"+start)
	writeLine(b, "DTEND"+end)
	if !e.LastModified.IsZero() {
		writeLine(b, "LAST-MODIFIED:"+utcTime(e.LastModified))
	}
	if e.Sequence > 0 {
		writeLine(b, fmt.Sprintf("SEQUENCE:%d", e.Sequence))
	}
	writeLine(b, "SUMMARY:"+Escape(e.Summary))
	if e.Location != "" {
		writeLine(b, "LOCATION:"+Escape(e.Location))
	}
	if e.Description != "" {
		writeLine(b, "DESCRIPTION:"+Escape(e.Description))
	}
	if e.URL != "" {
		writeLine(b, "URL:"+e.URL)
	}
	status := "CONFIRMED"
	if e.Cancelled {
		status = "CANCELLED"
	}
	writeLine(b, "STATUS:"+status)
	writeLine(b, "END:VEVENT")
	return nil
}

// eventTimes returns the DTSTART and DTEND property parameters and values
// (";TZID=Europe/London:20260314T180000" or ":20260314T180000Z"); loc is
// the location of e.TZID, nil for UTC.
func eventTimes(e Event, loc *time.Location) (string, string) {
	if e.TZID == "" || e.TZID == "UTC" || loc == nil {
		return ":" + utcTime(e.Start), ":" + utcTime(e.End)
	}
	local := func(t time.Time) string { return ";TZID=" + e.TZID + ":" + t.In(loc).Format("20060102T150405") }
	return local(e.Start), local(e.End)
}

func utcTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// writeTimezone writes a VTIMEZONE for the zone, with an observance for
// each transition from a year before the earliest time to a year after the
// latest (or one unchanging observance for a zone without any).
func writeTimezone(b *bytes.Buffer, name string, times []time.Time) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("ical: time zone %q: %w", name, err)
	}
	first, last := slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
	from, to := first.AddDate(-1, 0, 0).In(loc), last.AddDate(1, 0, 0)
	writeLine(b, "BEGIN:VTIMEZONE")
	writeLine(b, "TZID:"+name)
	// The observance in force at from, then each transition up to to.
	start, _ := from.ZoneBounds()
	if start.IsZero() { // the zone never changed before from
		start = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for t := from; ; {
		abbrev, offset := t.Zone()
		_, prevOffset := start.Add(-time.Second).In(loc).Zone()
		kind := "STANDARD"
		if t.IsDST() {
			kind = "DAYLIGHT"
		}
		writeLine(b, "BEGIN:"+kind)
		// An observance starts at the local time of its onset, written in
		// the offset in force before it.
		writeLine(b, "DTSTART:"+start.UTC().Add(time.Duration(prevOffset)*time.Second).Format("20060102T150405"))
		writeLine(b, "TZOFFSETFROM:"+utcOffset(prevOffset))
		writeLine(b, "TZOFFSETTO:"+utcOffset(offset))
		writeLine(b, "TZNAME:"+Escape(abbrev))
		writeLine(b, "END:"+kind)
		_, end := t.ZoneBounds()
		if end.IsZero() || end.After(to) {
			break
		}
		start, t = end, end.In(loc)
	}
	writeLine(b, "END:VTIMEZONE")
	return loc, nil
}

// utcOffset writes seconds east of UTC as RFC 5545's UTC-OFFSET: +0100,
// -0330, +053045.
func utcOffset(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	s := fmt.Sprintf("%s%02d%02d", sign, seconds/3600, seconds/60%60)
	if seconds%60 != 0 {
		s += fmt.Sprintf("%02d", seconds%60)
	}
	return s
}

// Escape escapes TEXT (RFC 5545 3.3.11): backslashes, semicolons, commas
// and line breaks; other control characters are dropped.
func Escape(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n':
			b.WriteString(`\n`)
		case r < 0x20 && r != '\t', r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeLine writes a content line ending in CRLF, folded so that no line is
// longer than 75 octets: a break, then a space, never inside a UTF-8
// sequence.
func writeLine(b *bytes.Buffer, line string) {
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}
