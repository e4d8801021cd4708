package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/delivery"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/webhook"
	"github.com/praxis-coop/praxis/internal/workshop"
)

// The OpenAPI 3.1 description of the JSON API, served at
// /api/v1/openapi.json. Each endpoint is described once, below, beside the
// Go types its handler reads and writes; their JSON Schemas are made from
// those types, so a field added to a response is in the document at once.
// A test walks Echo's routes and fails when an API route is missing here or
// this names one that does not exist, and checks real answers against the
// schemas.

// apiEndpoint describes one API route.
type apiEndpoint struct {
	Summary string
	// Query lists the query parameters, besides the list's.
	Query []apiParam
	// List is set for lists: the limit they take, and whether they take
	// offset too (every list but a history).
	List   *listSize
	Offset bool
	// Body is a value of the request body's type; nil for none. Optional
	// bodies may be left out.
	Body     any
	Optional bool
	// Status and Response are the success status and a value of its body's
	// type (nil for none, oneOf for one of several shapes).
	Status   int
	Response any
	// Media is the success body's media type when it is not JSON.
	Media string
	// Errors are statuses this endpoint answers besides the ones every
	// endpoint of its kind does (see errorsOf).
	Errors []int
}

// oneOf is a response that takes one of several shapes.
type oneOf []any

// apiParam is a query parameter.
type apiParam struct {
	Name        string
	Description string
	// Kind is string (when empty), integer, date or boolean.
	Kind     string
	Enum     []string
	Required bool
	// Repeated parameters may be given more than once.
	Repeated bool
}

// Query parameters several endpoints share.
var (
	revParam = apiParam{Name: "rev", Description: "A version to read at: a commit, a release name such as v2026.10, or a branch. Main's head when absent."}

	deliveryFilterParams = []apiParam{
		{Name: "from", Kind: "date", Description: "The first day, YYYY-MM-DD."},
		{Name: "to", Kind: "date", Description: "The last day, YYYY-MM-DD; not before from."},
		{Name: "module", Description: "A module, with what was recorded under its earlier names."},
		{Name: "series", Description: "A series: its modules."},
		{Name: "region", Description: "Where the workshops ran, as recorded."},
		{Name: "format", Enum: praxis.Formats},
	}
	deliveryListParams = append(slices.Clone(deliveryFilterParams),
		apiParam{Name: "scope", Enum: []string{"mine", "all"}, Description: "mine: only one's own, also for coordinators (who get everyone's otherwise)."})
	statsParams = append(slices.Clone(deliveryFilterParams),
		apiParam{Name: "group_by", Repeated: true, Enum: groupingKeys(), Description: "A grouping, repeated or comma-separated; every table when absent."})
	fileDeleteParams = []apiParam{
		{Name: "base", Description: "The head the deletion was made from (or in the body)."},
		{Name: "message", Description: "The commit message (or in the body)."},
		{Name: "module", Description: "Which of a proposal's modules the path is in (or in the body, or in the path)."},
	}
)

func groupingKeys() []string {
	keys := make([]string, len(delivery.Groupings))
	for i, g := range delivery.Groupings {
		keys[i] = g.Key
	}
	return keys
}

