package account

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// SignupMode returns the instance's sign-up policy; approval when never set.
func (s *Service) SignupMode(ctx context.Context) (praxis.SignupMode, error) {
	v, err := s.db.Setting(ctx, "signup_mode", string(praxis.SignupApproval))
	if err != nil {
		return "", err
	}
	return praxis.SignupMode(v), nil
}

// SetSignupMode changes the sign-up policy (admins).
func (s *Service) SetSignupMode(ctx context.Context, actor *praxis.User, mode praxis.SignupMode) error {
	if err := access.Authorize(actor, access.EditSettings); err != nil {
		return err
	}
	if !slices.Contains(praxis.SignupModes, mode) {
		return invalid("signup_mode", "unknown sign-up policy %q", mode)
	}
	return s.db.SetSetting(ctx, "signup_mode", string(mode), praxis.AuditEntry{
		ActorID: actor.ID, Action: "settings.signup_mode", Detail: string(mode), At: s.now(),
	})
}

// GitReadPublic reports whether anonymous visitors may clone and fetch the
// curriculum with git (the default), or only signed-in members.
func (s *Service) GitReadPublic(ctx context.Context) bool {
	v, err := s.db.Setting(ctx, "git_read", "public")
	return err != nil || v != "members" // on a database error, the default
}

// SetGitRead sets who may clone the curriculum with git: "public" or
// "members" (admins).
func (s *Service) SetGitRead(ctx context.Context, actor *praxis.User, who string) error {
	if err := access.Authorize(actor, access.EditSettings); err != nil {
		return err
	}
	if who != "public" && who != "members" {
		return invalid("git_read", "who may clone is public or members, not %q", who)
	}
	return s.db.SetSetting(ctx, "git_read", who, praxis.AuditEntry{
		ActorID: actor.ID, Action: "settings.git_read", Detail: who, At: s.now(),
	})
}

// manageable returns the user actor may manage: coordinators manage
// facilitators and maintainers; managing a coordinator or an admin takes an
// admin; nobody manages their own account this way.
func (s *Service) manageable(ctx context.Context, actor *praxis.User, userID int64) (*praxis.User, error) {
	if err := access.Authorize(actor, access.ManageUsers); err != nil {
		return nil, err
	}
	target, err := s.db.FindUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if target.Status == praxis.StatusDeleted {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "user not found")
	}
	if target.ID == actor.ID {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "you cannot do that to your own account")
	}
	if (target.HasRole(praxis.RoleCoordinator) || target.HasRole(praxis.RoleAdmin)) && !access.Can(actor, access.ManageAdmins) {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "only an admin can do that to a coordinator or an admin")
	}
	return target, nil
}

// SetStatus approves, suspends or reinstates a user (to active or suspended).
// Suspending ends their sessions at once; their tokens are refused while they
// are suspended.
func (s *Service) SetStatus(ctx context.Context, actor *praxis.User, userID int64, status praxis.UserStatus) (*praxis.User, error) {
	return s.UpdateUser(ctx, actor, userID, UserChange{Status: &status})
}

// SetRoles replaces a user's roles (admins). An admin cannot remove their own
// admin role, so an instance is never left without one by accident.
func (s *Service) SetRoles(ctx context.Context, actor *praxis.User, userID int64, roles []praxis.Role) (*praxis.User, error) {
	return s.UpdateUser(ctx, actor, userID, UserChange{Roles: &roles})
}

// UserChange is what a coordinator or an admin changes on someone's account;
// nil fields are left as they are.
type UserChange struct {
	// Roles replaces the roles (admins only).
	Roles *[]praxis.Role
	// Status is active or suspended (who may manage the person).
	Status *praxis.UserStatus
}

