package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/catalog"
)

type seriesIndexPage struct {
	Series []catalog.SeriesEntry
}

func (s *Server) listSeries(c echo.Context) error {
	listing, err := s.catalog.Listing(c.Request().Context(), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "series-index", view{Title: "Series", Section: "series", Data: seriesIndexPage{Series: listing.Series}})
}

type seriesPage struct {
	Series *catalog.SeriesEntry
}

func (s *Server) showSeries(c echo.Context) error {
	series, _, err := s.catalog.Series(c.Request().Context(), c.Param("slug"), c.QueryParam("rev"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "series", view{Title: series.Title, Section: "series", Data: seriesPage{Series: series},
		Watch: s.watchFor(c, "series:"+series.Slug, "this series")})
}