// apiEndpoints describes every API route, by "METHOD /pattern" as routes.go
// registers it.
var apiEndpoints = map[string]apiEndpoint{
	"GET /api/v1/openapi.json": {Summary: "This description of the API (OpenAPI 3.1)", Response: map[string]any{}},

	"GET /api/v1/modules": {Summary: "List the curriculum's modules", List: &catalogueList, Offset: true, Response: apiModuleList{},
		Query: []apiParam{revParam, {Name: "series", Description: "Modules of this series."}, {Name: "tag"}, {Name: "format", Enum: praxis.Formats},
			{Name: "min_duration", Kind: "integer", Description: "At least this many minutes."}, {Name: "max_duration", Kind: "integer", Description: "At most this many minutes."}},
		Errors: []int{http.StatusNotFound}},
	"GET /api/v1/modules/:slug": {Summary: "A module: every front matter field, its plan as Markdown and HTML, its handouts",
		Query: []apiParam{revParam}, Response: apiModule{}, Errors: []int{http.StatusUnprocessableEntity}},
	"GET /api/v1/modules/:slug/history": {Summary: "The commits that changed a module, newest first", List: &historyList, Response: apiHistoryPage{},
		Query: []apiParam{{Name: "before", Description: "Start after this commit (as cursor does)."}}},
	"GET /api/v1/modules/:slug/compare": {Summary: "How a module differs between two versions", Response: apiComparison{},
		Query: []apiParam{{Name: "from", Required: true, Description: "A commit, release or branch."}, {Name: "to", Required: true, Description: "A commit, release or branch."}}},
	"GET /api/v1/modules/:slug/reflections": {Summary: "Facilitators' reflections on a module, newest first", List: &reflectList, Offset: true, Response: apiReflectionList{}},
	"POST /api/v1/modules/:slug/forks": {Summary: "Make one's own adaptable copy (fork) of a module", Body: struct{}{}, Optional: true,
		Status: http.StatusCreated, Response: apiFork{}, Errors: []int{http.StatusConflict}},

	"GET /api/v1/series":       {Summary: "List the series", List: &catalogueList, Offset: true, Query: []apiParam{revParam}, Response: apiSeriesList{}, Errors: []int{http.StatusNotFound}},
	"GET /api/v1/series/:slug": {Summary: "A series", Query: []apiParam{revParam}, Response: apiOneSeries{}},

	"GET /api/v1/releases": {Summary: "The curriculum's releases, newest first", List: &catalogueList, Offset: true, Response: apiReleaseList{}},
	"POST /api/v1/releases": {Summary: "Cut a release of main", Body: releaseBody{}, Status: http.StatusCreated, Response: history.Release{},
		Errors: []int{http.StatusConflict}},

	"GET /api/v1/search": {Summary: "Search the modules", List: &searchList, Offset: true, Response: apiSearchResults{},
		Query: []apiParam{{Name: "q", Description: "Words, organ* for a prefix, \"a phrase\", -without; the first 200 characters count."}, {Name: "series"}, {Name: "tag", Repeated: true},
			{Name: "format", Enum: praxis.Formats}, {Name: "min_duration", Kind: "integer"}, {Name: "max_duration", Kind: "integer"},
			{Name: "group_size", Kind: "integer", Description: "Modules designed for a group of this many."}, {Name: "audience"}, {Name: "language"}}},

	"GET /api/v1/me": {Summary: "The account making the request", Response: apiUser{}},
	"GET /api/v1/users": {Summary: "List accounts", List: &userList, Offset: true, Response: apiUserList{},
		Query: []apiParam{{Name: "q", Description: "Part of the name or email."},
			{Name: "status", Enum: []string{string(praxis.StatusPending), string(praxis.StatusActive), string(praxis.StatusSuspended)}},
			{Name: "role", Enum: roleNames()}, {Name: "region"}, {Name: "language"}, {Name: "module", Description: "Trained to deliver this module."}}},
	"GET /api/v1/users/:id":   {Summary: "An account", Response: apiUser{}},
	"PATCH /api/v1/users/:id": {Summary: "Change an account's roles (admins) or status (coordinators)", Body: userPatch{}, Response: apiUser{}},

	"GET /api/v1/forks/:id": {Summary: "A fork and how far it is ahead of and behind main", Response: apiFork{}},
	"PUT /api/v1/forks/:id/files/*": {Summary: "Save a file of a fork's module", Body: fileBody{}, Response: apiSaved{},
		Errors: []int{http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests}},
	"DELETE /api/v1/forks/:id/files/*": {Summary: "Delete a file of a fork's module", Query: fileDeleteParams, Body: fileBody{}, Optional: true,
		Response: apiSaved{}, Errors: []int{http.StatusConflict}},
	"POST /api/v1/forks/:id/update": {Summary: "Merge main into a fork", Body: struct{}{}, Optional: true, Response: apiUpdated{},
		Errors: []int{http.StatusConflict}},

	"POST /api/v1/proposals": {Summary: "Open a proposal: from a fork, from changes to a module, or to move or copy a module",
		Body: proposalBody{}, Status: http.StatusCreated, Response: apiProposal{},
		Errors: []int{http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests}},
	"GET /api/v1/proposals": {Summary: "List proposals, most recently updated first", List: &proposalList, Offset: true, Response: apiProposalList{},
		Query: []apiParam{{Name: "status", Enum: []string{praxis.ProposalOpen, praxis.ProposalClosed, praxis.ProposalMerged}},
			{Name: "module", Description: "Proposals touching this module, or it under an earlier name."}, {Name: "author", Kind: "integer", Description: "An account's id."}}},
	"GET /api/v1/proposals/:id": {Summary: "A proposal with its diff, review and whether it can be merged", Response: apiProposalView{}},
	"PUT /api/v1/proposals/:id/files/*": {Summary: "Save a file of a proposal (its author)", Body: fileBody{}, Response: apiSaved{},
		Errors: []int{http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests}},
	"DELETE /api/v1/proposals/:id/files/*": {Summary: "Delete a file of a proposal (its author)", Query: fileDeleteParams, Body: fileBody{}, Optional: true,
		Response: apiSaved{}, Errors: []int{http.StatusConflict}},
	"POST /api/v1/proposals/:id/update": {Summary: "Merge main into a proposal", Body: struct{}{}, Optional: true, Response: apiUpdated{},
		Errors: []int{http.StatusConflict}},
	"POST /api/v1/proposals/:id/comments": {Summary: "Comment on a proposal, or on a line of its diff", Body: commentBody{},
		Status: http.StatusCreated, Response: praxis.Comment{}},
	"POST /api/v1/proposals/:id/reviews": {Summary: "Review a proposal: approve, request changes or comment", Body: reviewBody{},
		Status: http.StatusCreated, Response: praxis.Review{}, Errors: []int{http.StatusConflict}},
	"POST /api/v1/proposals/:id/merge": {Summary: "Merge a proposal into main", Body: mergeBody{}, Optional: true, Response: apiMerged{},
		Errors: []int{http.StatusConflict}},
	"POST /api/v1/proposals/:id/close":  {Summary: "Close a proposal", Body: struct{}{}, Optional: true, Response: apiProposal{}},
	"POST /api/v1/proposals/:id/reopen": {Summary: "Reopen a closed proposal", Body: struct{}{}, Optional: true, Response: apiProposal{}},

	"POST /api/v1/deliveries": {Summary: "Record a workshop delivered", Body: deliveryBody{}, Status: http.StatusCreated, Response: apiDelivery{}},
	"GET /api/v1/deliveries": {Summary: "List deliveries, newest first: one's own, or everyone's for coordinators", List: &deliveryList, Offset: true,
		Query: deliveryListParams, Response: apiDeliveryList{}},
	"GET /api/v1/deliveries.csv": {Summary: "Every matching delivery as CSV, streamed", Query: deliveryListParams, Media: "text/csv"},
	"GET /api/v1/deliveries.json": {Summary: "Every matching delivery as a JSON array, streamed", Query: deliveryListParams,
		Response: []apiDelivery{}},
	"GET /api/v1/deliveries/:id": {Summary: "A delivery", Response: apiDelivery{}},
	"PATCH /api/v1/deliveries/:id": {Summary: "Change the fields given of a delivery, and only those", Body: deliveryPatch{}, Response: apiDelivery{},
		Errors: []int{http.StatusConflict}},
	"DELETE /api/v1/deliveries/:id":       {Summary: "Delete a delivery", Body: struct{}{}, Optional: true, Status: http.StatusNoContent},
	"GET /api/v1/deliveries/:id/feedback": {Summary: "Participants' answers about a delivery, newest first", List: &catalogueList, Offset: true, Response: apiFeedbackList{}},
	"GET /api/v1/stats/deliveries":        {Summary: "The network's statistics: totals, and tables by grouping", Query: statsParams, Response: oneOf{apiGrouped{}, delivery.Report{}}},
	"GET /api/v1/stats/deliveries.csv":    {Summary: "One statistics table as CSV", Query: statsParams, Media: "text/csv"},
	"GET /api/v1/stats/downloads": {Summary: "Downloads per module and format", List: &catalogueList, Offset: true, Response: apiDownloadList{},
		Query: []apiParam{deliveryFilterParams[0], deliveryFilterParams[1], deliveryFilterParams[2]}},

	"POST /api/v1/requests": {Summary: "Ask for a workshop, as a local group (no account needed)", Body: requestBody{},
		Status: http.StatusCreated, Response: apiRequestCreated{}, Errors: []int{http.StatusTooManyRequests}},
	"GET /api/v1/requests": {Summary: "The coordinators' queue of workshop requests, newest first", List: &requestList, Offset: true,
		Response: apiRequestList{}, Query: []apiParam{{Name: "status", Enum: praxis.RequestStatuses}, {Name: "region"},
			{Name: "module", Description: "Requests asking for this module."}}},
	"GET /api/v1/requests/:id": {Summary: "A workshop request, its notes and offers (the contact only for coordinators and those assigned)",
		Response: apiRequestView{}},
	"GET /api/v1/suggestions": {Summary: "Facilitators ranked for a workshop, best first, with why", List: &suggestionList, Offset: true,
		Response: apiSuggestionList{}, Query: []apiParam{{Name: "module", Description: "The module to run."}, {Name: "region"},
			{Name: "online", Kind: "boolean", Description: "true for an online workshop (any region)."}, {Name: "language"},
			{Name: "date", Kind: "date", Description: "The day it would run, YYYY-MM-DD: those already facilitating then are not available."},
			{Name: "request_id", Kind: "integer", Description: "A request: those who offered for it come first."}}},
	"POST /api/v1/workshops": {Summary: "Schedule a workshop", Body: workshopBody{}, Status: http.StatusCreated, Response: apiScheduled{},
		Errors: []int{http.StatusConflict}},
	"GET /api/v1/workshops": {Summary: "The public workshops ahead, soonest first", List: &workshopList, Offset: true, Response: apiWorkshopList{},
		Query: []apiParam{{Name: "from", Description: "Workshops starting from this day (YYYY-MM-DD) or instant (RFC 3339); now when absent."},
			{Name: "region"}, {Name: "module"}, {Name: "format", Enum: praxis.Formats}, {Name: "language", Description: "A language code such as en or cy."}}},
	"GET /api/v1/workshops/:id": {Summary: "A workshop", Response: apiWorkshop{},
		Query: []apiParam{{Name: "key", Description: "An unlisted workshop's key, from its link."}}},
	"POST /api/v1/workshops/:id/cancel": {Summary: "Cancel a workshop: those registered are told why", Body: cancelBody{}, Response: apiWorkshop{},
		Errors: []int{http.StatusConflict}},
	"POST /api/v1/workshops/:id/registrations": {Summary: "Register for a workshop (no account needed); the waiting list when it is full",
		Body: registrationBody{}, Status: http.StatusCreated, Response: apiRegistered{},
		Query:  []apiParam{{Name: "key", Description: "An unlisted workshop's key (or in the body)."}},
		Errors: []int{http.StatusConflict, http.StatusTooManyRequests}},
	"GET /api/v1/workshops/:id/registrations": {Summary: "Those registered for a workshop (its facilitators and coordinators)",
		List: &registrationList, Offset: true, Response: apiRegistrationList{}},
	"POST /api/v1/workshops/:id/attendance": {Summary: "Mark whether someone registered came (check-in)", Body: attendanceBody{},
		Response: attendanceBody{}, Errors: []int{http.StatusConflict}},
	"POST /api/v1/workshops/:id/delivery": {Summary: "Record the delivery of a workshop that has run, from its check-in",
		Body: workshopDeliveryBody{}, Optional: true, Status: http.StatusCreated, Response: apiDelivery{}, Errors: []int{http.StatusConflict}},
	"DELETE /api/v1/registrations/:token": {Summary: "Cancel a registration with the token of its private link (no account needed)",
		Body: struct{}{}, Optional: true, Response: apiRegistrationCancelled{}},
	"GET /api/v1/notifications": {Summary: "One's notifications, newest first, with how many are unread", List: &notificationList, Offset: true,
		Query:    []apiParam{{Name: "unread", Kind: "boolean", Description: "true: only the unread ones."}},
		Response: apiNotificationList{}, Errors: []int{http.StatusNotFound}},
	"POST /api/v1/notifications/read": {Summary: `Mark notifications read: those named ("ids"), or all ("all": true)`, Body: markReadBody{},
		Response: apiMarkedRead{}},
	"GET /api/v1/me/notification-settings": {Summary: "One's email choice per kind of notification, and what one watches",
		Response: apiNotificationSettings{}, Errors: []int{http.StatusNotFound}},
	"PUT /api/v1/me/notification-settings": {Summary: "Change the email choices and watches given (others keep theirs); every choice is checked first",
		Body: notificationSettingsBody{}, Response: apiNotificationSettings{}},
	"GET /api/v1/webhooks": {Summary: "The webhooks (admins); payloads in docs/WEBHOOKS.md", List: &webhookList, Offset: true,
		Response: apiWebhookList{}, Errors: []int{http.StatusNotFound}},
	"POST /api/v1/webhooks": {Summary: "Add a webhook (admins): the answer holds its secret, the only time it is given",
		Body: webhook.Input{}, Status: http.StatusCreated, Response: apiWebhook{}, Errors: []int{http.StatusNotFound}},
	"GET /api/v1/webhooks/:id": {Summary: "A webhook and its newest 50 delivery attempts, newest first", Response: apiWebhookDetail{}},
	"DELETE /api/v1/webhooks/:id": {Summary: "Delete a webhook: nothing more is sent to it", Body: struct{}{}, Optional: true,
		Status: http.StatusNoContent},
	"POST /api/v1/webhooks/:id/test": {Summary: "Queue a test delivery (event \"ping\") to a webhook", Body: struct{}{}, Optional: true,
		Status: http.StatusAccepted, Response: apiWebhookTest{}},
	"GET /api/v1/stats/workshops": {Summary: "The coordinators' picture of workshops: requests by status and region, time to schedule, attendance",
		Response: workshop.Dashboard{}},
}

