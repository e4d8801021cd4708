package web

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/module"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// The JSON API reads its query parameters strictly: a value it cannot read
// is a 400 naming the parameter ({"error", "field"}), never ignored, capped
// or replaced by a default. Its lists page one way (docs/API.md,
// "Pagination"): ?limit= and ?cursor=, with "next" in the body and a Link
// header to the next page.

// paramError is a query parameter the API cannot read: EMALFORMED (400),
// naming the parameter.
type paramError struct {
	name    string
	message string
}

func (e *paramError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the praxis error, so ErrorCode finds EMALFORMED.
func (e *paramError) Unwrap() error {
	return &praxis.Error{Code: praxis.EMALFORMED, Message: e.message}
}

// badParam returns a paramError whose message is name followed by the
// formatted text, so that the message names the parameter too.
func badParam(name, format string, args ...any) error {
	return &paramError{name: name, message: name + " " + fmt.Sprintf(format, args...)}
}

// asParamError turns a domain package's verdict on a filter (EINVALID naming
// a field) into a 400 naming the query parameter; other errors pass as they
// are.
func asParamError(err error) error {
	if fields := praxis.FieldErrors(err); len(fields) > 0 && praxis.ErrorCode(err) == praxis.EINVALID {
		return &paramError{name: fields[0].Field, message: fields[0].Message}
	}
	return err
}

// apiQuery reads an API request's query parameters, keeping the first
// problem it meets.
type apiQuery struct {
	values url.Values
	err    error
}

func queryOf(c echo.Context) *apiQuery { return &apiQuery{values: c.QueryParams()} }

// fail keeps the first problem.
func (q *apiQuery) fail(err error) {
	if q.err == nil {
		q.err = err
	}
}

// Err returns the first problem met, or nil.
func (q *apiQuery) Err() error { return q.err }

// has reports whether the parameter was given with a value.
func (q *apiQuery) has(name string) bool { return strings.TrimSpace(q.values.Get(name)) != "" }

// text returns a parameter as given, trimmed; longer than 200 characters is
// a problem (no filter value is that long).
func (q *apiQuery) text(name string) string {
	v := strings.TrimSpace(q.values.Get(name))
	if len(v) > 200 {
		q.fail(badParam(name, "is longer than 200 characters"))
		return ""
	}
	return v
}

// oneOf returns a parameter that must be one of choices, or "".
func (q *apiQuery) oneOf(name string, choices ...string) string {
	v := q.text(name)
	if v != "" && !slices.Contains(choices, v) {
		q.fail(badParam(name, "is one of %s, not %q", strings.Join(choices, ", "), v))
		return ""
	}
	return v
}

// number returns a whole number from lo to hi, or def when it is absent.
func (q *apiQuery) number(name string, def, lo, hi int) int {
	v := q.text(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		q.fail(badParam(name, "must be a whole number from %d to %d", lo, hi))
		return def
	}
	return n
}

// boolean returns a parameter that must be true or false; false when
// absent.
func (q *apiQuery) boolean(name string) bool {
	switch v := q.text(name); v {
	case "", "false":
		return false
	case "true":
		return true
	}
	q.fail(badParam(name, "must be true or false"))
	return false
}

// id returns a positive whole number naming a record, or 0 when absent.
func (q *apiQuery) id(name string) int64 {
	v := q.text(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		q.fail(badParam(name, "must be an id: a whole number from 1"))
		return 0
	}
	return n
}

// date returns a YYYY-MM-DD date, or "".
func (q *apiQuery) date(name string) string {
	v := q.text(name)
	if v == "" {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		q.fail(badParam(name, "must be a date as YYYY-MM-DD"))
		return ""
	}
	return v
}

// slug returns a module or series name, which must look like one, or "".
func (q *apiQuery) slug(name string) string {
	v := q.text(name)
	if v != "" && !module.ValidSlug(v) {
		q.fail(badParam(name, "must be a module or series name such as organising-1-one-to-ones"))
		return ""
	}
	return v
}

// seriesParam returns ?series=, which must name a series on main, or "".
func (s *Server) seriesParam(c echo.Context, q *apiQuery) string {
	slug := q.slug("series")
	if slug == "" {
		return ""
	}
	listing, err := s.catalog.Listing(c.Request().Context(), "")
	if err != nil {
		q.fail(err)
		return ""
	}
	if _, ok := listing.FindSeries(slug); !ok {
		q.fail(badParam("series", "names no series: there is no series %q", slug))
		return ""
	}
	return slug
}

// format returns a delivery format, or "".
func (q *apiQuery) format() string { return q.oneOf("format", praxis.Formats...) }

// listSize is how a list pages: Default items when no limit is given (0 for
// the whole list, for lists the curriculum's size bounds) and at most Max.
type listSize struct{ Default, Max int }

// Sizes of the API's lists.
var (
	catalogueList = listSize{Default: 0, Max: 1000}
	historyList   = listSize{Default: 50, Max: 500}
	searchList    = listSize{Default: 20, Max: 100}
	userList      = listSize{Default: 50, Max: 500}
	proposalList  = listSize{Default: 50, Max: 200}
	deliveryList  = listSize{Default: 100, Max: 1000}
	reflectList   = listSize{Default: 50, Max: 200}
	// The workshops' lists: requests and workshops page in the database;
	// suggestions and registrations are bounded by the facilitators and
	// the workshop's places.
	requestList      = listSize{Default: 50, Max: 500}
	workshopList     = listSize{Default: 50, Max: 1000}
	suggestionList   = listSize{Default: 0, Max: 1000}
	registrationList = listSize{Default: 0, Max: 1000}
)

// maxOffset bounds how far into a list a page may start, so that no offset
// overflows.
const maxOffset = 100_000_000

// listPage is the page of a list a request asks for: Limit items (0 for all)
// from Offset.
type listPage struct {
	Limit  int
	Offset int
}

// slice returns the page's part of a list held whole, and whether more
// follows.
func slice[T any](p listPage, all []T) ([]T, bool) {
	from := min(p.Offset, len(all))
	to := len(all)
	if p.Limit > 0 {
		to = min(from+p.Limit, len(all))
	}
	return all[from:to], to < len(all)
}

// Cursors are opaque to clients; inside, "o" and a number is an offset into
// the list, "c" and a commit id is the commit a history page follows.
const (
	cursorOffset = "o"
	cursorCommit = "c"
)

func encodeCursor(kind, value string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + value))
}

