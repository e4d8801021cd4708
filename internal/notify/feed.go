package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// feedTokenHash is what is stored of a feed token: its SHA-256.
func feedTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewFeedToken makes a new private token for a person's notifications feed
// and returns it; the one they had stops working. Only its hash is kept, so
// it is shown once.
func (s *Service) NewFeedToken(ctx context.Context, u *praxis.User) (string, error) {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return "", err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if err := s.db.SetFeedToken(ctx, u.ID, feedTokenHash(token)); err != nil {
		return "", err
	}
	return token, nil
}

// HasFeedToken reports whether a person has made a feed token.
func (s *Service) HasFeedToken(ctx context.Context, u *praxis.User) (bool, error) {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return false, err
	}
	return s.db.HasFeedToken(ctx, u.ID)
}

// FeedNotifications returns the latest notifications of the person whose
// feed token this is. ENOTFOUND for a token that is nobody's (or whose
// account is no longer active), the same answer whatever the reason.
func (s *Service) FeedNotifications(ctx context.Context, token string, limit int) (*praxis.User, []praxis.Notification, error) {
	notFound := praxis.Errorf(praxis.ENOTFOUND, "there is no such feed")
	if token == "" {
		return nil, nil, notFound
	}
	userID, err := s.db.FeedTokenUser(ctx, feedTokenHash(token))
	if praxis.ErrorCode(err) == praxis.ENOTFOUND {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	u, err := s.db.FindUser(ctx, userID)
	if praxis.ErrorCode(err) == praxis.ENOTFOUND || (err == nil && u.Status != praxis.StatusActive) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, err
	}
	list, _, err := s.db.Notifications(ctx, db.NotificationFilter{UserID: u.ID, Limit: limit})
	return u, list, err
}
