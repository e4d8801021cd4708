package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Field length limits.
const (
	MaxNameLength         = 100
	MaxEmailLength        = 254
	MaxPronounsLength     = 40
	MaxPlaceLength        = 80
	MaxOrganisationLength = 120
	MaxBioLength          = 2000
	MaxLanguages          = 12
)

// invalid is EINVALID naming the field at fault, so that a form shows the
// message beside it.
func invalid(field, format string, args ...any) *praxis.Error {
	return praxis.Invalid(field, format, args...)
}

// cleanEmail checks an email address and returns it trimmed.
func cleanEmail(email string) (string, error) {
	if strings.TrimSpace(email) == "" {
		return "", invalid("email", "enter your email address")
	}
	return praxis.CleanEmail("email", email, MaxEmailLength)
}

// cleanText trims a field and checks its length and that it holds no control
// characters other than line breaks (for multi-line fields).
func cleanText(field, value string, max int, required, multiline bool) (string, error) {
	if required && strings.TrimSpace(value) == "" {
		return "", invalid(field, "this is required")
	}
	return praxis.CleanText(field, value, max, multiline)
}

func cleanRoles(roles []praxis.Role) ([]praxis.Role, error) {
	var out []praxis.Role
	for _, r := range praxis.AllRoles {
		for _, have := range roles {
			if have == r {
				out = append(out, r)
				break
			}
		}
	}
	for _, r := range roles {
		if !praxis.IsRole(r) {
			return nil, invalid("roles", "unknown role %q: use %s", r, roleList())
		}
	}
	if len(out) == 0 {
		return nil, invalid("roles", "give at least one role: %s", roleList())
	}
	return out, nil
}

func roleList() string {
	names := make([]string, len(praxis.AllRoles))
	for i, r := range praxis.AllRoles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// SignUp is a request to join the network.
type SignUp struct {
	Name, Email, Password string
	AgreedToConduct       bool
	// Invitation is the secret of an invitation link, when there is one.
	Invitation string
	IP         string
}

// SignUp creates an account under the instance's sign-up policy: active at once
// when sign-up is open or the person was invited, pending approval when
// approval is required; refused without an invitation when sign-up is by
// invitation only. Rate limited per IP. Under approval, an address that
// already has an account gets the same answer as a new one (a pending user
// that is not stored), and its owner an email saying so.
func (s *Service) SignUp(ctx context.Context, req SignUp) (*praxis.User, error) {
	if err := s.limits.Allow(s.now(), map[string]Limit{"signup-ip:" + req.IP: signupPerIP}); err != nil {
		return nil, err
	}
	mode, err := s.SignupMode(ctx)
	if err != nil {
		return nil, err
	}
	var invitation *praxis.Invitation
	if req.Invitation != "" {
		inv, err := s.db.FindInvitation(ctx, hashSecret(req.Invitation), s.now())
		if err != nil {
			return nil, err
		}
		invitation = &inv
	} else if mode == praxis.SignupInvitation {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "joining this network is by invitation: ask a coordinator for an invitation link")
	}
	// Every field is checked, so that the form names all that is wrong at once.
	var problems []praxis.FieldError
	name, err := cleanText("name", req.Name, MaxNameLength, true, false)
	problems = append(problems, praxis.FieldErrors(err)...)
	email, err := cleanEmail(req.Email)
	problems = append(problems, praxis.FieldErrors(err)...)
	if err := CheckPassword(req.Password, email, name); err != nil {
		problems = append(problems, praxis.Invalid("password", "%s", praxis.ErrorMessage(err)).Fields...)
	}
	if !req.AgreedToConduct {
		problems = append(problems, praxis.Invalid("conduct", "to join, agree to the network's code of conduct").Fields...)
	}
	if err := praxis.InvalidFields(problems); err != nil {
		return nil, err
	}
	hash, err := s.hashing.hash(req.Password)
	if err != nil {
		return nil, err
	}
	u := &praxis.User{Name: name, Email: email, Roles: []praxis.Role{praxis.RoleFacilitator}, Status: praxis.StatusActive}
	if mode == praxis.SignupApproval && invitation == nil {
		u.Status = praxis.StatusPending
	}
	if invitation != nil {
		u.ID, err = s.db.CreateUserFromInvitation(ctx, invitation.ID, u, hash)
	} else {
		u.ID, err = s.db.CreateUser(ctx, u, hash)
	}
	if err != nil {
		if praxis.ErrorCode(err) == praxis.ECONFLICT && strings.Contains(praxis.ErrorMessage(err), "email") {
			if u.Status == praxis.StatusPending {
				// Under approval, a new account waits unseen, so the answer
				// can be the same as for one: the form does not tell
				// strangers who is a member. The owner hears by email.
				s.tellOwnerOfSignup(ctx, email)
				return u, nil
			}
			return nil, invalid("email", "there is already an account with this email address; sign in, or ask a coordinator for a password reset link")
		}
		return nil, err
	}
	s.log.Info("account created", "user", u.ID, "status", u.Status, "invited", invitation != nil)
	return s.db.FindUser(ctx, u.ID)
}

