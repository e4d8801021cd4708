package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/search"
)

// apiSearchResults is GET /api/v1/search.
type apiSearchResults struct {
	Results []search.Result `json:"results"`
	Total   int             `json:"total"`
	// Query is the query as praxis understood it.
	Query string  `json:"query"`
	Next  *string `json:"next"`
}

// apiSearch answers GET /api/v1/search?q=&series=&tag=&format=&min_duration=
// &max_duration=&group_size=&audience=&language=&limit=&cursor=.
func (s *Server) apiSearch(c echo.Context) error {
	q := queryOf(c)
	f := search.Filter{Series: q.slug("series"), Format: q.format(), Audience: q.text("audience"), Language: q.text("language"),
		MinDuration: q.number("min_duration", 0, 0, maxMinutes), MaxDuration: q.number("max_duration", 0, 0, maxMinutes),
		GroupSize: q.number("group_size", 0, 0, maxMinutes)}
	for _, t := range c.QueryParams()["tag"] {
		if len(t) > 200 {
			q.fail(badParam("tag", "is longer than 200 characters"))
		}
		if t != "" {
			f.Tags = append(f.Tags, t)
		}
	}
	page := q.page(searchList)
	if err := q.Err(); err != nil {
		return err
	}
	// The query may be long: search reads as much of it as it uses.
	res, err := s.search.Search(c.Request().Context(), c.QueryParam("q"), f, page.Limit, page.Offset)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiSearchResults{Results: nonNil(res.Results), Total: res.Total, Query: res.Query.String(),
		Next: s.nextPage(c, page, page.Offset+len(res.Results) < res.Total)})
}
