package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// deliveryBody is a delivery as the API takes it.
type deliveryBody struct {
	Module         string  `json:"module"`
	ForkID         int64   `json:"fork_id"`
	Version        string  `json:"version"`
	Date           string  `json:"date"`
	Duration       int     `json:"duration"`
	Format         string  `json:"format"`
	Town           string  `json:"town"`
	Region         string  `json:"region"`
	Country        string  `json:"country"`
	Host           string  `json:"host"`
	HostType       string  `json:"host_type"`
	Participants   int     `json:"participants"`
	FirstTime      int     `json:"first_time"`
	CoFacilitators []int64 `json:"co_facilitators"`
	Worked         string  `json:"reflection_worked"`
	Change         string  `json:"reflection_change"`
	// Reflection is reflection_worked by the name the contract first gave
	// it.
	Reflection *string `json:"reflection"`
}

func (b deliveryBody) input() (delivery.Input, error) {
	worked, err := reflectionAlias(&b.Worked, b.Reflection)
	if err != nil {
		return delivery.Input{}, err
	}
	return delivery.Input{Module: b.Module, ForkID: b.ForkID, Version: b.Version, Date: b.Date, Duration: b.Duration,
		Format: b.Format, Town: b.Town, Region: b.Region, Country: b.Country, Host: b.Host, HostType: b.HostType,
		Participants: b.Participants, FirstTime: b.FirstTime, CoFacilitators: b.CoFacilitators, Worked: *worked, Change: b.Change}, nil
}

// reflectionAlias takes "reflection" for "reflection_worked": both may be
// given only when they agree.
func reflectionAlias(worked *string, alias *string) (*string, error) {
	switch {
	case alias == nil:
		return worked, nil
	case worked != nil && *worked != "" && *worked != *alias:
		return nil, praxis.Invalid("reflection", "reflection is another name for reflection_worked; give one of them")
	}
	return alias, nil
}

// apiDelivery is a delivery as the API gives it: the record, its feedback
// link and average.
type apiDelivery struct {
	*praxis.Delivery
	FeedbackURL     string   `json:"feedback_url,omitempty"`
	FeedbackAverage *float64 `json:"feedback_average"`
}

func (s *Server) toAPIDelivery(d *praxis.Delivery) apiDelivery {
	copied := *d
	copied.CoFacilitators, copied.CoFacilitatorNames = nonNil(d.CoFacilitators), nonNil(d.CoFacilitatorNames)
	out := apiDelivery{Delivery: &copied}
	if d.FeedbackToken != "" {
		out.FeedbackURL = s.absoluteURL("/f/" + d.FeedbackToken)
	}
	if d.FeedbackCount > 0 {
		avg := d.FeedbackAverage()
		out.FeedbackAverage = &avg
	}
	return out
}

