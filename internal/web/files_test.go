package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/review"
)

// pngBytes is the start of a PNG: its signature holds CR LF, NUL and a lone
// LF, and it is not UTF-8.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"), bytes.Repeat([]byte{0xff, 0x00, 0x0d, 0x0a, 0xfe}, 100)...)

// upload posts a multipart form with one file, as a browser does.
func (b *browser) upload(action string, fields map[string]string, fileField, fileName string, content []byte) response {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	part, _ := w.CreateFormFile(fileField, fileName)
	part.Write(content)
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+action, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(data)}
}

// browserSends is what a browser submits for a text box holding text: every
// line break as CRLF.
func browserSends(text string) string {
	return strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
}

// textBox returns what a browser's text box with the id holds: the page's
// text with the line break after the start tag dropped and line breaks as LF.
func textBox(t *testing.T, body, id string) (string, bool) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<textarea id="` + id + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	text := htmlUnescape(strings.TrimPrefix(strings.TrimPrefix(m[1], "\r\n"), "\n"))
	return strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), true
}

// TestBinaryHandoutsAreNeverOpenedAsText puts a PNG, a PDF and a Latin-1
// text into an adapted copy through the API, then opens each in the web
// editor: none is put in a text box; each can be downloaded, replaced
// (byte for byte) or removed; a save from a text box crafted for one is
// refused and changes nothing. A CRLF Markdown file opens as text and keeps
// every CRLF when saved.
func TestBinaryHandoutsAreNeverOpenedAsText(t *testing.T) {
	t.Parallel()
	a := newAccountApp(t)
	ctx := context.Background()
	tok := a.tokens["facilitator"]
	status, fork := a.apiCall(http.MethodPost, "/api/v1/modules/"+stigma+"/forks", tok, nil)
	if status != http.StatusCreated {
		t.Fatalf("fork = %d %v", status, fork)
	}
	id := int(fork["id"].(float64))
	head := fork["head"].(string)
	files := map[string][]byte{
		"handouts/diagram.png": pngBytes,
		"handouts/sheet.pdf":   []byte("%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj\n<<>>\rendobj\ntrailer\n%%EOF\r\n"),
		"handouts/notes.txt":   []byte("Caf\xe9 r\xe9union\r\n"),
		"handouts/crlf.md":     []byte("# Cards\r\n\r\nOne\r\nTwo\r\n"),
	}
	for path, content := range files {
		status, saved := a.apiCall(http.MethodPut, fmt.Sprintf("/api/v1/forks/%d/files/%s", id, path), tok,
			map[string]string{"content": base64.StdEncoding.EncodeToString(content), "encoding": "base64", "base": head})
		if status != http.StatusOK {
			t.Fatalf("PUT %s = %d %v", path, status, saved)
		}
		head = saved["head"].(string)
	}
	stored := func(path string) []byte {
		t.Helper()
		snap, err := a.env.Store.Snapshot(ctx, head)
		if err != nil {
			t.Fatal(err)
		}
		data, err := snap.ReadFile("modules/" + stigma + "/" + path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for path, content := range files {
		if got := stored(path); !bytes.Equal(got, content) {
			t.Errorf("%s stored as %q, want %q", path, got, content)
		}
	}

	b := a.browser()
	b.logIn("facilitator@example.org")
	forkURL := fmt.Sprintf("/forks/%d", id)
	for _, path := range []string{"handouts/diagram.png", "handouts/sheet.pdf", "handouts/notes.txt"} {
		t.Run(path, func(t *testing.T) {
			page := b.do(http.MethodGet, forkURL+"/edit?file="+path, nil)
			if page.status != http.StatusOK {
				t.Fatalf("editor = %d", page.status)
			}
			if _, ok := textBox(t, page.body, "f-content"); ok {
				t.Fatalf("%s is opened in a text box", path)
			}
			name := strings.TrimPrefix(path, "handouts/")
			mustContain(t, page, path+" is not a text file", `/modules/`+stigma+`/handouts/`+name+`?rev=`+head,
				`action="`+forkURL+`/files" enctype="multipart/form-data"`, `name="name" value="`+name+`"`, `action="`+forkURL+`/files/delete"`)
			// A save crafted from a text box, as a browser would send the
			// bytes it was shown, is refused and changes nothing.
			csrf := csrfField.FindStringSubmatch(page.body)[1]
			res := b.do(http.MethodPost, forkURL+"/edit", url.Values{"csrf": {csrf}, "file": {path}, "base": {head},
				"content": {browserSends(strings.ToValidUTF8(string(files[path]), "\uFFFD"))}})
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "not a text file") {
				t.Errorf("a text-box save of %s = %d, want 422 saying it is not a text file", path, res.status)
			}
			if got := stored(path); !bytes.Equal(got, files[path]) {
				t.Errorf("%s changed to %q", path, got)
			}
		})
	}

	// Replacing uploads the new bytes exactly.
	page := b.do(http.MethodGet, forkURL+"/edit?file=handouts/diagram.png", nil)
	replacement := append(append([]byte{}, pngBytes...), "\r\n\x00tail\r"...)
	res := b.upload(forkURL+"/files", map[string]string{"csrf": csrfField.FindStringSubmatch(page.body)[1], "base": head, "name": "diagram.png"},
		"upload", "other.png", replacement)
	if res.status != http.StatusSeeOther {
		t.Fatalf("replace = %d\n%s", res.status, res.body)
	}
	_, view := a.apiCall(http.MethodGet, fmt.Sprintf("/api/v1/forks/%d", id), tok, nil)
	head = view["head"].(string)
	if got := stored("handouts/diagram.png"); !bytes.Equal(got, replacement) {
		t.Errorf("the replaced PNG is %q, want %q", got, replacement)
	}

	// A CRLF file edited in the text box keeps its CRLF line breaks.
	page = b.do(http.MethodGet, forkURL+"/edit?file=handouts/crlf.md", nil)
	text, ok := textBox(t, page.body, "f-content")
	if !ok || text != "# Cards\n\nOne\nTwo\n" {
		t.Fatalf("the CRLF file in the text box: %q (%v)", text, ok)
	}
	res = b.do(http.MethodPost, forkURL+"/edit", url.Values{"csrf": {csrfField.FindStringSubmatch(page.body)[1]},
		"file": {"handouts/crlf.md"}, "base": {head}, "content": {browserSends(text + "Three\n")}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("save the CRLF file = %d\n%s", res.status, res.body)
	}
	_, view = a.apiCall(http.MethodGet, fmt.Sprintf("/api/v1/forks/%d", id), tok, nil)
	head = view["head"].(string)
	if got := stored("handouts/crlf.md"); string(got) != "# Cards\r\n\r\nOne\r\nTwo\r\nThree\r\n" {
		t.Errorf("the CRLF file saved as %q", got)
	}
	if !review.TextEditable(stored("handouts/crlf.md")) {
		t.Error("the saved CRLF file is no longer editable as text")
	}
}
