package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// healthWait bounds how long /healthz waits for the database's write lock:
// a database busy for longer than this is reported as failing.
const healthWait = 2 * time.Second

// healthCheck is the result of one check of /healthz.
type healthCheck struct {
	// Status is "ok" or "failing".
	Status string `json:"status"`
	// Error says what is wrong, in plain words.
	Error string `json:"error,omitempty"`
	// For the disk space check: bytes free, and the least that must be.
	FreeBytes    *int64 `json:"free_bytes,omitempty"`
	MinFreeBytes *int64 `json:"min_free_bytes,omitempty"`
}

// healthz answers whether praxis can do its work: {"status": "ok", "checks"}
// with 200, or {"status": "failing", "failing": [names], "error", "checks"}
// with 503. The checks: "database" (a small write commits), "repository"
// (main can be read and a file written beside it) and "disk_space" (the data
// directory's file system has at least MinFreeSpace free).
func (s *Server) healthz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 10*time.Second)
	defer cancel()
	checks := map[string]*healthCheck{}
	fail := func(name string, err error, unknown string) {
		msg := praxis.ErrorMessage(err)
		if praxis.ErrorCode(err) == praxis.EINTERNAL {
			msg = unknown
		}
		checks[name] = &healthCheck{Status: "failing", Error: msg}
	}

	checks["database"] = &healthCheck{Status: "ok"}
	if s.database != nil {
		if err := s.database.CheckWritable(ctx, healthWait); err != nil {
			fail("database", err, "the database does not answer")
		}
	}
	checks["repository"] = &healthCheck{Status: "ok"}
	if _, err := s.catalog.Main(ctx); err != nil {
		fail("repository", err, "the curriculum repository cannot be read")
	} else if s.repository != nil {
		if err := s.repository.CheckWritable(); err != nil {
			fail("repository", err, "the curriculum repository cannot be written to")
		}
	}
	if s.dataDir != "" && s.minFreeSpace > 0 {
		free, err := freeSpace(s.dataDir)
		switch {
		case err != nil:
			checks["disk_space"] = &healthCheck{Status: "failing", Error: "the free space of the data directory cannot be measured"}
			s.log.Warn("health: free space", "dir", s.dataDir, "err", err)
		case free < s.minFreeSpace:
			checks["disk_space"] = &healthCheck{Status: "failing", FreeBytes: &free, MinFreeBytes: &s.minFreeSpace,
				Error: fmt.Sprintf("the server's disk has %s free, less than the %s it needs kept free", formatBytes(free), formatBytes(s.minFreeSpace))}
		default:
			checks["disk_space"] = &healthCheck{Status: "ok", FreeBytes: &free, MinFreeBytes: &s.minFreeSpace}
		}
	}

	var failing, problems []string
	for _, name := range []string{"database", "repository", "disk_space"} {
		if ch, ok := checks[name]; ok && ch.Status != "ok" {
			failing = append(failing, name)
			problems = append(problems, ch.Error)
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if len(failing) == 0 {
		return c.JSON(http.StatusOK, map[string]any{"status": "ok", "checks": checks})
	}
	s.log.Warn("health check failing", "failing", failing, "problems", problems)
	return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "failing", "failing": failing,
		"error": strings.Join(problems, "; "), "checks": checks})
}
