package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// recentChanges is how many changes the home page lists.
const recentChanges = 8

type homePage struct {
	Listing  *catalog.Listing
	Changes  []praxis.CommitSummary
	Activity []praxis.Activity
}

func (s *Server) home(c echo.Context) error {
	ctx := c.Request().Context()
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	changes, err := s.history.RecentChanges(ctx, recentChanges)
	if err != nil {
		return err
	}
	activity, err := s.review.Activity(ctx, praxis.ActivityFilter{Limit: 10})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "home", view{Data: homePage{Listing: listing, Changes: changes, Activity: activity}})
}
