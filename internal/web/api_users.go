package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// apiUser is a user in the JSON API. Nil lists show as [].
type apiUser struct {
	*praxis.User
}

func toAPIUser(u *praxis.User) apiUser {
	out := *u
	if out.Languages == nil {
		out.Languages = []string{}
	}
	if out.Roles == nil {
		out.Roles = []praxis.Role{}
	}
	if out.Trainings == nil {
		out.Trainings = []praxis.Training{}
	}
	if out.Visibility == nil {
		out.Visibility = map[string]praxis.Visibility{}
	}
	return apiUser{User: &out}
}

func (s *Server) apiMe(c echo.Context) error {
	return c.JSON(http.StatusOK, toAPIUser(currentUser(c)))
}

func (s *Server) apiListUsers(c echo.Context) error {
	filter := praxis.UserFilter{
		Query: c.QueryParam("q"), Status: praxis.UserStatus(c.QueryParam("status")), Role: praxis.Role(c.QueryParam("role")),
		Region: c.QueryParam("region"), Language: c.QueryParam("language"), Module: c.QueryParam("module"),
		Limit: atoiOr(c.QueryParam("limit"), 50), Offset: atoiOr(c.QueryParam("offset"), 0),
	}
	users, total, err := s.accounts.Users(c.Request().Context(), currentUser(c), filter)
	if err != nil {
		return err
	}
	out := make([]apiUser, len(users))
	for i, u := range users {
		out[i] = toAPIUser(u)
	}
	return c.JSON(http.StatusOK, map[string]any{"users": out, "total": total})
}

func (s *Server) apiShowUser(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := s.accounts.User(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIUser(u))
}

// userPatch is the body of PATCH /api/v1/users/{id}.
type userPatch struct {
	Roles  *[]praxis.Role     `json:"roles"`
	Status *praxis.UserStatus `json:"status"`
}

func (s *Server) apiUpdateUser(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var patch userPatch
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	ctx, actor := c.Request().Context(), currentUser(c)
	if _, err := s.accounts.UpdateUser(ctx, actor, id, account.UserChange{Roles: patch.Roles, Status: patch.Status}); err != nil {
		return err
	}
	u, err := s.accounts.User(ctx, actor, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIUser(u))
}

// decodeJSON reads a JSON request body of at most 1 MB strictly: one object,
// known fields only.
func decodeJSON(c echo.Context, into any) error {
	return decodeJSONLimit(c, into, 1<<20)
}

// decodeJSONLimit is decodeJSON for a body of at most limit bytes; a larger
// body is ETOOLARGE.
func decodeJSONLimit(c echo.Context, into any, limit int64) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return praxis.Errorf(praxis.EMALFORMED, "send the body as application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
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
			return praxis.Errorf(praxis.EMALFORMED, "the field %q has the wrong type", typeErr.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return praxis.Errorf(praxis.EMALFORMED, "%s", strings.TrimPrefix(err.Error(), "json: "))
		default:
			return praxis.Errorf(praxis.EMALFORMED, "the request body cannot be read as JSON")
		}
	}
	if dec.More() {
		return praxis.Errorf(praxis.EMALFORMED, "send one JSON object")
	}
	return nil
}
