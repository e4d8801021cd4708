package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/praxis-coop/praxis/internal/testenv"
	"github.com/praxis-coop/praxis/internal/web"
)

const publicURL = "https://praxis.example.org"

// requestAs sends a request with a made-up Host header, as anyone can.
func requestAs(t *testing.T, client *http.Client, host, target string, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if client.Jar != nil { // the jar goes by the Host asked for; the session is the server's
		for _, c := range client.Jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, body
}

func TestLinksComeFromTheBaseURLNeverFromTheHostHeader(t *testing.T) {
	t.Parallel()
	a := newAccountAppWith(t, testenv.Options{}, func(cfg *web.Config, _ *testenv.Env) { cfg.BaseURL = publicURL + "/" })
	hosts := []string{"evil.example", "other.example:8080", "x" + strings.Repeat("y", 50) + ".example"}

	// Feedback links, in the API and as QR codes.
	status, created := a.apiCall(http.MethodPost, "/api/v1/deliveries", a.tokens["facilitator"], deliveryJSON(nil))
	if status != http.StatusCreated {
		t.Fatalf("POST delivery = %d %v", status, created)
	}
	id := int(created["id"].(float64))
	if link, _ := created["feedback_url"].(string); !strings.HasPrefix(link, publicURL+"/f/") {
		t.Errorf("feedback_url = %q, want it under %s", link, publicURL)
	}
	fac := a.browser()
	fac.logIn("facilitator@example.org")
	var firstQR []byte
	for _, host := range hosts {
		status, _, body := requestAs(t, http.DefaultClient, host, fmt.Sprintf("%s/api/v1/deliveries/%d", a.server.URL, id), "Authorization", "Bearer "+a.tokens["facilitator"])
		if status != http.StatusOK || !strings.Contains(string(body), `"feedback_url":"`+publicURL+`/f/`) || strings.Contains(string(body), host) {
			t.Errorf("delivery asked for as %s = %d: %s", host, status, body)
		}
		status, _, page := requestAs(t, fac.client, host, fmt.Sprintf("%s/deliveries/%d", a.server.URL, id))
		if status != http.StatusOK || !strings.Contains(string(page), publicURL+"/f/") || strings.Contains(string(page), host) {
			t.Errorf("delivery page asked for as %s = %d; want the link under %s and no %s", host, status, publicURL, host)
		}
		status, _, qr := requestAs(t, fac.client, host, fmt.Sprintf("%s/deliveries/%d/qr.png", a.server.URL, id))
		if status != http.StatusOK {
			t.Fatalf("QR code = %d", status)
		}
		if firstQR == nil {
			firstQR = qr
		} else if string(qr) != string(firstQR) {
			t.Errorf("the QR code asked for as %s differs from the first: it follows the Host header", host)
		}
	}

	// Downloads: the same file (footer link and all) whatever the Host.
	var firstPDF []byte
	var firstTag string
	for _, host := range hosts {
		status, header, pdf := requestAs(t, http.DefaultClient, host, a.server.URL+"/modules/"+stigma+"/plan.pdf")
		if status != http.StatusOK {
			t.Fatalf("plan.pdf as %s = %d", host, status)
		}
		if firstPDF == nil {
			firstPDF, firstTag = pdf, header.Get("ETag")
		} else if string(pdf) != string(firstPDF) || header.Get("ETag") != firstTag {
			t.Errorf("plan.pdf asked for as %s differs from the first (ETag %s, first %s): each Host makes a new file", host, header.Get("ETag"), firstTag)
		}
	}

	// The anonymous page cache: one page for everyone, whatever the Host.
	before := metricValue(t, a.scrapeMetrics(), `praxis_cache_misses_total{cache="anonymous_pages"}`)
	for _, host := range hosts {
		status, _, page := requestAs(t, http.DefaultClient, host, a.server.URL+"/modules/"+stigma)
		if status != http.StatusOK || !strings.Contains(string(page), publicURL+"/curriculum.git") || strings.Contains(string(page), host) {
			t.Errorf("module page as %s = %d; want the clone address under %s and no %s", host, status, publicURL, host)
		}
	}
	if misses := metricValue(t, a.scrapeMetrics(), `praxis_cache_misses_total{cache="anonymous_pages"}`) - before; misses != 1 {
		t.Errorf("%d anonymous page cache misses for one page asked for with %d Host headers, want 1", int(misses), len(hosts))
	}

	// Links coordinators pass on.
	coord := a.browser()
	coord.logIn("coordinator@example.org")
	inv := coord.submit("/admin/invitations", "/admin/invitations", url.Values{"note": {"Leeds"}})
	if !strings.Contains(inv.body, publicURL+"/") {
		t.Errorf("the invitation link is not under %s:\n%s", publicURL, inv.body)
	}
}
