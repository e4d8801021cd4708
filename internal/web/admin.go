package web

import (
	"errors"
	"github.com/praxis-coop/praxis/internal/workshop"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/catalog"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/quota"
	"github.com/praxis-coop/praxis/internal/review"
)

const adminPageSize = 50

type adminUsersPage struct {
	Users         []*praxis.User
	Total         int64
	Query, Status string
	Role          string
	Pending       int64
	Pager         pager
}

func (s *Server) adminUsers(c echo.Context) error {
	ctx := c.Request().Context()
	actor := currentUser(c)
	pages := newPager(c, adminPageSize, "Pages of people")
	filter := praxis.UserFilter{Query: c.QueryParam("q"), Status: praxis.UserStatus(c.QueryParam("status")),
		Role: praxis.Role(c.QueryParam("role")), Limit: pages.Size, Offset: pages.Offset()}
	users, total, err := s.accounts.Users(ctx, actor, filter)
	if err != nil {
		return err
	}
	_, pending, err := s.accounts.Users(ctx, actor, praxis.UserFilter{Status: praxis.StatusPending, Limit: 1})
	if err != nil {
		return err
	}
	pages.of(int(total))
	data := adminUsersPage{Users: users, Total: total, Query: filter.Query, Status: string(filter.Status), Role: string(filter.Role),
		Pending: pending, Pager: pages}
	return s.render(c, http.StatusOK, "admin-users", view{Title: "People", Section: "admin", Data: data})
}

type adminUserPage struct {
	Person    *praxis.User
	Audit     []praxis.AuditEntry
	Modules   []catalog.Entry
	Listing   *catalog.Listing
	ResetLink string
	Emailed   bool
	Form      form
	// Mentoring is what the person co-facilitated to learn: it counts
	// toward a training.
	Mentoring []workshop.MentoredModule
}

func (s *Server) renderAdminUser(c echo.Context, status int, page adminUserPage) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	actor := currentUser(c)
	if page.Person, err = s.accounts.User(ctx, actor, id); err != nil {
		return err
	}
	if page.Audit, err = s.accounts.Audit(ctx, actor, praxis.AuditFilter{TargetID: id, Limit: 50}); praxis.ErrorCode(err) == praxis.EFORBIDDEN {
		page.Audit, err = nil, nil // the audit log is for admins
	}
	if err != nil {
		return err
	}
	if page.Listing, err = s.catalog.Listing(ctx, ""); err != nil {
		return err
	}
	page.Modules = page.Listing.Modules
	if s.workshops != nil {
		if page.Mentoring, err = s.workshops.Mentoring(ctx, id); err != nil {
			return err
		}
	}
	if page.Form.Errors == nil {
		page.Form.Errors = map[string]string{}
	}
	return s.render(c, status, "admin-user", view{Title: page.Person.Name, Section: "admin", Data: page})
}

func (s *Server) adminUser(c echo.Context) error {
	return s.renderAdminUser(c, http.StatusOK, adminUserPage{})
}

// adminAct runs one change to a user and shows the result on their page: back to
// the page with a message on success, the page with the error otherwise.
func (s *Server) adminAct(c echo.Context, done string, act func(id int64, f form) error) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	f := newForm(c)
	if err := act(id, f); err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderAdminUser(c, status, adminUserPage{Form: f})
	}
	s.setFlash(c, done)
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+strconv.FormatInt(id, 10))
}

func (s *Server) adminSetStatus(c echo.Context) error {
	status := praxis.UserStatus(c.FormValue("status"))
	done := map[praxis.UserStatus]string{praxis.StatusActive: "The account is active.", praxis.StatusSuspended: "The account is suspended: their sessions have ended and their tokens are refused."}[status]
	return s.adminAct(c, done, func(id int64, f form) error {
		_, err := s.accounts.SetStatus(c.Request().Context(), currentUser(c), id, status)
		return err
	})
}

