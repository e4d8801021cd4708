package diff_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/diff"
)

func join(segs []diff.Segment, keep diff.Op) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Op == diff.Equal || s.Op == keep {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func TestSplitLinesRoundTrips(t *testing.T) {
	for _, text := range []string{"", "a", "a\n", "a\nb", "a\nb\n", "\n\n", "a\r\nb"} {
		if got := strings.Join(diff.SplitLines(text), ""); got != text {
			t.Errorf("SplitLines(%q) joins to %q", text, got)
		}
	}
}

func TestWordsAndLinesRebuildBothSides(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"class", "stigma", "the", "we", "organise", "power", "map", ",", ".", "\n", " ", "  ", "Zażółć", "Croeso"}
	gen := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteString(" ")
		}
		return b.String()
	}
	for i := range 200 {
		a := gen(r.IntN(80))
		b := mutate(r, a)
		for name, segs := range map[string][]diff.Segment{"Words": diff.Words(a, b), "Lines": diff.Lines(a, b)} {
			if join(segs, diff.Delete) != a || join(segs, diff.Insert) != b {
				t.Fatalf("case %d: %s does not rebuild both sides\na=%q\nb=%q\n%v", i, name, a, b, segs)
			}
		}
	}
}

func mutate(r *rand.Rand, s string) string {
	runes := []rune(s)
	for range r.IntN(6) {
		if len(runes) == 0 {
			runes = append(runes, 'x')
			continue
		}
		i := r.IntN(len(runes))
		switch r.IntN(3) {
		case 0:
			runes = append(runes[:i], runes[i+1:]...)
		case 1:
			runes = append(runes[:i], append([]rune("new words "), runes[i:]...)...)
		default:
			runes[i] = '\n'
		}
	}
	return string(runes)
}

func TestWordsFindsTheChangedWord(t *testing.T) {
	segs := diff.Words("Organisers build power together.", "Organisers build real power together.")
	if len(segs) != 3 || segs[1].Op != diff.Insert || segs[1].Text != "real " {
		t.Fatalf("Words = %+v", segs)
	}
	if diff.Changed(diff.Words("same", "same")) {
		t.Error("Changed reports a change between equal texts")
	}
}

// A unified diff must apply with git and give the new text exactly.
func TestUnifiedAppliesWithGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	r := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	for i := range 40 {
		var lines []string
		for j := range r.IntN(60) {
			lines = append(lines, fmt.Sprintf("line %d of the plan", j))
		}
		a := strings.Join(lines, "\n")
		if r.IntN(2) == 0 && a != "" {
			a += "\n"
		}
		b := mutate(r, a)
		patch := diff.Unified("a/plan.md", "b/plan.md", a, b, 3)
		if a == b {
			if patch != "" {
				t.Fatalf("equal texts gave a patch:\n%s", patch)
			}
			continue
		}
		file := filepath.Join(dir, "plan.md")
		os.WriteFile(file, []byte(a), 0o644)
		os.WriteFile(filepath.Join(dir, "p.diff"), []byte(patch), 0o644)
		cmd := exec.Command("git", "apply", "--whitespace=nowarn", "p.diff")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("case %d: git apply: %v %s\npatch:\n%s", i, err, out, patch)
		}
		got, _ := os.ReadFile(file)
		if string(got) != b {
			t.Fatalf("case %d: applied patch gives %q, want %q\n%s", i, got, b, patch)
		}
	}
}

func TestUnifiedFormat(t *testing.T) {
	got := diff.Unified("a/x", "b/x", "one\ntwo\nthree\n", "one\n2\nthree\n", 1)
	want := "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n"
	if got != want {
		t.Fatalf("Unified =\n%s\nwant\n%s", got, want)
	}
	noNewline := diff.Unified("a/x", "b/x", "a\n", "a\nb", 3)
	if !strings.Contains(noNewline, "+b\n\\ No newline at end of file\n") {
		t.Fatalf("missing final newline not marked:\n%s", noNewline)
	}
}

func TestMerge3(t *testing.T) {
	base := "title\n\nintro line\n\nmiddle line\n\nclosing line\n"
	tests := []struct {
		name         string
		ours, theirs string
		want         string
		conflicts    int
	}{
		{"disjoint changes combine", strings.Replace(base, "intro line", "new intro", 1), strings.Replace(base, "closing line", "new closing", 1),
			"title\n\nnew intro\n\nmiddle line\n\nnew closing\n", 0},
		{"same change on both sides", strings.Replace(base, "middle", "MIDDLE", 1), strings.Replace(base, "middle", "MIDDLE", 1),
			strings.Replace(base, "middle", "MIDDLE", 1), 0},
		{"only theirs changed", base, base + "extra\n", base + "extra\n", 0},
		{"overlapping changes conflict", strings.Replace(base, "middle line", "ours middle", 1), strings.Replace(base, "middle line", "theirs middle", 1),
			"title\n\nintro line\n\n<<<<<<< main\nours middle\n=======\ntheirs middle\n>>>>>>> proposal\n\nclosing line\n", 1},
		{"missing final newline kept", "a\nb", "a\nb\nc", "a\nb\nc", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base
			if tt.name == "missing final newline kept" {
				b = "a\nb"
			}
			got, regions := diff.Merge3(b, tt.ours, tt.theirs, "main", "proposal")
			if got != tt.want || len(regions) != tt.conflicts {
				t.Fatalf("Merge3 = %q with %d conflicts, want %q with %d", got, len(regions), tt.want, tt.conflicts)
			}
			if tt.conflicts > 0 {
				lines := strings.Split(got, "\n")
				if r := regions[0]; !strings.HasPrefix(lines[r.Start-1], "<<<<<<< ") || !strings.HasPrefix(lines[r.End-1], ">>>>>>> ") {
					t.Errorf("region %+v does not span the markers", r)
				}
				if !diff.HasConflictMarkers(got) {
					t.Error("HasConflictMarkers missed the markers")
				}
			}
		})
	}
	if diff.HasConflictMarkers("Heading\n=======\n\ntext\n") {
		t.Error("a Markdown heading underline counted as a conflict marker")
	}
}

func BenchmarkWords10KB(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	var sb strings.Builder
	for sb.Len() < 10_000 {
		fmt.Fprintf(&sb, "Ask the group %d questions about power and class. ", r.IntN(100))
		if r.IntN(8) == 0 {
			sb.WriteString("\n\n")
		}
	}
	a := sb.String()
	changed := mutate(r, mutate(r, a))
	for b.Loop() {
		diff.Words(a, changed)
	}
}
