package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/testenv"
)

// TestLargeActiveHandoutsStreamAsAttachments: a handout large enough to be
// streamed from the object store (not read whole) is still served by the
// rules for contributed files: an HTML file is an application/octet-stream
// attachment in a sandbox, named by filename* (RFC 6266), and a PDF is shown
// in place. Streaming (git and storage safety) and the served-file rules
// (issue 17) meet in one handler; each alone fails this test.
func TestLargeActiveHandoutsStreamAsAttachments(t *testing.T) {
	a := newGitApp(t, nil)
	// Large enough that what else the process allocates meanwhile (a few
	// MB under CI's load) is small beside it.
	const size = 32 << 20
	dir := "modules/" + stigma + "/handouts/"
	head := testenv.CommitZeros(t, a.env.Store.Path(), a.env.Main(t), "forks/1/"+stigma, dir+"Plakat für alle.html", size)
	head = testenv.CommitZeros(t, a.env.Store.Path(), head, "forks/1/"+stigma, dir+"poster.pdf", size)

	for _, tc := range []struct {
		name, contentType, disposition string
	}{
		{"Plakat für alle.html", "application/octet-stream", `attachment; filename="Plakat f_r alle.html"; filename*=UTF-8''Plakat%20f%C3%BCr%20alle.html`},
		{"poster.pdf", "application/pdf", `inline; filename="poster.pdf"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := allocated()
			res, err := http.Get(a.server.URL + "/modules/" + stigma + "/handouts/" + url.PathEscape(tc.name) + "?rev=" + head)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			grew := allocated() - before
			if res.StatusCode != http.StatusOK || n != size {
				t.Fatalf("GET %s = %d with %d bytes, want 200 with %d", tc.name, res.StatusCode, n, size)
			}
			if got := res.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tc.contentType)
			}
			if got := res.Header.Get("Content-Disposition"); got != tc.disposition {
				t.Errorf("Content-Disposition = %q, want %q", got, tc.disposition)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("lacks nosniff or the sandbox: %v", res.Header)
			}
			if grew > size/4 {
				t.Errorf("a %d KB handout allocated %d KB; want it streamed", size>>10, grew>>10)
			}
		})
	}
}
