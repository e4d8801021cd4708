package web

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// deliveryForm is the page to log or change a delivery.
type deliveryForm struct {
	Form      form
	Edit      *praxis.Delivery
	Material  []optionGroup
	Regions   []string
	HostTypes []string
	Formats   []string
	Today     string
	// People are the co-facilitators chosen, as checkboxes.
	People []personChoice
	// Ambiguous are names several members have, each with a checkbox per
	// member, for the person to choose.
	Ambiguous []ambiguousName
}

// personChoice is a member of the network as a co-facilitator checkbox: a
// name and what they share with the network, never an email address.
type personChoice struct {
	ID      int64
	Name    string
	Detail  string
	Checked bool
}

type ambiguousName struct {
	Name   string
	People []personChoice
}

// optionGroup is an <optgroup> of a select.
type optionGroup struct {
	Label   string
	Options []option
}

type option struct{ Value, Label string }

// deliveryFormFields are the delivery form's fields, each once, with the
// words that name them in messages: those of delivery.Fields that the form
// has.
var deliveryFormFields = func() []struct{ name, label string } {
	var out []struct{ name, label string }
	for _, f := range delivery.Fields {
		if f.Form != "" && !slices.ContainsFunc(out, func(o struct{ name, label string }) bool { return o.name == f.Form }) {
			out = append(out, struct{ name, label string }{f.Form, f.Label})
		}
	}
	return out
}()

func (s *Server) renderDeliveryForm(c echo.Context, status int, f form, edit *praxis.Delivery, ambiguous []delivery.NameMatch) error {
	ctx := c.Request().Context()
	listing, err := s.catalog.Listing(ctx, "")
	if err != nil {
		return err
	}
	forks, err := s.review.Forks(ctx, currentUser(c).ID)
	if err != nil {
		return err
	}
	title := "Log a delivery"
	if edit != nil {
		title = "Change a delivery"
	}
	data := deliveryForm{Form: f, Edit: edit, Material: materialOptions(listing, forks), Regions: praxis.Regions,
		HostTypes: praxis.HostTypes, Formats: praxis.Formats, Today: time.Now().UTC().Format("2006-01-02")}
	if data.People, err = s.chosenPeople(c, f, edit); err != nil {
		return err
	}
	for _, m := range ambiguous {
		group := ambiguousName{Name: m.Name}
		for _, p := range m.People {
			group.People = append(group.People, personChoice{ID: p.ID, Name: p.Name, Detail: personDetail(p), Checked: f.Has("co_facilitator", strconv.FormatInt(p.ID, 10))})
		}
		data.Ambiguous = append(data.Ambiguous, group)
	}
	return s.render(c, status, "delivery-form", view{Title: title, Section: "deliveries", Data: data})
}

// personDetail tells members with one name apart by what they share.
func personDetail(u *praxis.User) string {
	var parts []string
	for _, p := range []string{u.Organisation, u.Town, u.Region} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// chosenPeople names the co-facilitators ticked on the form: those already on
// the record by their names there, others only when they are members of the
// network (a crafted form learns no name it could not find in the directory).
func (s *Server) chosenPeople(c echo.Context, f form, edit *praxis.Delivery) ([]personChoice, error) {
	var ticked []int64
	for _, v := range f.Values["co_facilitator"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ticked = append(ticked, id)
		}
	}
	people, err := s.deliveries.CoFacilitatorChoices(c.Request().Context(), currentUser(c), edit, ticked)
	if err != nil {
		return nil, err
	}
	out := make([]personChoice, len(people))
	for i, p := range people {
		out[i] = personChoice{ID: p.ID, Name: p.Name, Checked: f.Has("co_facilitator", strconv.FormatInt(p.ID, 10))}
	}
	return out, nil
}

