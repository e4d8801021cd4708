package db

import (
	"context"
	"fmt"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// CountDownload adds one download of a module's file in a format at a
// version on a day (YYYY-MM-DD).
func (db *DB) CountDownload(ctx context.Context, module, format, version, day string) error {
	err := db.gorm.WithContext(ctx).Exec(`INSERT INTO downloads (module, format, version, day, count) VALUES (?, ?, ?, ?, 1)
		ON CONFLICT (module, format, version, day) DO UPDATE SET count = count + 1`, module, format, version, day).Error
	if err != nil {
		return fmt.Errorf("db: count download: %w", err)
	}
	return nil
}

// DownloadCounts sums downloads per module and format between two days
// (inclusive; "" for no bound), optionally of one module's versions.
func (db *DB) DownloadCounts(ctx context.Context, from, to, module string) ([]praxis.DownloadCount, error) {
	q := db.gorm.WithContext(ctx).Table("downloads").Select("module, format, SUM(count) AS count")
	if from != "" {
		q = q.Where("day >= ?", from)
	}
	if to != "" {
		q = q.Where("day <= ?", to)
	}
	if module != "" {
		q = q.Where("module = ?", module)
	}
	var out []praxis.DownloadCount
	if err := q.Group("module, format").Order("module, format").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("db: download counts: %w", err)
	}
	return out, nil
}
