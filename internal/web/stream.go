package web

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Streamed exports (the deliveries as CSV or JSON, a statistics table) send
// their first bytes before the last row is read, so a failure midway cannot
// change the status any more. It is logged with the request id, and the
// output is visibly cut short: a CSV ends with a line saying the export
// failed, a JSON array is left unclosed, so that no reader takes what came
// as the whole export.

// streamFailed logs a failure after a streamed response began.
func (s *Server) streamFailed(c echo.Context, what string, err error) {
	s.log.Error("a streamed export failed midway; its output is cut short", "export", what, "err", err,
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "uri", c.Request().RequestURI)
}

// streamJSON answers with a JSON array, named name for download, of what
// each yields through put, item by item. A failure of each after the array
// began leaves it unclosed.
func (s *Server) streamJSON(c echo.Context, name string, each func(put func(any) error) error) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/json; charset=UTF-8") // as before; echo deprecates its constant
	h.Set(echo.HeaderContentDisposition, contentDisposition("attachment", name))
	c.Response().WriteHeader(http.StatusOK)
	w := c.Response()
	enc := json.NewEncoder(w)
	first := true
	if _, err := w.Write([]byte("[")); err != nil {
		return nil // the client has gone
	}
	err := each(func(v any) error {
		if !first {
			if _, err := w.Write([]byte(",")); err != nil {
				return err
			}
		}
		first = false
		return enc.Encode(v)
	})
	if err != nil {
		s.streamFailed(c, name, err)
		return nil
	}
	_, _ = w.Write([]byte("]\n"))
	return nil
}

// streamCSV answers with a CSV file named name: the header, then the rows
// each yields through row. A failure of each after the file began ends it
// with a line saying the export failed.
func (s *Server) streamCSV(c echo.Context, name string, header []string, each func(row func(...string) error) error) error {
	w := startCSV(c, name)
	err := w.Row(header...)
	if err == nil {
		err = each(w.Row)
	}
	if err != nil {
		s.streamFailed(c, name, err)
		_ = w.Row("The export failed here and is incomplete: " + praxis.ErrorMessage(err) + " (request " +
			c.Response().Header().Get(echo.HeaderXRequestID) + ")")
	}
	_ = w.Flush()
	return nil
}