// materialOptions lists what can be delivered: the person's adapted copies
// first, then the modules series by series.
func materialOptions(listing *catalog.Listing, forks []*praxis.Fork) []optionGroup {
	var groups []optionGroup
	if len(forks) > 0 {
		g := optionGroup{Label: "Your adapted copies"}
		for _, f := range forks {
			title := f.Module
			if m, ok := listing.Module(f.Module); ok {
				title = m.Title
			}
			g.Options = append(g.Options, option{fmt.Sprintf("fork:%d", f.ID), "Your copy of " + title})
		}
		groups = append(groups, g)
	}
	for _, m := range listing.Modules {
		label := m.SeriesTitle
		if label == "" {
			label = "Other modules"
		}
		if len(groups) == 0 || groups[len(groups)-1].Label != label {
			groups = append(groups, optionGroup{Label: label})
		}
		g := &groups[len(groups)-1]
		g.Options = append(g.Options, option{"module:" + m.Slug, m.Title})
	}
	return groups
}

func (s *Server) newDelivery(c echo.Context) error {
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	user := currentUser(c)
	f.Values.Set("date", time.Now().UTC().Format("2006-01-02"))
	f.Values.Set("format", praxis.FormatInPerson)
	f.Values.Set("country", "GB")
	f.Values.Set("region", user.Region)
	f.Values.Set("town", user.Town)
	f.Values.Set("host_type", praxis.HostTypes[0])
	if slug := c.QueryParam("module"); slug != "" {
		f.Values.Set("material", "module:"+slug)
		if v, err := s.catalog.Module(c.Request().Context(), slug, ""); err == nil {
			f.Values.Set("duration", strconv.Itoa(v.Module.Duration))
		}
	}
	return s.renderDeliveryForm(c, http.StatusOK, f, nil, nil)
}

// deliveryFormValues is a delivery as the form shows it: each field the form
// has (delivery.Fields) as its text, the material as "module:SLUG" or
// "fork:ID", and a box for each co-facilitator.
func deliveryFormValues(d *praxis.Delivery) url.Values {
	v := url.Values{}
	for _, f := range delivery.Fields {
		if f.Form != "" && f.Given {
			v.Set(f.Form, f.Text(d))
		}
	}
	v.Set("material", "module:"+d.Module)
	if d.ForkID != 0 {
		v.Set("material", fmt.Sprintf("fork:%d", d.ForkID))
	}
	v.Del("co_facilitator")
	for _, id := range d.CoFacilitators {
		v.Add("co_facilitator", strconv.FormatInt(id, 10))
	}
	return v
}

// fieldValue is a form field's value for comparing two versions of the form:
// the co-facilitators as a set.
func fieldValue(v url.Values, name string) string {
	if name == "co_facilitator" {
		ids := slices.Clone(v[name])
		slices.Sort(ids)
		return strings.Join(slices.Compact(ids), ",")
	}
	return strings.TrimSpace(strings.ReplaceAll(v.Get(name), "\r\n", "\n"))
}

// deliveryInput reads the delivery form. Numbers that do not parse become
// zero, which the service refuses with the field named. Co-facilitators are
// the ticked members and those named in co_names: names that match no member,
// or several, come back as EINVALID naming co_facilitators and in ambiguous, with the names
// already found ticked and taken out of co_names.
func (s *Server) deliveryInput(c echo.Context, f form) (in delivery.Input, ambiguous []delivery.NameMatch, err error) {
	num := func(name string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(f.Value(name)))
		return n
	}
	in = delivery.Input{Version: f.Value("version"), Date: f.Value("date"), Duration: num("duration"),
		Format: f.Value("format"), Town: f.Value("town"), Region: f.Value("region"), Country: f.Value("country"),
		Host: f.Value("host"), HostType: f.Value("host_type"), Participants: num("participants"),
		FirstTime: num("first_time"), Worked: f.Value("reflection_worked"), Change: f.Value("reflection_change")}
	kind, value, _ := strings.Cut(f.Value("material"), ":")
	switch kind {
	case "module":
		in.Module = value
	case "fork":
		in.ForkID, _ = strconv.ParseInt(value, 10, 64)
		if in.ForkID == 0 {
			in.ForkID = -1
		}
	}
	for _, v := range f.Values["co_facilitator"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.CoFacilitators = append(in.CoFacilitators, id)
		}
	}
	names := strings.FieldsFunc(f.Value("co_names"), func(r rune) bool { return r == ',' || r == ';' || r == '\n' })
	found, err := s.deliveries.CoFacilitatorsNamed(c.Request().Context(), currentUser(c), names)
	if err != nil && praxis.ErrorField(err) == "" {
		return in, nil, err
	}
	// Those found are ticked; names that matched nobody stay typed, to be
	// corrected; ambiguous ones become a choice of the members they match.
	in.CoFacilitators = append(in.CoFacilitators, found.IDs...)
	for _, id := range found.IDs {
		if !f.Has("co_facilitator", strconv.FormatInt(id, 10)) {
			f.Values.Add("co_facilitator", strconv.FormatInt(id, 10))
		}
	}
	unknown := make([]string, len(found.Unknown))
	for i, name := range found.Unknown {
		unknown[i] = strings.TrimSpace(name)
	}
	f.Values.Set("co_names", strings.Join(unknown, ", "))
	return in, found.Ambiguous, err
}

