package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

// NotificationDraft is one person's notification of an event, as the fan-out
// decided it.
type NotificationDraft struct {
	UserID int64
	Kind   string
	// Topic is what repeats collapse on: "proposal:12", "module:<slug>".
	Topic string
	// Subject is what happened, after the actor's name ("commented on
	// “Title”"); the actor's name now is put in front when it is read.
	Subject string
	URL     string
	// Digest marks it for the person's next daily digest.
	Digest bool
	// InAppOnly tells the person in the app only, whatever their email
	// choice: the news reached them by email another way (a workshop's
	// own reminder). Not stored.
	InAppOnly bool
}

// NotifyResult is what became of a draft.
type NotifyResult struct {
	Draft          NotificationDraft
	NotificationID int64
	// New is true when it made a new unread notification, false when it
	// collapsed into one unread already (a repeat).
	New bool
	// Duplicate is true when the person had been notified of this event
	// already (a fan-out run again): nothing was written.
	Duplicate bool
}

// Notify writes the notifications of one event in one transaction, then
// calls then inside it (to insert the email jobs and complete the fan-out's
// own job, so that all of it commits or none). Each person is notified of
// an event once: a draft for someone notified already is a Duplicate.
func (db *DB) Notify(ctx context.Context, e praxis.Activity, drafts []NotificationDraft, then func(tx *sql.Tx, results []NotifyResult) error) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		results := make([]NotifyResult, 0, len(drafts))
		// A notification is dated by its event, not by when the fan-out
		// ran: fan-outs run in parallel and are retried, and the inbox
		// reads in the order things happened.
		at := e.At.UTC()
		if at.IsZero() {
			at = time.Now().UTC()
		}
		for _, d := range drafts {
			r := NotifyResult{Draft: d}
			var seen int64
			if err := tx.Raw(`SELECT COUNT(*) FROM notification_receipts WHERE event_id = ? AND user_id = ?`, e.ID, d.UserID).Scan(&seen).Error; err != nil {
				return fmt.Errorf("db: notify: %w", err)
			}
			if seen > 0 {
				r.Duplicate = true
				results = append(results, r)
				continue
			}
			var out struct {
				ID    int64
				Count int
			}
			err := tx.Raw(`INSERT INTO notifications (user_id, kind, topic, event_id, event_kind, actor_id, subject, url, count, created_at, updated_at, digest)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
				ON CONFLICT (user_id, kind, topic) WHERE read_at IS NULL DO UPDATE SET
					event_id = CASE WHEN excluded.updated_at >= notifications.updated_at THEN excluded.event_id ELSE notifications.event_id END,
					event_kind = CASE WHEN excluded.updated_at >= notifications.updated_at THEN excluded.event_kind ELSE notifications.event_kind END,
					actor_id = CASE WHEN excluded.updated_at >= notifications.updated_at THEN excluded.actor_id ELSE notifications.actor_id END,
					subject = CASE WHEN excluded.updated_at >= notifications.updated_at THEN excluded.subject ELSE notifications.subject END,
					url = CASE WHEN excluded.updated_at >= notifications.updated_at THEN excluded.url ELSE notifications.url END,
					count = notifications.count + 1,
					updated_at = MAX(notifications.updated_at, excluded.updated_at), digest = MAX(notifications.digest, excluded.digest)
				RETURNING id, count`,
				d.UserID, d.Kind, d.Topic, e.ID, e.Kind, nonZero(e.ActorID), d.Subject, d.URL, at, at, d.Digest).Scan(&out).Error
			if err != nil {
				return fmt.Errorf("db: notify: %w", err)
			}
			r.NotificationID, r.New = out.ID, out.Count == 1
			if err := tx.Exec(`INSERT INTO notification_receipts (event_id, user_id, kind, notification_id) VALUES (?, ?, ?, ?)`,
				e.ID, d.UserID, d.Kind, out.ID).Error; err != nil {
				return fmt.Errorf("db: notify: %w", err)
			}
			results = append(results, r)
		}
		if then == nil {
			return nil
		}
		sqlTx, err := sqlTxOf(tx)
		if err != nil {
			return err
		}
		return then(sqlTx, results)
	})
}

