package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Every JSON body the API takes is read strictly: one object, known fields
// only, at most its size limit. A body that cannot be read so is 400
// (EMALFORMED), before anything is written; a body that reads but breaks a
// rule is the domain's 422.

// bodyLimitBytes bounds JSON bodies on routes that take no file.
const bodyLimitBytes = 1 << 20

// decodeJSON reads a JSON request body of at most 1 MB strictly: one object,
// known fields only.
func decodeJSON(c echo.Context, into any) error {
	return decodeJSONLimit(c, into, bodyLimitBytes)
}

// decodeJSONLimit is decodeJSON for a body of at most limit bytes; a larger
// body is ETOOLARGE.
func decodeJSONLimit(c echo.Context, into any, limit int64) error {
	if err := checkJSONType(c); err != nil {
		return err
	}
	return decodeStrict(http.MaxBytesReader(c.Response(), c.Request().Body, limit), into, limit)
}

// decodeOptionalJSON is decodeJSONLimit for routes whose body may be left
// out: an empty body (or only white space) leaves into as it is.
func decodeOptionalJSON(c echo.Context, into any, limit int64) error {
	data, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, limit))
	if err != nil {
		return decodeFailure(err, limit)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := checkJSONType(c); err != nil {
		return err
	}
	return decodeStrict(bytes.NewReader(data), into, limit)
}

// decodeNoFields reads the body of a route that takes none: nothing, or an
// empty object. Any field is unknown, so a client that believes it is
// sending something learns that it is not.
func decodeNoFields(c echo.Context) error {
	var none struct{}
	return decodeOptionalJSON(c, &none, bodyLimitBytes)
}

// checkJSONType refuses a body sent as anything but JSON (a missing type
// is taken as JSON).
func checkJSONType(c echo.Context) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return praxis.Errorf(praxis.EMALFORMED, "send the body as application/json")
	}
	return nil
}

// decodeStrict decodes one JSON object with known fields only.
func decodeStrict(r io.Reader, into any, limit int64) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return decodeFailure(err, limit)
	}
	if dec.More() {
		return praxis.Errorf(praxis.EMALFORMED, "send one JSON object")
	}
	return nil
}

// decodeFailure says why a body could not be read, naming the field at
// fault when there is one.
func decodeFailure(err error, limit int64) error {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge), errors.Is(err, echo.ErrStatusRequestEntityTooLarge):
		return praxis.Errorf(praxis.ETOOLARGE, "the request body is larger than the %d KB this accepts", limit>>10)
	case errors.Is(err, io.EOF):
		return praxis.Errorf(praxis.EMALFORMED, "the request body is empty; send a JSON object")
	case errors.As(err, &syntax):
		return praxis.Errorf(praxis.EMALFORMED, "the request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return praxis.Errorf(praxis.EMALFORMED, "send the body as a JSON object")
		}
		return &paramError{name: typeErr.Field, message: strconv.Quote(typeErr.Field) + " has the wrong type: give " + jsonKind(typeErr.Type)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &paramError{name: name, message: "unknown field " + strconv.Quote(name) + ": this takes no such field"}
	default:
		return praxis.Errorf(praxis.EMALFORMED, "the request body cannot be read as JSON")
	}
}

// jsonKind names what JSON value a Go type takes, for people.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "text in quotes"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

// itoa64 writes an id.
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