// tellOwnerOfSignup emails the owner of an address that someone tried to join
// with, when the instance sends mail.
func (s *Service) tellOwnerOfSignup(ctx context.Context, email string) {
	if !s.mail.Enabled() {
		return
	}
	if err := s.mail.Send(ctx, existingAccountMessage(email, s.link("/login"), s.link("/forgot"))); err != nil {
		s.log.Error("could not email the owner of an address used to join", "err", err)
	}
}

// NewUser is an account made by an operator (praxis user add).
type NewUser struct {
	Email, Name string
	Roles       []praxis.Role
	// Password may be empty: the person then sets one through a reset link.
	Password string
}

// AddUser creates an active account with the given roles, for the first admin
// and for scripts. It returns the user and, when no password was given, a
// one-time link to set one.
func (s *Service) AddUser(ctx context.Context, req NewUser) (*praxis.User, string, error) {
	name, err := cleanText("name", req.Name, MaxNameLength, true, false)
	if err != nil {
		return nil, "", err
	}
	email, err := cleanEmail(req.Email)
	if err != nil {
		return nil, "", err
	}
	roles, err := cleanRoles(req.Roles)
	if err != nil {
		return nil, "", err
	}
	hash := ""
	if req.Password != "" {
		if err := CheckPassword(req.Password, email, name); err != nil {
			return nil, "", err
		}
		if hash, err = s.hashing.hash(req.Password); err != nil {
			return nil, "", err
		}
	}
	u := &praxis.User{Name: name, Email: email, Roles: roles, Status: praxis.StatusActive}
	if u.ID, err = s.db.CreateUser(ctx, u, hash); err != nil {
		return nil, "", err
	}
	link := ""
	if hash == "" {
		path, err := s.newResetLink(ctx, u.ID, nil, nil)
		if err != nil {
			return nil, "", err
		}
		link = s.link(path)
	}
	u, err = s.db.FindUser(ctx, u.ID)
	return u, link, err
}

// LogIn is a request to sign in.
type LogIn struct {
	Email, Password string
	IP, UserAgent   string
}

