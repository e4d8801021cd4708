package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/quota"
)

// commonLanguages are offered as checkboxes on the profile form; others can be
// typed as codes.
var commonLanguages = []string{"en", "cy", "gd", "ga", "bfi", "pl", "pa", "ur", "bn", "gu", "ar", "so", "ro", "pt", "es", "fr", "ta", "tr"}

type profilePage struct {
	Form            form
	Fields          []string
	Languages       []string
	Regions         []string
	OtherLanguages  string
	CurrentSettings *praxis.User
	// Storage is what the person's copies and proposals hold, and may.
	Storage *quota.Usage
}

// profileValues fills the form from the saved profile.
func profileValues(u *praxis.User) form {
	f := form{Values: map[string][]string{}, Errors: map[string]string{}}
	set := func(k, v string) { f.Values.Set(k, v) }
	set("name", u.Name)
	set("pronouns", u.Pronouns)
	set("region", u.Region)
	set("town", u.Town)
	set("organisation", u.Organisation)
	set("bio", u.Bio)
	f.Values["languages"] = u.Languages
	for _, field := range praxis.ProfileFields {
		set("visibility_"+field, string(u.FieldVisibility(field)))
	}
	return f
}

func (s *Server) renderProfile(c echo.Context, status int, f form) error {
	other := []string{}
	for _, l := range f.Values["languages"] {
		if !slices.Contains(commonLanguages, l) {
			other = append(other, l)
		}
	}
	if v := f.Value("other_languages"); v != "" {
		other = []string{v}
	}
	page := profilePage{Form: f, Fields: praxis.ProfileFields, Languages: commonLanguages, Regions: praxis.Regions,
		OtherLanguages: strings.Join(other, ", "), CurrentSettings: currentUser(c)}
	if s.quota != nil {
		usage, err := s.quota.Usage(c.Request().Context(), currentUser(c).ID)
		if err != nil {
			return err
		}
		page.Storage = &usage
	}
	return s.render(c, status, "account-profile", view{Title: "Your profile", Section: "account", Data: page})
}

func (s *Server) profileForm(c echo.Context) error {
	return s.renderProfile(c, http.StatusOK, profileValues(currentUser(c)))
}

func (s *Server) saveProfile(c echo.Context) error {
	f := newForm(c)
	languages := append([]string{}, f.Values["languages"]...)
	for _, l := range strings.Split(f.Value("other_languages"), ",") {
		if l = strings.TrimSpace(l); l != "" {
			languages = append(languages, l)
		}
	}
	visibility := map[string]praxis.Visibility{}
	for _, field := range praxis.ProfileFields {
		if v := f.Value("visibility_" + field); v != "" {
			visibility[field] = praxis.Visibility(v)
		}
	}
	_, err := s.accounts.UpdateProfile(c.Request().Context(), currentUser(c), account.ProfileUpdate{
		Name: f.Value("name"), Pronouns: f.Value("pronouns"), Region: f.Value("region"), Town: f.Value("town"),
		Organisation: f.Value("organisation"), Bio: f.Value("bio"), Languages: languages, Visibility: visibility,
	})
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderProfile(c, status, f)
	}
	s.setFlash(c, "Your profile is saved.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

type passwordPage struct{ Form form }

func (s *Server) passwordForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "account-password", view{Title: "Change password", Section: "account", Data: passwordPage{Form: form{Errors: map[string]string{}}}})
}

func (s *Server) changePassword(c echo.Context) error {
	f := newForm(c)
	var err error
	if f.Value("password") != f.Value("confirm") {
		err = praxis.Invalid("confirm", "the two new passwords are not the same")
	} else {
		var keep int64
		if session := currentSession(c); session != nil {
			keep = session.ID
		}
		err = s.accounts.ChangePassword(c.Request().Context(), currentUser(c), f.Value("current"), f.Value("password"), keep)
	}
	if err != nil {
		setRetryAfter(c, err)
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.render(c, status, "account-password", view{Title: "Change password", Section: "account", Data: passwordPage{Form: form{Errors: f.Errors, Error: f.Error}}})
	}
	s.setFlash(c, "Your password is changed, and every other device is signed out.")
	return c.Redirect(http.StatusSeeOther, "/account/password")
}

