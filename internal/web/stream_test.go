package web_test

import (
	"net/http"
	"testing"
)

// An export refused before its first byte (a series that does not exist) is
// an error like any other: its status and the field named, never a 200 with
// an empty or cut-short file. Under the API convention (issue 18) a filter
// value that names nothing is a 400 naming the query parameter.
func TestExportRefusedBeforeItStarts(t *testing.T) {
	a := newAccountApp(t)
	coord := a.tokens["coordinator"]
	for _, path := range []string{"/api/v1/deliveries.json?series=nope", "/api/v1/deliveries.csv?series=nope"} {
		status, body := a.apiCall(http.MethodGet, path, coord, nil)
		if status != http.StatusBadRequest || body["field"] != "series" {
			t.Errorf("GET %s = %d %v; want 400 naming series", path, status, body)
		}
	}
}