// LogIn checks an email and password and starts a session. It returns the user,
// the session, and the session's secret for the cookie. A wrong email and a
// wrong password give the same EUNAUTHORIZED answer in the same time. Rate
// limited per IP and per account (ETOOMANY).
func (s *Service) LogIn(ctx context.Context, req LogIn) (*praxis.User, praxis.Session, string, error) {
	now := s.now()
	err := s.limits.Allow(now, map[string]Limit{
		"login-ip:" + req.IP: loginPerIP,
		"login-account:" + strings.ToLower(strings.TrimSpace(req.Email)): loginPerAccount,
	})
	if err != nil {
		return nil, praxis.Session{}, "", err
	}
	wrong := praxis.Errorf(praxis.EUNAUTHORIZED, "that email and password do not match an account")
	if len(req.Password) > MaxPasswordLength || len(req.Email) > MaxEmailLength {
		return nil, praxis.Session{}, "", wrong
	}
	user, hash, err := s.db.FindCredentials(ctx, req.Email)
	switch {
	case praxis.ErrorCode(err) == praxis.ENOTFOUND:
		VerifyPassword(s.dummyHash, req.Password)
		return nil, praxis.Session{}, "", wrong
	case err != nil:
		return nil, praxis.Session{}, "", err
	}
	if !VerifyPassword(hash, req.Password) || user.Status == praxis.StatusDeleted {
		return nil, praxis.Session{}, "", wrong
	}
	switch user.Status {
	case praxis.StatusPending:
		return nil, praxis.Session{}, "", praxis.Errorf(praxis.EFORBIDDEN, "your account is waiting for a coordinator to approve it; you will be able to sign in once they have")
	case praxis.StatusSuspended:
		return nil, praxis.Session{}, "", praxis.Errorf(praxis.EFORBIDDEN, "this account is suspended; contact a coordinator of the network")
	}
	session, secret, err := s.startSession(ctx, user.ID, req.IP, req.UserAgent)
	if err != nil {
		return nil, praxis.Session{}, "", err
	}
	return user, session, secret, nil
}

func (s *Service) startSession(ctx context.Context, userID int64, ip, userAgent string) (praxis.Session, string, error) {
	now := s.now().UTC()
	secret, hash := newSecret(sessionPrefix)
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	session := praxis.Session{UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionIdle), UserAgent: userAgent, IP: ip}
	id, err := s.db.CreateSession(ctx, session, hash)
	if err != nil {
		return praxis.Session{}, "", err
	}
	session.ID = id
	return session, secret, nil
}

// Authenticate returns the user and session for a session secret (the cookie).
// EUNAUTHORIZED when the session does not exist, has expired, or its user is
// not active: a suspended user's session stops working at once.
func (s *Service) Authenticate(ctx context.Context, secret string) (*praxis.User, praxis.Session, error) {
	none := praxis.Errorf(praxis.EUNAUTHORIZED, "your session has ended; please sign in again")
	if !strings.HasPrefix(secret, sessionPrefix) || len(secret) > 100 {
		return nil, praxis.Session{}, none
	}
	now := s.now()
	session, err := s.db.FindSession(ctx, hashSecret(secret), now)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil, praxis.Session{}, none
	}
	if err != nil {
		return nil, praxis.Session{}, err
	}
	user, err := s.db.FindUser(ctx, session.UserID)
	if err != nil {
		return nil, praxis.Session{}, err
	}
	if user.Status != praxis.StatusActive {
		return nil, praxis.Session{}, none
	}
	if now.Sub(session.LastSeenAt) > sessionTouchStep {
		expires := now.Add(SessionIdle)
		if limit := session.CreatedAt.Add(SessionMax); expires.After(limit) {
			expires = limit
		}
		if err := s.db.TouchSession(ctx, session.ID, now, expires); err != nil {
			s.log.Warn("could not record session use", "err", err)
		}
		session.LastSeenAt, session.ExpiresAt = now, expires
	}
	return user, session, nil
}

