package db

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

// migration is one versioned schema change. Migrations run in order, once each,
// each in its own transaction; a released migration is never edited, only
// followed by a new one.
type migration struct {
	version    int
	name       string
	statements []string
}

// migrations is the whole schema history.
var migrations = []migration{
	{1, "history index", []string{
		`CREATE TABLE commits (
			seq            INTEGER PRIMARY KEY,
			id             TEXT NOT NULL UNIQUE,
			parents        TEXT NOT NULL,
			author_name    TEXT NOT NULL,
			author_email   TEXT NOT NULL,
			authored_at    DATETIME NOT NULL,
			committer_name TEXT NOT NULL,
			committed_at   DATETIME NOT NULL,
			message        TEXT NOT NULL
		)`,
		`CREATE INDEX commits_committed_at ON commits (committed_at DESC, seq DESC)`,
		`CREATE TABLE commit_modules (
			commit_seq INTEGER NOT NULL REFERENCES commits (seq) ON DELETE CASCADE,
			slug       TEXT NOT NULL,
			parents    INTEGER NOT NULL,
			PRIMARY KEY (commit_seq, slug)
		) WITHOUT ROWID`,
		`CREATE INDEX commit_modules_slug ON commit_modules (slug, commit_seq DESC)`,
	}},
	{2, "accounts", []string{
		`CREATE TABLE users (
			id            INTEGER PRIMARY KEY,
			email         TEXT NOT NULL,
			email_key     TEXT NOT NULL UNIQUE,
			name          TEXT NOT NULL,
			pronouns      TEXT NOT NULL DEFAULT '',
			region        TEXT NOT NULL DEFAULT '',
			town          TEXT NOT NULL DEFAULT '',
			organisation  TEXT NOT NULL DEFAULT '',
			languages     TEXT NOT NULL DEFAULT '',
			bio           TEXT NOT NULL DEFAULT '',
			roles         INTEGER NOT NULL DEFAULT 1,
			status        TEXT NOT NULL,
			visibility    TEXT NOT NULL DEFAULT '{}',
			password_hash TEXT NOT NULL DEFAULT '',
			created_at    DATETIME NOT NULL,
			updated_at    DATETIME NOT NULL
		)`,
		`CREATE INDEX users_status ON users (status, id)`,
		`CREATE INDEX users_region ON users (region)`,
		`CREATE TABLE sessions (
			id           INTEGER PRIMARY KEY,
			token_hash   BLOB NOT NULL UNIQUE,
			user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			created_at   DATETIME NOT NULL,
			expires_at   DATETIME NOT NULL,
			last_seen_at DATETIME NOT NULL,
			user_agent   TEXT NOT NULL DEFAULT '',
			ip           TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX sessions_user ON sessions (user_id)`,
		`CREATE INDEX sessions_expires ON sessions (expires_at)`,
		`CREATE TABLE api_tokens (
			id           INTEGER PRIMARY KEY,
			token_hash   BLOB NOT NULL UNIQUE,
			user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			name         TEXT NOT NULL,
			prefix       TEXT NOT NULL,
			created_at   DATETIME NOT NULL,
			last_used_at DATETIME
		)`,
		`CREATE INDEX api_tokens_user ON api_tokens (user_id)`,
		`CREATE TABLE invitations (
			id         INTEGER PRIMARY KEY,
			token_hash BLOB NOT NULL UNIQUE,
			created_by INTEGER NOT NULL REFERENCES users (id),
			email      TEXT NOT NULL DEFAULT '',
			note       TEXT NOT NULL DEFAULT '',
			created_at DATETIME NOT NULL,
			expires_at DATETIME NOT NULL,
			used_at    DATETIME,
			used_by    INTEGER REFERENCES users (id)
		)`,
		`CREATE TABLE password_resets (
			id         INTEGER PRIMARY KEY,
			token_hash BLOB NOT NULL UNIQUE,
			user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			created_by INTEGER REFERENCES users (id),
			created_at DATETIME NOT NULL,
			expires_at DATETIME NOT NULL,
			used_at    DATETIME
		)`,
		`CREATE INDEX password_resets_user ON password_resets (user_id)`,
		`CREATE TABLE trainings (
			id         INTEGER PRIMARY KEY,
			user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			module     TEXT NOT NULL,
			awarded_by INTEGER NOT NULL REFERENCES users (id),
			awarded_at DATETIME NOT NULL,
			note       TEXT NOT NULL DEFAULT '',
			UNIQUE (user_id, module)
		)`,
		`CREATE INDEX trainings_module ON trainings (module, user_id)`,
		`CREATE TABLE audit_log (
			id        INTEGER PRIMARY KEY,
			at        DATETIME NOT NULL,
			actor_id  INTEGER REFERENCES users (id),
			action    TEXT NOT NULL,
			target_id INTEGER REFERENCES users (id),
			detail    TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC)`,
		`CREATE INDEX audit_log_target ON audit_log (target_id, id DESC)`,
		`CREATE TABLE settings (
			key   TEXT PRIMARY KEY,
			value TEXT NOT NULL
		)`,
	}},
	{3, "forks and proposals", []string{
		`CREATE TABLE forks (
			id         INTEGER PRIMARY KEY,
			user_id    INTEGER NOT NULL REFERENCES users (id),
			module     TEXT NOT NULL,
			branch     TEXT NOT NULL UNIQUE,
			created_at DATETIME NOT NULL,
			UNIQUE (user_id, module)
		)`,
		`CREATE TABLE proposals (
			id           INTEGER PRIMARY KEY,
			author_id    INTEGER NOT NULL REFERENCES users (id),
			title        TEXT NOT NULL,
			description  TEXT NOT NULL DEFAULT '',
			status       TEXT NOT NULL,
			branch       TEXT NOT NULL UNIQUE,
			base         TEXT NOT NULL,
			head         TEXT NOT NULL DEFAULT '',
			fork_id      INTEGER REFERENCES forks (id),
			created_at   DATETIME NOT NULL,
			updated_at   DATETIME NOT NULL,
			merged_at    DATETIME,
			merged_by    INTEGER REFERENCES users (id),
			merge_commit TEXT NOT NULL DEFAULT '',
			closed_at    DATETIME
		)`,
		`CREATE INDEX proposals_status ON proposals (status, updated_at DESC)`,
		`CREATE INDEX proposals_author ON proposals (author_id, updated_at DESC)`,
		`CREATE TABLE proposal_modules (
			proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
			module      TEXT NOT NULL,
			PRIMARY KEY (proposal_id, module)
		) WITHOUT ROWID`,
		`CREATE INDEX proposal_modules_module ON proposal_modules (module, proposal_id)`,
		`CREATE TABLE proposal_comments (
			id          INTEGER PRIMARY KEY,
			proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
			author_id   INTEGER NOT NULL REFERENCES users (id),
			body        TEXT NOT NULL,
			path        TEXT NOT NULL DEFAULT '',
			line        INTEGER NOT NULL DEFAULT 0,
			head        TEXT NOT NULL,
			created_at  DATETIME NOT NULL
		)`,
		`CREATE INDEX proposal_comments_proposal ON proposal_comments (proposal_id, id)`,
		`CREATE TABLE proposal_reviews (
			id          INTEGER PRIMARY KEY,
			proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
			reviewer_id INTEGER NOT NULL REFERENCES users (id),
			verdict     TEXT NOT NULL,
			body        TEXT NOT NULL DEFAULT '',
			head        TEXT NOT NULL,
			created_at  DATETIME NOT NULL
		)`,
		`CREATE INDEX proposal_reviews_proposal ON proposal_reviews (proposal_id, id)`,
		`CREATE TABLE events (
			id          INTEGER PRIMARY KEY,
			at          DATETIME NOT NULL,
			actor_id    INTEGER REFERENCES users (id),
			kind        TEXT NOT NULL,
			proposal_id INTEGER REFERENCES proposals (id),
			module      TEXT NOT NULL DEFAULT '',
			title       TEXT NOT NULL DEFAULT '',
			detail      TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE INDEX events_at ON events (id DESC)`,
		`CREATE INDEX events_actor ON events (actor_id, id DESC)`,
	}},
	{4, "commits of merged proposals", []string{
		`CREATE TABLE proposal_commits (
			commit_id   TEXT PRIMARY KEY,
			proposal_id INTEGER NOT NULL REFERENCES proposals (id)
		) WITHOUT ROWID`,
		`CREATE INDEX proposal_commits_proposal ON proposal_commits (proposal_id)`,
	}},
	{5, "deliveries and feedback", []string{
		`CREATE TABLE deliveries (
			id             INTEGER PRIMARY KEY,
			facilitator_id INTEGER NOT NULL REFERENCES users (id),
			module         TEXT NOT NULL,
			fork_id        INTEGER REFERENCES forks (id),
			version        TEXT NOT NULL,
			date           TEXT NOT NULL,
			duration       INTEGER NOT NULL,
			format         TEXT NOT NULL,
			town           TEXT NOT NULL DEFAULT '',
			region         TEXT NOT NULL DEFAULT '',
			country        TEXT NOT NULL,
			host           TEXT NOT NULL DEFAULT '',
			host_type      TEXT NOT NULL,
			participants   INTEGER NOT NULL,
			first_time     INTEGER NOT NULL,
			worked         TEXT NOT NULL DEFAULT '',
			change         TEXT NOT NULL DEFAULT '',
			feedback_token TEXT NOT NULL UNIQUE,
			feedback_count INTEGER NOT NULL DEFAULT 0,
			feedback_sum   INTEGER NOT NULL DEFAULT 0,
			created_at     DATETIME NOT NULL,
			updated_at     DATETIME NOT NULL
		)`,
		`CREATE INDEX deliveries_facilitator ON deliveries (facilitator_id, date DESC)`,
		`CREATE INDEX deliveries_date ON deliveries (date)`,
		`CREATE INDEX deliveries_module ON deliveries (module, date DESC)`,
		`CREATE TABLE delivery_cofacilitators (
			delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
			user_id     INTEGER NOT NULL REFERENCES users (id),
			PRIMARY KEY (delivery_id, user_id)
		) WITHOUT ROWID`,
		`CREATE INDEX delivery_cofacilitators_user ON delivery_cofacilitators (user_id)`,
		`CREATE TABLE feedback (
			id           INTEGER PRIMARY KEY,
			delivery_id  INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
			rating       INTEGER NOT NULL,
			valued       TEXT NOT NULL DEFAULT '',
			improve      TEXT NOT NULL DEFAULT '',
			browser      BLOB NOT NULL,
			created_at   DATETIME NOT NULL,
			UNIQUE (delivery_id, browser)
		)`,
		`CREATE INDEX feedback_delivery ON feedback (delivery_id, id)`,
	}},
	{6, "download counts", []string{
		`CREATE TABLE downloads (
			module  TEXT NOT NULL,
			format  TEXT NOT NULL,
			version TEXT NOT NULL,
			day     TEXT NOT NULL,
			count   INTEGER NOT NULL,
			PRIMARY KEY (module, format, version, day)
		) WITHOUT ROWID`,
		`CREATE INDEX downloads_day ON downloads (day)`,
	}},
	{7, "full-text search of modules", []string{
		// FTS4 (compiled into mattn/go-sqlite3 without build tags) with the
		// Porter stemmer: "organise" finds "organising".
		`CREATE VIRTUAL TABLE search_modules USING fts4(title, summary, objectives, tags, agenda, body, handouts, tokenize=porter)`,
		`CREATE TABLE search_docs (
			slug  TEXT PRIMARY KEY,
			docid INTEGER NOT NULL UNIQUE,
			tree  TEXT NOT NULL
		)`,
		`CREATE TABLE search_state (
			key   TEXT PRIMARY KEY,
			value TEXT NOT NULL
		) WITHOUT ROWID`,
	}},
	{8, "accounts responsible for commits", []string{
		// Which praxis account saved, merged or pushed a commit, or cut a
		// release (object is then the tag), and who it was then: a commit's
		// git author is only what its maker typed.
		`CREATE TABLE commit_accounts (
			object       TEXT PRIMARY KEY,
			user_id      INTEGER NOT NULL REFERENCES users(id),
			action       TEXT NOT NULL,
			author_name  TEXT NOT NULL,
			author_email TEXT NOT NULL,
			recorded_at  DATETIME NOT NULL
		) WITHOUT ROWID`,
		`CREATE INDEX commit_accounts_user ON commit_accounts (user_id)`,
	}},
	// Ids that people see and whose rows can be deleted are never handed out
	// again: the tables in autoincrement get AUTOINCREMENT, so a link to a
	// deleted delivery, or a token or session id in a revoke form, cannot come
	// to mean another record. Deliveries also get a revision, counted up by
	// every change, so a stale edit is noticed rather than reverting someone
	// else's change.
	{9, "ids never reused; delivery revisions", []string{
		`ALTER TABLE deliveries ADD COLUMN revision INTEGER NOT NULL DEFAULT 1`,
	}},
	{10, "module renames", []string{
		// A commit that moved a module's folder: relative to the parents in
		// the bit set, from_slug went away and to_slug appeared with the same
		// or similar plan (git's rename detection).
		`CREATE TABLE module_renames (
			commit_seq INTEGER NOT NULL REFERENCES commits (seq) ON DELETE CASCADE,
			from_slug  TEXT NOT NULL,
			to_slug    TEXT NOT NULL,
			parents    INTEGER NOT NULL,
			score      INTEGER NOT NULL,
			PRIMARY KEY (commit_seq, from_slug, to_slug)
		) WITHOUT ROWID`,
		`CREATE INDEX module_renames_from ON module_renames (from_slug, commit_seq)`,
		`CREATE INDEX module_renames_to ON module_renames (to_slug, commit_seq)`,
		// Commits indexed before renames were recorded, up to this seq, are
		// looked at once more for renames (at start; then the row goes).
		`CREATE TABLE module_rename_scan (up_to_seq INTEGER NOT NULL)`,
		`INSERT INTO module_rename_scan (up_to_seq) SELECT MAX(seq) FROM commits HAVING COUNT(*) > 0`,
	}},
	{11, "workshops ahead", []string{
		// A local group's request for a workshop. Contact details are seen
		// only by coordinators and the facilitators assigned to it.
		`CREATE TABLE workshop_requests (
			id              INTEGER PRIMARY KEY AUTOINCREMENT,
			group_name      TEXT NOT NULL,
			group_type      TEXT NOT NULL,
			contact_name    TEXT NOT NULL,
			contact_email   TEXT NOT NULL,
			town            TEXT NOT NULL DEFAULT '',
			region          TEXT NOT NULL DEFAULT '',
			online          INTEGER NOT NULL DEFAULT 0,
			series          TEXT NOT NULL DEFAULT '',
			preferred_dates TEXT NOT NULL DEFAULT '',
			participants    INTEGER NOT NULL DEFAULT 0,
			language        TEXT NOT NULL DEFAULT '',
			access_needs    TEXT NOT NULL DEFAULT '',
			notes           TEXT NOT NULL DEFAULT '',
			status          TEXT NOT NULL,
			decline_reason  TEXT NOT NULL DEFAULT '',
			decline_message TEXT NOT NULL DEFAULT '',
			assigned_to     INTEGER REFERENCES users (id),
			status_token    TEXT NOT NULL UNIQUE,
			created_at      DATETIME NOT NULL,
			updated_at      DATETIME NOT NULL,
			scheduled_at    DATETIME
		)`,
		`CREATE INDEX workshop_requests_status ON workshop_requests (status, id DESC)`,
		`CREATE INDEX workshop_requests_region ON workshop_requests (region, status)`,
		`CREATE TABLE workshop_request_modules (
			request_id INTEGER NOT NULL REFERENCES workshop_requests (id) ON DELETE CASCADE,
			module     TEXT NOT NULL,
			position   INTEGER NOT NULL,
			PRIMARY KEY (request_id, module)
		) WITHOUT ROWID`,
		`CREATE INDEX workshop_request_modules_module ON workshop_request_modules (module, request_id)`,
		`CREATE TABLE workshop_request_notes (
			id         INTEGER PRIMARY KEY AUTOINCREMENT,
			request_id INTEGER NOT NULL REFERENCES workshop_requests (id) ON DELETE CASCADE,
			author_id  INTEGER REFERENCES users (id),
			body       TEXT NOT NULL,
			created_at DATETIME NOT NULL
		)`,
		`CREATE INDEX workshop_request_notes_request ON workshop_request_notes (request_id, id)`,
		// Facilitators' offers to run a requested workshop, or to join it to
		// learn (role mentee); a coordinator confirms them.
		`CREATE TABLE workshop_offers (
			request_id   INTEGER NOT NULL REFERENCES workshop_requests (id) ON DELETE CASCADE,
			user_id      INTEGER NOT NULL REFERENCES users (id),
			role         TEXT NOT NULL,
			note         TEXT NOT NULL DEFAULT '',
			created_at   DATETIME NOT NULL,
			confirmed_by INTEGER REFERENCES users (id),
			confirmed_at DATETIME,
			PRIMARY KEY (request_id, user_id)
		) WITHOUT ROWID`,
		`CREATE INDEX workshop_offers_user ON workshop_offers (user_id)`,
		// Workshops scheduled ahead: instants in UTC with the IANA zone they
		// run in; local_date is the day they start there (the date conflicts
		// are decided on).
		`CREATE TABLE workshops (
			id          INTEGER PRIMARY KEY AUTOINCREMENT,
			module      TEXT NOT NULL,
			fork_id     INTEGER REFERENCES forks (id),
			version     TEXT NOT NULL,
			starts_at   DATETIME NOT NULL,
			ends_at     DATETIME NOT NULL,
			timezone    TEXT NOT NULL,
			local_date  TEXT NOT NULL,
			format      TEXT NOT NULL,
			venue       TEXT NOT NULL DEFAULT '',
			town        TEXT NOT NULL DEFAULT '',
			region      TEXT NOT NULL DEFAULT '',
			online_url  TEXT NOT NULL DEFAULT '',
			capacity    INTEGER NOT NULL,
			language    TEXT NOT NULL DEFAULT '',
			access_info TEXT NOT NULL DEFAULT '',
			visibility  TEXT NOT NULL,
			status      TEXT NOT NULL,
			key         TEXT NOT NULL UNIQUE,
			request_id  INTEGER REFERENCES workshop_requests (id),
			delivery_id INTEGER REFERENCES deliveries (id) ON DELETE SET NULL,
			created_by  INTEGER NOT NULL REFERENCES users (id),
			created_at  DATETIME NOT NULL,
			updated_at  DATETIME NOT NULL,
			purged_at   DATETIME
		)`,
		`CREATE INDEX workshops_starts ON workshops (starts_at)`,
		`CREATE INDEX workshops_request ON workshops (request_id)`,
		`CREATE INDEX workshops_ends_unpurged ON workshops (ends_at) WHERE purged_at IS NULL`,
		`CREATE TABLE workshop_facilitators (
			workshop_id INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
			user_id     INTEGER NOT NULL REFERENCES users (id),
			role        TEXT NOT NULL,
			position    INTEGER NOT NULL,
			local_date  TEXT NOT NULL,
			reminded_at DATETIME,
			PRIMARY KEY (workshop_id, user_id)
		) WITHOUT ROWID`,
		`CREATE INDEX workshop_facilitators_user ON workshop_facilitators (user_id, local_date)`,
		// Places at workshops. Names, emails and access needs are blanked
		// some days after the workshop (purged); the rows, and so the
		// counts, stay.
		`CREATE TABLE workshop_registrations (
			id               INTEGER PRIMARY KEY AUTOINCREMENT,
			workshop_id      INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
			name             TEXT NOT NULL,
			email            TEXT NOT NULL,
			email_key        TEXT NOT NULL,
			access_needs     TEXT NOT NULL DEFAULT '',
			first_time       INTEGER NOT NULL DEFAULT 0,
			status           TEXT NOT NULL,
			attendance       TEXT NOT NULL DEFAULT '',
			walk_in          INTEGER NOT NULL DEFAULT 0,
			token            TEXT NOT NULL UNIQUE,
			created_at       DATETIME NOT NULL,
			cancelled_at     DATETIME,
			promoted_at      DATETIME,
			reminded_at      DATETIME,
			feedback_sent_at DATETIME
		)`,
		`CREATE INDEX workshop_registrations_workshop ON workshop_registrations (workshop_id, status, id)`,
		`CREATE UNIQUE INDEX workshop_registrations_email ON workshop_registrations (workshop_id, email_key)
			WHERE email_key <> '' AND status <> 'cancelled'`,
		// A facilitator's private calendar feed.
		`CREATE TABLE calendar_tokens (
			user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
			token      TEXT NOT NULL UNIQUE,
			created_at DATETIME NOT NULL
		)`,
	}},
	// Notifications (issue 20): events gain whom and what they concern;
	// each person's inbox, their email choices and what they watch; what was
	// emailed, for good (the idempotency record: a job run twice sends
	// once); whether each open proposal conflicts with main. River's tables
	// (the job queue) are River's own migrations, run at start
	// (jobs.Migrate).
	{12, "notifications", []string{
		`ALTER TABLE events ADD COLUMN subject_id INTEGER REFERENCES users (id)`,
		`ALTER TABLE events ADD COLUMN object_id INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE events ADD COLUMN ref TEXT NOT NULL DEFAULT ''`,
		`CREATE TABLE notifications (
			id         INTEGER PRIMARY KEY AUTOINCREMENT,
			user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			kind       TEXT NOT NULL,
			topic      TEXT NOT NULL,
			event_id   INTEGER NOT NULL REFERENCES events (id),
			event_kind TEXT NOT NULL,
			actor_id   INTEGER REFERENCES users (id),
			subject    TEXT NOT NULL,
			url        TEXT NOT NULL,
			count      INTEGER NOT NULL DEFAULT 1,
			created_at DATETIME NOT NULL,
			updated_at DATETIME NOT NULL,
			read_at    DATETIME,
			digest     INTEGER NOT NULL DEFAULT 0
		)`,
		// One unread notification per person, kind and topic: repeats
		// collapse into it.
		`CREATE UNIQUE INDEX notifications_unread ON notifications (user_id, kind, topic) WHERE read_at IS NULL`,
		`CREATE INDEX notifications_user ON notifications (user_id, updated_at DESC, id DESC)`,
		`CREATE INDEX notifications_unread_count ON notifications (user_id) WHERE read_at IS NULL`,
		`CREATE INDEX notifications_digest ON notifications (user_id) WHERE digest = 1`,
		// Each event reaches each person once, whatever a fan-out run twice
		// would do.
		`CREATE TABLE notification_receipts (
			event_id        INTEGER NOT NULL REFERENCES events (id),
			user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			kind            TEXT NOT NULL,
			notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
			PRIMARY KEY (event_id, user_id)
		) WITHOUT ROWID`,
		`CREATE INDEX notification_receipts_notification ON notification_receipts (notification_id)`,
		`CREATE TABLE notification_settings (
			user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			kind    TEXT NOT NULL,
			email   TEXT NOT NULL,
			PRIMARY KEY (user_id, kind)
		) WITHOUT ROWID`,
		`CREATE TABLE watches (
			user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			target     TEXT NOT NULL,
			level      TEXT NOT NULL,
			created_at DATETIME NOT NULL,
			PRIMARY KEY (user_id, target)
		) WITHOUT ROWID`,
		`CREATE INDEX watches_target ON watches (target, level)`,
		`CREATE TABLE mail_sent (
			key        TEXT PRIMARY KEY,
			user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
			message_id TEXT NOT NULL,
			sent_at    DATETIME NOT NULL
		) WITHOUT ROWID`,
		`CREATE TABLE proposal_conflicts (
			proposal_id INTEGER PRIMARY KEY REFERENCES proposals (id) ON DELETE CASCADE,
			head        TEXT NOT NULL,
			main        TEXT NOT NULL,
			conflicting INTEGER NOT NULL,
			checked_at  DATETIME NOT NULL
		)`,
	}},
	// Webhooks (admins'), the log of each attempt to deliver to them, and
	// each person's private notifications feed token (its SHA-256; the
	// token itself is shown, never stored).
	{13, "webhooks and feed tokens", []string{
		`CREATE TABLE webhooks (
			id         INTEGER PRIMARY KEY AUTOINCREMENT,
			url        TEXT NOT NULL,
			events     TEXT NOT NULL,
			secret     TEXT NOT NULL,
			created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
			created_at DATETIME NOT NULL
		)`,
		`CREATE TABLE webhook_deliveries (
			id          INTEGER PRIMARY KEY AUTOINCREMENT,
			webhook_id  INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
			delivery    TEXT NOT NULL,
			event_kind  TEXT NOT NULL,
			attempt     INTEGER NOT NULL,
			status_code INTEGER NOT NULL,
			error       TEXT NOT NULL,
			duration_ms INTEGER NOT NULL,
			at          DATETIME NOT NULL
		)`,
		`CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id DESC)`,
		`CREATE TABLE feed_tokens (
			user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
			hash       TEXT NOT NULL UNIQUE,
			created_at DATETIME NOT NULL
		)`,
	}},
}

