package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// Bulk imports, for generated demo data and benchmarks: prepared statements in
// one transaction per call, tens of thousands of rows a second.

// ImportUsers inserts accounts with their given ids, all with one password
// hash. Each user's email must be unique.
func (db *DB) ImportUsers(ctx context.Context, users []*praxis.User, passwordHash string) error {
	return db.bulk(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO users (id, email, email_key, name, pronouns, region, town,
			organisation, languages, bio, roles, status, visibility, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, '', ?, ?, '', ?, '', ?, ?, '{}', ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, u := range users {
			if _, err := stmt.ExecContext(ctx, u.ID, u.Email, EmailKey(u.Email), u.Name, u.Region, u.Town,
				strings.Join(u.Languages, ","), rolesToBits(u.Roles), string(u.Status), passwordHash,
				u.CreatedAt.UTC(), u.CreatedAt.UTC()); err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportDeliveries inserts deliveries with their co-facilitators and
// feedback (browser keys are made up: imported answers came from nowhere),
// setting each delivery's id.
func (db *DB) ImportDeliveries(ctx context.Context, deliveries []*praxis.Delivery, feedback [][]praxis.Feedback) error {
	return db.bulk(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (facilitator_id, module, fork_id, version, date,
			duration, format, town, region, country, host, host_type, participants, first_time, worked, change,
			feedback_token, feedback_count, feedback_sum, created_at, updated_at)
			VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		co, err := tx.PrepareContext(ctx, `INSERT INTO delivery_cofacilitators (delivery_id, user_id) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer co.Close()
		fb, err := tx.PrepareContext(ctx, `INSERT INTO feedback (delivery_id, rating, valued, improve, browser, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer fb.Close()
		for i, d := range deliveries {
			res, err := ins.ExecContext(ctx, d.FacilitatorID, d.Module, d.Version, d.Date, d.Duration, d.Format, d.Town,
				d.Region, d.Country, d.Host, d.HostType, d.Participants, d.FirstTime, d.Worked, d.Change, d.FeedbackToken,
				d.FeedbackCount, d.FeedbackSum, d.CreatedAt.UTC(), d.UpdatedAt.UTC())
			if err != nil {
				return err
			}
			if d.ID, err = res.LastInsertId(); err != nil {
				return err
			}
			for _, u := range d.CoFacilitators {
				if _, err := co.ExecContext(ctx, d.ID, u); err != nil {
					return err
				}
			}
			if i < len(feedback) {
				for j, f := range feedback[i] {
					if _, err := fb.ExecContext(ctx, d.ID, f.Rating, f.Valued, f.Improve, []byte(fmt.Sprintf("import-%d", j)), f.CreatedAt.UTC()); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

func (db *DB) bulk(ctx context.Context, fn func(*sql.Tx) error) error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: import: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("db: import: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: import: %w", err)
	}
	return nil
}

// CountRealUsers counts accounts whose email is not in the given domain: the
// people an import of demo data must not mix with.
func (db *DB) CountRealUsers(ctx context.Context, demoDomain string) (int64, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&userRow{}).Where("email_key NOT LIKE ? ESCAPE '\\'", "%@"+escapeLike(demoDomain)).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("db: count users: %w", err)
	}
	return n, nil
}

// MaxUserID returns the largest account id, 0 when there are none.
func (db *DB) MaxUserID(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := db.gorm.WithContext(ctx).Model(&userRow{}).Select("MAX(id)").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("db: max user id: %w", err)
	}
	return n.Int64, nil
}

// Checkpoint copies the write-ahead log into the database file and empties
// the log, so that the file alone holds every committed write.
func (db *DB) Checkpoint(ctx context.Context) error {
	if err := db.gorm.WithContext(ctx).Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
		return fmt.Errorf("db: checkpoint: %w", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check.
func (db *DB) IntegrityCheck(ctx context.Context) (bool, error) {
	var result string
	if err := db.gorm.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&result).Error; err != nil {
		return false, fmt.Errorf("db: integrity check: %w", err)
	}
	return result == "ok", nil
}
