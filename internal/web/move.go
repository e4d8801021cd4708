package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/review"
)

// movePage is the form proposing to rename a module or copy it.
type movePage struct {
	Module *catalog.ModuleView
	Form   form
}

// moveForm shows the form to propose a new address for a module, or a copy.
func (s *Server) moveForm(c echo.Context) error {
	v, err := s.catalog.Module(c.Request().Context(), c.Param("slug"), "")
	if err != nil {
		return err
	}
	f := form{Values: url.Values{"kind": {"rename"}}, Errors: map[string]string{}}
	return s.renderMove(c, http.StatusOK, v, f)
}

// proposeMove opens a proposal that renames or copies a module.
func (s *Server) proposeMove(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := s.catalog.Module(ctx, c.Param("slug"), "")
	if err != nil {
		return err
	}
	f := newForm(c)
	p, err := s.review.CreateProposal(ctx, currentUser(c), review.NewProposal{
		Module: v.Module.Slug, MoveTo: f.Value("move_to"), Copy: f.Value("kind") == "copy",
		Title: f.Value("title"), Description: f.Value("description"),
	})
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderMove(c, status, v, f)
	}
	s.setFlash(c, "Your proposal is open. Maintainers will review it; nothing changes in the curriculum until they merge it.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/proposals/%d", p.ID))
}

func (s *Server) renderMove(c echo.Context, status int, v *catalog.ModuleView, f form) error {
	title := v.Module.Title
	if !v.Parsed {
		title = v.Module.Slug
	}
	return s.render(c, status, "move", view{Title: "Rename or copy " + title, Section: "modules", Data: movePage{Module: v, Form: f}})
}
