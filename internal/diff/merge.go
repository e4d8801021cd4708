package diff

import (
	"strings"

	"github.com/epiclabs-io/diff3"
)

// Conflict markers, as git writes them.
const (
	markerOurs   = "<<<<<<< "
	markerSplit  = "=======\n"
	markerTheirs = ">>>>>>> "
)

// Region is a conflicted region of a merged text: its lines, counted from 1, in
// the merged text (markers included).
type Region struct {
	Start, End int
}

// Merge3 merges two texts that both started from base. Changes that do not
// overlap are combined; overlapping changes become conflicts marked as git marks
// them, labelled with the names given. It returns the merged text and the
// conflicted regions (none when the merge is clean).
func Merge3(base, ours, theirs, oursLabel, theirsLabel string) (string, []Region) {
	if ours == theirs {
		return ours, nil
	}
	if ours == base {
		return theirs, nil
	}
	if theirs == base {
		return ours, nil
	}
	o, a, b := SplitLines(base), SplitLines(ours), SplitLines(theirs)
	results := diff3.Diff3MergeWithOptions(a, o, b, diff3.MergeOptions{
		Algorithm:             diff3.DiffAlgorithmMyers,
		ExcludeFalseConflicts: true,
	})
	var out strings.Builder
	var regions []Region
	line := 1
	write := func(lines []string) {
		for _, l := range lines {
			out.WriteString(l)
			line++
		}
	}
	// A side's last line may lack a newline; inside a conflict block every line
	// needs one, or the marker after it would join it.
	withNewline := func(lines []string) []string {
		if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
			lines = append(lines[:n-1:n-1], lines[n-1]+"\n")
		}
		return lines
	}
	for _, r := range results {
		if r.Conflict == nil {
			write(r.Ok)
			continue
		}
		start := line
		write([]string{markerOurs + oursLabel + "\n"})
		write(withNewline(r.Conflict.A))
		write([]string{markerSplit})
		write(withNewline(r.Conflict.B))
		write([]string{markerTheirs + theirsLabel + "\n"})
		regions = append(regions, Region{Start: start, End: line - 1})
	}
	return out.String(), regions
}

// HasConflictMarkers reports whether text holds a line that opens or closes a
// conflict: such a file is the unfinished result of a merge. ("=======" alone is
// not counted: in Markdown it underlines a heading.)
func HasConflictMarkers(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, markerOurs) || strings.HasPrefix(l, markerTheirs) {
			return true
		}
	}
	return false
}