// cursor reads ?cursor= of the kind given; "" when absent.
func (q *apiQuery) cursor(kind string) string {
	v := q.text("cursor")
	if v == "" {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || !strings.HasPrefix(string(raw), kind) || len(raw) == len(kind) {
		q.fail(badParam("cursor", "is not one praxis gave for this list; start again without it"))
		return ""
	}
	return strings.TrimPrefix(string(raw), kind)
}

// page reads limit and where the page starts (cursor, or offset as before
// cursors).
func (q *apiQuery) page(size listSize) listPage {
	p := listPage{Limit: q.number("limit", size.Default, 1, size.Max)}
	if c := q.cursor(cursorOffset); c != "" {
		if q.has("offset") {
			q.fail(badParam("cursor", "and offset cannot both be given; follow next alone"))
		}
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > maxOffset {
			q.fail(badParam("cursor", "is not one praxis gave for this list; start again without it"))
		}
		p.Offset = n
		return p
	}
	p.Offset = q.number("offset", 0, 0, maxOffset)
	return p
}

// nextPage returns the cursor of the page after p when there is one (more),
// and sets the Link header to its address; nil on the last page.
func (s *Server) nextPage(c echo.Context, p listPage, more bool) *string {
	if !more || p.Limit == 0 {
		return nil
	}
	return s.linkNext(c, p.Limit, encodeCursor(cursorOffset, strconv.Itoa(p.Offset+p.Limit)))
}

// linkNext sets the Link header to this request's address with the cursor
// given (and its limit), and returns the cursor.
func (s *Server) linkNext(c echo.Context, limit int, cursor string) *string {
	q := c.QueryParams()
	next := url.Values{}
	for k, v := range q {
		next[k] = v
	}
	next.Del("offset")
	next.Del("before")
	next.Set("cursor", cursor)
	next.Set("limit", strconv.Itoa(limit))
	c.Response().Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", s.absoluteURL(c.Request().URL.EscapedPath()+"?"+next.Encode())))
	return &cursor
}
