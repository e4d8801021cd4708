package praxis

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the web layer.
const (
	EINVALID        = "invalid"         // the input breaks a rule (422)
	EMALFORMED      = "malformed"       // the request cannot be read at all (400)
	ENOTFOUND       = "not_found"       // no such thing (404)
	ECONFLICT       = "conflict"        // someone else changed it first (409)
	EUNAUTHORIZED   = "unauthorized"    // who are you? (401)
	EFORBIDDEN      = "forbidden"       // you may not (403)
	ETOOLARGE       = "too_large"       // over a size limit (413)
	ETOOMANY        = "too_many"        // rate limited (429)
	ENOTIMPLEMENTED = "not_implemented" // this instance cannot do that (501)
	EUNAVAILABLE    = "unavailable"     // try again later (503)
	EINTERNAL       = "internal"        // a bug or an outage (500)
)

// Error is an error whose Message is safe to show to a user. Errors of any other
// type are internal: the user sees only "internal error".
type Error struct {
	Code    string
	Message string
	// Fields name the inputs at fault (a form's fields, a JSON body's keys),
	// each with what is wrong with it, when the error is about particular
	// inputs: a form shows every one beside its field, the API lists them
	// ("field" is the first, "fields" all). Message says it for the whole.
	Fields []FieldError
}

// FieldError is one input at fault: its name and what is wrong with it, in
// words for people.
type FieldError struct {
	Field   string
	Message string
}

// Invalid returns EINVALID naming one field at fault.
func Invalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// InvalidFields returns EINVALID naming every field at fault, so that a form
// shows them all at once; its message is the first field's. It returns nil
// when fields is empty.
func InvalidFields(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: fields[0].Message, Fields: fields}
}

// FieldErrors returns every field at fault in err: the fields of the first
// *Error in its chain, and of each error it joins (errors.Join), in order.
func FieldErrors(err error) []FieldError {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []FieldError
		for _, e := range joined.Unwrap() {
			out = append(out, FieldErrors(e)...)
		}
		return out
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// ErrorField returns the first field at fault in err, or "" when err names
// none.
func ErrorField(err error) string {
	if fields := FieldErrors(err); len(fields) > 0 {
		return fields[0].Field
	}
	return ""
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("praxis error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-safe message of the first *Error in err's chain, or
// "internal error" for any other non-nil error.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "internal error"
	}
}
