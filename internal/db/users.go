package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

// userRow is a row of users.
type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Email        string
	EmailKey     string
	Name         string
	Pronouns     string
	Region       string
	Town         string
	Organisation string
	Languages    string // comma-separated
	Bio          string
	Roles        int64 // bit i set for praxis.AllRoles[i]
	Status       string
	Visibility   string // JSON object: field -> visibility
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

// EmailKey is the form of an email address that uniqueness is checked on:
// trimmed and lower-cased.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func rolesToBits(roles []praxis.Role) int64 {
	var bits int64
	for i, r := range praxis.AllRoles {
		for _, have := range roles {
			if have == r {
				bits |= 1 << i
			}
		}
	}
	return bits
}

func bitsToRoles(bits int64) []praxis.Role {
	var roles []praxis.Role
	for i, r := range praxis.AllRoles {
		if bits&(1<<i) != 0 {
			roles = append(roles, r)
		}
	}
	return roles
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func (r userRow) user() *praxis.User {
	u := &praxis.User{
		ID: r.ID, Email: r.Email, Name: r.Name, Pronouns: r.Pronouns, Region: r.Region, Town: r.Town,
		Organisation: r.Organisation, Languages: splitList(r.Languages), Bio: r.Bio,
		Roles: bitsToRoles(r.Roles), Status: praxis.UserStatus(r.Status), CreatedAt: r.CreatedAt.UTC(),
		Visibility: map[string]praxis.Visibility{},
	}
	_ = json.Unmarshal([]byte(r.Visibility), &u.Visibility)
	return u
}

func rowFromUser(u *praxis.User) userRow {
	vis, _ := json.Marshal(u.Visibility)
	if u.Visibility == nil {
		vis = []byte("{}")
	}
	return userRow{
		ID: u.ID, Email: strings.TrimSpace(u.Email), EmailKey: EmailKey(u.Email), Name: u.Name,
		Pronouns: u.Pronouns, Region: u.Region, Town: u.Town, Organisation: u.Organisation,
		Languages: strings.Join(u.Languages, ","), Bio: u.Bio, Roles: rolesToBits(u.Roles),
		Status: string(u.Status), Visibility: string(vis),
	}
}

func isUniqueViolation(err error) bool {
	var sqliteErr sqlite3.Error
	return errors.As(err, &sqliteErr) && sqliteErr.ExtendedCode == sqlite3.ErrConstraintUnique
}

// CreateUser stores a new user and returns its id. ECONFLICT when the email is
// taken (compared case-insensitively).
func (db *DB) CreateUser(ctx context.Context, u *praxis.User, passwordHash string) (int64, error) {
	row := rowFromUser(u)
	row.ID = 0
	row.PasswordHash = passwordHash
	now := time.Now().UTC()
	row.CreatedAt, row.UpdatedAt = now, now
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if u.Status != praxis.StatusPending {
			return nil
		}
		// Someone waits for a coordinator's approval.
		return db.addActivity(tx, praxis.Activity{At: now, ActorID: row.ID, SubjectID: row.ID, Kind: praxis.ActivitySignup, Title: row.Name})
	})
	if err != nil {
		if isUniqueViolation(err) {
			return 0, praxis.Errorf(praxis.ECONFLICT, "there is already an account with the email %s", row.Email)
		}
		return 0, fmt.Errorf("db: create user: %w", err)
	}
	return row.ID, nil
}

