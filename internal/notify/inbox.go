package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Inbox returns a person's notifications, the latest first, and how many
// there are.
func (s *Service) Inbox(ctx context.Context, u *praxis.User, unreadOnly bool, limit, offset int) ([]praxis.Notification, int64, error) {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return nil, 0, err
	}
	return s.db.Notifications(ctx, db.NotificationFilter{UserID: u.ID, UnreadOnly: unreadOnly, Limit: limit, Offset: offset})
}

// Unread is how many unread notifications a person has; 0 for nobody.
func (s *Service) Unread(ctx context.Context, u *praxis.User) (int64, error) {
	if u == nil {
		return 0, nil
	}
	return s.db.UnreadCount(ctx, u.ID)
}

// MarkRead marks a person's notifications read (those with ids, or all),
// and returns how many were unread. Ids of others' notifications are left
// alone.
func (s *Service) MarkRead(ctx context.Context, u *praxis.User, ids []int64, all bool) (int64, error) {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return 0, err
	}
	if !all && len(ids) == 0 {
		return 0, praxis.Errorf(praxis.EINVALID, `say which notifications to mark read ("ids"), or all of them ("all": true)`)
	}
	return s.db.MarkRead(ctx, u.ID, ids, all)
}

// Open marks one of a person's notifications read and returns where it
// leads. ENOTFOUND when it is not theirs.
func (s *Service) Open(ctx context.Context, u *praxis.User, id int64) (string, error) {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return "", err
	}
	n, err := s.db.FindNotification(ctx, id)
	if err != nil || n.UserID != u.ID {
		return "", praxis.Errorf(praxis.ENOTFOUND, "notification not found")
	}
	if _, err := s.db.MarkRead(ctx, u.ID, []int64{id}, false); err != nil {
		return "", err
	}
	return n.URL, nil
}

// Setting is a person's email choice for one kind of notification.
type Setting struct {
	Kind
	// Email is the choice in force: theirs, or Default.
	Email   string
	Default string
	// Chosen is true when they chose it themselves.
	Chosen bool
}

// Settings returns a person's email choices for the kinds that can concern
// them.
func (s *Service) Settings(ctx context.Context, u *praxis.User) ([]Setting, error) {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return nil, err
	}
	chosen, err := s.db.NotificationSettings(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	var out []Setting
	for _, k := range Kinds {
		if !k.For(u) {
			continue
		}
		_, ok := chosen[k.Kind]
		out = append(out, Setting{Kind: k, Email: choice(chosen, u, k.Kind), Default: k.Default(u), Chosen: ok})
	}
	return out, nil
}

// Choices are the email choices a person can make.
var Choices = []string{praxis.EmailImmediately, praxis.EmailDigest, praxis.EmailOff}

// SaveSettings stores a person's email choices, by kind: every kind given
// must be one that can concern them and every choice one of Choices, or
// nothing is stored and each mistake is named (EINVALID, one
// praxis.FieldError per field "email.<kind>").
func (s *Service) SaveSettings(ctx context.Context, u *praxis.User, choices map[string]string) error {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return err
	}
	var problems []praxis.FieldError
	kinds := make([]string, 0, len(choices))
	for kind := range choices {
		kinds = append(kinds, kind)
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		k, ok := KindInfo(kind)
		switch {
		case !ok || !k.For(u):
			problems = append(problems, praxis.FieldError{Field: "email." + kind,
				Message: fmt.Sprintf("there is no kind of notification %q for you to choose", kind)})
		case !slices.Contains(Choices, choices[kind]):
			problems = append(problems, praxis.FieldError{Field: "email." + kind,
				Message: fmt.Sprintf("choose how to email %s: immediately, digest or off", strings.ToLower(k.Label))})
		}
	}
	if len(problems) > 0 {
		return praxis.InvalidFields(problems)
	}
	if len(choices) == 0 {
		return nil
	}
	return s.db.SetNotificationSettings(ctx, u.ID, choices)
}

// WatchView is a watch as the settings page lists it.
type WatchView struct {
	praxis.Watch
	Title string
	URL   string
}

// Watches lists what a person watches.
func (s *Service) Watches(ctx context.Context, u *praxis.User) ([]WatchView, error) {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return nil, err
	}
	watches, err := s.db.Watches(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]WatchView, len(watches))
	for i, w := range watches {
		out[i] = WatchView{Watch: w}
		out[i].Title, out[i].URL = s.describeTarget(ctx, w.Target)
	}
	return out, nil
}

// Watching returns the level at which a person watches a target ("" for
// not at all; nobody watches anything).
func (s *Service) Watching(ctx context.Context, u *praxis.User, target string) (string, error) {
	if u == nil {
		return "", nil
	}
	watches, err := s.db.Watches(ctx, u.ID)
	if err != nil {
		return "", err
	}
	for _, w := range watches {
		if w.Target == target {
			return w.Level, nil
		}
	}
	return "", nil
}

// Watch starts, changes or (level "") stops a person's watch of a target:
// "curriculum", "module:<slug>" or "series:<slug>" of one that exists on
// main. EINVALID (field "level" or "target") otherwise.
func (s *Service) Watch(ctx context.Context, u *praxis.User, target, level string) error {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return err
	}
	if err := s.checkWatch(ctx, target, level); err != nil {
		return err
	}
	return s.db.SetWatch(ctx, u.ID, target, level)
}

// WatchChange is one watch to set; Level "" stops it.
type WatchChange struct {
	Target, Level string
}

