package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/praxis"
)

type personPage struct {
	Person *praxis.User
	Self   bool
	// As is whom one's own profile is shown as seen by ("network",
	// "public"), or "" for one's own view.
	As       string
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
	activity, err := s.review.Activity(c.Request().Context(), praxis.ActivityFilter{ActorID: person.ID, Limit: 15})
	if err != nil {
		return err
	}
	page := personPage{Person: person, Self: viewer != nil && viewer.ID == person.ID, Listing: listing, Activity: activity}
	if as := c.QueryParam("as"); page.Self && (as == account.AudienceNetwork || as == account.AudiencePublic) {
		page.Person, page.As = account.SeenBy(person, as), as
	}
	return s.render(c, http.StatusOK, "person", view{Title: person.Name, Section: "facilitators", Data: page})
}

// directoryPageSize is how many people one directory page shows.
const directoryPageSize = 30

type directoryPage struct {
	People    []*praxis.User
	Total     int64
	Filter    account.DirectoryFilter
	Regions   []string
	Languages []string
	Modules   []catalog.Entry
	Listing   *catalog.Listing
	Pager     pager
}

func (s *Server) directory(c echo.Context) error {
	ctx := c.Request().Context()
	pages := newPager(c, directoryPageSize, "Pages of facilitators")
	filter := account.DirectoryFilter{
		Query: c.QueryParam("q"), Region: c.QueryParam("region"), Language: c.QueryParam("language"),
		Module: c.QueryParam("module"), Limit: pages.Size, Offset: pages.Offset(),
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
	pages.of(int(total))
	data := directoryPage{People: people, Total: total, Filter: filter, Regions: regions,
		Languages: commonLanguages, Modules: listing.Modules, Listing: listing, Pager: pages}
	return s.render(c, http.StatusOK, "facilitators", view{Title: "Facilitators", Section: "facilitators", Data: data})
}
