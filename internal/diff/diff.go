// Package diff compares and merges text: line diffs in unified format, word
// diffs for showing readable changes, and three-way merges with conflict
// markers. Diffs use diff-match-patch's Myers bisection (linear space, with a
// deadline); merges use github.com/epiclabs-io/diff3. This package owns how
// text is split into lines (so a missing final newline survives) and words, and
// how conflicts are marked (git's seven-character markers).
package diff

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// deadline bounds one diff: past it, the bisection settles for a coarser (still
// correct) answer rather than running long on two unrelated texts.
const deadline = 500 * time.Millisecond

// Op says what happened to a piece of text.
type Op int

// Operations.
const (
	Equal Op = iota
	Insert
	Delete
)

// Segment is a run of text with one operation.
type Segment struct {
	Op   Op
	Text string
}

// SplitLines splits text into lines that keep their line endings, so that
// joining them gives the text back exactly, including a missing final newline.
func SplitLines(text string) []string {
	if text == "" {
		return nil
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// hunk is one run of tokens with one operation.
type hunk struct {
	op     Op
	tokens []string
}

// compare diffs two token sequences. Each distinct token becomes one rune, so
// diff-match-patch compares tokens as it would characters.
func compare(a, b []string) []hunk {
	ids := map[string]rune{}
	var names []string
	encode := func(toks []string) []rune {
		out := make([]rune, len(toks))
		for i, t := range toks {
			id, ok := ids[t]
			if !ok {
				id = runeFor(len(names))
				ids[t] = id
				names = append(names, t)
			}
			out[i] = id
		}
		return out
	}
	ra, rb := encode(a), encode(b)
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = deadline
	var out []hunk
	for _, d := range dmp.DiffMainRunes(ra, rb, false) {
		op := Equal
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = Insert
		case diffmatchpatch.DiffDelete:
			op = Delete
		}
		var toks []string
		for _, r := range d.Text {
			toks = append(toks, names[indexOf(r)])
		}
		if len(toks) > 0 {
			out = append(out, hunk{op, toks})
		}
	}
	return out
}

// runeFor maps a token index to a rune, stepping over the surrogate range,
// which is not valid in strings.
func runeFor(i int) rune {
	r := rune(i + 1)
	if r >= 0xD800 {
		r += 0x800
	}
	return r
}

func indexOf(r rune) int {
	if r >= 0xD800+0x800 {
		r -= 0x800
	}
	return int(r) - 1
}

// Lines returns the line-by-line difference between a and b.
func Lines(a, b string) []Segment {
	return segments(compare(SplitLines(a), SplitLines(b)))
}

// Words returns the word-by-word difference between a and b, with spaces and
// punctuation as their own tokens, for showing changes in readable text.
func Words(a, b string) []Segment {
	return segments(compare(tokens(a), tokens(b)))
}

func segments(hunks []hunk) []Segment {
	var out []Segment
	for _, h := range hunks {
		text := strings.Join(h.tokens, "")
		if n := len(out); n > 0 && out[n-1].Op == h.op {
			out[n-1].Text += text
			continue
		}
		out = append(out, Segment{Op: h.op, Text: text})
	}
	return out
}

// tokens splits text into words, runs of spaces, and single punctuation marks.
func tokens(text string) []string {
	var out []string
	start := 0
	kind := func(r rune) int {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’':
			return 1
		case unicode.IsSpace(r):
			return 2
		default:
			return 3
		}
	}
	prev := -1
	for i, r := range text {
		k := kind(r)
		if i > start && (k != prev || k == 3) {
			out = append(out, text[start:i])
			start = i
		}
		prev = k
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// Changed reports whether a diff holds any change.
func Changed(segments []Segment) bool {
	for _, s := range segments {
		if s.Op != Equal {
			return true
		}
	}
	return false
}

// Unified writes the difference between a and b in unified diff format with
// the given lines of context, as `diff -u` and `git diff` do. It returns "" when
// the texts are equal.
func Unified(nameA, nameB, a, b string, context int) string {
	hunks := compare(SplitLines(a), SplitLines(b))
	type line struct {
		op     byte
		text   string
		ia, ib int // line numbers (0-based) in a and b before this line
	}
	var all []line
	ia, ib := 0, 0
	for _, h := range hunks {
		for _, t := range h.tokens {
			switch h.op {
			case Equal:
				all = append(all, line{' ', t, ia, ib})
				ia++
				ib++
			case Delete:
				all = append(all, line{'-', t, ia, ib})
				ia++
			case Insert:
				all = append(all, line{'+', t, ia, ib})
				ib++
			}
		}
	}
	var b2 strings.Builder
	header := false
	for i := 0; i < len(all); {
		if all[i].op == ' ' {
			i++
			continue
		}
		// A hunk: from context lines before the change to context lines after
		// the last change that is within 2*context of the next.
		start := max(0, i-context)
		end := i
		for j := i; j < len(all); j++ {
			if all[j].op != ' ' {
				end = j
			} else if j-end > 2*context {
				break
			}
		}
		stop := min(len(all), end+context+1)
		if !header {
			fmt.Fprintf(&b2, "--- %s\n+++ %s\n", nameA, nameB)
			header = true
		}
		countA, countB := 0, 0
		for _, l := range all[start:stop] {
			if l.op != '+' {
				countA++
			}
			if l.op != '-' {
				countB++
			}
		}
		startA, startB := all[start].ia+1, all[start].ib+1
		if countA == 0 {
			startA--
		}
		if countB == 0 {
			startB--
		}
		fmt.Fprintf(&b2, "@@ -%s +%s @@\n", hunkRange(startA, countA), hunkRange(startB, countB))
		for _, l := range all[start:stop] {
			b2.WriteByte(l.op)
			b2.WriteString(l.text)
			if !strings.HasSuffix(l.text, "\n") {
				b2.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = stop
	}
	return b2.String()
}

func hunkRange(start, count int) string {
	if count == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}

// Kinds of line in a unified diff.
const (
	LineContext   = "ctx"  // the same on both sides
	LineAdded     = "add"  // only in the new text
	LineDeleted   = "del"  // only in the old text
	LineHunk      = "hunk" // an @@ header
	LineMeta      = "meta" // a file header (---, +++, diff --git, rename) or "\ No newline"
	noNewlineMark = `\ No newline at end of file`
)

// Line is one line of a unified diff, read for showing: what kind it is, its
// text as the diff has it, and where it stands in the old and new texts.
type Line struct {
	Kind string
	Text string
	// Old and New are the line's numbers (from 1) in the old and the new
	// text; 0 where it has none (an added line has no Old, headers neither).
	Old, New int
}

// ParseUnified reads a unified diff (Unified's, or git's for several files)
// into lines. Inside a hunk, lines are counted against the hunk's header, so
// a deleted line that reads "-- x" (shown "--- x") or an added one that reads
// "++ y" (shown "+++ y") is a deleted or added line, never a file header, and
// the numbers after it stay right.
func ParseUnified(unified string) []Line {
	if unified == "" {
		return nil
	}
	var out []Line
	oldLeft, newLeft := 0, 0 // lines of the current hunk still to come
	oldAt, newAt := 0, 0
	for _, l := range strings.Split(strings.TrimSuffix(unified, "\n"), "\n") {
		inHunk := oldLeft > 0 || newLeft > 0
		switch {
		case l == noNewlineMark:
			out = append(out, Line{Kind: LineMeta, Text: l})
		case inHunk && strings.HasPrefix(l, "+"):
			out = append(out, Line{Kind: LineAdded, Text: l, New: newAt})
			newAt++
			newLeft--
		case inHunk && strings.HasPrefix(l, "-"):
			out = append(out, Line{Kind: LineDeleted, Text: l, Old: oldAt})
			oldAt++
			oldLeft--
		case inHunk && (strings.HasPrefix(l, " ") || l == ""):
			out = append(out, Line{Kind: LineContext, Text: l, Old: oldAt, New: newAt})
			oldAt++
			newAt++
			oldLeft--
			newLeft--
		case strings.HasPrefix(l, "@@"):
			var oldStart, oldCount, newStart, newCount int
			oldStart, oldCount, newStart, newCount = parseHunkHeader(l)
			oldAt, oldLeft, newAt, newLeft = max(oldStart, 1), oldCount, max(newStart, 1), newCount
			out = append(out, Line{Kind: LineHunk, Text: l})
		default:
			out = append(out, Line{Kind: LineMeta, Text: l})
		}
	}
	return out
}

// parseHunkHeader reads "@@ -a[,b] +c[,d] @@": a count left out is 1.
func parseHunkHeader(l string) (oldStart, oldCount, newStart, newCount int) {
	fields := strings.Fields(l)
	if len(fields) < 3 {
		return 0, 0, 0, 0
	}
	parse := func(r string) (int, int) {
		start, count := 0, 1
		if s, c, ok := strings.Cut(r[1:], ","); ok {
			fmt.Sscan(s, &start)
			fmt.Sscan(c, &count)
		} else {
			fmt.Sscan(r[1:], &start)
		}
		return start, count
	}
	oldStart, oldCount = parse(fields[1])
	newStart, newCount = parse(fields[2])
	return oldStart, oldCount, newStart, newCount
}
