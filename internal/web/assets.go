package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/ui"
)

// assets are the static files, each served under a URL holding a hash of its
// content, so browsers may cache them for a year and still see every change.
type assets struct {
	files map[string]asset // by path below static/
}

type asset struct {
	data        []byte
	hash        string
	contentType string
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}}
	err := fs.WalkDir(ui.FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(ui.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = http.DetectContentType(data)
		}
		a.files[strings.TrimPrefix(p, "static/")] = asset{data: data, hash: hex.EncodeToString(sum[:])[:12], contentType: ctype}
		return nil
	})
	return a, err
}

// URL returns the content-hashed URL of a static file. It panics on a name that
// does not exist, which fails template parsing at start rather than a request.
func (a *assets) URL(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + f.hash + "/" + name
}

func (s *Server) serveAsset(c echo.Context) error {
	f, ok := s.assets.files[c.Param("*")]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	if c.Param("hash") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// An old page asking for an old version: serve today's, briefly cached.
		h.Set("Cache-Control", "public, max-age=300")
	}
	h.Set("ETag", `"`+f.hash+`"`)
	if c.Request().Header.Get("If-None-Match") == `"`+f.hash+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, f.contentType, f.data)
}

func (s *Server) serveFavicon(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, s.assets.URL("img/favicon.svg"))
}

// compressible reports whether a static file benefits from gzip.
func compressible(name string) bool {
	switch path.Ext(name) {
	case ".css", ".js", ".svg", ".json", ".txt", ".html":
		return true
	}
	return false
}
