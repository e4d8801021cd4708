package web

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Streamed exports (the deliveries as CSV or JSON, a statistics table) send
// their first bytes before the last row is read. Nothing is sent before the
// first row (or the end, for an empty export), so that a failure until then
// (a filter refused, a permission lacking) is answered by the error handler
// like any other. A failure after that cannot change the status any more: it
// is logged with the request id, and the output is visibly cut short: a CSV
// ends with a line saying the export failed, a JSON array is left unclosed,
// so that no reader takes what came as the whole export.

// streamFailed logs a failure after a streamed response began.
func (s *Server) streamFailed(c echo.Context, what string, err error) {
	s.log.Error("a streamed export failed midway; its output is cut short", "export", what, "err", err,
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "uri", c.Request().RequestURI)
}

// streamJSON answers with a JSON array, named name for download, of what
// each yields through put, item by item. A failure of each before the first
// item is returned; after it, the array is left unclosed.
func (s *Server) streamJSON(c echo.Context, name string, each func(put func(any) error) error) error {
	w := c.Response()
	enc := json.NewEncoder(w)
	started := false
	start := func() error {
		started = true
		h := w.Header()
		h.Set(echo.HeaderContentType, "application/json; charset=UTF-8") // as before; echo deprecates its constant
		h.Set(echo.HeaderContentDisposition, contentDisposition("attachment", name))
		w.WriteHeader(http.StatusOK)
		_, err := w.Write([]byte("["))
		return err
	}
	err := each(func(v any) error {
		sep := ","
		if !started {
			if err := start(); err != nil {
				return err
			}
			sep = ""
		}
		if _, err := w.Write([]byte(sep)); err != nil {
			return err
		}
		return enc.Encode(v)
	})
	switch {
	case err != nil && !started:
		return err
	case err != nil:
		s.streamFailed(c, name, err)
		return nil
	case !started:
		if err := start(); err != nil {
			return nil // the client has gone
		}
	}
	_, _ = w.Write([]byte("]\n"))
	return nil
}

// streamCSV answers with a CSV file named name: the header, then the rows
// each yields through row. A failure of each before the first row is
// returned; after it, the file ends with a line saying the export failed.
func (s *Server) streamCSV(c echo.Context, name string, header []string, each func(row func(...string) error) error) error {
	var w *csvWriter
	start := func() error {
		w = startCSV(c, name)
		return w.Row(header...)
	}
	err := each(func(cells ...string) error {
		if w == nil {
			if err := start(); err != nil {
				return err
			}
		}
		return w.Row(cells...)
	})
	switch {
	case err != nil && w == nil:
		return err
	case err == nil && w == nil:
		err = start()
	}
	if err != nil {
		s.streamFailed(c, name, err)
		_ = w.Row("The export failed here and is incomplete: " + praxis.ErrorMessage(err) + " (request " +
			c.Response().Header().Get(echo.HeaderXRequestID) + ")")
	}
	_ = w.Flush()
	return nil
}