// AuthenticateToken returns the user of an API token. EUNAUTHORIZED when the
// token is unknown or its user is not active.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*praxis.User, praxis.Token, error) {
	none := praxis.Errorf(praxis.EUNAUTHORIZED, "the API token is not valid")
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return nil, praxis.Token{}, none
	}
	token, err := s.db.FindToken(ctx, hashSecret(secret))
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil, praxis.Token{}, none
	}
	if err != nil {
		return nil, praxis.Token{}, err
	}
	user, err := s.db.FindUser(ctx, token.UserID)
	if err != nil {
		return nil, praxis.Token{}, err
	}
	if user.Status != praxis.StatusActive {
		return nil, praxis.Token{}, praxis.Errorf(praxis.EUNAUTHORIZED, "the account of this API token is not active")
	}
	now := s.now()
	if token.LastUsedAt == nil || now.Sub(*token.LastUsedAt) > tokenTouchStep {
		if err := s.db.TouchToken(ctx, token.ID, now); err != nil {
			s.log.Warn("could not record token use", "err", err)
		}
	}
	return user, token, nil
}

// LogOut ends a session.
func (s *Service) LogOut(ctx context.Context, user *praxis.User, sessionID int64) error {
	return s.db.DeleteSession(ctx, user.ID, sessionID)
}

// ChangePassword replaces a password after checking the current one, and signs
// the person out of every other session.
func (s *Service) ChangePassword(ctx context.Context, user *praxis.User, current, next string, keepSession int64) error {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return err
	}
	if ok, err := s.checkPassword(ctx, user, current); err != nil {
		return err
	} else if !ok {
		return invalid("current", "that is not your current password")
	}
	if err := CheckPassword(next, user.Email, user.Name); err != nil {
		return praxis.Invalid("password", "%s", praxis.ErrorMessage(err))
	}
	newHash, err := s.hashing.hash(next)
	if err != nil {
		return err
	}
	return s.db.SetPassword(ctx, user.ID, newHash, keepSession, 0)
}

// checkPassword reports whether password is the user's, for a person who
// is already signed in (changing the password, deleting the account). It is
// rate limited per account like signing in, and answers ETOOMANY as a
// *RateLimitError when the limit is reached.
func (s *Service) checkPassword(ctx context.Context, user *praxis.User, password string) (ok bool, err error) {
	if err := s.limits.Allow(s.now(), map[string]Limit{fmt.Sprintf("password-check:%d", user.ID): passwordChecks}); err != nil {
		return false, err
	}
	hash, err := s.db.PasswordHash(ctx, user.ID)
	if err != nil {
		return false, err
	}
	return VerifyPassword(hash, password), nil
}

// newResetLink stores a one-time reset link for a user and returns its path.
func (s *Service) newResetLink(ctx context.Context, userID int64, actor *praxis.User, audit *praxis.AuditEntry) (string, error) {
	secret, hash := newSecret("")
	now := s.now()
	var createdBy *int64
	if actor != nil {
		createdBy = &actor.ID
	}
	if err := s.db.CreatePasswordReset(ctx, userID, createdBy, hash, now, now.Add(ResetLifetime), audit); err != nil {
		return "", err
	}
	return "/reset/" + secret, nil
}

// IssueReset makes a one-time password reset link for a user, for a coordinator
// to pass on. When the instance sends mail, the link is also emailed to the
// user. A reset link signs its holder in as the user, so resetting the
// password of anyone who holds a role the issuer lacks (a coordinator
// resetting a maintainer, who may merge) needs an admin, as do coordinators
// and admins themselves.
func (s *Service) IssueReset(ctx context.Context, actor *praxis.User, userID int64) (link string, emailed bool, err error) {
	target, err := s.manageable(ctx, actor, userID)
	if err != nil {
		return "", false, err
	}
	if r, ok := access.RoleBeyond(actor, target); ok && !access.Can(actor, access.ManageAdmins) {
		return "", false, praxis.Errorf(praxis.EFORBIDDEN, "%s is a %s and you are not, so only an admin can make a reset link for them", target.Name, r)
	}
	audit := &praxis.AuditEntry{ActorID: actor.ID, TargetID: target.ID, Action: "password_reset.issue", At: s.now()}
	path, err := s.newResetLink(ctx, target.ID, actor, audit)
	if err != nil {
		return "", false, err
	}
	link = s.link(path)
	if s.mail.Enabled() {
		err := s.mail.Send(ctx, resetMessage(target, link, actor.Name))
		if err != nil {
			s.log.Error("could not email a reset link", "user", target.ID, "err", err)
		}
		emailed = err == nil
	}
	return link, emailed, nil
}

