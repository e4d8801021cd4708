package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// form carries what a person typed back into a page, with what was wrong.
type form struct {
	Values url.Values
	// Errors holds a message per field, shown beside it.
	Errors map[string]string
	// Error is a message about the whole form.
	Error string
	// Order holds the names in Errors in the order fail found them.
	Order []string
}

func newForm(c echo.Context) form {
	values, _ := c.FormParams()
	return form{Values: values, Errors: map[string]string{}}
}

// Value returns what was typed in a field.
func (f form) Value(name string) string { return f.Values.Get(name) }

// Has reports whether a checkbox or option was chosen.
func (f form) Has(name, value string) bool {
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// fail records err on the form when it is something the person can fix, and
// returns the status to show the form again with. Other errors are returned to
// go to the error handler.
//
// This is the one rule for every form: each field at fault
// (praxis.FieldErrors, however many and however joined) is shown beside its
// field, the first message for a field winning, and the "form-error" summary
// at the top lists them all; an error about no field in particular is shown
// at the top. What was typed stays in Values (the templates never echo a
// password).
func (f *form) fail(err error) (int, error) {
	if fields := praxis.FieldErrors(err); len(fields) > 0 {
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		for _, fe := range fields {
			if f.Errors[fe.Field] == "" {
				f.Errors[fe.Field] = fe.Message
				f.Order = append(f.Order, fe.Field)
			}
		}
		return http.StatusUnprocessableEntity, nil
	}
	status, _ := classify(err)
	if status >= 500 {
		return 0, err
	}
	f.Error = praxis.ErrorMessage(err)
	return status, nil
}

// pageFailure is the rule for pages that show a failed save in place rather
// than through a form (the editor, proposing a copy, cutting a release,
// resolving an update): a failure the person can act on comes back as its
// status and message to show; one they cannot (a fault inside praxis, a page
// that is not there, a permission they lack) is returned to go to the error
// handler.
func pageFailure(err error) (int, string, error) {
	status, _ := classify(err)
	if status >= 500 || status == http.StatusForbidden || status == http.StatusNotFound {
		return 0, "", err
	}
	return status, praxis.ErrorMessage(err), nil
}

// Problems lists the fields at fault in the order they were found, each with
// its message, for the summary at the top of the form.
func (f form) Problems() []praxis.FieldError {
	out := make([]praxis.FieldError, 0, len(f.Errors))
	seen := map[string]bool{}
	for _, name := range f.Order {
		if msg := f.Errors[name]; msg != "" && !seen[name] {
			seen[name] = true
			out = append(out, praxis.FieldError{Field: name, Message: msg})
		}
	}
	// Messages set directly on Errors (a stale form's) come after, by name.
	names := make([]string, 0, len(f.Errors))
	for name := range f.Errors {
		if !seen[name] && f.Errors[name] != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		out = append(out, praxis.FieldError{Field: name, Message: f.Errors[name]})
	}
	return out
}

// fieldData is what the "field" template needs to draw one labelled input.
type fieldData struct {
	Form                                  form
	Name, Label, Type, Hint, Autocomplete string
	Required                              bool
	List                                  string
	Describe                              string
}

// field builds a fieldData in a template: (field FORM NAME LABEL TYPE HINT AUTOCOMPLETE REQUIRED [DATALIST]).
func field(f form, name, label, typ, hint, autocomplete string, required bool, list ...string) fieldData {
	d := fieldData{Form: f, Name: name, Label: label, Type: typ, Hint: hint, Autocomplete: autocomplete, Required: required}
	if len(list) > 0 {
		d.List = list[0]
	}
	var describe []string
	if hint != "" {
		describe = append(describe, "f-"+name+"-hint")
	}
	if f.Errors[name] != "" {
		describe = append(describe, "f-"+name+"-error")
	}
	d.Describe = strings.Join(describe, " ")
	return d
}
