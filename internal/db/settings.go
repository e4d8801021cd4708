package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type settingRow struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

func (settingRow) TableName() string { return "settings" }

// Setting returns an instance setting, or def when it has never been set.
func (db *DB) Setting(ctx context.Context, key, def string) (string, error) {
	var row settingRow
	err := db.gorm.WithContext(ctx).Where("key = ?", key).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return def, nil
	}
	if err != nil {
		return "", fmt.Errorf("db: setting %s: %w", key, err)
	}
	return row.Value, nil
}

// SetSetting stores an instance setting and its audit entry.
func (db *DB) SetSetting(ctx context.Context, key, value string, audit praxis.AuditEntry) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoUpdates: clause.AssignmentColumns([]string{"value"})}).
			Create(&settingRow{Key: key, Value: value}).Error
		if err != nil {
			return fmt.Errorf("db: set %s: %w", key, err)
		}
		return addAudit(tx, audit)
	})
}