// UpdateUser changes a user's roles and status together. Every part is
// checked before anything is written (EFORBIDDEN, EINVALID, ENOTFOUND) and
// the parts are written in one transaction with their audit entries, so a
// refused request changes nothing.
func (s *Service) UpdateUser(ctx context.Context, actor *praxis.User, userID int64, ch UserChange) (*praxis.User, error) {
	if ch.Roles == nil && ch.Status == nil {
		return nil, praxis.Errorf(praxis.EINVALID, "give roles or status to change")
	}
	var roles []praxis.Role
	if ch.Roles != nil {
		if err := access.Authorize(actor, access.ChangeRoles); err != nil {
			return nil, err
		}
		var err error
		if roles, err = cleanRoles(*ch.Roles); err != nil {
			return nil, err
		}
	}
	var target *praxis.User
	var err error
	if ch.Status != nil {
		if target, err = s.manageable(ctx, actor, userID); err != nil {
			return nil, err
		}
		if *ch.Status != praxis.StatusActive && *ch.Status != praxis.StatusSuspended {
			return nil, invalid("status", "a status can be set to active or suspended")
		}
	} else {
		if target, err = s.db.FindUser(ctx, userID); err != nil {
			return nil, err
		}
		if target.Status == praxis.StatusDeleted {
			return nil, praxis.Errorf(praxis.ENOTFOUND, "user not found")
		}
	}
	if ch.Roles != nil && target.ID == actor.ID && !slices.Contains(roles, praxis.RoleAdmin) {
		return nil, praxis.Errorf(praxis.EFORBIDDEN, "you cannot remove your own admin role; ask another admin")
	}

	// Everything is checked: now decide what changes, and write it at once.
	change := db.AccountChange{}
	if ch.Roles != nil && !slices.Equal(roles, target.Roles) {
		change.Roles = &roles
		change.Audit = append(change.Audit, praxis.AuditEntry{ActorID: actor.ID, TargetID: target.ID, Action: "user.roles",
			Detail: fmt.Sprintf("%s → %s", joinRoles(target.Roles), joinRoles(roles)), At: s.now()})
	}
	if ch.Status != nil && *ch.Status != target.Status {
		status := *ch.Status
		change.Status = &status
		action := map[praxis.UserStatus]string{praxis.StatusActive: "user.reinstate", praxis.StatusSuspended: "user.suspend"}[status]
		// Letting a pending account in, or turning it away, is news for
		// its owner (a notification, emailed when mail is configured).
		switch {
		case target.Status == praxis.StatusPending && status == praxis.StatusActive:
			action = "user.approve"
			change.Activity = praxis.Activity{At: s.now(), ActorID: actor.ID, SubjectID: target.ID, Kind: praxis.ActivityAccountApproved, Title: target.Name}
		case target.Status == praxis.StatusPending && status == praxis.StatusSuspended:
			action = "user.decline"
			change.Activity = praxis.Activity{At: s.now(), ActorID: actor.ID, SubjectID: target.ID, Kind: praxis.ActivityAccountDeclined, Title: target.Name}
		}
		change.Audit = append(change.Audit, praxis.AuditEntry{ActorID: actor.ID, TargetID: target.ID, Action: action,
			Detail: fmt.Sprintf("%s → %s", target.Status, status), At: s.now()})
	}
	if change.Roles == nil && change.Status == nil {
		return target, nil
	}
	if err := s.db.ChangeAccount(ctx, target.ID, change); err != nil {
		return nil, err
	}
	return s.db.FindUser(ctx, target.ID)
}

func joinRoles(roles []praxis.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ",")
}

// AwardTraining records that a user is trained to deliver a module.
func (s *Service) AwardTraining(ctx context.Context, actor *praxis.User, userID int64, module, note string) error {
	if err := access.Authorize(actor, access.AwardTraining); err != nil {
		return err
	}
	target, err := s.db.FindUser(ctx, userID)
	if err != nil {
		return err
	}
	if target.Status == praxis.StatusDeleted {
		return praxis.Errorf(praxis.ENOTFOUND, "user not found")
	}
	if !s.modules(ctx, module) {
		return invalid("module", "there is no module %q", module)
	}
	note, err = cleanText("note", note, 500, false, true)
	if err != nil {
		return err
	}
	now := s.now()
	_, err = s.db.AwardTraining(ctx, praxis.Training{UserID: target.ID, Module: module, AwardedBy: actor.ID, AwardedAt: now, Note: note},
		praxis.AuditEntry{ActorID: actor.ID, TargetID: target.ID, Action: "training.award", Detail: module, At: now})
	return err
}

