package web

import "testing"

func TestFormatMinutes(t *testing.T) {
	t.Parallel()
	for m, want := range map[int]string{45: "45 min", 60: "1 hour", 120: "2 hours", 150: "2 h 30 min"} {
		if got := formatMinutes(m); got != want {
			t.Errorf("formatMinutes(%d) = %q, want %q", m, got, want)
		}
	}
}
