package account_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

const goodPassword = "correct horse battery staple"

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	svc   *account.Service
	db    *db.DB
	dir   string
	clock *clock
	admin *praxis.User
	coord *praxis.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	database := testenv.NewDB(t, dir, db.Options{})
	c := &clock{now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	svc := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: database, Now: c.Now,
		Modules: func(_ context.Context, slug string) bool { return slug == "exploring-class-2-stigma" }})
	f := &fixture{svc: svc, db: database, dir: dir, clock: c}
	f.admin = f.addUser(t, "admin@example.org", "Ada Admin", praxis.RoleAdmin)
	f.coord = f.addUser(t, "coord@example.org", "Cora Coordinator", praxis.RoleCoordinator, praxis.RoleFacilitator)
	return f
}

func (f *fixture) addUser(t *testing.T, email, name string, roles ...praxis.Role) *praxis.User {
	t.Helper()
	u, link, err := f.svc.AddUser(context.Background(), account.NewUser{Email: email, Name: name, Roles: roles, Password: goodPassword})
	if err != nil || link != "" {
		t.Fatalf("AddUser(%s) = %v, link %q", email, err, link)
	}
	return u
}

func (f *fixture) signUp(t *testing.T, email string) *praxis.User {
	t.Helper()
	u, err := f.svc.SignUp(context.Background(), account.SignUp{Name: "Sam " + email, Email: email, Password: goodPassword, AgreedToConduct: true, IP: "10.0.0." + email[:1]})
	if err != nil {
		t.Fatalf("SignUp(%s): %v", email, err)
	}
	return u
}

func (f *fixture) logIn(t *testing.T, email string) (praxis.Session, string) {
	t.Helper()
	_, session, secret, err := f.svc.LogIn(context.Background(), account.LogIn{Email: email, Password: goodPassword, IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("LogIn(%s): %v", email, err)
	}
	return session, secret
}

func code(err error) string { return praxis.ErrorCode(err) }

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	hash, err := account.HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(hash, goodPassword) {
		t.Fatalf("hash = %q", hash)
	}
	if !account.VerifyPassword(hash, goodPassword) || account.VerifyPassword(hash, goodPassword+"x") {
		t.Fatal("VerifyPassword does not tell right from wrong")
	}
	other, _ := account.HashPassword(goodPassword)
	if other == hash {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$aGFzaA", "plain"} {
		if account.VerifyPassword(bad, goodPassword) {
			t.Errorf("VerifyPassword(%q) matched", bad)
		}
	}
}

// TestServiceHashing: a Service hashes with praxis's parameters unless its
// Config says otherwise (tests do), and either kind of hash signs in.
func TestServiceHashing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		hashing account.Hashing
		prefix  string
	}{
		{"zero means praxis's parameters", account.Hashing{}, "$argon2id$v=19$m=19456,t=2,p=1$"},
		{"cheap for tests", testenv.PasswordHashing(), "$argon2id$v=19$m=8,t=1,p=1$"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			database := testenv.NewDB(t, t.TempDir(), db.Options{})
			svc := account.New(account.Config{DB: database, Hashing: tc.hashing})
			if _, _, err := svc.AddUser(ctx, account.NewUser{Email: "sam@example.org", Name: "Sam", Roles: []praxis.Role{praxis.RoleFacilitator}, Password: goodPassword}); err != nil {
				t.Fatal(err)
			}
			_, hash, err := database.FindCredentials(ctx, "sam@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(hash, tc.prefix) {
				t.Errorf("stored hash = %q, want the prefix %q", hash, tc.prefix)
			}
			if _, _, _, err := svc.LogIn(ctx, account.LogIn{Email: "sam@example.org", Password: goodPassword, IP: "192.0.2.1"}); err != nil {
				t.Errorf("LogIn with the right password: %v", err)
			}
			for _, wrong := range []account.LogIn{{Email: "sam@example.org", Password: goodPassword + "x"}, {Email: "nobody@example.org", Password: goodPassword}} {
				wrong.IP = "192.0.2.2"
				if _, _, _, err := svc.LogIn(ctx, wrong); code(err) != praxis.EUNAUTHORIZED {
					t.Errorf("LogIn(%s, wrong) = %v, want EUNAUTHORIZED", wrong.Email, err)
				}
			}
		})
	}
}