type notificationRow struct {
	ID        int64
	UserID    int64
	Kind      string
	Topic     string
	EventID   int64
	EventKind string
	ActorID   *int64
	Subject   string
	URL       string
	Count     int
	CreatedAt time.Time
	UpdatedAt time.Time
	ReadAt    *time.Time
	Digest    bool
	ActorName string
}

func (r notificationRow) notification() praxis.Notification {
	n := praxis.Notification{ID: r.ID, UserID: r.UserID, Kind: r.Kind, Event: r.EventKind, Topic: r.Topic, URL: r.URL,
		Count: r.Count, CreatedAt: r.UpdatedAt.UTC(), Read: r.ReadAt != nil, Actor: r.ActorName, Subject: r.Subject}
	if r.ActorName != "" {
		n.Subject = r.ActorName + " " + r.Subject
	}
	return n
}

const notificationColumns = `notifications.*, COALESCE(users.name, '') AS actor_name`

// NotificationFilter narrows a person's inbox.
type NotificationFilter struct {
	UserID     int64
	UnreadOnly bool
	Limit      int
	Offset     int
}

// Notifications returns a person's notifications, the latest first, and how
// many there are in all.
func (db *DB) Notifications(ctx context.Context, f NotificationFilter) ([]praxis.Notification, int64, error) {
	q := db.gorm.WithContext(ctx).Table("notifications").Where("notifications.user_id = ?", f.UserID)
	if f.UnreadOnly {
		q = q.Where("notifications.read_at IS NULL")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("db: notifications: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var rows []notificationRow
	err := q.Select(notificationColumns).Joins("LEFT JOIN users ON users.id = notifications.actor_id").
		Order("notifications.updated_at DESC, notifications.id DESC").Limit(limit).Offset(max(f.Offset, 0)).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("db: notifications: %w", err)
	}
	out := make([]praxis.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.notification()
	}
	return out, total, nil
}

// FindNotification returns one notification. ENOTFOUND when there is none.
func (db *DB) FindNotification(ctx context.Context, id int64) (praxis.Notification, error) {
	var rows []notificationRow
	err := db.gorm.WithContext(ctx).Table("notifications").Select(notificationColumns).
		Joins("LEFT JOIN users ON users.id = notifications.actor_id").Where("notifications.id = ?", id).Scan(&rows).Error
	if err != nil {
		return praxis.Notification{}, fmt.Errorf("db: notification: %w", err)
	}
	if len(rows) == 0 {
		return praxis.Notification{}, praxis.Errorf(praxis.ENOTFOUND, "notification not found")
	}
	return rows[0].notification(), nil
}

// UnreadCount is how many unread notifications a person has (the bell).
func (db *DB) UnreadCount(ctx context.Context, userID int64) (int64, error) {
	var n int64
	if err := db.gorm.WithContext(ctx).Raw(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, userID).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("db: unread notifications: %w", err)
	}
	return n, nil
}

