package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// form carries what a person typed back into a page, with what was wrong.
type form struct {
	Values url.Values
	// Errors holds a message per field, shown beside it.
	Errors map[string]string
	// Error is a message about the whole form.
	Error string
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
func (f *form) fail(err error) (int, error) {
	if fields := fieldErrors(err); len(fields) > 0 {
		for _, fe := range fields {
			if f.Errors[fe.Field] == "" {
				f.Errors[fe.Field] = fe.Message
			}
		}
		return http.StatusUnprocessableEntity, nil
	}
	var fields interface{ Fields() map[string]string }
	if errors.As(err, &fields) {
		for name, msg := range fields.Fields() {
			f.Errors[name] = msg
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

// fieldErrors finds every field error in err, which may join several (with
// errors.Join) or list them (FieldErrorList), so a form shows all of them at
// once.
func fieldErrors(err error) []*account.FieldError {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*account.FieldError
		for _, e := range joined.Unwrap() {
			out = append(out, fieldErrors(e)...)
		}
		return out
	}
	var many interface{ FieldErrorList() []*account.FieldError }
	if errors.As(err, &many) {
		return many.FieldErrorList()
	}
	var fe *account.FieldError
	if errors.As(err, &fe) {
		return []*account.FieldError{fe}
	}
	return nil
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