func TestPasswordRules(t *testing.T) {
	t.Parallel()
	for pw, want := range map[string]string{
		"short":                        "at least 10 characters",
		"password123":                  "most common passwords",
		"qwertyuiop":                   "most common passwords",
		strings.Repeat("x", 257):       "at most 256",
		"sam.jones@example.org":        "must not contain your email",
		"my name is SamJones, hi":      "must not contain your email address or name",
		"a perfectly fine passphrase!": "",
	} {
		err := account.CheckPassword(pw, "sam.jones@example.org", "Sam Jones")
		if want == "" {
			if err != nil {
				t.Errorf("CheckPassword(%q) = %v, want nil", pw, err)
			}
			continue
		}
		if code(err) != praxis.EINVALID || !strings.Contains(praxis.ErrorMessage(err), want) {
			t.Errorf("CheckPassword(%q) = %v, want EINVALID %q", pw, err, want)
		}
	}
}

func TestSignUpModes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	// The default is approval.
	pending := f.signUp(t, "a-pending@example.org")
	if pending.Status != praxis.StatusPending || !pending.HasRole(praxis.RoleFacilitator) {
		t.Fatalf("sign-up under approval = %s %v", pending.Status, pending.Roles)
	}
	if _, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: "a-pending@example.org", Password: goodPassword}); code(err) != praxis.EFORBIDDEN || !strings.Contains(praxis.ErrorMessage(err), "waiting for a coordinator") {
		t.Fatalf("pending log in = %v", err)
	}
	if _, err := f.svc.SetStatus(ctx, f.coord, pending.ID, praxis.StatusActive); err != nil {
		t.Fatal(err)
	}
	f.logIn(t, "a-pending@example.org")

	if err := f.svc.SetSignupMode(ctx, f.coord, praxis.SignupOpen); code(err) != praxis.EFORBIDDEN {
		t.Fatalf("coordinator changing settings = %v, want EFORBIDDEN", err)
	}
	if err := f.svc.SetSignupMode(ctx, f.admin, praxis.SignupOpen); err != nil {
		t.Fatal(err)
	}
	if open := f.signUp(t, "b-open@example.org"); open.Status != praxis.StatusActive {
		t.Fatalf("sign-up when open = %s", open.Status)
	}

	f.svc.SetSignupMode(ctx, f.admin, praxis.SignupInvitation)
	_, err := f.svc.SignUp(ctx, account.SignUp{Name: "Nina", Email: "c-nina@example.org", Password: goodPassword, AgreedToConduct: true})
	if code(err) != praxis.EFORBIDDEN {
		t.Fatalf("sign-up without invitation = %v, want EFORBIDDEN", err)
	}
	link, emailed, err := f.svc.CreateInvitation(ctx, f.coord, "", "for the Leeds branch")
	if err != nil || emailed || !strings.HasPrefix(link, "/signup?invitation=") {
		t.Fatalf("CreateInvitation = %q %v %v", link, emailed, err)
	}
	secret := strings.TrimPrefix(link, "/signup?invitation=")
	invited, err := f.svc.SignUp(ctx, account.SignUp{Name: "Nina", Email: "c-nina@example.org", Password: goodPassword, AgreedToConduct: true, Invitation: secret})
	if err != nil || invited.Status != praxis.StatusActive {
		t.Fatalf("invited sign-up = %v %v", invited, err)
	}
	_, err = f.svc.SignUp(ctx, account.SignUp{Name: "Again", Email: "d-again@example.org", Password: goodPassword, AgreedToConduct: true, Invitation: secret})
	if code(err) != praxis.ENOTFOUND {
		t.Fatalf("second use of an invitation = %v, want ENOTFOUND", err)
	}
	f.clock.Add(account.InviteLifetime + time.Hour)
	link2, _, _ := f.svc.CreateInvitation(ctx, f.coord, "", "")
	f.clock.Add(account.InviteLifetime + time.Minute)
	if _, err := f.svc.CheckInvitation(ctx, strings.TrimPrefix(link2, "/signup?invitation=")); code(err) != praxis.ENOTFOUND {
		t.Fatalf("expired invitation = %v, want ENOTFOUND", err)
	}
}

func TestSignUpRejectsBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	long := strings.Repeat("x", 101)
	tests := []struct {
		name  string
		req   account.SignUp
		field string
	}{
		{"no name", account.SignUp{Email: "x@example.org", Password: goodPassword, AgreedToConduct: true}, "name"},
		{"long name", account.SignUp{Name: long, Email: "x@example.org", Password: goodPassword, AgreedToConduct: true}, "name"},
		{"control character", account.SignUp{Name: "A\x00B", Email: "x@example.org", Password: goodPassword, AgreedToConduct: true}, "name"},
		{"malformed email", account.SignUp{Name: "A", Email: "not-an-email", Password: goodPassword, AgreedToConduct: true}, "email"},
		{"email with display name", account.SignUp{Name: "A", Email: "Eve <eve@example.org>", Password: goodPassword, AgreedToConduct: true}, "email"},
		{"email without domain dot", account.SignUp{Name: "A", Email: "eve@localhost", Password: goodPassword, AgreedToConduct: true}, "email"},
		{"weak password", account.SignUp{Name: "A", Email: "x@example.org", Password: "password1", AgreedToConduct: true}, "password"},
		{"no agreement", account.SignUp{Name: "A", Email: "x@example.org", Password: goodPassword}, "conduct"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.IP = string(rune('a' + i))
			_, err := f.svc.SignUp(ctx, tt.req)
			if praxis.ErrorField(err) != tt.field || code(err) != praxis.EINVALID {
				t.Fatalf("SignUp = %v, want EINVALID on field %s", err, tt.field)
			}
		})
	}
	// A member's address, in another case: under approval (the default) the
	// answer is the one a new address gets, and nothing is stored; under open
	// sign-up, where a new account is signed in at once, the form says so.
	dup := account.SignUp{Name: "A", Email: "ADMIN@Example.org", Password: goodPassword, AgreedToConduct: true, IP: "dup"}
	if u, err := f.svc.SignUp(ctx, dup); err != nil || u.Status != praxis.StatusPending || u.ID != 0 {
		t.Fatalf("SignUp with a member's address under approval = %+v, %v; want an unsaved pending user", u, err)
	}
	if err := f.svc.SetSignupMode(ctx, f.admin, praxis.SignupOpen); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignUp(ctx, dup); praxis.ErrorField(err) != "email" {
		t.Fatalf("SignUp with a member's address under open sign-up = %v, want EINVALID on field email", err)
	}
	if n, _ := f.db.CountUsers(ctx); n != 2 {
		t.Fatalf("%d users after refused sign-ups, want the 2 from the fixture", n)
	}
}

func TestLogInGivesNoHint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	_, _, _, wrongPassword := f.svc.LogIn(ctx, account.LogIn{Email: "admin@example.org", Password: "nope nope nope", IP: "1"})
	_, _, _, wrongEmail := f.svc.LogIn(ctx, account.LogIn{Email: "nobody@example.org", Password: goodPassword, IP: "2"})
	if code(wrongPassword) != praxis.EUNAUTHORIZED || wrongPassword.Error() != wrongEmail.Error() {
		t.Fatalf("wrong password %v, wrong email %v: want the same EUNAUTHORIZED", wrongPassword, wrongEmail)
	}
	user, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: "  ADMIN@example.ORG ", Password: goodPassword, IP: "3"})
	if err != nil || user.ID != f.admin.ID {
		t.Fatalf("log in with email in other case = %v", err)
	}
}

func TestLogInRateLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	var limited error
	for i := range 30 {
		_, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: "admin@example.org", Password: "wrong wrong wrong", IP: "198.51.100." + string(rune('0'+i%10))})
		if code(err) == praxis.ETOOMANY {
			limited = err
			break
		}
	}
	if limited == nil {
		t.Fatal("30 wrong passwords for one account from many addresses were never limited")
	}
	var rl *account.RateLimitError
	if !errors.As(limited, &rl) || rl.RetryAfter <= 0 {
		t.Errorf("limit error %v carries no wait", limited)
	}
	// The right password is refused too while limited, and allowed after a wait.
	if _, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: "admin@example.org", Password: goodPassword, IP: "203.0.113.9"}); code(err) != praxis.ETOOMANY {
		t.Fatalf("right password while limited = %v", err)
	}
	f.clock.Add(10 * time.Minute)
	if _, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: "admin@example.org", Password: goodPassword, IP: "203.0.113.9"}); err != nil {
		t.Fatalf("log in after waiting = %v", err)
	}
	// Per IP: many accounts from one address.
	limited = nil
	for i := range 40 {
		_, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: string(rune('a'+i%26)) + "@example.org", Password: "x", IP: "192.0.2.200"})
		if code(err) == praxis.ETOOMANY {
			limited = err
			break
		}
	}
	if limited == nil {
		t.Fatal("40 attempts from one address were never limited")
	}
}