// FindUser returns a user with their trainings. ENOTFOUND when there is none.
func (db *DB) FindUser(ctx context.Context, id int64) (*praxis.User, error) {
	var row userRow
	if err := db.gorm.WithContext(ctx).First(&row, id).Error; err != nil {
		return nil, translate(err, "user")
	}
	u := row.user()
	trainings, err := db.trainingsOf(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	u.Trainings = trainings[id]
	return u, nil
}

// FindCredentials returns the user with an email and their password hash.
// ENOTFOUND when there is none.
func (db *DB) FindCredentials(ctx context.Context, email string) (*praxis.User, string, error) {
	var row userRow
	if err := db.gorm.WithContext(ctx).Where("email_key = ?", EmailKey(email)).First(&row).Error; err != nil {
		return nil, "", translate(err, "user")
	}
	return row.user(), row.PasswordHash, nil
}

// PasswordHash returns a user's password hash.
func (db *DB) PasswordHash(ctx context.Context, id int64) (string, error) {
	var row userRow
	if err := db.gorm.WithContext(ctx).Select("password_hash").First(&row, id).Error; err != nil {
		return "", translate(err, "user")
	}
	return row.PasswordHash, nil
}

// UpdateProfile saves a user's own profile fields: name, pronouns, region,
// town, organisation, languages, bio and visibility.
func (db *DB) UpdateProfile(ctx context.Context, u *praxis.User) error {
	row := rowFromUser(u)
	res := db.gorm.WithContext(ctx).Model(&userRow{}).Where("id = ?", u.ID).Updates(map[string]any{
		"name": row.Name, "pronouns": row.Pronouns, "region": row.Region, "town": row.Town,
		"organisation": row.Organisation, "languages": row.Languages, "bio": row.Bio,
		"visibility": row.Visibility, "updated_at": time.Now().UTC(),
	})
	if res.Error != nil {
		return fmt.Errorf("db: update profile: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return praxis.Errorf(praxis.ENOTFOUND, "user not found")
	}
	return nil
}

// SetPassword replaces a user's password hash and, in the same transaction,
// signs them out everywhere except the session keepSession (0 for none),
// marks the reset link used when one was given, and makes every other
// outstanding reset link of the user useless: a link issued before a
// password change must not undo it.
func (db *DB) SetPassword(ctx context.Context, id int64, hash string, keepSession int64, resetID int64) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := tx.Model(&userRow{}).Where("id = ?", id).Updates(map[string]any{"password_hash": hash, "updated_at": now})
		if res.Error != nil {
			return fmt.Errorf("db: set password: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ENOTFOUND, "user not found")
		}
		if err := tx.Where("user_id = ? AND id <> ?", id, keepSession).Delete(&sessionRow{}).Error; err != nil {
			return fmt.Errorf("db: set password: %w", err)
		}
		if resetID != 0 {
			res := tx.Model(&resetRow{}).Where("id = ? AND used_at IS NULL", resetID).Update("used_at", now)
			if res.Error != nil {
				return fmt.Errorf("db: set password: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return praxis.Errorf(praxis.ECONFLICT, "this reset link has already been used")
			}
		}
		if err := tx.Where("user_id = ? AND used_at IS NULL", id).Delete(&resetRow{}).Error; err != nil {
			return fmt.Errorf("db: set password: %w", err)
		}
		return nil
	})
}

// SetStatus changes a user's status and records it in the audit log, in one
// transaction. Suspending a user also ends their sessions and revokes nothing
// else: their tokens stay but are refused while they are suspended.
func (db *DB) SetStatus(ctx context.Context, id int64, status praxis.UserStatus, audit praxis.AuditEntry) error {
	return db.ChangeAccount(ctx, id, AccountChange{Status: &status, Audit: []praxis.AuditEntry{audit}})
}

// SetRoles replaces a user's roles and records it in the audit log.
func (db *DB) SetRoles(ctx context.Context, id int64, roles []praxis.Role, audit praxis.AuditEntry) error {
	return db.ChangeAccount(ctx, id, AccountChange{Roles: &roles, Audit: []praxis.AuditEntry{audit}})
}

// AccountChange is a change to an account's roles and status, with the audit
// entries that record it; nil fields are left as they are.
type AccountChange struct {
	Roles  *[]praxis.Role
	Status *praxis.UserStatus
	Audit  []praxis.AuditEntry
	// Activity, when it has a kind, is recorded with the change (an account
	// approved or declined).
	Activity praxis.Activity
}

// ChangeAccount applies a change to an account in one transaction with its
// audit entries: all of it or none. Suspending ends the person's sessions.
// ENOTFOUND for a deleted or unknown account.
func (db *DB) ChangeAccount(ctx context.Context, id int64, ch AccountChange) error {
	updates := map[string]any{"updated_at": time.Now().UTC()}
	if ch.Roles != nil {
		updates["roles"] = rolesToBits(*ch.Roles)
	}
	if ch.Status != nil {
		updates["status"] = string(*ch.Status)
	}
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&userRow{}).Where("id = ? AND status <> ?", id, praxis.StatusDeleted).Updates(updates)
		if res.Error != nil {
			return fmt.Errorf("db: change account: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ENOTFOUND, "user not found")
		}
		if ch.Status != nil && *ch.Status == praxis.StatusSuspended {
			if err := tx.Where("user_id = ?", id).Delete(&sessionRow{}).Error; err != nil {
				return fmt.Errorf("db: change account: %w", err)
			}
		}
		for _, e := range ch.Audit {
			if err := addAudit(tx, e); err != nil {
				return err
			}
		}
		return db.addActivity(tx, ch.Activity)
	})
}

// sharedWithNetwork is SQL that is true when a user's profile field is visible
// to the network (public or network), with the field's default when unset.
func sharedWithNetwork(field string) string {
	def := string(praxis.DefaultVisibility[field])
	return fmt.Sprintf("COALESCE(json_extract(visibility, '$.%s'), '%s') IN ('public', 'network')", field, def)
}

