package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/quota"
)

type signupPage struct {
	Form       form
	Mode       praxis.SignupMode
	Invitation string
	Invited    bool
	Conduct    string
}

func (s *Server) renderSignup(c echo.Context, status int, f form) error {
	ctx := c.Request().Context()
	mode, err := s.accounts.SignupMode(ctx)
	if err != nil {
		return err
	}
	page := signupPage{Form: f, Mode: mode, Invitation: c.QueryParam("invitation")}
	if page.Invitation == "" {
		page.Invitation = f.Value("invitation")
	}
	if page.Invitation != "" {
		if _, err := s.accounts.CheckInvitation(ctx, page.Invitation); err != nil {
			page.Form.Error = praxis.ErrorMessage(err)
			page.Invitation = ""
		} else {
			page.Invited = true
		}
	}
	if page.Conduct, err = s.catalog.RenderRootFile(ctx, "CODE_OF_CONDUCT.md"); err != nil {
		return err
	}
	return s.render(c, status, "signup", view{Title: "Join the network", Data: page})
}

func (s *Server) signupForm(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	return s.renderSignup(c, http.StatusOK, form{Errors: map[string]string{}})
}

func (s *Server) signup(c echo.Context) error {
	f := newForm(c)
	user, err := s.accounts.SignUp(c.Request().Context(), account.SignUp{
		Name: f.Value("name"), Email: f.Value("email"), Password: f.Value("password"),
		AgreedToConduct: f.Value("conduct") == "yes", Invitation: f.Value("invitation"), IP: clientIP(c),
	})
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		return s.renderSignup(c, status, f)
	}
	if user.Status == praxis.StatusPending {
		s.setFlash(c, "Thank you for joining. A coordinator will look at your account soon; you can sign in once they have approved it.")
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	_, _, secret, err := s.accounts.LogIn(c.Request().Context(), account.LogIn{Email: f.Value("email"), Password: f.Value("password"), IP: clientIP(c), UserAgent: c.Request().UserAgent()})
	if err != nil {
		s.setFlash(c, "Your account is ready. Sign in to start.")
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	s.startSession(c, secret)
	s.setFlash(c, "Welcome to the network, "+user.Name+". Tell others a little about yourself here.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

type loginPage struct {
	Form        form
	Next        string
	MailEnabled bool
}

func (s *Server) renderLogin(c echo.Context, status int, f form) error {
	next := localRedirect(c.QueryParam("next"))
	if v := f.Value("next"); v != "" {
		next = localRedirect(v)
	}
	return s.render(c, status, "login", view{Title: "Sign in", Data: loginPage{Form: f, Next: next, MailEnabled: s.accounts.MailEnabled()}})
}

func (s *Server) loginForm(c echo.Context) error {
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, localRedirect(c.QueryParam("next")))
	}
	return s.renderLogin(c, http.StatusOK, form{Errors: map[string]string{}})
}

func (s *Server) login(c echo.Context) error {
	f := newForm(c)
	_, _, secret, err := s.accounts.LogIn(c.Request().Context(), account.LogIn{
		Email: f.Value("email"), Password: f.Value("password"), IP: clientIP(c), UserAgent: c.Request().UserAgent(),
	})
	if err != nil {
		setRetryAfter(c, err)
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		if status == http.StatusUnauthorized {
			status = http.StatusUnprocessableEntity // a form to correct, not an HTTP authentication challenge
		}
		f.Values.Del("password")
		return s.renderLogin(c, status, f)
	}
	s.startSession(c, secret)
	return c.Redirect(http.StatusSeeOther, localRedirect(f.Value("next")))
}

func (s *Server) logout(c echo.Context) error {
	if user, session := currentUser(c), currentSession(c); user != nil && session != nil {
		if err := s.accounts.LogOut(c.Request().Context(), user, session.ID); err != nil && praxis.ErrorCode(err) != praxis.ENOTFOUND {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	s.setFlash(c, "You have signed out.")
	return c.Redirect(http.StatusSeeOther, "/")
}

type forgotPage struct {
	Form        form
	MailEnabled bool
	Sent        bool
}

func (s *Server) forgotForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "forgot", view{Title: "Forgotten password", Data: forgotPage{Form: form{Errors: map[string]string{}}, MailEnabled: s.accounts.MailEnabled()}})
}

func (s *Server) forgot(c echo.Context) error {
	f := newForm(c)
	page := forgotPage{Form: f, MailEnabled: s.accounts.MailEnabled()}
	if err := s.accounts.RequestReset(c.Request().Context(), f.Value("email"), clientIP(c)); err != nil {
		status, err := page.Form.fail(err)
		if err != nil {
			return err
		}
		setRetryAfter(c, err)
		return s.render(c, status, "forgot", view{Title: "Forgotten password", Data: page})
	}
	page.Sent = true
	return s.render(c, http.StatusOK, "forgot", view{Title: "Forgotten password", Data: page})
}

type resetPage struct {
	Form   form
	Secret string
	User   *praxis.User
}

func (s *Server) resetForm(c echo.Context) error {
	user, err := s.accounts.CheckReset(c.Request().Context(), c.Param("secret"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "reset", view{Title: "Set a new password", Data: resetPage{Form: form{Errors: map[string]string{}}, Secret: c.Param("secret"), User: user}})
}

func (s *Server) reset(c echo.Context) error {
	f := newForm(c)
	secret := c.Param("secret")
	var user *praxis.User
	var err error
	if f.Value("password") != f.Value("confirm") {
		err = praxis.Invalid("confirm", "the two passwords are not the same")
	} else {
		user, err = s.accounts.ResetPassword(c.Request().Context(), secret, f.Value("password"))
	}
	if err != nil {
		status, err := f.fail(err)
		if err != nil {
			return err
		}
		user, cerr := s.accounts.CheckReset(c.Request().Context(), secret)
		if cerr != nil {
			return cerr
		}
		return s.render(c, status, "reset", view{Title: "Set a new password", Data: resetPage{Form: f, Secret: secret, User: user}})
	}
	s.clearCookie(c, sessionCookie)
	s.setFlash(c, "Your password is set, "+user.Name+". Sign in with it now.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

type conductPage struct{ HTML string }

func (s *Server) conduct(c echo.Context) error {
	html, err := s.catalog.RenderRootFile(c.Request().Context(), "CODE_OF_CONDUCT.md")
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "conduct", view{Title: "Code of conduct", Data: conductPage{HTML: html}})
}

// setRetryAfter tells the client how long a rate limit lasts, when err is one.
func setRetryAfter(c echo.Context, err error) {
	var rl *account.RateLimitError
	var qr *quota.RateError
	switch {
	case errors.As(err, &rl):
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds())+1))
	case errors.As(err, &qr):
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(qr.RetryAfter.Seconds())+1))
	}
}