func TestSessionsExpireAndAreRevocable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	session, secret := f.logIn(t, "coord@example.org")
	user, got, err := f.svc.Authenticate(ctx, secret)
	if err != nil || user.ID != f.coord.ID || got.ID != session.ID {
		t.Fatalf("Authenticate = %v %v", user, err)
	}
	// Use keeps it alive past the idle limit...
	for range 3 {
		f.clock.Add(account.SessionIdle - time.Hour)
		if _, _, err := f.svc.Authenticate(ctx, secret); err != nil {
			t.Fatalf("session used regularly expired: %v", err)
		}
	}
	// ...but not past the absolute limit.
	for i := 0; i < 10; i++ {
		f.clock.Add(account.SessionIdle - time.Hour)
		if _, _, err := f.svc.Authenticate(ctx, secret); err != nil {
			break
		}
		if i == 9 {
			t.Fatal("session outlived SessionMax")
		}
	}
	// Idle sessions expire.
	_, idle := f.logIn(t, "coord@example.org")
	f.clock.Add(account.SessionIdle + time.Minute)
	if _, _, err := f.svc.Authenticate(ctx, idle); code(err) != praxis.EUNAUTHORIZED {
		t.Fatalf("idle session = %v, want EUNAUTHORIZED", err)
	}
	// Revocation.
	a, aSecret := f.logIn(t, "coord@example.org")
	_, bSecret := f.logIn(t, "coord@example.org")
	if n, err := f.svc.RevokeOtherSessions(ctx, f.coord, a.ID); err != nil || n < 1 {
		t.Fatalf("RevokeOtherSessions = %d %v", n, err)
	}
	if _, _, err := f.svc.Authenticate(ctx, bSecret); code(err) != praxis.EUNAUTHORIZED {
		t.Fatal("a revoked session still works")
	}
	if err := f.svc.LogOut(ctx, f.coord, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(ctx, aSecret); code(err) != praxis.EUNAUTHORIZED {
		t.Fatal("a logged-out session still works")
	}
	for _, junk := range []string{"", "ps_", "ps_" + strings.Repeat("a", 43), strings.Repeat("x", 1000)} {
		if _, _, err := f.svc.Authenticate(ctx, junk); code(err) != praxis.EUNAUTHORIZED {
			t.Errorf("Authenticate(%q) = %v", junk, err)
		}
	}
}

func TestSuspensionStopsSessionsAndTokensAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.svc.SetSignupMode(ctx, f.admin, praxis.SignupOpen)
	u := f.signUp(t, "s-sam@example.org")
	_, secret := f.logIn(t, "s-sam@example.org")
	_, token, err := f.svc.CreateToken(ctx, u, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AuthenticateToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetStatus(ctx, f.coord, u.ID, praxis.StatusSuspended); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(ctx, secret); code(err) != praxis.EUNAUTHORIZED {
		t.Errorf("suspended user's session = %v", err)
	}
	if _, _, err := f.svc.AuthenticateToken(ctx, token); code(err) != praxis.EUNAUTHORIZED {
		t.Errorf("suspended user's token = %v", err)
	}
	if _, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: "s-sam@example.org", Password: goodPassword, IP: "x"}); code(err) != praxis.EFORBIDDEN {
		t.Errorf("suspended log in = %v", err)
	}
	if _, err := f.svc.SetStatus(ctx, f.coord, u.ID, praxis.StatusActive); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AuthenticateToken(ctx, token); err != nil {
		t.Errorf("token after reinstating = %v", err)
	}
	entries, err := f.svc.Audit(ctx, f.admin, praxis.AuditFilter{TargetID: u.ID})
	if err != nil || len(entries) != 2 || entries[0].Action != "user.reinstate" || entries[1].Action != "user.suspend" || entries[1].ActorName != "Cora Coordinator" {
		t.Fatalf("audit = %+v %v", entries, err)
	}
}

func TestWhoMayManageWhom(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	other := f.addUser(t, "coord2@example.org", "Other Coordinator", praxis.RoleCoordinator)
	facilitator := f.addUser(t, "fac@example.org", "Fay Facilitator", praxis.RoleFacilitator)
	if _, err := f.svc.SetStatus(ctx, f.coord, other.ID, praxis.StatusSuspended); code(err) != praxis.EFORBIDDEN {
		t.Errorf("coordinator suspending a coordinator = %v", err)
	}
	if _, err := f.svc.SetStatus(ctx, f.coord, f.coord.ID, praxis.StatusSuspended); code(err) != praxis.EFORBIDDEN {
		t.Errorf("coordinator suspending themself = %v", err)
	}
	if _, err := f.svc.SetStatus(ctx, facilitator, f.coord.ID, praxis.StatusSuspended); code(err) != praxis.EFORBIDDEN {
		t.Errorf("facilitator suspending = %v", err)
	}
	if _, err := f.svc.SetStatus(ctx, f.admin, other.ID, praxis.StatusSuspended); err != nil {
		t.Errorf("admin suspending a coordinator = %v", err)
	}
	if _, err := f.svc.SetRoles(ctx, f.coord, facilitator.ID, []praxis.Role{praxis.RoleMaintainer}); code(err) != praxis.EFORBIDDEN {
		t.Errorf("coordinator changing roles = %v", err)
	}
	updated, err := f.svc.SetRoles(ctx, f.admin, facilitator.ID, []praxis.Role{praxis.RoleMaintainer, praxis.RoleFacilitator})
	if err != nil || !updated.HasRole(praxis.RoleMaintainer) {
		t.Fatalf("admin changing roles = %v", err)
	}
	if _, err := f.svc.SetRoles(ctx, f.admin, f.admin.ID, []praxis.Role{praxis.RoleFacilitator}); code(err) != praxis.EFORBIDDEN {
		t.Errorf("admin removing their own admin role = %v", err)
	}
	if _, err := f.svc.SetRoles(ctx, f.admin, facilitator.ID, []praxis.Role{"superuser"}); code(err) != praxis.EINVALID {
		t.Errorf("unknown role = %v", err)
	}
	if _, err := f.svc.SetRoles(ctx, f.admin, 9999, []praxis.Role{praxis.RoleFacilitator}); code(err) != praxis.ENOTFOUND {
		t.Errorf("unknown user = %v", err)
	}
}

