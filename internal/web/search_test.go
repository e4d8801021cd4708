package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSearchPageAndAPI(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.get("/search?q=organise&format=online&max_duration=200")
	if res.status != http.StatusOK {
		t.Fatalf("search page = %d", res.status)
	}
	mustContain(t, res, "One-to-one organising conversations", "<mark>", `value="organise"`, `name="max_duration"`)
	// Every page has the search box.
	mustContain(t, a.get("/modules"), `action="/search"`, `id="site-q"`)

	var body struct {
		Results []struct {
			Slug, Title, Summary, Snippet string
			Score                         float64
		}
		Total int
	}
	a.getJSON("/api/v1/search?q="+url.QueryEscape(`"power map"`), &body)
	if body.Total == 0 || body.Results[0].Slug != "organising-2-power-mapping" || body.Results[0].Score <= 0 || !strings.Contains(body.Results[0].Snippet, "<mark>") {
		t.Errorf("API: %+v", body)
	}
	a.getJSON("/api/v1/search?series=exploring-class", &body)
	if body.Total != 6 {
		t.Errorf("browse a series: %d", body.Total)
	}
	for _, q := range []string{`"`, `((`, `'; DROP TABLE users; --`, strings.Repeat("ab ", 3000), `NOT`, `*`} {
		if res := a.get("/api/v1/search?q=" + url.QueryEscape(q)); res.status != http.StatusOK {
			t.Errorf("query %.20q = %d", q, res.status)
		}
	}
	// A query parameter that cannot be read is 400 naming it (issue 18; 422 before).
	if res := a.get("/api/v1/search?min_duration=lots"); res.status != http.StatusBadRequest || !strings.Contains(res.body, `"field":"min_duration"`) {
		t.Errorf("bad number = %d %s", res.status, res.body)
	}
	if res := a.get("/search?in=people&q=a"); res.status != http.StatusForbidden && res.status != http.StatusSeeOther {
		t.Errorf("anonymous people search = %d", res.status)
	}
	if res := a.get("/search?in=proposals&q=stigma"); res.status != http.StatusOK {
		t.Errorf("proposal search = %d", res.status)
	}
}