// apiCSVNote says what the CSV endpoints answer.
const apiCSVNote = "CSV with a header row; cells that a spreadsheet would read as a formula start with an apostrophe."

// openAPIPath turns an Echo pattern into an OpenAPI path and its path
// parameters' names.
func openAPIPath(pattern string) (string, []string) {
	var names []string
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, ":"):
			names = append(names, p[1:])
			parts[i] = "{" + p[1:] + "}"
		case p == "*":
			names = append(names, "path")
			parts[i] = "{path}"
		}
	}
	return strings.Join(parts, "/"), names
}

// openAPI makes the document from apiEndpoints and the route table (which
// says what permission each route needs).
func (s *Server) openAPI() ([]byte, error) {
	schemas := newSchemaMaker()
	errorRef := schemas.of(reflect.TypeFor[apiError]())
	paths := map[string]map[string]any{}
	keys := make([]string, 0, len(apiEndpoints))
	for k := range apiEndpoints {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		e := apiEndpoints[key]
		method, pattern, _ := strings.Cut(key, " ")
		path, pathParams := openAPIPath(pattern)
		op := map[string]any{"summary": e.Summary, "operationId": operationID(method, pattern)}
		var params []map[string]any
		for _, name := range pathParams {
			desc := map[string]string{"slug": "A module's or series' name.", "id": "A record's id.",
				"token": "The last part of a registration's private link (its cancel_url).",
				"path":  "A file's path inside the module (module.md, handouts/...), or in the repository (modules/<slug>/...)."}[name]
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "description": desc, "schema": jsonSchema{Type: "string"}})
		}
		query := slices.Clone(e.Query)
		if e.List != nil {
			query = append(query,
				apiParam{Name: "limit", Kind: "integer", Description: listLimitNote(*e.List)},
				apiParam{Name: "cursor", Description: "Where the page starts: the next of the page before. Opaque."})
			if e.Offset {
				query = append(query, apiParam{Name: "offset", Kind: "integer", Description: "How many items to skip, as before cursors; not with cursor."})
			}
		}
		for _, p := range query {
			params = append(params, queryParam(p, e.List))
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if e.Body != nil {
			op["requestBody"] = map[string]any{"required": !e.Optional,
				"content": map[string]any{"application/json": map[string]any{"schema": schemas.of(reflect.TypeOf(e.Body))}}}
		}
		op["responses"] = responsesOf(e, schemas, errorRef, s.routeByKey[key], len(query) > 0, len(pathParams) > 0)
		if r, ok := s.routeByKey[key]; ok && r.Action != public {
			op["security"] = []map[string][]string{{"bearerAuth": {}}, {"cookieAuth": {}}}
			op["x-praxis-permission"] = string(r.Action)
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	doc := map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info": map[string]any{"title": "praxis API", "version": "1",
			"description": "The JSON API of praxis, a training-curriculum platform. Conventions (authentication, errors, pagination, rate limits, versioning) are in docs/API.md.",
			"license":     map[string]string{"name": "Apache-2.0", "identifier": "Apache-2.0"}},
		"servers": []map[string]string{{"url": s.baseURL}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas.components,
			"securitySchemes": map[string]any{
				"bearerAuth": map[string]string{"type": "http", "scheme": "bearer", "description": "An API token, made on /account/tokens or with praxis token create."},
				"cookieAuth": map[string]string{"type": "apiKey", "in": "cookie", "name": sessionCookie,
					"description": "A browser session (__Host-" + sessionCookie + " over HTTPS). Writes also need the CSRF token in X-CSRF-Token, or Sec-Fetch-Site: same-origin."},
			},
		},
	}
	return json.Marshal(doc)
}

