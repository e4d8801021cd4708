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
