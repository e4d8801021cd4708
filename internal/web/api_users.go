package web

import (
	"net/http"

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

// apiUserList is GET /api/v1/users.
type apiUserList struct {
	Users []apiUser `json:"users"`
	Total int64     `json:"total"`
	Next  *string   `json:"next"`
}

func (s *Server) apiListUsers(c echo.Context) error {
	q := queryOf(c)
	filter := praxis.UserFilter{
		Query:    q.text("q"),
		Status:   praxis.UserStatus(q.oneOf("status", string(praxis.StatusPending), string(praxis.StatusActive), string(praxis.StatusSuspended))),
		Role:     praxis.Role(q.oneOf("role", roleNames()...)),
		Region:   q.text("region"),
		Language: q.text("language"),
		Module:   q.slug("module"),
	}
	page := q.page(userList)
	if err := q.Err(); err != nil {
		return err
	}
	filter.Limit, filter.Offset = page.Limit, page.Offset
	users, total, err := s.accounts.Users(c.Request().Context(), currentUser(c), filter)
	if err != nil {
		return err
	}
	out := make([]apiUser, len(users))
	for i, u := range users {
		out[i] = toAPIUser(u)
	}
	return c.JSON(http.StatusOK, apiUserList{Users: out, Total: total, Next: s.nextPage(c, page, int64(page.Offset+len(users)) < total)})
}

// roleNames lists the roles' names.
func roleNames() []string {
	out := make([]string, len(praxis.AllRoles))
	for i, r := range praxis.AllRoles {
		out[i] = string(r)
	}
	return out
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