// WithdrawTraining removes a training.
func (s *Service) WithdrawTraining(ctx context.Context, actor *praxis.User, userID int64, module string) error {
	if err := access.Authorize(actor, access.AwardTraining); err != nil {
		return err
	}
	return s.db.WithdrawTraining(ctx, userID, module,
		praxis.AuditEntry{ActorID: actor.ID, TargetID: userID, Action: "training.withdraw", Detail: module, At: s.now()})
}

// CreateInvitation makes a one-time invitation link (coordinators). When an
// email is given and the instance sends mail, the link is emailed too.
func (s *Service) CreateInvitation(ctx context.Context, actor *praxis.User, email, note string) (link string, emailed bool, err error) {
	if err := access.Authorize(actor, access.InviteUsers); err != nil {
		return "", false, err
	}
	if email != "" {
		if email, err = cleanEmail(email); err != nil {
			return "", false, err
		}
	}
	if note, err = cleanText("note", note, 500, false, true); err != nil {
		return "", false, err
	}
	secret, hash := newSecret("")
	now := s.now()
	inv := praxis.Invitation{CreatedBy: actor.ID, Email: email, Note: note, CreatedAt: now, ExpiresAt: now.Add(InviteLifetime)}
	if _, err := s.db.CreateInvitation(ctx, inv, hash, praxis.AuditEntry{ActorID: actor.ID, Action: "invitation.create", Detail: email, At: now}); err != nil {
		return "", false, err
	}
	link = s.link("/signup?invitation=" + secret)
	if email != "" && s.mail.Enabled() {
		if err := s.mail.Send(ctx, invitationMessage(email, actor.Name, link, inv.ExpiresAt)); err != nil {
			s.log.Error("could not email an invitation", "err", err)
		} else {
			emailed = true
		}
	}
	return link, emailed, nil
}

// CheckInvitation returns the invitation a secret belongs to, if it is unused
// and unexpired.
func (s *Service) CheckInvitation(ctx context.Context, secret string) (praxis.Invitation, error) {
	return s.db.FindInvitation(ctx, hashSecret(secret), s.now())
}

// Invitations lists the newest invitations (coordinators).
func (s *Service) Invitations(ctx context.Context, actor *praxis.User) ([]praxis.Invitation, error) {
	if err := access.Authorize(actor, access.InviteUsers); err != nil {
		return nil, err
	}
	return s.db.ListInvitations(ctx, 50)
}

// Users lists users for coordinators, with every field.
func (s *Service) Users(ctx context.Context, actor *praxis.User, f praxis.UserFilter) ([]*praxis.User, int64, error) {
	if err := access.Authorize(actor, access.ManageUsers); err != nil {
		return nil, 0, err
	}
	return s.db.ListUsers(ctx, f)
}

// User returns one user for coordinators, with every field.
func (s *Service) User(ctx context.Context, actor *praxis.User, id int64) (*praxis.User, error) {
	if err := access.Authorize(actor, access.ManageUsers); err != nil {
		return nil, err
	}
	u, err := s.db.FindUser(ctx, id)
	if err == nil && u.Status == praxis.StatusDeleted {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "user not found")
	}
	return u, err
}

// Audit returns the audit log (admins), optionally about one user.
func (s *Service) Audit(ctx context.Context, actor *praxis.User, f praxis.AuditFilter) ([]praxis.AuditEntry, error) {
	if err := access.Authorize(actor, access.ViewAudit); err != nil {
		return nil, err
	}
	return s.db.ListAudit(ctx, f)
}
