package account

import (
	"context"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// MaxTokensPerUser bounds how many API tokens one person may hold.
const MaxTokensPerUser = 50

// CreateToken makes a named API token and returns its secret, which is shown
// once and never stored.
func (s *Service) CreateToken(ctx context.Context, user *praxis.User, name string) (praxis.Token, string, error) {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return praxis.Token{}, "", err
	}
	name, err := cleanText("name", name, 80, true, false)
	if err != nil {
		return praxis.Token{}, "", err
	}
	existing, err := s.db.ListTokens(ctx, user.ID)
	if err != nil {
		return praxis.Token{}, "", err
	}
	if len(existing) >= MaxTokensPerUser {
		return praxis.Token{}, "", praxis.Errorf(praxis.EINVALID, "you have %d tokens, the most allowed; revoke some first", len(existing))
	}
	secret, hash := newSecret(tokenPrefix)
	token := praxis.Token{UserID: user.ID, Name: name, Prefix: secret[:len(tokenPrefix)+6], CreatedAt: s.now().UTC()}
	if token.ID, err = s.db.CreateToken(ctx, token, hash); err != nil {
		return praxis.Token{}, "", err
	}
	return token, secret, nil
}

// Tokens lists a person's tokens (never their secrets).
func (s *Service) Tokens(ctx context.Context, user *praxis.User) ([]praxis.Token, error) {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return nil, err
	}
	return s.db.ListTokens(ctx, user.ID)
}

// RevokeToken deletes one of a person's tokens.
func (s *Service) RevokeToken(ctx context.Context, user *praxis.User, id int64) error {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return err
	}
	return s.db.DeleteToken(ctx, user.ID, id)
}

// CreateTokenFor makes a token for the account with an email, for operators
// (praxis token create). The account must be active.
func (s *Service) CreateTokenFor(ctx context.Context, email, name string) (string, error) {
	user, _, err := s.db.FindCredentials(ctx, email)
	if err != nil {
		return "", praxis.Errorf(praxis.ENOTFOUND, "there is no account with the email %s", email)
	}
	if user.Status != praxis.StatusActive {
		return "", praxis.Errorf(praxis.EINVALID, "the account %s is %s, not active", email, user.Status)
	}
	user, err = s.db.FindUser(ctx, user.ID)
	if err != nil {
		return "", err
	}
	_, secret, err := s.CreateToken(ctx, user, name)
	return secret, err
}

// Sessions lists a person's signed-in sessions.
func (s *Service) Sessions(ctx context.Context, user *praxis.User) ([]praxis.Session, error) {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return nil, err
	}
	return s.db.ListSessions(ctx, user.ID, s.now())
}

// RevokeSession signs a person out of one session.
func (s *Service) RevokeSession(ctx context.Context, user *praxis.User, id int64) error {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return err
	}
	return s.db.DeleteSession(ctx, user.ID, id)
}

// RevokeOtherSessions signs a person out everywhere but the session keep.
func (s *Service) RevokeOtherSessions(ctx context.Context, user *praxis.User, keep int64) (int64, error) {
	if err := access.Authorize(user, access.UseAccount); err != nil {
		return 0, err
	}
	return s.db.DeleteOtherSessions(ctx, user.ID, keep)
}