// ListUsers returns users matching the filter, ordered by name, with their
// trainings, and how many match in all. Deleted accounts are never listed.
func (db *DB) ListUsers(ctx context.Context, f praxis.UserFilter) ([]*praxis.User, int64, error) {
	q := db.gorm.WithContext(ctx).Model(&userRow{}).Where("status <> ?", praxis.StatusDeleted)
	if f.Query != "" {
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		if f.OnlyShared { // email addresses are not shared with the network
			q = q.Where("lower(name) LIKE ? ESCAPE '\\'", like)
		} else {
			q = q.Where("(lower(name) LIKE ? ESCAPE '\\' OR email_key LIKE ? ESCAPE '\\')", like, like)
		}
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.Role != "" {
		q = q.Where("roles & ? <> 0", rolesToBits([]praxis.Role{f.Role}))
	}
	if f.Region != "" {
		q = q.Where("region = ?", f.Region)
		if f.OnlyShared {
			q = q.Where(sharedWithNetwork("region"))
		}
	}
	if f.Language != "" {
		q = q.Where("(',' || languages || ',') LIKE ? ESCAPE '\\'", "%,"+escapeLike(f.Language)+",%")
		if f.OnlyShared {
			q = q.Where(sharedWithNetwork("languages"))
		}
	}
	if f.Module != "" {
		q = q.Where("id IN (SELECT user_id FROM trainings WHERE module = ?)", f.Module)
		if f.OnlyShared {
			q = q.Where(sharedWithNetwork("trainings"))
		}
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list users: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var rows []userRow
	if err := q.Order("name COLLATE NOCASE, id").Limit(limit).Offset(f.Offset).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list users: %w", err)
	}
	users := make([]*praxis.User, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		users[i], ids[i] = r.user(), r.ID
	}
	trainings, err := db.trainingsOf(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	for _, u := range users {
		u.Trainings = trainings[u.ID]
	}
	return users, total, nil
}

// Regions returns the distinct regions active users have given, sorted;
// with onlyShared, only regions their people share with the network, so the
// list never reveals a region hidden from the network.
func (db *DB) Regions(ctx context.Context, onlyShared bool) ([]string, error) {
	var regions []string
	q := db.gorm.WithContext(ctx).Model(&userRow{}).Where("region <> '' AND status = ?", praxis.StatusActive)
	if onlyShared {
		q = q.Where(sharedWithNetwork("region"))
	}
	err := q.Distinct("region").Order("region").Pluck("region", &regions).Error
	if err != nil {
		return nil, fmt.Errorf("db: regions: %w", err)
	}
	return regions, nil
}

// CountUsers returns how many accounts exist that are not deleted.
func (db *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&userRow{}).Where("status <> ?", praxis.StatusDeleted).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("db: count users: %w", err)
	}
	return n, nil
}

// DeleteUser anonymises an account at its owner's request: every personal field
// is cleared, sessions, tokens, resets, trainings, notifications, email
// choices, watches and the notifications feed token are deleted, and a
// tombstone row remains so that records which refer to the person (deliveries,
// the audit log) stay whole but anonymous.
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&userRow{}).Where("id = ? AND status <> ?", id, praxis.StatusDeleted).Updates(map[string]any{
			"email": "", "email_key": fmt.Sprintf("deleted-%d", id), "name": "Deleted account",
			"pronouns": "", "region": "", "town": "", "organisation": "", "languages": "", "bio": "",
			"roles": 0, "status": string(praxis.StatusDeleted), "visibility": "{}", "password_hash": "",
			"updated_at": time.Now().UTC(),
		})
		if res.Error != nil {
			return fmt.Errorf("db: delete user: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ENOTFOUND, "user not found")
		}
		for _, table := range []any{&sessionRow{}, &tokenRow{}, &resetRow{}, &trainingRow{}} {
			if err := tx.Where("user_id = ?", id).Delete(table).Error; err != nil {
				return fmt.Errorf("db: delete user: %w", err)
			}
		}
		// Their inbox, email choices and watches go too (receipts with
		// their notifications).
		for _, stmt := range []string{
			`DELETE FROM notification_receipts WHERE user_id = ?`,
			`DELETE FROM notifications WHERE user_id = ?`,
			`DELETE FROM notification_settings WHERE user_id = ?`,
			`DELETE FROM watches WHERE user_id = ?`,
			`DELETE FROM feed_tokens WHERE user_id = ?`,
		} {
			if err := tx.Exec(stmt, id).Error; err != nil {
				return fmt.Errorf("db: delete user: %w", err)
			}
		}
		return tx.Model(&invitationRow{}).Where("used_by = ?", id).Update("email", "").Error
	})
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