// autoincrement names, by migration (by name, which survives renumbering),
// the tables the migration gives AUTOINCREMENT ids after its statements run.
// Each is rebuilt from its definition as it is then, whatever columns other
// migrations gave it (autoincrementIDs).
var autoincrement = map[string][]string{
	"ids never reused; delivery revisions": {"deliveries", "feedback", "sessions", "api_tokens", "trainings"},
}

// idColumn is the integer primary key in a table's definition, with
// AUTOINCREMENT when it has it.
var idColumn = regexp.MustCompile(`(?i)\bid\s+INTEGER\s+PRIMARY\s+KEY\b(\s+AUTOINCREMENT\b)?`)

// autoincrementIDs rebuilds a table with AUTOINCREMENT on its integer
// primary key by SQLite's procedure for changes ALTER TABLE cannot make
// (https://sqlite.org/lang_altertable.html#otheralter): create it anew from
// its own definition, copy every row with its id, drop the old one, rename
// the new one into its place, and create its indexes and triggers again. It
// runs with foreign keys off (a drop with them on deletes the rows that
// refer to the table, by cascade); the migration checks them before it
// commits. A table that has AUTOINCREMENT already is left alone.
func autoincrementIDs(tx *gorm.DB, table string) error {
	var create string
	if err := tx.Raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&create).Error; err != nil {
		return err
	}
	m := idColumn.FindStringSubmatchIndex(create)
	switch {
	case m == nil:
		return fmt.Errorf("%s has no id INTEGER PRIMARY KEY", table)
	case m[2] >= 0:
		return nil // AUTOINCREMENT already
	}
	rebuilt := table + "_rebuilt"
	create = create[:m[1]] + " AUTOINCREMENT" + create[m[1]:]
	head := regexp.MustCompile(`(?i)^CREATE\s+TABLE\s+("` + regexp.QuoteMeta(table) + `"|` + regexp.QuoteMeta(table) + `)`)
	if !head.MatchString(create) {
		return fmt.Errorf("cannot read the definition of %s", table)
	}
	create = head.ReplaceAllLiteralString(create, `CREATE TABLE "`+rebuilt+`"`)
	var columns []string
	if err := tx.Raw("SELECT '\"' || replace(name, '\"', '\"\"') || '\"' FROM pragma_table_info(?) ORDER BY cid", table).Scan(&columns).Error; err != nil {
		return err
	}
	var extras []string // indexes and triggers, as created
	if err := tx.Raw("SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL ORDER BY type, name", table).Scan(&extras).Error; err != nil {
		return err
	}
	list := strings.Join(columns, ", ")
	statements := append([]string{create,
		fmt.Sprintf(`INSERT INTO "%s" (%s) SELECT %s FROM "%s"`, rebuilt, list, list, table),
		fmt.Sprintf(`DROP TABLE "%s"`, table),
		fmt.Sprintf(`ALTER TABLE "%s" RENAME TO "%s"`, rebuilt, table)}, extras...)
	for _, stmt := range statements {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("rebuild %s: %w", table, err)
		}
	}
	return nil
}

