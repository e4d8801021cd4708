package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/search"
)

// searchPageSize is how many results a page shows.
const searchPageSize = 20

// searchFilterOf reads the filters of a search; a number that is not one is
// an error naming its field.
func searchFilterOf(c echo.Context) (search.Filter, error) {
	f := search.Filter{Series: c.QueryParam("series"), Format: c.QueryParam("format"),
		Audience: c.QueryParam("audience"), Language: c.QueryParam("language")}
	for _, t := range c.QueryParams()["tag"] {
		if t = strings.TrimSpace(t); t != "" {
			f.Tags = append(f.Tags, t)
		}
	}
	for _, n := range []struct {
		name string
		into *int
	}{{"min_duration", &f.MinDuration}, {"max_duration", &f.MaxDuration}, {"group_size", &f.GroupSize}} {
		v := strings.TrimSpace(c.QueryParam(n.name))
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i > 100000 {
			return f, praxis.Invalid(n.name, "give a whole number")
		}
		*n.into = i
	}
	return f, nil
}

type searchPage struct {
	Form    form
	In      string // modules, proposals or people
	Query   string
	Parsed  string
	Results []search.Result
	// Proposals and People are the other kinds of result.
	Proposals []*praxis.Proposal
	People    []*praxis.User
	Total     int
	Listing   *catalog.Listing
	Formats   []string
	Regions   []string
	CanPeople bool
	Pager     pager
}

func (s *Server) showSearch(c echo.Context) error {
	ctx := c.Request().Context()
	user := currentUser(c)
	values, _ := url.ParseQuery(c.QueryString())
	page := searchPage{Form: form{Values: values, Errors: map[string]string{}}, In: c.QueryParam("in"),
		Query: c.QueryParam("q"), Formats: praxis.Formats, Regions: praxis.Regions,
		CanPeople: access.Can(user, access.ManageUsers), Pager: newPager(c, searchPageSize, "Pages of results")}
	var err error
	if page.Listing, err = s.catalog.Listing(ctx, ""); err != nil {
		return err
	}
	offset := page.Pager.Offset()
	status := http.StatusOK
	switch page.In {
	case "proposals":
		props, total, err := s.review.Proposals(ctx, praxis.ProposalFilter{Query: page.Query, Limit: searchPageSize, Offset: offset})
		if err != nil {
			return err
		}
		page.Proposals, page.Total = props, int(total)
	case "people":
		if !page.CanPeople {
			return praxis.Errorf(praxis.EFORBIDDEN, "searching people is for coordinators")
		}
		users, total, err := s.accounts.Users(ctx, user, praxis.UserFilter{Query: page.Query, Region: c.QueryParam("region"),
			Module: c.QueryParam("module"), Limit: searchPageSize, Offset: offset})
		if err != nil {
			return err
		}
		page.People, page.Total = users, int(total)
	default:
		page.In = "modules"
		filter, ferr := searchFilterOf(c)
		if ferr != nil {
			if status, err = page.Form.fail(ferr); err != nil {
				return err
			}
		}
		res, err := s.search.Search(ctx, page.Query, filter, searchPageSize, offset)
		if err != nil {
			return err
		}
		page.Results, page.Total, page.Parsed = res.Results, res.Total, res.Query.String()
	}
	page.Pager.of(page.Total)
	title := "Search"
	if page.Query != "" {
		title = "Search: " + page.Query
	}
	return s.render(c, status, "search", view{Title: title, Section: "search", Data: page})
}