// operationID names an operation: GET /api/v1/modules/:slug/history is
// getModulesSlugHistory.
func operationID(method, pattern string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.FieldsFunc(strings.TrimPrefix(pattern, "/api/v1/"), func(r rune) bool { return r == '/' || r == '.' }) {
		part = strings.TrimPrefix(part, ":")
		if part == "*" {
			part = "path"
		}
		b.WriteString(capitalise(part))
	}
	return b.String()
}

func listLimitNote(size listSize) string {
	if size.Default == 0 {
		return fmt.Sprintf("How many items a page holds, 1 to %d; the whole list when absent.", size.Max)
	}
	return fmt.Sprintf("How many items a page holds, 1 to %d; %d when absent.", size.Max, size.Default)
}

// queryParam describes a query parameter.
func queryParam(p apiParam, list *listSize) map[string]any {
	schema := jsonSchema{Type: "string", Enum: p.Enum}
	switch p.Kind {
	case "integer":
		schema = jsonSchema{Type: "integer"}
		if p.Name == "limit" && list != nil {
			lo, hi := 1, list.Max
			schema.Minimum, schema.Maximum = &lo, &hi
			if list.Default > 0 {
				schema.Default = list.Default
			}
		} else {
			lo := 0
			schema.Minimum = &lo
		}
	case "date":
		schema.Format = "date"
	case "boolean":
		schema = jsonSchema{Type: "boolean"}
	}
	out := map[string]any{"name": p.Name, "in": "query", "schema": schema}
	if p.Repeated {
		out["schema"] = jsonSchema{Type: "array", Items: &schema}
		out["explode"] = true
	}
	if p.Description != "" {
		out["description"] = p.Description
	}
	if p.Required {
		out["required"] = true
	}
	return out
}