// failDeliveryForm shows the form again with every problem beside its field:
// those of the co-facilitators' names, with the rest of the form checked too.
func (s *Server) failDeliveryForm(c echo.Context, f form, edit *praxis.Delivery, in delivery.Input, nameErr error, ambiguous []delivery.NameMatch) error {
	status, err := f.fail(materialField(nameErr))
	if err != nil {
		return err
	}
	facilitator := currentUser(c).ID
	if edit != nil {
		facilitator = edit.FacilitatorID
	}
	if checkErr := s.deliveries.Check(c.Request().Context(), currentUser(c), facilitator, in); checkErr != nil {
		if _, err := f.fail(materialField(checkErr)); err != nil {
			return err
		}
	}
	return s.renderDeliveryForm(c, status, f, edit, ambiguous)
}

func (s *Server) createDelivery(c echo.Context) error {
	f := newForm(c)
	in, ambiguous, err := s.deliveryInput(c, f)
	if err != nil {
		return s.failDeliveryForm(c, f, nil, in, err, ambiguous)
	}
	d, err := s.deliveries.Create(c.Request().Context(), currentUser(c), in)
	if err == nil {
		s.setFlash(c, "Delivery logged. Share the feedback link below with participants.")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/deliveries/%d", d.ID))
	}
	status, err := f.fail(materialField(err))
	if err != nil {
		return err
	}
	return s.renderDeliveryForm(c, status, f, nil, nil)
}

// materialField reports errors on module and fork_id against the form's
// single "material" field, and those on co_facilitators against its
// co_facilitator boxes.
func materialField(err error) error {
	fields := praxis.FieldErrors(err)
	if len(fields) == 0 {
		return err
	}
	renamed := make([]praxis.FieldError, len(fields))
	for i, fe := range fields {
		renamed[i] = fe
		if name, ok := delivery.FormField(fe.Field); ok {
			renamed[i].Field = name
		}
	}
	return praxis.InvalidFields(renamed)
}

func (s *Server) editDelivery(c echo.Context) error {
	d, err := s.pathDelivery(c)
	if err != nil {
		return err
	}
	values := deliveryFormValues(d)
	f := form{Values: url.Values{}, Errors: map[string]string{}}
	for k, v := range values {
		f.Values[k] = slices.Clone(v)
	}
	f.Values.Set("revision", strconv.FormatInt(d.Revision, 10))
	f.Values.Set("original", values.Encode())
	return s.renderDeliveryForm(c, http.StatusOK, f, d, nil)
}

