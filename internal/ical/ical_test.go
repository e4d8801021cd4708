package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/ical"
	"github.com/praxis-coop/praxis/internal/testenv"
)

func TestCalendarsReadByARealParser(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	long := "Clàss, identity; and stigma\\ — " + strings.Repeat("ŵŷ€ ", 40)
	events := []ical.Event{
		// Summer time in London.
		{UID: "workshop-1@praxis.example.org", Summary: long, Location: "Unite House, 128 Theobald's Road; London",
			Description: "Line one,\nline two; with a \\ backslash\r\nand a third", URL: "https://praxis.example.org/workshops/1",
			Start: time.Date(2026, 6, 13, 18, 0, 0, 0, london), End: time.Date(2026, 6, 13, 20, 30, 0, 0, london), TZID: "Europe/London",
			Stamp: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
		// Winter time in London, across the night the clocks go back.
		{UID: "workshop-2@praxis.example.org", Summary: "Across the change", Start: time.Date(2026, 10, 24, 22, 0, 0, 0, london),
			End: time.Date(2026, 10, 25, 3, 0, 0, 0, london), TZID: "Europe/London", Cancelled: true},
		// The morning the clocks go forward.
		{UID: "workshop-3@praxis.example.org", Summary: "Spring", Start: time.Date(2026, 3, 29, 10, 0, 0, 0, london),
			End: time.Date(2026, 3, 29, 12, 0, 0, 0, london), TZID: "Europe/London"},
		// A zone without summer time and with a half-hour offset.
		{UID: "workshop-4@praxis.example.org", Summary: "Kolkata", Start: time.Date(2026, 1, 10, 9, 30, 0, 0, kolkata),
			End: time.Date(2026, 1, 10, 11, 0, 0, 0, kolkata), TZID: "Asia/Kolkata"},
		// UTC.
		{UID: "workshop-5@praxis.example.org", Summary: "Online", Start: time.Date(2026, 2, 1, 17, 0, 0, 0, time.UTC),
			End: time.Date(2026, 2, 1, 18, 0, 0, 0, time.UTC)},
	}
	var buf bytes.Buffer
	if err := ical.Write(&buf, ical.Calendar{Name: "Workshops, London", Method: "PUBLISH", Events: events}); err != nil {
		t.Fatal(err)
	}
	data := buf.String()
	if !strings.HasSuffix(data, "\r\n") || strings.Contains(strings.ReplaceAll(data, "\r\n", ""), "\n") {
		t.Error("a line does not end in CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(data, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
	}
	cal := testenv.ParseICS(t, buf.Bytes())
	if cal.Name != "Workshops, London" || cal.Method != "PUBLISH" {
		t.Errorf("calendar name %q, method %q", cal.Name, cal.Method)
	}
	if len(cal.Timezones) != 2 {
		t.Errorf("time zones %v, want Asia/Kolkata and Europe/London once each", cal.Timezones)
	}
	if len(cal.Events) != len(events) {
		t.Fatalf("the parser read %d events, want %d", len(cal.Events), len(events))
	}
	for i, want := range events {
		got := cal.Events[i]
		if got.UID != want.UID || !got.Start.Equal(want.Start) || !got.End.Equal(want.End) {
			t.Errorf("event %d read as %s %s–%s, want %s %s–%s", i, got.UID, got.Start, got.End, want.UID, want.Start.UTC(), want.End.UTC())
		}
		if want.TZID != "" && got.TZID != want.TZID {
			t.Errorf("event %d in zone %q, want %q", i, got.TZID, want.TZID)
		}
		if got.Stamp.IsZero() {
			t.Errorf("event %d has no DTSTAMP", i)
		}
	}
	first := cal.Events[0]
	if first.Summary != long || first.Location != "Unite House, 128 Theobald's Road; London" ||
		first.Description != "Line one,\nline two; with a \\ backslash\nand a third" {
		t.Errorf("text read back as %q / %q / %q", first.Summary, first.Location, first.Description)
	}
	if cal.Events[1].Status != "CANCELLED" || first.Status != "CONFIRMED" {
		t.Errorf("statuses %q and %q", first.Status, cal.Events[1].Status)
	}
}

func TestWriteRefusesEventsThatEndBeforeTheyStart(t *testing.T) {
	t.Parallel()
	now := time.Now()
	err := ical.Write(&bytes.Buffer{}, ical.Calendar{Events: []ical.Event{{UID: "x", Start: now, End: now.Add(-time.Hour)}}})
	if err == nil {
		t.Error("an event that ends before it starts was written")
	}
}