func (s *Server) adminSetRoles(c echo.Context) error {
	return s.adminAct(c, "Roles saved.", func(id int64, f form) error {
		var roles []praxis.Role
		for _, r := range f.Values["roles"] {
			roles = append(roles, praxis.Role(r))
		}
		_, err := s.accounts.SetRoles(c.Request().Context(), currentUser(c), id, roles)
		return err
	})
}

func (s *Server) adminAwardTraining(c echo.Context) error {
	return s.adminAct(c, "Training awarded.", func(id int64, f form) error {
		return s.accounts.AwardTraining(c.Request().Context(), currentUser(c), id, f.Value("module"), f.Value("note"))
	})
}

func (s *Server) adminWithdrawTraining(c echo.Context) error {
	return s.adminAct(c, "Training withdrawn.", func(id int64, f form) error {
		return s.accounts.WithdrawTraining(c.Request().Context(), currentUser(c), id, f.Value("module"))
	})
}

// adminIssueReset shows the new link on the page itself: it is a secret for the
// coordinator to pass on, so it never goes into a cookie or a URL.
func (s *Server) adminIssueReset(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	link, emailed, err := s.accounts.IssueReset(c.Request().Context(), currentUser(c), id)
	if err != nil {
		f := form{Errors: map[string]string{}}
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderAdminUser(c, status, adminUserPage{Form: f})
	}
	if link[0] == '/' {
		link = s.absoluteURL(link)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.renderAdminUser(c, http.StatusOK, adminUserPage{ResetLink: link, Emailed: emailed})
}

type invitationsPage struct {
	Invitations []praxis.Invitation
	Form        form
	Link        string
	Emailed     bool
	Mode        praxis.SignupMode
}

func (s *Server) renderInvitations(c echo.Context, status int, page invitationsPage) error {
	ctx := c.Request().Context()
	var err error
	if page.Invitations, err = s.accounts.Invitations(ctx, currentUser(c)); err != nil {
		return err
	}
	if page.Mode, err = s.accounts.SignupMode(ctx); err != nil {
		return err
	}
	if page.Form.Errors == nil {
		page.Form.Errors = map[string]string{}
	}
	return s.render(c, status, "admin-invitations", view{Title: "Invitations", Section: "admin", Data: page})
}

func (s *Server) adminInvitations(c echo.Context) error {
	return s.renderInvitations(c, http.StatusOK, invitationsPage{})
}

func (s *Server) adminCreateInvitation(c echo.Context) error {
	f := newForm(c)
	link, emailed, err := s.accounts.CreateInvitation(c.Request().Context(), currentUser(c), f.Value("email"), f.Value("note"))
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderInvitations(c, status, invitationsPage{Form: f})
	}
	if link[0] == '/' {
		link = s.absoluteURL(link)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.renderInvitations(c, http.StatusCreated, invitationsPage{Link: link, Emailed: emailed})
}

type auditPage struct {
	Entries []praxis.AuditEntry
	NextURL string
}

func (s *Server) adminAudit(c echo.Context) error {
	const size = 100
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	entries, err := s.accounts.Audit(c.Request().Context(), currentUser(c), praxis.AuditFilter{Before: before, Limit: size})
	if err != nil {
		return err
	}
	page := auditPage{Entries: entries}
	if len(entries) == size {
		page.NextURL = "/admin/audit?" + url.Values{"before": {strconv.FormatInt(entries[len(entries)-1].ID, 10)}}.Encode()
	}
	return s.render(c, http.StatusOK, "admin-audit", view{Title: "Audit log", Section: "admin", Data: page})
}

type settingsPage struct {
	Mode  praxis.SignupMode
	Modes []praxis.SignupMode
	// Form holds review_approvals and the quota limits as saved or as
	// typed.
	Form form
	// GitPublic is true when anyone may clone the curriculum with git.
	GitPublic bool
	// Quotas is true when the storage limits can be set here.
	Quotas bool
}

func (s *Server) adminSettings(c echo.Context) error {
	ctx := c.Request().Context()
	approvals, err := s.review.RequiredApprovals(ctx)
	if err != nil {
		return err
	}
	f := form{Values: url.Values{"review_approvals": {strconv.Itoa(approvals)}}, Errors: map[string]string{}}
	if s.quota != nil {
		l, err := s.quota.Limits(ctx)
		if err != nil {
			return err
		}
		f.Values.Set(quota.StorageField, strconv.FormatInt(l.StorageMB, 10))
		f.Values.Set(quota.WriteField, strconv.FormatInt(l.WriteMBPerHour, 10))
	}
	if s.workshops != nil {
		ws, err := s.workshops.Settings(ctx)
		if err != nil {
			return err
		}
		f.Values.Set(workshop.SettingRetentionDays, strconv.Itoa(ws.RetentionDays))
		f.Values.Set(workshop.SettingWarnDays, strconv.Itoa(ws.WarnDays))
	}
	return s.renderSettings(c, http.StatusOK, f)
}

// renderSettings shows the settings page with a form as saved or as typed.
func (s *Server) renderSettings(c echo.Context, status int, f form) error {
	ctx := c.Request().Context()
	mode, err := s.accounts.SignupMode(ctx)
	if err != nil {
		return err
	}
	return s.render(c, status, "admin-settings", view{Title: "Settings", Section: "admin",
		Data: settingsPage{Mode: mode, Modes: praxis.SignupModes, Form: f, GitPublic: s.accounts.GitReadPublic(ctx), Quotas: s.quota != nil}})
}

func (s *Server) adminSaveSettings(c echo.Context) error {
	f := newForm(c)
	ctx := c.Request().Context()
	// The numbers are checked before anything is saved, so a bad one changes
	// nothing, and every bad one is named at once.
	var bad []error
	if f.Values.Has("review_approvals") {
		if _, err := review.ParseRequiredApprovals(f.Value("review_approvals")); err != nil {
			bad = append(bad, err)
		}
	}
	var limits quota.Limits
	setLimits := s.quota != nil && (f.Value(quota.StorageField) != "" || f.Value(quota.WriteField) != "")
	if setLimits {
		var err error
		if limits, err = quota.ParseLimits(f.Value(quota.StorageField), f.Value(quota.WriteField)); err != nil {
			bad = append(bad, err)
		}
	}
	var workshopSettings *workshop.Settings
	if s.workshops != nil && f.Values.Has(workshop.SettingRetentionDays) {
		retention, rerr := strconv.Atoi(strings.TrimSpace(f.Value(workshop.SettingRetentionDays)))
		warn, werr := strconv.Atoi(strings.TrimSpace(f.Value(workshop.SettingWarnDays)))
		if rerr != nil {
			retention = -1
		}
		if werr != nil {
			warn = -1
		}
		workshopSettings = &workshop.Settings{RetentionDays: retention, WarnDays: warn}
		if err := workshop.CheckSettings(*workshopSettings); err != nil {
			bad = append(bad, err)
		}
	}
	err := errors.Join(bad...)
	if err == nil {
		err = s.accounts.SetSignupMode(ctx, currentUser(c), praxis.SignupMode(f.Value("signup_mode")))
	}
	if err == nil && f.Value("git_read") != "" {
		err = s.accounts.SetGitRead(ctx, currentUser(c), f.Value("git_read"))
	}
	if err == nil && f.Values.Has("review_approvals") {
		err = s.review.SetRequiredApprovals(ctx, currentUser(c), f.Value("review_approvals"))
	}
	if err == nil && setLimits {
		err = s.quota.SetLimits(ctx, currentUser(c), limits)
	}
	if err == nil && workshopSettings != nil {
		err = s.workshops.SetSettings(ctx, currentUser(c), *workshopSettings)
	}
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderSettings(c, status, f)
	}
	s.setFlash(c, "Settings saved.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings")
}
