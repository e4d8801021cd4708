package web

import "testing"

func TestDefuseCell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"text", "Cardiff", "Cardiff"},
		{"negative number", "-3", "-3"},
		{"decimal", "4.50", "4.50"},
		{"formula", "=1+1", "'=1+1"},
		{"plus", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"minus expression", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r=1", "'\r=1"},
		{"after spaces", "  =1+1", "'  =1+1"},
		{"after a line break", "\n=1+1", "'\n=1+1"},
		{"full-width equals", "＝1+1", "'＝1+1"},
		{"equals inside", "a=b", "a=b"},
		{"spaces only", "   ", "   "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := defuseCell(tc.in); got != tc.want {
				t.Fatalf("defuseCell(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
