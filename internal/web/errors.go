package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// statusOf maps praxis error codes to HTTP status codes; this is the only place
// that decides a failure's status.
var statusOf = map[string]int{
	praxis.EINVALID:        http.StatusUnprocessableEntity,
	praxis.EMALFORMED:      http.StatusBadRequest,
	praxis.ENOTFOUND:       http.StatusNotFound,
	praxis.ECONFLICT:       http.StatusConflict,
	praxis.EUNAUTHORIZED:   http.StatusUnauthorized,
	praxis.EFORBIDDEN:      http.StatusForbidden,
	praxis.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	praxis.ETOOMANY:        http.StatusTooManyRequests,
	praxis.ENOTIMPLEMENTED: http.StatusNotImplemented,
	praxis.EUNAVAILABLE:    http.StatusServiceUnavailable,
	praxis.EINTERNAL:       http.StatusInternalServerError,
}

// headings are the titles of error pages.
var headings = map[int]string{
	http.StatusBadRequest:            "That request could not be read",
	http.StatusUnauthorized:          "Please sign in",
	http.StatusForbidden:             "You cannot do that",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "That cannot be done here",
	http.StatusConflict:              "Someone else got there first",
	http.StatusRequestEntityTooLarge: "That is too large",
	http.StatusUnprocessableEntity:   "Something needs fixing",
	http.StatusTooManyRequests:       "Too many requests",
	http.StatusNotImplemented:        "Not available here",
	http.StatusServiceUnavailable:    "Try again in a moment",
}

// classify turns any error into a status and a message that is safe to show.
func classify(err error) (int, string) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, "There is no page at this address."
		case http.StatusMethodNotAllowed:
			return he.Code, "This address does not accept that kind of request."
		case http.StatusRequestEntityTooLarge:
			return he.Code, "The request is larger than praxis accepts."
		}
		if msg, ok := he.Message.(string); ok && he.Code < 500 {
			return he.Code, msg
		}
		if he.Code < 500 {
			return he.Code, http.StatusText(he.Code)
		}
		return http.StatusInternalServerError, "internal error"
	}
	code := praxis.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return status, praxis.ErrorMessage(err)
}

// handleError is Echo's error handler: it logs internal errors and answers JSON
// for the API and an HTML page for people.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := classify(err)
	requestID := c.Response().Header().Get(echo.HeaderXRequestID)
	if status == http.StatusTooManyRequests {
		setRetryAfter(c, err)
	}
	if status == http.StatusUnauthorized && !wantsJSON(c) && c.Request().Header.Get(echo.HeaderAuthorization) == "" {
		_ = redirectToLogin(c)
		return
	}
	// Only internal errors hide their message: the other 5xx codes
	// (unavailable, not implemented) carry one written for people.
	internal := status == http.StatusInternalServerError
	switch {
	case internal:
		s.log.Error("internal error", "err", err, "request_id", requestID, "uri", loggedURI(c))
		msg = "Something went wrong inside praxis. It has been logged."
	case status >= 500:
		s.log.Warn("request not served", "status", status, "err", err, "request_id", requestID, "uri", loggedURI(c))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if wantsJSON(c) {
		_ = c.JSON(status, apiErrorOf(err, msg, internal, requestID))
		return
	}
	heading := headings[status]
	if heading == "" {
		heading = "Something went wrong"
	}
	data := errorPage{Status: status, Heading: heading, Message: msg}
	if internal {
		data.RequestID = requestID
	}
	if rerr := s.render(c, status, "error", view{Title: heading, Data: data}); rerr != nil {
		s.log.Error("rendering the error page failed", "err", rerr)
		_ = c.String(status, fmt.Sprintf("%s: %s", heading, msg))
	}
}

// apiError is the body of every failed API request (and of JSON answers
// from other routes). Only Error is always there.
type apiError struct {
	// Error says what went wrong, in words for people.
	Error string `json:"error"`
	// RequestID is given with internal errors, which are logged with it.
	RequestID string `json:"request_id,omitempty"`
	// Field names the query parameter or body field at fault.
	Field string `json:"field,omitempty"`
	// Fields names every field at fault in a body that breaks a rule, with
	// what is wrong with each; Field is the first of them.
	Fields map[string]string `json:"fields,omitempty"`
	// Problems are the lint problems that refused a module.
	Problems []praxis.Problem `json:"problems,omitzero"`
	// Conflicts are the files that stop a merge or an update.
	Conflicts []praxis.MergeConflict `json:"conflicts,omitzero"`
	// Head is the version now, when the request named an older one.
	Head string `json:"head,omitempty"`
	// Clashes are the days the facilitators of a workshop being scheduled
	// are already facilitating (409).
	Clashes []apiClash `json:"clashes,omitzero"`
}

// apiClash is a day a facilitator is already facilitating: a scheduled
// workshop or a logged delivery.
type apiClash struct {
	// Facilitator is the person's account id.
	Facilitator int64  `json:"facilitator"`
	Name        string `json:"name"`
	// Date is the day, YYYY-MM-DD, where the other workshop runs.
	Date       string `json:"date"`
	Module     string `json:"module"`
	Title      string `json:"title,omitempty"`
	WorkshopID int64  `json:"workshop_id,omitempty"`
	DeliveryID int64  `json:"delivery_id,omitempty"`
}

// apiErrorOf describes err for a JSON client; msg is its safe message.
func apiErrorOf(err error, msg string, internal bool, requestID string) apiError {
	body := apiError{Error: msg}
	if internal {
		body.Error, body.RequestID = "internal error", requestID
	}
	var param *paramError
	if errors.As(err, &param) {
		body.Field = param.name
	}
	if fieldErrs := praxis.FieldErrors(err); len(fieldErrs) > 0 {
		// "field" names the first at fault, "fields" every one.
		body.Field = fieldErrs[0].Field
		body.Fields = map[string]string{}
		for _, fe := range fieldErrs {
			if _, ok := body.Fields[fe.Field]; !ok {
				body.Fields[fe.Field] = fe.Message
			}
		}
	}
	var withProblems interface{ ProblemList() []praxis.Problem }
	if errors.As(err, &withProblems) {
		body.Problems = nonNil(withProblems.ProblemList())
	}
	var withConflicts interface{ ConflictList() []praxis.MergeConflict }
	if errors.As(err, &withConflicts) {
		body.Conflicts = nonNil(withConflicts.ConflictList())
	}
	var stale interface{ StaleHead() string }
	if errors.As(err, &stale) {
		body.Head = stale.StaleHead()
	}
	var clash *praxis.ClashError
	if errors.As(err, &clash) {
		body.Clashes = make([]apiClash, len(clash.Clashes))
		for i, b := range clash.Clashes {
			body.Clashes[i] = apiClash{Facilitator: b.UserID, Name: b.Name, Date: b.Date, Module: b.Module, Title: b.Title,
				WorkshopID: b.WorkshopID, DeliveryID: b.DeliveryID}
		}
	}
	return body
}

type errorPage struct {
	Status    int
	Heading   string
	Message   string
	RequestID string
}

// wantsJSON reports whether a response should be JSON: API, health and
// metrics routes always, others when the client asks for JSON rather than HTML.
func wantsJSON(c echo.Context) bool {
	p := c.Request().URL.Path
	if strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/metrics" {
		return true
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// problemsError is an EINVALID error that carries lint problems to the client.
type problemsError struct {
	err      *praxis.Error
	problems []praxis.Problem
}

func (e *problemsError) Error() string                 { return e.err.Error() }
func (e *problemsError) Unwrap() error                 { return e.err }
func (e *problemsError) ProblemList() []praxis.Problem { return e.problems }