func (s *Server) updateDelivery(c echo.Context) error {
	ctx := c.Request().Context()
	d, err := s.pathDelivery(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	in, ambiguous, err := s.deliveryInput(c, f)
	if err != nil {
		return s.failDeliveryForm(c, f, d, in, err, ambiguous)
	}
	revision, _ := strconv.ParseInt(f.Value("revision"), 10, 64)
	if revision < 1 {
		revision = d.Revision // a form from before revisions: as it was
	}
	_, err = s.deliveries.Update(ctx, currentUser(c), d.ID, revision, func(to *delivery.Input) { *to = in })
	var stale *delivery.StaleError
	switch {
	case err == nil:
		s.setFlash(c, "Delivery saved.")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/deliveries/%d", d.ID))
	case errors.As(err, &stale):
		return s.renderStaleDelivery(c, f, stale.Current)
	}
	status, err := f.fail(materialField(err))
	if err != nil {
		return err
	}
	return s.renderDeliveryForm(c, status, f, d, nil)
}

// renderStaleDelivery answers a form saved after someone else changed the
// delivery: nothing was saved. The form comes back with what the person
// typed; fields only the other person changed take their new value, and
// every field the other person changed says so beside it. Saving again saves.
func (s *Server) renderStaleDelivery(c echo.Context, f form, current *praxis.Delivery) error {
	original, _ := url.ParseQuery(f.Value("original"))
	saved := deliveryFormValues(current)
	theirs := func(name string) string {
		if name != "co_facilitator" {
			return saved.Get(name)
		}
		var names []string
		for i := range current.CoFacilitators {
			names = append(names, current.CoFacilitatorNames[i])
		}
		if len(names) == 0 {
			return "nobody"
		}
		return strings.Join(names, ", ")
	}
	var changed []string
	for _, field := range deliveryFormFields {
		was, now, typed := fieldValue(original, field.name), fieldValue(saved, field.name), fieldValue(f.Values, field.name)
		if was == now {
			continue
		}
		changed = append(changed, field.label)
		errorField := field.name
		if typed == was { // only they changed it: take their change
			f.Values[field.name] = slices.Clone(saved[field.name])
			f.Errors[errorField] = fmt.Sprintf("Changed by someone else to %q while you were editing; their change is in the form now.", theirs(field.name))
		} else if typed != now {
			f.Errors[errorField] = fmt.Sprintf("Someone else changed this to %q while you were editing. What you typed is kept; saving will replace their change.", theirs(field.name))
		}
	}
	f.Values.Set("revision", strconv.FormatInt(current.Revision, 10))
	f.Values.Set("original", saved.Encode())
	f.Error = "Nothing was saved: someone else changed this delivery while you were editing it"
	if len(changed) > 0 {
		f.Error += " (" + strings.Join(changed, ", ") + ")"
	}
	f.Error += ". Their changes are marked below and what you typed is kept. Check the form, then save again."
	return s.renderDeliveryForm(c, http.StatusConflict, f, current, nil)
}

// suggestPeople answers the co-facilitator field as someone types: members
// of the network whose names contain the last name being typed, as options of
// a datalist (the field works without it, by name), leaving out the person
// asking and names already typed. Each option's value is the whole field with
// that name completed.
func (s *Server) suggestPeople(c echo.Context) error {
	typed := c.QueryParam("co_names")
	before, last := "", typed
	if i := strings.LastIndexAny(typed, ",;"); i >= 0 {
		before, last = strings.TrimSpace(typed[:i])+", ", typed[i+1:]
	}
	last = strings.TrimSpace(last)
	c.Response().Header().Set("Cache-Control", "private, no-store")
	if len([]rune(last)) < 2 {
		return c.HTML(http.StatusOK, "")
	}
	people, _, err := s.accounts.Directory(c.Request().Context(), currentUser(c), account.DirectoryFilter{Query: last, Limit: 8})
	if err != nil {
		return err
	}
	typedNames := strings.FieldsFunc(before, func(r rune) bool { return r == ',' || r == ';' })
	var b strings.Builder
	for _, p := range people {
		if p.ID == currentUser(c).ID || slices.ContainsFunc(typedNames, func(n string) bool { return strings.EqualFold(strings.TrimSpace(n), p.Name) }) {
			continue
		}
		fmt.Fprintf(&b, `<option value="%s">%s</option>`, html.EscapeString(before+p.Name), html.EscapeString(personDetail(p)))
	}
	return c.HTML(http.StatusOK, b.String())
}
