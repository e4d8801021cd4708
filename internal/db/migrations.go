package db

import (
	"context"
	"fmt"
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
}

// SchemaVersion is the schema version this build of praxis writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

type schemaMigration struct {
	Version   int `gorm:"primaryKey"`
	Name      string
	AppliedAt time.Time
}

func (db *DB) migrate(ctx context.Context) error {
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
		if m.version <= current {
			continue
		}
		err := g.Transaction(func(tx *gorm.DB) error {
			for _, stmt := range m.statements {
				if err := tx.Exec(stmt).Error; err != nil {
					return err
				}
			}
			return tx.Create(&schemaMigration{Version: m.version, Name: m.name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return fmt.Errorf("db: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
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
