package diff_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/praxis-coop/praxis/internal/diff"
)

// A deleted line "-- x" reads "--- x" in a unified diff and an added line
// "++ y" reads "+++ y": they are lines of the hunk, not file headers, and the
// lines after them keep their numbers.
func TestParseUnifiedLinesThatLookLikeHeaders(t *testing.T) {
	old := "one\n-- signature\ntwo\nthree\n"
	new := "one\n++ added\ntwo\nthree\nfour\n"
	got := diff.ParseUnified(diff.Unified("a", "b", old, new, 3))
	want := []diff.Line{
		{Kind: diff.LineMeta, Text: "--- a"},
		{Kind: diff.LineMeta, Text: "+++ b"},
		{Kind: diff.LineHunk, Text: "@@ -1,4 +1,5 @@"},
		{Kind: diff.LineContext, Text: " one", Old: 1, New: 1},
		{Kind: diff.LineDeleted, Text: "--- signature", Old: 2},
		{Kind: diff.LineAdded, Text: "+++ added", New: 2},
		{Kind: diff.LineContext, Text: " two", Old: 3, New: 3},
		{Kind: diff.LineContext, Text: " three", Old: 4, New: 4},
		{Kind: diff.LineAdded, Text: "+four", New: 5},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseUnified (-want +got):\n%s", d)
	}
}

// Several files (git's form), a file without a final newline, and an empty
// diff.
func TestParseUnifiedFilesAndMarkers(t *testing.T) {
	unified := "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n" +
		"--- a/y\n+++ b/y\n@@ -0,0 +1,2 @@\n+c\n+d\n"
	var kinds []string
	var news []int
	for _, l := range diff.ParseUnified(unified) {
		kinds = append(kinds, l.Kind)
		news = append(news, l.New)
	}
	wantKinds := []string{"meta", "meta", "meta", "hunk", "del", "meta", "add", "meta", "meta", "hunk", "add", "add"}
	wantNews := []int{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2}
	if d := cmp.Diff(wantKinds, kinds); d != "" {
		t.Errorf("kinds (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantNews, news); d != "" {
		t.Errorf("new line numbers (-want +got):\n%s", d)
	}
	if got := diff.ParseUnified(""); got != nil {
		t.Errorf("ParseUnified(\"\") = %v, want nothing", got)
	}
}