// errorResponse is a failure's response object.
func errorResponse(why string, errorRef *jsonSchema) map[string]any {
	return map[string]any{"description": why, "content": map[string]any{"application/json": map[string]any{"schema": errorRef}}}
}

// responsesOf lists an endpoint's responses: its success, and the failures
// every endpoint of its kind may answer, with its own.
func responsesOf(e apiEndpoint, schemas *schemaMaker, errorRef *jsonSchema, r Route, hasQuery, hasPath bool) map[string]any {
	status := e.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	switch {
	case e.Media != "":
		ok["content"] = map[string]any{e.Media: map[string]any{"schema": jsonSchema{Type: "string"}}}
		ok["description"] = apiCSVNote
	case e.Response != nil:
		var schema *jsonSchema
		if alternatives, ok := e.Response.(oneOf); ok {
			schema = &jsonSchema{}
			for _, a := range alternatives {
				schema.OneOf = append(schema.OneOf, schemas.of(reflect.TypeOf(a)))
			}
		} else {
			schema = schemas.of(reflect.TypeOf(e.Response))
		}
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schema}}
	}
	if e.List != nil {
		ok["headers"] = map[string]any{"Link": map[string]any{"description": `<address of the next page>; rel="next", when there is one.`,
			"schema": jsonSchema{Type: "string"}}}
	}
	out := map[string]any{strconv.Itoa(status): ok}
	fail := func(code int, why string) { out[strconv.Itoa(code)] = errorResponse(why, errorRef) }
	if hasQuery || e.Body != nil {
		fail(http.StatusBadRequest, "A query parameter or the body cannot be read: \"field\" names it.")
	}
	if r.Action != public {
		fail(http.StatusUnauthorized, "No credentials, or a wrong or revoked token.")
		fail(http.StatusForbidden, "The account may not do this (or a cookie session's write lacks its CSRF token).")
	}
	if hasPath {
		fail(http.StatusNotFound, "There is no such record or module.")
	}
	if e.Body != nil {
		fail(http.StatusUnprocessableEntity, "The body breaks a rule: \"field\" and \"fields\" name what is wrong.")
	}
	for _, code := range e.Errors {
		fail(code, http.StatusText(code))
	}
	out["default"] = errorResponse("Any other failure: 500 with a request_id, 503 when praxis cannot work now.", errorRef)
	return out
}

// apiOpenAPI serves the document.
func (s *Server) apiOpenAPI(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=300")
	return c.JSONBlob(http.StatusOK, s.openAPIDoc)
}