func (s *Server) apiCreateDelivery(c echo.Context) error {
	var body deliveryBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	in, err := body.input()
	if err != nil {
		return err
	}
	d, err := s.deliveries.Create(c.Request().Context(), currentUser(c), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/deliveries/%d", d.ID))
	return c.JSON(http.StatusCreated, s.toAPIDelivery(d))
}

func (s *Server) apiShowDelivery(c echo.Context) error {
	d, err := s.pathDelivery(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toAPIDelivery(d))
}

// deliveryPatch is the body of PATCH /api/v1/deliveries/{id}: the fields it
// gives change, the others keep their values (as they are when the change is
// written, so two PATCHes of different fields both keep their change).
// Revision, when given, is the revision the change was made from: a delivery
// changed since answers 409 and nothing is written.
type deliveryPatch struct {
	Module         *string  `json:"module"`
	ForkID         *int64   `json:"fork_id"`
	Version        *string  `json:"version"`
	Date           *string  `json:"date"`
	Duration       *int     `json:"duration"`
	Format         *string  `json:"format"`
	Town           *string  `json:"town"`
	Region         *string  `json:"region"`
	Country        *string  `json:"country"`
	Host           *string  `json:"host"`
	HostType       *string  `json:"host_type"`
	Participants   *int     `json:"participants"`
	FirstTime      *int     `json:"first_time"`
	CoFacilitators *[]int64 `json:"co_facilitators"`
	Worked         *string  `json:"reflection_worked"`
	Change         *string  `json:"reflection_change"`
	// Reflection is reflection_worked by the name the contract first gave
	// it.
	Reflection *string `json:"reflection"`
	Revision   *int64  `json:"revision"`
}

// apply sets the fields the patch gives.
func (p deliveryPatch) apply(in *delivery.Input) {
	set := func(to *string, from *string) {
		if from != nil {
			*to = *from
		}
	}
	setInt := func(to *int, from *int) {
		if from != nil {
			*to = *from
		}
	}
	set(&in.Module, p.Module)
	set(&in.Version, p.Version)
	set(&in.Date, p.Date)
	set(&in.Format, p.Format)
	set(&in.Town, p.Town)
	set(&in.Region, p.Region)
	set(&in.Country, p.Country)
	set(&in.Host, p.Host)
	set(&in.HostType, p.HostType)
	set(&in.Worked, p.Worked)
	set(&in.Change, p.Change)
	setInt(&in.Duration, p.Duration)
	setInt(&in.Participants, p.Participants)
	setInt(&in.FirstTime, p.FirstTime)
	if p.ForkID != nil {
		in.ForkID = *p.ForkID
	}
	if p.CoFacilitators != nil {
		in.CoFacilitators = *p.CoFacilitators
	}
}

// apiUpdateDelivery changes the fields a PATCH body names; others keep their
// values.
func (s *Server) apiUpdateDelivery(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var patch deliveryPatch
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	if patch.Worked, err = reflectionAlias(patch.Worked, patch.Reflection); err != nil {
		return err
	}
	var revision int64
	if patch.Revision != nil {
		if *patch.Revision < 1 {
			return praxis.Invalid("revision", "the revision is a number from 1")
		}
		revision = *patch.Revision
	}
	updated, err := s.deliveries.Update(c.Request().Context(), currentUser(c), id, revision, patch.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toAPIDelivery(updated))
}

func (s *Server) apiDeleteDelivery(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := decodeNoFields(c); err != nil {
		return err
	}
	if err := s.deliveries.Delete(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiFeedbackList is GET /api/v1/deliveries/{id}/feedback: participants'
// answers, newest first.
type apiFeedbackList struct {
	Feedback []praxis.Feedback `json:"feedback"`
	Total    int               `json:"total"`
	Next     *string           `json:"next"`
}

func (s *Server) apiDeliveryFeedback(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := queryOf(c)
	page := q.page(catalogueList)
	if err := q.Err(); err != nil {
		return err
	}
	all, err := s.deliveries.Feedback(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	list, more := slice(page, all)
	return c.JSON(http.StatusOK, apiFeedbackList{Feedback: nonNil(list), Total: len(all), Next: s.nextPage(c, page, more)})
}

// apiDeliveryFilter reads the filter and scope of a deliveries request:
// coordinators get everyone's deliveries unless scope=mine, others always
// their own. A value that cannot be read is a 400 naming it, before an
// export starts.
func (s *Server) apiDeliveryFilter(c echo.Context, q *apiQuery) (praxis.DeliveryFilter, bool, error) {
	f := praxis.DeliveryFilter{From: q.date("from"), To: q.date("to"), Module: q.slug("module"), Region: q.text("region"),
		Format: q.format(), Series: s.seriesParam(c, q)}
	scope := q.oneOf("scope", "mine", "all")
	if err := q.Err(); err != nil {
		return f, false, err
	}
	if err := delivery.CheckRange(&f.From, &f.To); err != nil {
		return f, false, asParamError(err)
	}
	return f, scope != "mine" && access.Can(currentUser(c), access.AllDeliveries), nil
}

// apiDeliveryList is GET /api/v1/deliveries.
type apiDeliveryList struct {
	Deliveries []apiDelivery `json:"deliveries"`
	Total      int64         `json:"total"`
	// Limit and Offset are the page's, as asked for or by default.
	Limit  int     `json:"limit"`
	Offset int     `json:"offset"`
	Next   *string `json:"next"`
}

func (s *Server) apiListDeliveries(c echo.Context) error {
	q := queryOf(c)
	f, all, err := s.apiDeliveryFilter(c, q)
	if err != nil {
		return err
	}
	page := q.page(deliveryList)
	if err := q.Err(); err != nil {
		return err
	}
	f.Limit, f.Offset = page.Limit, page.Offset
	list, total, err := s.deliveries.List(c.Request().Context(), currentUser(c), f, all)
	if err != nil {
		return err
	}
	out := make([]apiDelivery, len(list))
	for i, d := range list {
		out[i] = s.toAPIDelivery(d)
	}
	return c.JSON(http.StatusOK, apiDeliveryList{Deliveries: out, Total: total, Limit: f.Limit, Offset: f.Offset,
		Next: s.nextPage(c, page, int64(page.Offset+len(list)) < total)})
}

// apiExportDeliveries streams every matching delivery as CSV or as a JSON
// array, without holding them in memory.
func (s *Server) apiExportDeliveries(c echo.Context) error {
	ctx := c.Request().Context()
	f, all, err := s.apiDeliveryFilter(c, queryOf(c))
	if err != nil {
		return err
	}
	user := currentUser(c)
	if strings.HasSuffix(c.Path(), ".json") {
		return s.streamJSON(c, "praxis-deliveries.json", func(put func(any) error) error {
			return s.deliveries.Each(ctx, user, f, all, func(d *praxis.Delivery) error { return put(s.toAPIDelivery(d)) })
		})
	}
	// The columns are delivery.Fields, in order.
	header := make([]string, len(delivery.Fields))
	for i, field := range delivery.Fields {
		header[i] = field.Name
	}
	return s.streamCSV(c, "praxis-deliveries.csv", header, func(row func(...string) error) error {
		cells := make([]string, len(delivery.Fields))
		return s.deliveries.Each(ctx, user, f, all, func(d *praxis.Delivery) error {
			for i, field := range delivery.Fields {
				cells[i] = field.Text(d)
			}
			return row(cells...)
		})
	})
}

// apiReflection is a facilitator's reflection on a delivery of a module.
type apiReflection struct {
	DeliveryID  int64  `json:"delivery_id"`
	Date        string `json:"date"`
	Facilitator string `json:"facilitator"`
	Version     string `json:"version"`
	Worked      string `json:"reflection_worked"`
	Change      string `json:"reflection_change"`
}

// apiReflectionList is GET /api/v1/modules/{slug}/reflections, newest first.
type apiReflectionList struct {
	Reflections []apiReflection `json:"reflections"`
	Next        *string         `json:"next"`
}

// apiReflections lists recent reflections on a module, for network members.
func (s *Server) apiReflections(c echo.Context) error {
	q := queryOf(c)
	page := q.page(reflectList)
	if err := q.Err(); err != nil {
		return err
	}
	list, err := s.deliveries.Reflections(c.Request().Context(), currentUser(c), c.Param("slug"), page.Limit+1, page.Offset)
	if err != nil {
		return err
	}
	more := len(list) > page.Limit
	list = list[:min(len(list), page.Limit)]
	out := make([]apiReflection, len(list))
	for i, d := range list {
		out[i] = apiReflection{d.ID, d.Date, d.Facilitator, d.Version, d.Worked, d.Change}
	}
	return c.JSON(http.StatusOK, apiReflectionList{Reflections: out, Next: s.nextPage(c, page, more)})
}