// MarkRead marks a person's notifications read: those with the ids given, or
// all of them. Ids that are not theirs are left alone. A notification read
// is not emailed in a digest. It returns how many were unread.
func (db *DB) MarkRead(ctx context.Context, userID int64, ids []int64, all bool) (int64, error) {
	q := db.gorm.WithContext(ctx).Table("notifications").Where("user_id = ? AND read_at IS NULL", userID)
	if !all {
		if len(ids) == 0 {
			return 0, nil
		}
		q = q.Where("id IN ?", ids)
	}
	res := q.Updates(map[string]any{"read_at": time.Now().UTC(), "digest": false})
	if res.Error != nil {
		return 0, fmt.Errorf("db: mark notifications read: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// Receipt is how an event reached a person.
type Receipt struct {
	Kind         string
	Notification praxis.Notification
	// LatestEventID is the event the notification now tells of: a later
	// event on the same topic may have collapsed into it since.
	LatestEventID int64
}

// FindReceipt returns how an event reached a person. ENOTFOUND when it did
// not.
func (db *DB) FindReceipt(ctx context.Context, eventID, userID int64) (Receipt, error) {
	var row struct {
		Kind           string
		NotificationID int64
		LatestEventID  int64
	}
	err := db.gorm.WithContext(ctx).Raw(`SELECT r.kind, r.notification_id, COALESCE(n.event_id, 0) AS latest_event_id
		FROM notification_receipts r LEFT JOIN notifications n ON n.id = r.notification_id
		WHERE r.event_id = ? AND r.user_id = ?`, eventID, userID).Scan(&row).Error
	if err != nil {
		return Receipt{}, fmt.Errorf("db: receipt: %w", err)
	}
	if row.NotificationID == 0 {
		return Receipt{}, praxis.Errorf(praxis.ENOTFOUND, "the event did not reach that person")
	}
	n, err := db.FindNotification(ctx, row.NotificationID)
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{Kind: row.Kind, Notification: n, LatestEventID: row.LatestEventID}, nil
}

// DigestUsers lists the people with notifications made before a time
// waiting for a digest.
func (db *DB) DigestUsers(ctx context.Context, before time.Time) ([]int64, error) {
	var ids []int64
	if err := db.gorm.WithContext(ctx).Raw(`SELECT DISTINCT user_id FROM notifications WHERE digest = 1 AND created_at < ? ORDER BY user_id`, before.UTC()).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("db: digest users: %w", err)
	}
	return ids, nil
}

// DigestNotifications returns a person's notifications made before a time
// and waiting for their digest, oldest first.
func (db *DB) DigestNotifications(ctx context.Context, userID int64, before time.Time) ([]praxis.Notification, error) {
	var rows []notificationRow
	err := db.gorm.WithContext(ctx).Table("notifications").Select(notificationColumns).
		Joins("LEFT JOIN users ON users.id = notifications.actor_id").
		Where("notifications.user_id = ? AND notifications.digest = 1 AND notifications.created_at < ?", userID, before.UTC()).
		Order("notifications.updated_at, notifications.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: digest: %w", err)
	}
	out := make([]praxis.Notification, len(rows))
	for i, r := range rows {
		out[i] = r.notification()
	}
	return out, nil
}

// MailSent reports whether the email with this key was sent.
func (db *DB) MailSent(ctx context.Context, key string) (bool, error) {
	var n int64
	if err := db.gorm.WithContext(ctx).Raw(`SELECT COUNT(*) FROM mail_sent WHERE key = ?`, key).Scan(&n).Error; err != nil {
		return false, fmt.Errorf("db: mail sent: %w", err)
	}
	return n > 0, nil
}

// SentMail is a record of an email handed to the mail server.
type SentMail struct {
	Key       string
	UserID    int64
	MessageID string
	// Digested are the notifications a digest carried: they wait for no
	// other digest.
	Digested []int64
}

// RecordMailSent records that an email was sent, for good, and calls then
// inside the same transaction (to complete the job that sent it). Recording
// a key twice is ECONFLICT.
func (db *DB) RecordMailSent(ctx context.Context, m SentMail, then func(tx *sql.Tx) error) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO mail_sent (key, user_id, message_id, sent_at) VALUES (?, ?, ?, ?)`, m.Key, nonZero(m.UserID), m.MessageID, time.Now().UTC()).Error
		if err != nil {
			if isUniqueViolation(err) {
				return praxis.Errorf(praxis.ECONFLICT, "the email %s was sent already", m.Key)
			}
			return fmt.Errorf("db: record mail: %w", err)
		}
		if len(m.Digested) > 0 {
			if err := tx.Exec(`UPDATE notifications SET digest = 0 WHERE user_id = ? AND id IN ?`, m.UserID, m.Digested).Error; err != nil {
				return fmt.Errorf("db: record mail: %w", err)
			}
		}
		return withSQLTx(tx, then)
	})
}

// NotificationSettings returns the email choices a person has made, by kind
// (kinds they never chose are absent: the defaults apply).
func (db *DB) NotificationSettings(ctx context.Context, userID int64) (map[string]string, error) {
	var rows []struct {
		Kind  string
		Email string
	}
	if err := db.gorm.WithContext(ctx).Raw(`SELECT kind, email FROM notification_settings WHERE user_id = ?`, userID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: notification settings: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Kind] = r.Email
	}
	return out, nil
}

// SetNotificationSettings stores a person's email choices for the kinds
// given, all at once.
func (db *DB) SetNotificationSettings(ctx context.Context, userID int64, choices map[string]string) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for kind, email := range choices {
			err := tx.Exec(`INSERT INTO notification_settings (user_id, kind, email) VALUES (?, ?, ?)
				ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email`, userID, kind, email).Error
			if err != nil {
				return fmt.Errorf("db: set notification settings: %w", err)
			}
		}
		return nil
	})
}

// Watches lists what a person watches.
func (db *DB) Watches(ctx context.Context, userID int64) ([]praxis.Watch, error) {
	var rows []struct {
		Target    string
		Level     string
		CreatedAt time.Time
	}
	if err := db.gorm.WithContext(ctx).Raw(`SELECT target, level, created_at FROM watches WHERE user_id = ? ORDER BY target`, userID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: watches: %w", err)
	}
	out := make([]praxis.Watch, len(rows))
	for i, r := range rows {
		out[i] = praxis.Watch{Target: r.Target, Level: r.Level, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// SetWatch starts or changes a watch, or with level "" ends it.
func (db *DB) SetWatch(ctx context.Context, userID int64, target, level string) error {
	g := db.gorm.WithContext(ctx)
	var err error
	if level == "" {
		err = g.Exec(`DELETE FROM watches WHERE user_id = ? AND target = ?`, userID, target).Error
	} else {
		err = g.Exec(`INSERT INTO watches (user_id, target, level, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, target) DO UPDATE SET level = excluded.level`, userID, target, level, time.Now().UTC()).Error
	}
	if err != nil {
		return fmt.Errorf("db: watch: %w", err)
	}
	return nil
}

// Watchers returns the active people who watch any of targets, each with
// the widest level they watch them at.
func (db *DB) Watchers(ctx context.Context, targets []string) (map[int64]string, error) {
	out := map[int64]string{}
	if len(targets) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID int64
		Level  string
	}
	err := db.gorm.WithContext(ctx).Raw(`SELECT watches.user_id, watches.level FROM watches JOIN users ON users.id = watches.user_id
		WHERE watches.target IN ? AND users.status = ?`, targets, praxis.StatusActive).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: watchers: %w", err)
	}
	for _, r := range rows {
		if out[r.UserID] != praxis.WatchEverything {
			out[r.UserID] = r.Level
		}
	}
	return out, nil
}

// ActiveUserIDsWithRoles lists the active people holding any of roles.
func (db *DB) ActiveUserIDsWithRoles(ctx context.Context, roles ...praxis.Role) ([]int64, error) {
	var ids []int64
	err := db.gorm.WithContext(ctx).Raw(`SELECT id FROM users WHERE status = ? AND roles & ? <> 0 ORDER BY id`, praxis.StatusActive, rolesToBits(roles)).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("db: users with roles: %w", err)
	}
	return ids, nil
}

// ProposalParticipants lists everyone who commented on or reviewed a
// proposal, in the order they first did.
func (db *DB) ProposalParticipants(ctx context.Context, proposalID int64) ([]int64, error) {
	var ids []int64
	err := db.gorm.WithContext(ctx).Raw(`SELECT user_id FROM (
			SELECT author_id AS user_id, MIN(id) AS first, 0 AS reviewed FROM proposal_comments WHERE proposal_id = ? GROUP BY author_id
			UNION ALL
			SELECT reviewer_id, MIN(id), 1 FROM proposal_reviews WHERE proposal_id = ? GROUP BY reviewer_id
		) GROUP BY user_id ORDER BY MIN(reviewed), MIN(first)`, proposalID, proposalID).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("db: proposal participants: %w", err)
	}
	return ids, nil
}

// FindComment returns one comment on a proposal. ENOTFOUND when there is
// none.
func (db *DB) FindComment(ctx context.Context, id int64) (praxis.Comment, error) {
	var row commentRow
	if err := db.gorm.WithContext(ctx).First(&row, id).Error; err != nil {
		return praxis.Comment{}, translate(err, "comment")
	}
	return praxis.Comment{ID: row.ID, ProposalID: row.ProposalID, AuthorID: row.AuthorID, Body: row.Body, Path: row.Path,
		Line: row.Line, Head: row.Head, CreatedAt: row.CreatedAt.UTC()}, nil
}

// ModuleUser is someone who delivered or adapted a module.
type ModuleUser struct {
	UserID int64
	Module string
	// Version is the version of their latest delivery of it; "" when they
	// only adapted it.
	Version string
}

// ModuleUsers lists the active people who delivered (led or co-facilitated)
// or adapted (forked) any of modules, once per person and module.
func (db *DB) ModuleUsers(ctx context.Context, modules []string) ([]ModuleUser, error) {
	if len(modules) == 0 {
		return nil, nil
	}
	var rows []ModuleUser
	err := db.gorm.WithContext(ctx).Raw(`
		WITH delivered AS (
			SELECT d.facilitator_id AS user_id, d.module, d.version, d.date, d.id FROM deliveries d WHERE d.module IN ?
			UNION ALL
			SELECT c.user_id, d.module, d.version, d.date, d.id FROM deliveries d JOIN delivery_cofacilitators c ON c.delivery_id = d.id WHERE d.module IN ?
		),
		latest AS (
			SELECT user_id, module, version FROM (
				SELECT user_id, module, version, ROW_NUMBER() OVER (PARTITION BY user_id, module ORDER BY date DESC, id DESC) AS n FROM delivered
			) WHERE n = 1
		),
		adapted AS (
			SELECT user_id, module, '' AS version FROM forks WHERE module IN ?
			AND NOT EXISTS (SELECT 1 FROM latest l WHERE l.user_id = forks.user_id AND l.module = forks.module)
		)
		SELECT u.user_id, u.module, u.version FROM (SELECT * FROM latest UNION ALL SELECT * FROM adapted) u
		JOIN users ON users.id = u.user_id WHERE users.status = ? ORDER BY u.user_id, u.module`,
		modules, modules, modules, praxis.StatusActive).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: module users: %w", err)
	}
	return rows, nil
}

// ProposalConflict is what the last check of an open proposal against main
// found.
type ProposalConflict struct {
	Head, Main  string
	Conflicting bool
}

// FindProposalConflict returns the last check of a proposal; ok is false
// when it was never checked.
func (db *DB) FindProposalConflict(ctx context.Context, proposalID int64) (c ProposalConflict, ok bool, err error) {
	var rows []ProposalConflict
	err = db.gorm.WithContext(ctx).Raw(`SELECT head, main, conflicting FROM proposal_conflicts WHERE proposal_id = ?`, proposalID).Scan(&rows).Error
	if err != nil {
		return c, false, fmt.Errorf("db: proposal conflict: %w", err)
	}
	if len(rows) == 0 {
		return c, false, nil
	}
	return rows[0], true, nil
}

// SetProposalConflict records a check of a proposal against main, with its
// event (when it has a kind: the proposal began to conflict) in the same
// transaction, provided the last check recorded is still before (nil for
// never checked): false, writing nothing, when another check recorded its
// own meanwhile, so two checks at once never tell of one conflict twice.
func (db *DB) SetProposalConflict(ctx context.Context, proposalID int64, before *ProposalConflict, c ProposalConflict, event praxis.Activity) (bool, error) {
	written := false
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []ProposalConflict
		if err := tx.Raw(`SELECT head, main, conflicting FROM proposal_conflicts WHERE proposal_id = ?`, proposalID).Scan(&rows).Error; err != nil {
			return fmt.Errorf("db: set proposal conflict: %w", err)
		}
		if (before == nil) != (len(rows) == 0) || before != nil && rows[0] != *before {
			return nil
		}
		err := tx.Exec(`INSERT INTO proposal_conflicts (proposal_id, head, main, conflicting, checked_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (proposal_id) DO UPDATE SET head = excluded.head, main = excluded.main,
				conflicting = excluded.conflicting, checked_at = excluded.checked_at`,
			proposalID, c.Head, c.Main, c.Conflicting, time.Now().UTC()).Error
		if err != nil {
			return fmt.Errorf("db: set proposal conflict: %w", err)
		}
		written = true
		return db.addActivity(tx, event)
	})
	return written, err
}

// ClearDigest takes notifications out of a person's next digest (their
// choice for the kind changed since).
func (db *DB) ClearDigest(ctx context.Context, userID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := db.gorm.WithContext(ctx).Exec(`UPDATE notifications SET digest = 0 WHERE user_id = ? AND id IN ?`, userID, ids).Error; err != nil {
		return fmt.Errorf("db: clear digest: %w", err)
	}
	return nil
}

// SettingOnce returns an instance setting, storing value first when the
// setting has none (a secret made once, at first need). Two callers at once
// both get the value stored first.
func (db *DB) SettingOnce(ctx context.Context, key, value string) (string, error) {
	g := db.gorm.WithContext(ctx)
	if err := g.Exec(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value).Error; err != nil {
		return "", fmt.Errorf("db: setting %s: %w", key, err)
	}
	return db.Setting(ctx, key, value)
}
