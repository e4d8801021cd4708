package web

import (
	"testing"

	"github.com/praxis-coop/praxis/internal/diff"
)

// The proposal and compare pages number a diff's lines for line comments: a
// deleted "-- x" and an added "++ y" are lines of the file, and the lines
// after them keep their numbers.
func TestDiffLinesNumbersLinesThatLookLikeHeaders(t *testing.T) {
	lines := diffLines(diff.Unified("a", "b", "one\n-- signature\ntwo\n", "one\n++ added\ntwo\nthree\n", 3))
	var kinds []string
	last := lines[len(lines)-1]
	for _, l := range lines {
		kinds = append(kinds, l.Kind)
	}
	if last.Text != "+three" || last.New != 4 {
		t.Errorf("last line = %+v, want +three as line 4 of the new file", last)
	}
	if kinds[4] != "del" || kinds[5] != "add" {
		t.Errorf("kinds = %v; want the --- and +++ lines inside the hunk read as deleted and added", kinds)
	}
}
