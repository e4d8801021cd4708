package testenv

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"
)

// ICSEvent is an event as a real iCalendar parser (Python's icalendar)
// read it.
type ICSEvent struct {
	UID         string `json:"uid"`
	Summary     string `json:"summary"`
	Location    string `json:"location"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Status      string `json:"status"`
	TZID        string `json:"tzid"`
	// Start and End are the instants as the parser understood them, using
	// only the calendar's own VTIMEZONE for local times.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Stamp time.Time `json:"stamp"`
}

// ICSCalendar is a calendar as the parser read it.
type ICSCalendar struct {
	Name      string     `json:"name"`
	Method    string     `json:"method"`
	Timezones []string   `json:"timezones"`
	Events    []ICSEvent `json:"events"`
}

// parseICS is run by a Python with the icalendar package: it parses the
// calendar on stdin strictly, turns each local time into an instant with the
// calendar's own VTIMEZONE (not the system's zone database), and prints the
// events as JSON.
const parseICS = `
import icalendar, json, sys, datetime
data = sys.stdin.buffer.read()
cal = icalendar.Calendar.from_ical(data)
zones = {}
for tz in cal.walk('VTIMEZONE'):
    zones[str(tz['TZID'])] = tz.to_tz()
def instant(prop):
    if prop is None:
        return None
    dt = prop.dt
    tzid = prop.params.get('TZID')
    if tzid:
        naive = dt.replace(tzinfo=None)
        dt = zones[str(tzid)].localize(naive)
    return dt.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
out = {'name': str(cal.get('X-WR-CALNAME', '')), 'method': str(cal.get('METHOD', '')), 'timezones': sorted(zones), 'events': []}
for ev in cal.walk('VEVENT'):
    start = ev.get('DTSTART')
    out['events'].append({
        'uid': str(ev['UID']), 'summary': str(ev.get('SUMMARY', '')), 'location': str(ev.get('LOCATION', '')),
        'description': str(ev.get('DESCRIPTION', '')), 'url': str(ev.get('URL', '')), 'status': str(ev.get('STATUS', '')),
        'tzid': str(start.params.get('TZID', '')), 'start': instant(start), 'end': instant(ev.get('DTEND')),
        'stamp': instant(ev.get('DTSTAMP')),
    })
print(json.dumps(out))
`

// icalPython finds a Python that has the icalendar package: Debian's
// python3-icalendar is installed for /usr/bin/python3, which may not be the
// python3 first on the PATH.
func icalPython() string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if err := exec.Command(p, "-c", "import icalendar").Run(); err == nil {
			return p
		}
	}
	return ""
}

// ParseICS parses an iCalendar file with a real parser, Python's icalendar
// (Debian's python3-icalendar, which .ci/run installs). Without it the test
// is skipped, or fails when the environment variable CI is set.
func ParseICS(t testing.TB, data []byte) ICSCalendar {
	t.Helper()
	python := icalPython()
	if python == "" {
		const msg = "no Python with icalendar: install python3-icalendar (.ci/run does)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(python, "-c", parseICS)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("icalendar could not parse the calendar: %v\n%s\n%s", err, stderr.String(), data)
	}
	var cal ICSCalendar
	if err := json.Unmarshal(out, &cal); err != nil {
		t.Fatalf("parser output: %v\n%s", err, out)
	}
	return cal
}