// SchemaVersion is the schema version this build of praxis writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

type schemaMigration struct {
	Version   int `gorm:"primaryKey"`
	Name      string
	AppliedAt time.Time
}

// migrate applies the migrations the database lacks, up to target.
func (db *DB) migrate(ctx context.Context, target int) error {
	g := db.gorm.WithContext(ctx)
	if err := g.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at DATETIME NOT NULL
	)`).Error; err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	current, err := db.Version(ctx)
	if err != nil {
		return err
	}
	if latest := SchemaVersion(); current > latest {
		return praxis.Errorf(praxis.EINVALID,
			"the database %s has schema version %d, newer than this praxis understands (%d): run the newer praxis, or restore a backup made before the upgrade",
			db.path, current, latest)
	}
	for _, m := range migrations {
		if m.version <= current || m.version > target {
			continue
		}
		apply := func(tx *gorm.DB) error {
			for _, stmt := range m.statements {
				if err := tx.Exec(stmt).Error; err != nil {
					return err
				}
			}
			for _, table := range autoincrement[m.name] {
				if err := autoincrementIDs(tx, table); err != nil {
					return err
				}
			}
			if len(autoincrement[m.name]) > 0 {
				var broken []map[string]any
				if err := tx.Raw("PRAGMA foreign_key_check").Scan(&broken).Error; err != nil {
					return err
				}
				if len(broken) > 0 {
					return fmt.Errorf("%d rows break a foreign key after the rebuild, such as %v", len(broken), broken[0])
				}
			}
			return tx.Create(&schemaMigration{Version: m.version, Name: m.name, AppliedAt: time.Now().UTC()}).Error
		}
		var err error
		if len(autoincrement[m.name]) > 0 {
			err = withoutForeignKeys(g, func(conn *gorm.DB) error { return conn.Transaction(apply) })
		} else {
			err = g.Transaction(apply)
		}
		if err != nil {
			return fmt.Errorf("db: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// withoutForeignKeys runs fn on one connection with foreign key enforcement
// off, and turns it back on before the connection returns to the pool. The
// pragma cannot change inside a transaction, so fn opens its own.
func withoutForeignKeys(g *gorm.DB, fn func(conn *gorm.DB) error) error {
	return g.Connection(func(conn *gorm.DB) (err error) {
		if err := conn.Exec("PRAGMA foreign_keys = OFF").Error; err != nil {
			return err
		}
		defer func() {
			if onErr := conn.Exec("PRAGMA foreign_keys = ON").Error; onErr != nil && err == nil {
				err = onErr
			}
		}()
		return fn(conn)
	})
}

// Version returns the schema version of the database (0 when empty).
func (db *DB) Version(ctx context.Context) (int, error) {
	var version int
	err := db.gorm.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&version).Error
	if err != nil {
		return 0, fmt.Errorf("db: schema version: %w", err)
	}
	return version, nil
}