// SaveAll changes email choices (kinds left out keep theirs) and watches
// together, checking every choice and every watch before it stores any, so
// a mistake in one changes nothing.
func (s *Service) SaveAll(ctx context.Context, u *praxis.User, email map[string]string, watches []WatchChange) error {
	if err := access.Authorize(u, access.UseAccount); err != nil {
		return err
	}
	for _, w := range watches {
		if err := s.checkWatch(ctx, w.Target, w.Level); err != nil {
			return err
		}
	}
	if err := s.SaveSettings(ctx, u, email); err != nil {
		return err
	}
	for _, w := range watches {
		if err := s.db.SetWatch(ctx, u.ID, w.Target, w.Level); err != nil {
			return err
		}
	}
	return nil
}

// checkWatch checks a watch's target and level.
func (s *Service) checkWatch(ctx context.Context, target, level string) error {
	if level != "" && level != praxis.WatchEverything && level != praxis.WatchReleases {
		return praxis.Invalid("level", `watch at "everything" or "releases" only, or stop watching`)
	}
	kind, slug, _ := strings.Cut(target, ":")
	switch {
	case target == praxis.WatchCurriculum:
	case level == "" && (kind == "module" || kind == "series") && slug != "":
		// What is no longer there can still be unwatched.
	case kind == "module" || kind == "series":
		listing, err := s.catalog.Listing(ctx, "")
		if err != nil {
			return err
		}
		if _, ok := listing.Module(slug); kind == "module" && !ok {
			return praxis.Invalid("target", "there is no module %q to watch", slug)
		}
		if _, ok := listing.FindSeries(slug); kind == "series" && !ok {
			return praxis.Invalid("target", "there is no series %q to watch", slug)
		}
	default:
		return praxis.Invalid("target", `watch "curriculum", "module:<slug>" or "series:<slug>"`)
	}
	return nil
}

// describeTarget names a watch target and where it is.
func (s *Service) describeTarget(ctx context.Context, target string) (title, url string) {
	kind, slug, _ := strings.Cut(target, ":")
	switch kind {
	case "module":
		return "Module " + quote(s.moduleTitle(ctx, slug)), "/modules/" + slug
	case "series":
		title := slug
		if listing, err := s.catalog.Listing(ctx, ""); err == nil {
			if series, ok := listing.FindSeries(slug); ok && series.Title != "" {
				title = series.Title
			}
		}
		return "Series " + quote(title), "/series/" + slug
	}
	return "The whole curriculum", "/changes"
}

// unsubscribeDigest stands for every kind emailed in the daily digest.
const unsubscribeDigest = "digest"

// secretKey is the name of the instance setting holding the key of
// unsubscribe links (the key itself is random, made at first need).
const secretKey = "notify.unsubscribe_key" // #nosec G101 -- a setting's name, not a credential

func (s *Service) secret(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	key, err := s.db.SettingOnce(ctx, secretKey, hex.EncodeToString(fresh))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(key)
}

func sign(key []byte, payload string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("unsubscribe:" + payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// UnsubscribeURL is the link that stops one kind of email for a person (or
// with kind "digest", their daily digests), signed so that nobody can make
// one for someone else; it needs no sign-in and does not expire.
func (s *Service) UnsubscribeURL(ctx context.Context, userID int64, kind string) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	payload := strconv.FormatInt(userID, 10) + "." + kind
	return s.link("/unsubscribe/" + base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + sign(key, payload)), nil
}

// Unsubscription is what an unsubscribe link stops.
type Unsubscription struct {
	UserID int64
	Kind   string // a kind, or "digest"
	// What names it for the page: "emails about replies".
	What string
}

// CheckUnsubscribe reads an unsubscribe link's token. EINVALID when it was
// not made by this praxis.
func (s *Service) CheckUnsubscribe(ctx context.Context, token string) (Unsubscription, error) {
	bad := praxis.Errorf(praxis.EINVALID, "This unsubscribe link is not one praxis made, or it was cut short: copy the whole link from the email, or sign in and change your email settings.")
	encoded, mac, ok := strings.Cut(token, ".")
	if !ok {
		return Unsubscription{}, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return Unsubscription{}, bad
	}
	payload := string(raw)
	key, err := s.secret(ctx)
	if err != nil {
		return Unsubscription{}, err
	}
	if !hmac.Equal([]byte(sign(key, payload)), []byte(mac)) {
		return Unsubscription{}, bad
	}
	id, kind, _ := strings.Cut(payload, ".")
	userID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return Unsubscription{}, bad
	}
	u := Unsubscription{UserID: userID, Kind: kind, What: "daily digests"}
	if kind != unsubscribeDigest {
		k, ok := KindInfo(kind)
		if !ok {
			return Unsubscription{}, bad
		}
		u.What = "emails about " + strings.ToLower(k.Label)
	}
	return u, nil
}

// Unsubscribe stops what an unsubscribe link names (RFC 8058's one click:
// no sign-in). For the digest, every kind emailed in the digest is turned
// off.
func (s *Service) Unsubscribe(ctx context.Context, token string) (Unsubscription, error) {
	u, err := s.CheckUnsubscribe(ctx, token)
	if err != nil {
		return u, err
	}
	if u.Kind != unsubscribeDigest {
		return u, s.db.SetNotificationSettings(ctx, u.UserID, map[string]string{u.Kind: praxis.EmailOff})
	}
	person, err := s.db.FindUser(ctx, u.UserID)
	if err != nil {
		return u, err
	}
	chosen, err := s.db.NotificationSettings(ctx, u.UserID)
	if err != nil {
		return u, err
	}
	off := map[string]string{}
	for _, k := range Kinds {
		if choice(chosen, person, k.Kind) == praxis.EmailDigest {
			off[k.Kind] = praxis.EmailOff
		}
	}
	return u, s.db.SetNotificationSettings(ctx, u.UserID, off)
}