// RequestReset emails a reset link to the address given, if it belongs to an
// active account and the instance sends mail. It answers the same whether or
// not the account exists. ENOTIMPLEMENTED when the instance sends no mail.
func (s *Service) RequestReset(ctx context.Context, email, ip string) error {
	if !s.mail.Enabled() {
		return praxis.Errorf(praxis.ENOTIMPLEMENTED, "this network does not send email: ask a coordinator for a password reset link")
	}
	if err := s.limits.Allow(s.now(), map[string]Limit{"reset-ip:" + ip: resetPerIP, "reset-account:" + strings.ToLower(strings.TrimSpace(email)): resetPerAccount}); err != nil {
		return err
	}
	user, _, err := s.db.FindCredentials(ctx, email)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND || (err == nil && user.Status != praxis.StatusActive) {
		return nil
	}
	if err != nil {
		return err
	}
	path, err := s.newResetLink(ctx, user.ID, nil, nil)
	if err != nil {
		return err
	}
	if err := s.mail.Send(ctx, resetMessage(user, s.link(path), "")); err != nil {
		s.log.Error("could not email a reset link", "user", user.ID, "err", err)
	}
	return nil
}

// CheckReset returns the user a reset link is for. ENOTFOUND when the link is
// used, expired or unknown.
func (s *Service) CheckReset(ctx context.Context, secret string) (*praxis.User, error) {
	reset, err := s.db.FindPasswordReset(ctx, hashSecret(secret), s.now())
	if err != nil {
		return nil, err
	}
	return s.db.FindUser(ctx, reset.UserID)
}

// ResetPassword sets a new password through a one-time link, which is then
// used up, and signs the person out everywhere.
func (s *Service) ResetPassword(ctx context.Context, secret, password string) (*praxis.User, error) {
	reset, err := s.db.FindPasswordReset(ctx, hashSecret(secret), s.now())
	if err != nil {
		return nil, err
	}
	user, err := s.db.FindUser(ctx, reset.UserID)
	if err != nil {
		return nil, err
	}
	if user.Status == praxis.StatusDeleted || user.Status == praxis.StatusSuspended {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "this account cannot sign in; contact a coordinator of the network")
	}
	if err := CheckPassword(password, user.Email, user.Name); err != nil {
		return nil, praxis.Invalid("password", "%s", praxis.ErrorMessage(err))
	}
	hash, err := s.hashing.hash(password)
	if err != nil {
		return nil, err
	}
	if err := s.db.SetPassword(ctx, user.ID, hash, 0, reset.ID); err != nil {
		return nil, err
	}
	return user, nil
}

// when formats a time for messages.
func when(t time.Time) string { return t.UTC().Format("2 January 2006 at 15:04 UTC") }

// FindActiveByEmail returns the active account with an email address, for
// naming co-facilitators. ENOTFOUND otherwise.
func (s *Service) FindActiveByEmail(ctx context.Context, email string) (*praxis.User, error) {
	u, _, err := s.db.FindCredentials(ctx, strings.TrimSpace(email))
	if err != nil || u.Status != praxis.StatusActive {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "there is no active member with that address")
	}
	return u, nil
}

// AuthenticateBasic checks HTTP basic credentials as git sends them: the
// account's email address as the user name and one of its API tokens as the
// password.
func (s *Service) AuthenticateBasic(ctx context.Context, email, secret string) (*praxis.User, error) {
	user, _, err := s.AuthenticateToken(ctx, secret)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(strings.TrimSpace(email), strings.TrimSpace(user.Email)) {
		return nil, praxis.Errorf(praxis.EUNAUTHORIZED, "the API token is not valid")
	}
	return user, nil
}
