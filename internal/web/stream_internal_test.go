package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// streamTest makes a server that logs into a buffer and a request whose
// response carries a request id.
func streamTest(t *testing.T) (*Server, echo.Context, *httptest.ResponseRecorder, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/api/v1/deliveries.json", nil), rec)
	c.Response().Header().Set(echo.HeaderXRequestID, "req-42")
	return s, c, rec, &logs
}

// A failure two rows into an export: the rows sent stay, the failure is
// logged with the request id, and the output says it is cut short (a JSON
// array left unclosed, so that it is not valid JSON; a CSV's last line
// saying the export failed).
func TestStreamedExportFailingMidway(t *testing.T) {
	failure := errors.New("disk on fire")
	t.Run("json", func(t *testing.T) {
		s, c, rec, logs := streamTest(t)
		err := s.streamJSON(c, "x.json", func(put func(any) error) error {
			for i := range 2 {
				if err := put(map[string]int{"id": i}); err != nil {
					return err
				}
			}
			return failure
		})
		body := rec.Body.String()
		if err != nil || rec.Code != http.StatusOK || !strings.HasPrefix(body, `[{"id":0}`) || !strings.Contains(body, `{"id":1}`) {
			t.Fatalf("streamJSON = %v, %d %q; want the two rows sent", err, rec.Code, body)
		}
		if json.Valid([]byte(body)) {
			t.Errorf("a failed JSON export is valid JSON: %q", body)
		}
		if !strings.Contains(logs.String(), "req-42") || !strings.Contains(logs.String(), "disk on fire") {
			t.Errorf("log = %q; want the failure with the request id", logs)
		}
	})
	t.Run("json whole", func(t *testing.T) {
		s, c, rec, logs := streamTest(t)
		s.streamJSON(c, "x.json", func(put func(any) error) error { return put(1) })
		if rec.Body.String() != "[1\n]\n" || !json.Valid(rec.Body.Bytes()) || logs.Len() != 0 {
			t.Errorf("a whole export = %q (log %q), want a closed array and no log", rec.Body, logs)
		}
	})
	t.Run("csv", func(t *testing.T) {
		s, c, rec, logs := streamTest(t)
		err := s.streamCSV(c, "x.csv", []string{"id"}, func(row func(...string) error) error {
			if err := row("1"); err != nil {
				return err
			}
			return failure
		})
		records, rerr := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
		if err != nil || rerr != nil || len(records) != 3 || records[1][0] != "1" {
			t.Fatalf("streamCSV = %v; records %q (%v)", err, records, rerr)
		}
		if last := records[2][0]; !strings.Contains(last, "export failed") || !strings.Contains(last, "req-42") {
			t.Errorf("last line = %q, want it to say the export failed, with the request id", last)
		}
		if !strings.Contains(logs.String(), "req-42") {
			t.Errorf("log = %q; want the request id", logs)
		}
	})
	t.Run("before the first row", func(t *testing.T) {
		for name, stream := range map[string]func(*Server, echo.Context) error{
			"json": func(s *Server, c echo.Context) error {
				return s.streamJSON(c, "x.json", func(func(any) error) error { return failure })
			},
			"csv": func(s *Server, c echo.Context) error {
				return s.streamCSV(c, "x.csv", []string{"id"}, func(func(...string) error) error { return failure })
			},
		} {
			s, c, rec, logs := streamTest(t)
			if err := stream(s, c); err != failure || c.Response().Committed || rec.Body.Len() != 0 || logs.Len() != 0 {
				t.Errorf("%s: a failure before anything was sent = %v, committed %v, body %q; want it returned for the error handler", name, err, c.Response().Committed, rec.Body)
			}
		}
	})
}
