package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

type personPage struct {
	Person   *praxis.User
	Self     bool
	Listing  *catalog.Listing
	Activity []praxis.Activity
}

func (s *Server) showPerson(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	viewer := currentUser(c)
	person, err := s.accounts.Profile(c.Request().Context(), viewer, id)
	if err != nil {
		return err
	}
	listing, err := s.catalog.Listing(c.Request().Context(), "")
	if err != nil {
		return err
	}
	activity, err := s.review.Activity(c.Request().Context(), db.ActivityFilter{ActorID: person.ID, Limit: 15})
	if err != nil {
		return err
	}
	page := personPage{Person: person, Self: viewer != nil && viewer.ID == person.ID, Listing: listing, Activity: activity}
	return s.render(c, http.StatusOK, "person", view{Title: person.Name, Section: "facilitators", Data: page})
}

// directoryPageSize is how many people one directory page shows.
const directoryPageSize = 30

type directoryPage struct {
	People           []*praxis.User
	Total            int64
	Filter           account.DirectoryFilter
	Regions          []string
	Languages        []string
	Modules          []catalog.Entry
	Listing          *catalog.Listing
	Page, Pages      int
	PrevURL, NextURL string
}

func (s *Server) directory(c echo.Context) error {
	ctx := c.Request().Context()
	page := pageNumber(c)
	filter := account.DirectoryFilter{
		Query: c.QueryParam("q"), Region: c.QueryParam("region"), Language: c.QueryParam("language"),
		Module: c.QueryParam("module"), Limit: directoryPageSize, Offset: (page - 1) * directoryPageSize,
	}
	people, total, err := s.accounts.Directory(ctx, currentUser(c), filter)
	if err != nil {
		return err
	}
	regions, err := s.accounts.DirectoryRegions(ctx, currentUser(c))
	if err != nil {
		return err
	}
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	data := directoryPage{People: people, Total: total, Filter: filter, Regions: mergeSorted(praxis.Regions, regions),
		Languages: commonLanguages, Modules: listing.Modules, Listing: listing, Page: page,
		Pages: max(1, int((total+directoryPageSize-1)/directoryPageSize))}
	pageURL := func(n int) string {
		q := url.Values{}
		for _, k := range []string{"q", "region", "language", "module"} {
			if v := c.QueryParam(k); v != "" {
				q.Set(k, v)
			}
		}
		q.Set("page", strconv.Itoa(n))
		return "/facilitators?" + q.Encode()
	}
	if page > 1 {
		data.PrevURL = pageURL(page - 1)
	}
	if page < data.Pages {
		data.NextURL = pageURL(page + 1)
	}
	return s.render(c, http.StatusOK, "facilitators", view{Title: "Facilitators", Section: "facilitators", Data: data})
}

// mergeSorted returns the suggested values followed by any others in use.
func mergeSorted(suggested, used []string) []string {
	out := append([]string{}, suggested...)
	for _, u := range used {
		found := false
		for _, s := range suggested {
			if s == u {
				found = true
				break
			}
		}
		if !found {
			out = append(out, u)
		}
	}
	return out
}
