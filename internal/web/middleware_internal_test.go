package web

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// TestWithDeadline runs the deadline middleware behind the real error handler
// with handlers that wait on their context, as diffs and merges do.
func TestWithDeadline(t *testing.T) {
	t.Parallel()
	s := &Server{echo: echo.New(), log: slog.New(slog.DiscardHandler)}
	s.echo.HTTPErrorHandler = s.handleError
	const limit = 50 * time.Millisecond
	s.echo.GET("/api/slow", withDeadline(limit, func(c echo.Context) error {
		<-c.Request().Context().Done()
		return c.Request().Context().Err()
	}))
	s.echo.GET("/api/quick", withDeadline(limit, func(c echo.Context) error {
		if _, ok := c.Request().Context().Deadline(); !ok {
			t.Error("the handler's context has no deadline")
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "done"})
	}))
	s.echo.GET("/api/missing", withDeadline(limit, func(c echo.Context) error {
		return praxis.Errorf(praxis.ENOTFOUND, "no such thing")
	}))
	for _, tc := range []struct {
		path   string
		status int
		error  string
	}{
		{"/api/slow", http.StatusServiceUnavailable, "took longer than 50ms"},
		{"/api/quick", http.StatusOK, ""},
		{"/api/missing", http.StatusNotFound, "no such thing"},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/api/"), func(t *testing.T) {
			rec := httptest.NewRecorder()
			start := time.Now()
			s.echo.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if took := time.Since(start); took > 10*time.Second {
				t.Fatalf("GET %s took %s; the deadline did not end it", tc.path, took)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("GET %s: body is not JSON: %s", tc.path, rec.Body)
			}
			if rec.Code != tc.status || !strings.Contains(body["error"], tc.error) {
				t.Fatalf("GET %s = %d %q, want %d with %q", tc.path, rec.Code, body["error"], tc.status, tc.error)
			}
		})
	}
}

// TestWithDeadlineLeavesOtherCancellationsAlone: a client that goes away is
// not a deadline, and is not reported as one.
func TestWithDeadlineLeavesOtherCancellationsAlone(t *testing.T) {
	t.Parallel()
	var got error
	h := withDeadline(time.Minute, func(c echo.Context) error {
		<-c.Request().Context().Done()
		return c.Request().Context().Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx), httptest.NewRecorder())
	got = h(c)
	if praxis.ErrorCode(got) == praxis.EUNAVAILABLE {
		t.Fatalf("a cancelled request became %v, want the cancellation itself", got)
	}
}

// TestWithLongResponseOutlastsWriteTimeout serves a slow, gzipped response
// from a server whose WriteTimeout is shorter than it: the route's longer
// deadline lets it arrive whole, as a million-row export must.
func TestWithLongResponseOutlastsWriteTimeout(t *testing.T) {
	t.Parallel()
	e := echo.New()
	e.Use(middleware.Gzip())
	slow := func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentType, "text/csv")
		c.Response().WriteHeader(http.StatusOK)
		for i := range 5 {
			fmt.Fprintf(c.Response(), "row %d\n", i)
			c.Response().Flush()
			time.Sleep(60 * time.Millisecond)
		}
		return nil
	}
	e.GET("/long", withLongResponse(slow))
	e.GET("/short", slow)
	server := httptest.NewUnstartedServer(e)
	server.Config.WriteTimeout = 100 * time.Millisecond
	server.Start()
	defer server.Close()

	get := func(path string) (string, error) {
		req, _ := http.NewRequest(http.MethodGet, server.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			return "", err
		}
		body, err := io.ReadAll(zr)
		return string(body), err
	}
	if body, err := get("/long"); err != nil || !strings.HasSuffix(body, "row 4\n") {
		t.Fatalf("GET /long = %q, %v; want all five rows", body, err)
	}
	// Without the longer deadline the same response is cut off, so the test
	// above shows the deadline at work.
	if body, err := get("/short"); err == nil && strings.HasSuffix(body, "row 4\n") {
		t.Fatalf("GET /short arrived whole despite the 100ms WriteTimeout")
	}
}
