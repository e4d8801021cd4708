package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// followRenames wraps a GET route under /modules/:slug or
// /api/v1/modules/:slug. When the slug is a module's old name (its folder was
// moved on main and no module has taken the name since), it answers 301 with
// the same address under the new name, unless a version (?rev=) that still
// has the old folder is asked for. When a module is asked for at a version
// from before it was moved, it answers 302 with the address under the name
// it had then. Most routes fail for an old name, and are asked only then (the
// pages people read most pay nothing); those that answer for a module that is
// gone (its history, comparisons: early) are asked first.
func (s *Server) followRenames(h echo.HandlerFunc, early bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		slug, rev := c.Param("slug"), c.QueryParam("rev")
		if early {
			if to, ok := s.movedModule(ctx, slug); ok && !s.hasModuleAt(ctx, slug, rev) {
				return c.Redirect(http.StatusMovedPermanently, renamedURL(c, slug, to))
			}
		}
		err := h(c)
		if praxis.ErrorCode(err) != praxis.ENOTFOUND || c.Response().Committed {
			return err
		}
		if to, ok := s.movedModule(ctx, slug); ok && !early {
			return c.Redirect(http.StatusMovedPermanently, renamedURL(c, slug, to))
		}
		if rev == "" {
			return err
		}
		if then, ok := s.formerNameAt(ctx, slug, rev); ok {
			return c.Redirect(http.StatusFound, renamedURL(c, slug, then))
		}
		return err
	}
}

// hasModuleAt reports whether a version other than main's head ("" is main)
// holds the module's folder.
func (s *Server) hasModuleAt(ctx context.Context, slug, rev string) bool {
	if rev == "" {
		return false
	}
	listing, err := s.catalog.Listing(ctx, rev)
	return err == nil && listing.Has(slug)
}

// movedModule returns where the module once at slug is on main now, when its
// folder was moved and no module has taken the name since.
func (s *Server) movedModule(ctx context.Context, slug string) (string, bool) {
	if !module.ValidSlug(slug) || s.history == nil {
		return "", false
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil || listing.Has(slug) {
		return "", false
	}
	renames, err := s.history.Renames(ctx)
	if err != nil {
		return "", false
	}
	to, moved := renames.MovedTo(slug)
	if !moved || !listing.Has(to) {
		return "", false
	}
	return to, true
}

// formerNameAt returns the name the module at slug on main had at rev, when
// it had another one.
func (s *Server) formerNameAt(ctx context.Context, slug, rev string) (string, bool) {
	if !module.ValidSlug(slug) || s.history == nil {
		return "", false
	}
	main, err := s.catalog.Main(ctx)
	if err != nil {
		return "", false
	}
	names, err := s.history.FormerNames(ctx, slug, main)
	if err != nil || len(names) == 0 {
		return "", false
	}
	listing, err := s.catalog.Listing(ctx, rev)
	if err != nil || listing.Has(slug) {
		return "", false
	}
	for _, name := range names {
		if listing.Has(name) {
			return name, true
		}
	}
	return "", false
}

// renamedURL is the request's address with the module's slug replaced,
// decided by localRedirect as every target taken from a request is.
func renamedURL(c echo.Context, from, to string) string {
	u := *c.Request().URL
	escaped := u.EscapedPath()
	for _, prefix := range []string{"/api/v1/modules/", "/modules/"} {
		if rest, ok := strings.CutPrefix(escaped, prefix+from); ok && (rest == "" || rest[0] == '/') {
			escaped = prefix + to + rest
			break
		}
	}
	out := escaped
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return localRedirect(out)
}
