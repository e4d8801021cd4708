package delivery

import (
	"strconv"
	"strings"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// Field is one field of a delivery as people and programs see it: the one
// list that the JSON API's body, the delivery form and the CSV export follow.
type Field struct {
	// Name is the field's name in the JSON API (body and answers), in error
	// messages' "field", and the CSV export's column.
	Name string
	// Form is the delivery form's field for it; "" when the form has none.
	// The form asks for the material once ("material"): a module or one's
	// adapted copy of it.
	Form string
	// Label names the field for people, in messages about the form.
	Label string
	// Given says whether a person gives it (the form and the JSON body take
	// it); the others are the record's own (its id, who logged it, the
	// feedback).
	Given bool
	// Text is the field's value as text, as the CSV export and the form show
	// it.
	Text func(d *praxis.Delivery) string
}

// Fields are a delivery's fields, in the order of the CSV export's columns.
var Fields = []Field{
	{"id", "", "record", false, func(d *praxis.Delivery) string { return strconv.FormatInt(d.ID, 10) }},
	{"date", "date", "date", true, func(d *praxis.Delivery) string { return d.Date }},
	{"module", "material", "workshop", true, func(d *praxis.Delivery) string { return d.Module }},
	{"fork_id", "material", "workshop", true, func(d *praxis.Delivery) string { return idText(d.ForkID) }},
	{"version", "version", "version", true, func(d *praxis.Delivery) string { return d.Version }},
	{"facilitator_id", "", "facilitator", false, func(d *praxis.Delivery) string { return strconv.FormatInt(d.FacilitatorID, 10) }},
	{"facilitator", "", "facilitator", false, func(d *praxis.Delivery) string { return d.Facilitator }},
	{"co_facilitators", "co_facilitator", "co-facilitators", true, func(d *praxis.Delivery) string {
		ids := make([]string, len(d.CoFacilitators))
		for i, id := range d.CoFacilitators {
			ids[i] = strconv.FormatInt(id, 10)
		}
		return strings.Join(ids, " ")
	}},
	{"duration", "duration", "length", true, func(d *praxis.Delivery) string { return strconv.Itoa(d.Duration) }},
	{"format", "format", "format", true, func(d *praxis.Delivery) string { return d.Format }},
	{"town", "town", "town", true, func(d *praxis.Delivery) string { return d.Town }},
	{"region", "region", "region", true, func(d *praxis.Delivery) string { return d.Region }},
	{"country", "country", "country", true, func(d *praxis.Delivery) string { return d.Country }},
	{"host", "host", "host group", true, func(d *praxis.Delivery) string { return d.Host }},
	{"host_type", "host_type", "type of group", true, func(d *praxis.Delivery) string { return d.HostType }},
	{"participants", "participants", "participants", true, func(d *praxis.Delivery) string { return strconv.Itoa(d.Participants) }},
	{"first_time", "first_time", "first-timers", true, func(d *praxis.Delivery) string { return strconv.Itoa(d.FirstTime) }},
	{"feedback_count", "", "feedback", false, func(d *praxis.Delivery) string { return strconv.Itoa(d.FeedbackCount) }},
	{"feedback_average", "", "feedback", false, func(d *praxis.Delivery) string {
		if d.FeedbackCount == 0 {
			return ""
		}
		return strconv.FormatFloat(d.FeedbackAverage(), 'f', 2, 64)
	}},
	{"reflection_worked", "reflection_worked", "what worked", true, func(d *praxis.Delivery) string { return d.Worked }},
	{"reflection_change", "reflection_change", "what to change", true, func(d *praxis.Delivery) string { return d.Change }},
}

// idText is an optional id as text: "" for none.
func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// FormField returns the delivery form's field for a field's Name, and
// whether the form has one.
func FormField(name string) (string, bool) {
	for _, f := range Fields {
		if f.Name == name && f.Form != "" {
			return f.Form, true
		}
	}
	return "", false
}