type tokensPage struct {
	Form     form
	Tokens   []praxis.Token
	NewToken string
	NewName  string
}

func (s *Server) renderTokens(c echo.Context, status int, page tokensPage) error {
	tokens, err := s.accounts.Tokens(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	page.Tokens = tokens
	return s.render(c, status, "account-tokens", view{Title: "API tokens", Section: "account", Data: page})
}

func (s *Server) tokensPage(c echo.Context) error {
	return s.renderTokens(c, http.StatusOK, tokensPage{Form: form{Errors: map[string]string{}}})
}

func (s *Server) createToken(c echo.Context) error {
	f := newForm(c)
	token, secret, err := s.accounts.CreateToken(c.Request().Context(), currentUser(c), f.Value("name"))
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderTokens(c, status, tokensPage{Form: f})
	}
	// The secret is shown on this response only, never again.
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.renderTokens(c, http.StatusCreated, tokensPage{Form: form{Errors: map[string]string{}}, NewToken: secret, NewName: token.Name})
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.accounts.RevokeToken(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	s.setFlash(c, "The token is revoked: anything using it will be refused from now on.")
	return c.Redirect(http.StatusSeeOther, "/account/tokens")
}

type sessionsPage struct {
	Sessions []praxis.Session
	Current  int64
}

func (s *Server) sessionsPage(c echo.Context) error {
	sessions, err := s.accounts.Sessions(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	page := sessionsPage{Sessions: sessions}
	if cur := currentSession(c); cur != nil {
		page.Current = cur.ID
	}
	return s.render(c, http.StatusOK, "account-sessions", view{Title: "Where you are signed in", Section: "account", Data: page})
}

func (s *Server) revokeSession(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.accounts.RevokeSession(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	if cur := currentSession(c); cur != nil && cur.ID == id {
		s.clearCookie(c, sessionCookie)
		return c.Redirect(http.StatusSeeOther, "/")
	}
	s.setFlash(c, "That device is signed out.")
	return c.Redirect(http.StatusSeeOther, "/account/sessions")
}

func (s *Server) revokeOtherSessions(c echo.Context) error {
	var keep int64
	if cur := currentSession(c); cur != nil {
		keep = cur.ID
	}
	n, err := s.accounts.RevokeOtherSessions(c.Request().Context(), currentUser(c), keep)
	if err != nil {
		return err
	}
	s.setFlash(c, "Signed out of "+strconv.FormatInt(n, 10)+" other "+plural(int(n), "device", "devices")+".")
	return c.Redirect(http.StatusSeeOther, "/account/sessions")
}

type dataPage struct{ Form form }

func (s *Server) dataPage(c echo.Context) error {
	return s.render(c, http.StatusOK, "account-data", view{Title: "Your data", Section: "account", Data: dataPage{Form: form{Errors: map[string]string{}}}})
}

func (s *Server) exportData(c echo.Context) error {
	export, err := s.accounts.ExportData(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="praxis-my-data.json"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSONPretty(http.StatusOK, export, "  ")
}

func (s *Server) deleteAccount(c echo.Context) error {
	f := newForm(c)
	var err error
	// Phones capitalise the first letter: "Delete" is as good as "delete".
	if !strings.EqualFold(strings.TrimSpace(f.Value("confirm")), "delete") {
		err = praxis.Invalid("confirm", "type delete to confirm")
	} else {
		err = s.accounts.DeleteAccount(c.Request().Context(), currentUser(c), f.Value("password"))
	}
	if err != nil {
		setRetryAfter(c, err)
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		f.Values.Del("password") // never shown back
		return s.render(c, status, "account-data", view{Title: "Your data", Section: "account", Data: dataPage{Form: f}})
	}
	s.clearCookie(c, sessionCookie)
	s.setFlash(c, "Your account is deleted. Thank you for everything you did with the network.")
	return c.Redirect(http.StatusSeeOther, "/")
}

// pathID reads the :id of a route; a malformed id is a page that is not there.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, praxis.Errorf(praxis.ENOTFOUND, "there is nothing with the id %q", c.Param("id"))
	}
	return id, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