func TestTrainings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fac := f.addUser(t, "fac@example.org", "Fay", praxis.RoleFacilitator)
	if err := f.svc.AwardTraining(ctx, fac, fac.ID, "exploring-class-2-stigma", ""); code(err) != praxis.EFORBIDDEN {
		t.Errorf("facilitator awarding themself = %v", err)
	}
	if err := f.svc.AwardTraining(ctx, f.coord, fac.ID, "no-such-module", ""); code(err) != praxis.EINVALID {
		t.Errorf("unknown module = %v", err)
	}
	if err := f.svc.AwardTraining(ctx, f.coord, fac.ID, "exploring-class-2-stigma", "Observed in Leeds"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AwardTraining(ctx, f.coord, fac.ID, "exploring-class-2-stigma", ""); code(err) != praxis.ECONFLICT {
		t.Errorf("awarding twice = %v", err)
	}
	u, _ := f.svc.User(ctx, f.coord, fac.ID)
	if len(u.Trainings) != 1 || u.Trainings[0].Awarder != "Cora Coordinator" || u.Trainings[0].AwardedAt.IsZero() {
		t.Fatalf("trainings = %+v", u.Trainings)
	}
	if err := f.svc.WithdrawTraining(ctx, f.coord, fac.ID, "exploring-class-2-stigma"); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.svc.User(ctx, f.coord, fac.ID); len(u.Trainings) != 0 {
		t.Error("training not withdrawn")
	}
	entries, _ := f.svc.Audit(ctx, f.admin, praxis.AuditFilter{TargetID: fac.ID})
	if len(entries) != 2 || entries[0].Action != "training.withdraw" {
		t.Errorf("audit = %+v", entries)
	}
}

func TestPasswordResetLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fac := f.addUser(t, "fac@example.org", "Fay", praxis.RoleFacilitator)
	_, oldSession := f.logIn(t, "fac@example.org")
	link, emailed, err := f.svc.IssueReset(ctx, f.coord, fac.ID)
	if err != nil || emailed || !strings.HasPrefix(link, "/reset/") {
		t.Fatalf("IssueReset = %q %v %v", link, emailed, err)
	}
	if _, _, err := f.svc.IssueReset(ctx, f.coord, f.admin.ID); code(err) != praxis.EFORBIDDEN {
		t.Errorf("coordinator resetting an admin = %v", err)
	}
	secret := strings.TrimPrefix(link, "/reset/")
	if _, err := f.svc.ResetPassword(ctx, secret, "short"); code(err) != praxis.EINVALID {
		t.Errorf("weak new password = %v", err)
	}
	if _, err := f.svc.ResetPassword(ctx, secret, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ResetPassword(ctx, secret, "another new passphrase"); code(err) != praxis.ENOTFOUND {
		t.Errorf("second use of a reset link = %v", err)
	}
	if _, _, err := f.svc.Authenticate(ctx, oldSession); code(err) != praxis.EUNAUTHORIZED {
		t.Error("a session survived a password reset")
	}
	if _, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: "fac@example.org", Password: "a brand new passphrase", IP: "r"}); err != nil {
		t.Fatalf("log in with the new password = %v", err)
	}
	// Links expire, and a newer link replaces an older one.
	first, _, _ := f.svc.IssueReset(ctx, f.coord, fac.ID)
	second, _, _ := f.svc.IssueReset(ctx, f.coord, fac.ID)
	if _, err := f.svc.CheckReset(ctx, strings.TrimPrefix(first, "/reset/")); code(err) != praxis.ENOTFOUND {
		t.Errorf("replaced link = %v", err)
	}
	f.clock.Add(account.ResetLifetime + time.Minute)
	if _, err := f.svc.CheckReset(ctx, strings.TrimPrefix(second, "/reset/")); code(err) != praxis.ENOTFOUND {
		t.Errorf("expired link = %v", err)
	}
	if err := f.svc.RequestReset(ctx, "fac@example.org", "x"); code(err) != praxis.ENOTIMPLEMENTED {
		t.Errorf("self-service reset without mail = %v", err)
	}
}

