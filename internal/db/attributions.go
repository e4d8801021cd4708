package db

import (
	"context"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm/clause"
)

// attributionRow is a row of commit_accounts.
type attributionRow struct {
	Object      string `gorm:"primaryKey"`
	UserID      int64
	Action      string
	AuthorName  string
	AuthorEmail string
	RecordedAt  time.Time
}

func (attributionRow) TableName() string { return "commit_accounts" }

// RecordAttributions records which account is responsible for each object.
// The first record of an object stands: a commit saved by one person and
// later pushed again by another stays the first person's.
func (db *DB) RecordAttributions(ctx context.Context, attributions []praxis.Attribution) error {
	if len(attributions) == 0 {
		return nil
	}
	rows := make([]attributionRow, len(attributions))
	for i, a := range attributions {
		at := a.At
		if at.IsZero() {
			at = time.Now()
		}
		rows[i] = attributionRow{Object: a.Object, UserID: a.UserID, Action: a.Action,
			AuthorName: a.AuthorName, AuthorEmail: a.AuthorEmail, RecordedAt: at.UTC()}
	}
	err := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 200).Error
	if err != nil {
		return fmt.Errorf("db: record attributions: %w", err)
	}
	return nil
}

// Attributions returns the accounts responsible for those of objects that
// have one, with each account's name now.
func (db *DB) Attributions(ctx context.Context, objects []string) (map[string]*praxis.Attribution, error) {
	out := make(map[string]*praxis.Attribution, len(objects))
	type row struct {
		Object      string
		UserID      int64
		Action      string
		AuthorName  string
		AuthorEmail string
		RecordedAt  time.Time
		Name        string
	}
	for start := 0; start < len(objects); start += 500 {
		var rows []row
		err := db.gorm.WithContext(ctx).Table("commit_accounts").
			Select("commit_accounts.*, users.name AS name").
			Joins("JOIN users ON users.id = commit_accounts.user_id").
			Where("commit_accounts.object IN ?", objects[start:min(start+500, len(objects))]).
			Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("db: attributions: %w", err)
		}
		for _, r := range rows {
			out[r.Object] = &praxis.Attribution{Object: r.Object, UserID: r.UserID, Name: r.Name, Action: r.Action,
				AuthorName: r.AuthorName, AuthorEmail: r.AuthorEmail, At: r.RecordedAt.UTC()}
		}
	}
	return out, nil
}
