package review_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/review"
)

// pngBytes is the start of a PNG: its signature holds CR LF, NUL and a lone
// LF, and it is not UTF-8.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"), bytes.Repeat([]byte{0xff, 0x00, 0x0d, 0x0a, 0xfe}, 100)...)

// TestSavedFilesRoundTripEveryByte saves files as the API and uploads do, and
// reads each back byte for byte: binary files, text in another encoding,
// CRLF and mixed line breaks, a byte-order mark.
func TestSavedFilesRoundTripEveryByte(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fork, head, err := f.svc.CreateFork(ctx, f.alice, stigma)
	if err != nil {
		t.Fatal(err)
	}
	plan := []byte(strings.ReplaceAll(f.plan(head, stigma), "\n", "\r\n"))
	for _, tc := range []struct {
		name, path string
		content    []byte
	}{
		{"a PNG", "handouts/diagram.png", pngBytes},
		{"a PDF", "handouts/sheet.pdf", []byte("%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj\n<<>>\rendobj\n\x00\x01trailer\n%%EOF\r\n")},
		{"Latin-1 text", "handouts/notes.txt", []byte("Caf\xe9 r\xe9union, na\xefve\r\n")},
		{"CRLF Markdown", "handouts/cards.md", []byte("# Cards\r\n\r\nOne\r\nTwo\r\n")},
		{"mixed line breaks", "handouts/mixed.md", []byte("# Mixed\nOne\r\nTwo\rThree\n")},
		{"a byte-order mark", "handouts/bom.md", []byte("\ufeff# With a mark\n")},
		{"a leading line break", "handouts/blank.md", []byte("\n\n# After two blank lines\n")},
		{"a CRLF plan", "module.md", plan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, err := f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{{Path: tc.path, Content: tc.content}}, "Save "+tc.name)
			if err != nil {
				t.Fatal(err)
			}
			head = next
			got, _, err := f.svc.ForkFile(ctx, fork.ID, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.content) {
				t.Fatalf("%s read back as %q, want %q", tc.path, got, tc.content)
			}
		})
	}
}

// TestTypedSavesKeepTheFileOwnLineBreaks saves text as a browser's text box
// sends it (every line break CRLF, no byte-order mark): the file keeps its
// own line breaks and mark, and a file that is not text is refused unchanged.
func TestTypedSavesKeepTheFileOwnLineBreaks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fork, head, err := f.svc.CreateFork(ctx, f.alice, stigma)
	if err != nil {
		t.Fatal(err)
	}
	files := []review.Edit{
		{Path: "handouts/crlf.md", Content: []byte("# CRLF\r\n\r\nOne\r\n")},
		{Path: "handouts/lf.md", Content: []byte("# LF\n\nOne\n")},
		{Path: "handouts/bom.md", Content: []byte("\ufeff# BOM\r\nOne\r\n")},
		{Path: "handouts/diagram.png", Content: pngBytes},
		{Path: "handouts/mixed.md", Content: []byte("# Mixed\nOne\r\n")},
	}
	if head, err = f.svc.EditFork(ctx, f.alice, fork.ID, head, files, "Add files"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, typed string
		want        []byte
	}{
		{"handouts/crlf.md", "# CRLF\r\n\r\nOne\r\nTwo\r\n", []byte("# CRLF\r\n\r\nOne\r\nTwo\r\n")},
		{"handouts/lf.md", "# LF\r\n\r\nOne\r\nTwo\r\n", []byte("# LF\n\nOne\nTwo\n")},
		{"handouts/bom.md", "# BOM\r\nOne\r\nTwo\r\n", []byte("\ufeff# BOM\r\nOne\r\nTwo\r\n")},
		{"handouts/new.md", "# New\r\nOne\r\n", []byte("# New\nOne\n")},
	} {
		t.Run(tc.path, func(t *testing.T) {
			next, err := f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{{Path: tc.path, Content: []byte(tc.typed), Typed: true}}, "Edit")
			if err != nil {
				t.Fatal(err)
			}
			head = next
			got, _, _ := f.svc.ForkFile(ctx, fork.ID, tc.path)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("%s saved as %q, want %q", tc.path, got, tc.want)
			}
		})
	}
	for _, p := range []string{"handouts/diagram.png", "handouts/mixed.md"} {
		t.Run("refused "+p, func(t *testing.T) {
			before, _, _ := f.svc.ForkFile(ctx, fork.ID, p)
			_, err := f.svc.EditFork(ctx, f.alice, fork.ID, head, []review.Edit{{Path: p, Content: []byte(review.ForTextBox(before)), Typed: true}}, "Edit")
			if praxis.ErrorCode(err) != praxis.EINVALID || !strings.Contains(praxis.ErrorMessage(err), "not a text file") {
				t.Fatalf("typed save of %s = %v, want EINVALID saying it is not a text file", p, err)
			}
			if after, _, _ := f.svc.ForkFile(ctx, fork.ID, p); !bytes.Equal(after, before) {
				t.Fatalf("a refused save changed %s", p)
			}
		})
	}
}

func TestTextEditable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		content string
		want    bool
	}{
		{"empty", "", true},
		{"LF", "a\nb\n", true},
		{"CRLF", "a\r\nb\r\n", true},
		{"tabs and Unicode", "\tCaf\u00e9 \u2014 \U0001F600\n", true},
		{"a byte-order mark", "\ufeffa\n", true},
		{"no final line break", "a\r\nb", true},
		{"mixed", "a\nb\r\n", false},
		{"lone CR", "a\rb", false},
		{"CR at the end", "a\r\nb\r", false},
		{"NUL", "a\x00b", false},
		{"form feed", "a\fb", false},
		{"DEL", "a\x7fb", false},
		{"C1 control", "a\u0085b", false},
		{"Latin-1", "caf\xe9", false},
		{"PNG", string(pngBytes), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := review.TextEditable([]byte(tc.content)); got != tc.want {
				t.Fatalf("TextEditable(%q) = %v, want %v", tc.content, got, tc.want)
			}
		})
	}
}

// Example of what ForTextBox hands a text box.
func ExampleForTextBox() {
	fmt.Printf("%q\n", review.ForTextBox([]byte("\ufeff# Title\r\n")))
	// Output: "# Title\r\n"
}