func TestAddUserWithoutPasswordGivesALink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	u, link, err := f.svc.AddUser(ctx, account.NewUser{Email: "new@example.org", Name: "New", Roles: []praxis.Role{praxis.RoleMaintainer}})
	if err != nil || !strings.HasPrefix(link, "/reset/") || u.Status != praxis.StatusActive {
		t.Fatalf("AddUser = %v %q %v", u, link, err)
	}
	if _, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: "new@example.org", Password: "", IP: "y"}); code(err) != praxis.EUNAUTHORIZED {
		t.Errorf("log in with no password set = %v", err)
	}
	if _, _, err := f.svc.AddUser(ctx, account.NewUser{Email: "NEW@example.org", Name: "Dup", Roles: []praxis.Role{praxis.RoleFacilitator}}); code(err) != praxis.ECONFLICT {
		t.Errorf("duplicate email = %v", err)
	}
	if _, _, err := f.svc.AddUser(ctx, account.NewUser{Email: "x@example.org", Name: "X", Roles: []praxis.Role{"boss"}}); code(err) != praxis.EINVALID {
		t.Errorf("unknown role = %v", err)
	}
}

// Secrets and passwords are stored only as hashes: the database files never
// contain them.
func TestSecretsAreHashedAtRest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	_, session := f.logIn(t, "coord@example.org")
	_, token, _ := f.svc.CreateToken(ctx, f.coord, "script")
	reset, _, _ := f.svc.IssueReset(ctx, f.admin, f.coord.ID)
	invite, _, _ := f.svc.CreateInvitation(ctx, f.coord, "", "")
	var files []byte
	for _, name := range []string{"praxis.db", "praxis.db-wal"} {
		data, err := os.ReadFile(filepath.Join(f.dir, name))
		if err == nil {
			files = append(files, data...)
		}
	}
	if len(files) == 0 {
		t.Fatal("no database files read")
	}
	for what, secret := range map[string]string{
		"password": goodPassword, "session": session, "token": token,
		"reset link": strings.TrimPrefix(reset, "/reset/"), "invitation": strings.TrimPrefix(invite, "/signup?invitation="),
	} {
		if strings.Contains(string(files), secret) {
			t.Errorf("the database contains the %s in clear", what)
		}
	}
	if !strings.Contains(string(files), "coord@example.org") {
		t.Fatal("the search found nothing at all: the test reads the wrong files")
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	tok, secret, err := f.svc.CreateToken(ctx, f.coord, "reporting script")
	if err != nil || !strings.HasPrefix(secret, "praxis_") || !strings.HasPrefix(secret, tok.Prefix) {
		t.Fatalf("CreateToken = %+v %q %v", tok, secret, err)
	}
	user, got, err := f.svc.AuthenticateToken(ctx, secret)
	if err != nil || user.ID != f.coord.ID || got.ID != tok.ID {
		t.Fatalf("AuthenticateToken = %v", err)
	}
	list, _ := f.svc.Tokens(ctx, f.coord)
	if len(list) != 1 || list[0].LastUsedAt == nil {
		t.Fatalf("Tokens = %+v, want one, used", list)
	}
	if err := f.svc.RevokeToken(ctx, f.admin, tok.ID); code(err) != praxis.ENOTFOUND {
		t.Errorf("revoking someone else's token = %v", err)
	}
	if err := f.svc.RevokeToken(ctx, f.coord, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AuthenticateToken(ctx, secret); code(err) != praxis.EUNAUTHORIZED {
		t.Error("a revoked token still works")
	}
	if _, _, err := f.svc.CreateToken(ctx, f.coord, ""); code(err) != praxis.EINVALID {
		t.Errorf("unnamed token = %v", err)
	}
	cli, err := f.svc.CreateTokenFor(ctx, "ADMIN@example.org", "cli")
	if err != nil || !strings.HasPrefix(cli, "praxis_") {
		t.Fatalf("CreateTokenFor = %q %v", cli, err)
	}
	if _, err := f.svc.CreateTokenFor(ctx, "nobody@example.org", "cli"); code(err) != praxis.ENOTFOUND {
		t.Errorf("CreateTokenFor unknown = %v", err)
	}
}

func TestProfileVisibilityAndDirectory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fac := f.addUser(t, "fac@example.org", "Fay Facilitator", praxis.RoleFacilitator)
	viewer := f.addUser(t, "viewer@example.org", "Vic Viewer", praxis.RoleFacilitator)
	_, err := f.svc.UpdateProfile(ctx, fac, account.ProfileUpdate{
		Name: "Fay Facilitator", Pronouns: "she/her", Region: "Wales", Town: "Cardiff", Organisation: "Unite Community",
		Languages: []string{"en", "CY", "cy"}, Bio: "<b>Hello</b> from Cardiff",
		Visibility: map[string]praxis.Visibility{"region": praxis.VisibilityPublic, "town": praxis.VisibilityCoordinators, "bio": praxis.VisibilityNetwork},
	})
	if err != nil {
		t.Fatal(err)
	}
	full, _ := f.svc.User(ctx, f.coord, fac.ID)
	if strings.Join(full.Languages, ",") != "en,cy" || full.Bio != "<b>Hello</b> from Cardiff" {
		t.Errorf("saved languages %v bio %q", full.Languages, full.Bio)
	}

	anon, err := f.svc.Profile(ctx, nil, fac.ID)
	if err != nil {
		t.Fatal(err)
	}
	if anon.Region != "Wales" || anon.Bio != "" || anon.Town != "" || anon.Email != "" || anon.Pronouns != "" {
		t.Errorf("anonymous view = %+v", anon)
	}
	member, _ := f.svc.Profile(ctx, viewer, fac.ID)
	if member.Bio == "" || member.Town != "" || member.Email != "" || member.Pronouns != "she/her" {
		t.Errorf("network view = %+v", member)
	}
	coordView, _ := f.svc.Profile(ctx, f.coord, fac.ID)
	if coordView.Town != "Cardiff" || coordView.Email != "fac@example.org" {
		t.Errorf("coordinator view = %+v", coordView)
	}
	if _, err := f.svc.Profile(ctx, nil, viewer.ID); code(err) != praxis.ENOTFOUND {
		t.Errorf("anonymous view of a profile with nothing public = %v", err)
	}

	// Filtering on a hidden field reveals nothing.
	users, total, err := f.svc.Directory(ctx, viewer, account.DirectoryFilter{Region: "Wales"})
	if err != nil || total != 1 || users[0].ID != fac.ID {
		t.Fatalf("directory by shared region = %d %v", total, err)
	}
	f.svc.UpdateProfile(ctx, fac, account.ProfileUpdate{Name: "Fay Facilitator", Region: "Wales",
		Visibility: map[string]praxis.Visibility{"region": praxis.VisibilityCoordinators}})
	if _, total, _ := f.svc.Directory(ctx, viewer, account.DirectoryFilter{Region: "Wales"}); total != 0 {
		t.Error("filtering by a hidden region found the person")
	}
	if _, total, _ := f.svc.Directory(ctx, f.coord, account.DirectoryFilter{Region: "Wales"}); total != 1 {
		t.Error("a coordinator filtering by region did not find the person")
	}
	if _, total, _ := f.svc.Directory(ctx, viewer, account.DirectoryFilter{Query: "fac@example"}); total != 0 {
		t.Error("the directory search matched an email address")
	}
	if _, _, err := f.svc.Directory(ctx, nil, account.DirectoryFilter{}); code(err) != praxis.EUNAUTHORIZED {
		t.Errorf("anonymous directory = %v", err)
	}

	for _, bad := range []account.ProfileUpdate{
		{Name: ""},
		{Name: "F", Bio: strings.Repeat("b", account.MaxBioLength+1)},
		{Name: "F", Languages: []string{"not a language!"}},
		{Name: "F", Visibility: map[string]praxis.Visibility{"email": praxis.VisibilityPublic}},
		{Name: "F", Visibility: map[string]praxis.Visibility{"bio": "everyone"}},
	} {
		if _, err := f.svc.UpdateProfile(ctx, fac, bad); code(err) != praxis.EINVALID {
			t.Errorf("UpdateProfile(%+v) = %v, want EINVALID", bad, err)
		}
	}
}

func TestExportAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	fac := f.addUser(t, "fac@example.org", "Fay", praxis.RoleFacilitator)
	f.logIn(t, "fac@example.org")
	f.svc.CreateToken(ctx, fac, "phone")
	f.svc.AwardTraining(ctx, f.coord, fac.ID, "exploring-class-2-stigma", "")
	export, err := f.svc.ExportData(ctx, fac)
	if err != nil {
		t.Fatal(err)
	}
	if export.Profile.Email != "fac@example.org" || len(export.Sessions) != 1 || len(export.Tokens) != 1 || len(export.Audit) != 1 || len(export.Profile.Trainings) != 1 {
		t.Fatalf("export = %+v", export)
	}
	if err := f.svc.DeleteAccount(ctx, fac, "wrong password!"); code(err) != praxis.EINVALID {
		t.Fatalf("delete with wrong password = %v", err)
	}
	if err := f.svc.DeleteAccount(ctx, fac, goodPassword); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.svc.LogIn(ctx, account.LogIn{Email: "fac@example.org", Password: goodPassword, IP: "d"}); code(err) != praxis.EUNAUTHORIZED {
		t.Errorf("log in after deletion = %v", err)
	}
	tomb, err := f.db.FindUser(ctx, fac.ID)
	if err != nil || tomb.Email != "" || tomb.Name != "Deleted account" || tomb.Status != praxis.StatusDeleted || len(tomb.Trainings) != 0 {
		t.Fatalf("tombstone = %+v %v", tomb, err)
	}
	// The email is free again.
	f.addUser(t, "fac@example.org", "Fay Again", praxis.RoleFacilitator)
	// The audit log still refers to the anonymised account.
	entries, _ := f.svc.Audit(ctx, f.admin, praxis.AuditFilter{TargetID: fac.ID})
	if len(entries) != 1 || entries[0].TargetName != "Deleted account" {
		t.Errorf("audit after deletion = %+v", entries)
	}
	if err := f.svc.DeleteAccount(ctx, f.admin, goodPassword); code(err) != praxis.EFORBIDDEN {
		t.Errorf("the only admin deleting their account = %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	keep, keepSecret := f.logIn(t, "coord@example.org")
	_, otherSecret := f.logIn(t, "coord@example.org")
	if err := f.svc.ChangePassword(ctx, f.coord, "wrong", "a new long passphrase", keep.ID); code(err) != praxis.EINVALID {
		t.Fatalf("wrong current password = %v", err)
	}
	if err := f.svc.ChangePassword(ctx, f.coord, goodPassword, "a new long passphrase", keep.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(ctx, keepSecret); err != nil {
		t.Error("the session that changed the password was signed out")
	}
	if _, _, err := f.svc.Authenticate(ctx, otherSecret); code(err) != praxis.EUNAUTHORIZED {
		t.Error("another session survived a password change")
	}
}

// The directory's region filter offers the usual regions (praxis.Regions)
// first, then every other region its people share with the viewer, never one
// hidden from them.
func TestDirectoryRegions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	fac := f.addUser(t, "fac@example.org", "Fay Facilitator", praxis.RoleFacilitator)
	other := f.addUser(t, "other@example.org", "Olu Other", praxis.RoleFacilitator)
	viewer := f.addUser(t, "viewer@example.org", "Vic Viewer", praxis.RoleFacilitator)
	for _, p := range []struct {
		user   *praxis.User
		region string
		vis    praxis.Visibility
	}{{fac, "Shared Shire", praxis.VisibilityNetwork}, {other, "Isle of Secrets", praxis.VisibilityCoordinators}} {
		if _, err := f.svc.UpdateProfile(ctx, p.user, account.ProfileUpdate{Name: p.user.Name, Region: p.region,
			Visibility: map[string]praxis.Visibility{"region": p.vis}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name   string
		viewer *praxis.User
		extra  []string
	}{{"member", viewer, []string{"Shared Shire"}}, {"coordinator", f.coord, []string{"Isle of Secrets", "Shared Shire"}}} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.svc.DirectoryRegions(ctx, tt.viewer)
			want := append(slices.Clone(praxis.Regions), tt.extra...)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("DirectoryRegions = %q, %v; want %q", got, err, want)
			}
		})
	}
}

// A profile wrong in several fields is refused naming every one, so that the
// form marks them all at once; the first named is the first in the form.
func TestUpdateProfileNamesEveryFieldAtFault(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	fac := f.addUser(t, "fac@example.org", "Fay Facilitator", praxis.RoleFacilitator)
	_, err := f.svc.UpdateProfile(ctx, fac, account.ProfileUpdate{Name: "", Bio: strings.Repeat("b", account.MaxBioLength+1),
		Languages: []string{"not a language!"}, Visibility: map[string]praxis.Visibility{"bio": "everyone"}})
	var fields []string
	for _, fe := range praxis.FieldErrors(err) {
		fields = append(fields, fe.Field)
	}
	if want := []string{"name", "bio", "languages", "visibility"}; code(err) != praxis.EINVALID || !slices.Equal(fields, want) {
		t.Errorf("UpdateProfile = %v naming %q; want EINVALID naming %q", err, fields, want)
	}
	if got, _ := f.svc.User(ctx, f.coord, fac.ID); got.Name != "Fay Facilitator" {
		t.Errorf("a refused profile changed the name to %q", got.Name)
	}
}
