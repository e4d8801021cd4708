package db

import (
	"context"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

type forkRow struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Module    string
	Branch    string
	CreatedAt time.Time
}

func (forkRow) TableName() string { return "forks" }

func (r forkRow) fork() *praxis.Fork {
	return &praxis.Fork{ID: r.ID, UserID: r.UserID, Module: r.Module, Branch: r.Branch, CreatedAt: r.CreatedAt.UTC()}
}

// CreateFork records a fork. ECONFLICT when the person already has a fork of
// the module.
func (db *DB) CreateFork(ctx context.Context, f *praxis.Fork) (int64, error) {
	row := forkRow{UserID: f.UserID, Module: f.Module, Branch: f.Branch, CreatedAt: f.CreatedAt.UTC()}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		if isUniqueViolation(err) {
			return 0, praxis.Errorf(praxis.ECONFLICT, "you already have a copy of %s", f.Module)
		}
		return 0, fmt.Errorf("db: create fork: %w", err)
	}
	return row.ID, nil
}

// FindFork returns a fork. ENOTFOUND when there is none.
func (db *DB) FindFork(ctx context.Context, id int64) (*praxis.Fork, error) {
	var row forkRow
	if err := db.gorm.WithContext(ctx).First(&row, id).Error; err != nil {
		return nil, translate(err, "fork")
	}
	return row.fork(), nil
}

// FindForkOf returns a person's fork of a module. ENOTFOUND when they have none.
func (db *DB) FindForkOf(ctx context.Context, userID int64, module string) (*praxis.Fork, error) {
	var row forkRow
	if err := db.gorm.WithContext(ctx).Where("user_id = ? AND module = ?", userID, module).First(&row).Error; err != nil {
		return nil, translate(err, "fork")
	}
	return row.fork(), nil
}

// FindForkByBranch returns the fork on a branch. ENOTFOUND when none.
func (db *DB) FindForkByBranch(ctx context.Context, branch string) (*praxis.Fork, error) {
	var row forkRow
	if err := db.gorm.WithContext(ctx).Where("branch = ?", branch).First(&row).Error; err != nil {
		return nil, translate(err, "fork")
	}
	return row.fork(), nil
}

// ListForks returns a person's forks, newest first.
func (db *DB) ListForks(ctx context.Context, userID int64) ([]*praxis.Fork, error) {
	var rows []forkRow
	if err := db.gorm.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list forks: %w", err)
	}
	out := make([]*praxis.Fork, len(rows))
	for i, r := range rows {
		out[i] = r.fork()
	}
	return out, nil
}

// ForkBranches returns the branch of every fork.
func (db *DB) ForkBranches(ctx context.Context) (map[string]bool, error) {
	var branches []string
	if err := db.gorm.WithContext(ctx).Model(&forkRow{}).Pluck("branch", &branches).Error; err != nil {
		return nil, fmt.Errorf("db: fork branches: %w", err)
	}
	out := make(map[string]bool, len(branches))
	for _, b := range branches {
		out[b] = true
	}
	return out, nil
}

// SetForkModule records that a fork's module is now at another slug (its
// folder moved on main, and the fork took the move in). ECONFLICT when the
// person already has a fork of that module.
func (db *DB) SetForkModule(ctx context.Context, id int64, module string) error {
	err := db.gorm.WithContext(ctx).Model(&forkRow{}).Where("id = ?", id).Update("module", module).Error
	if isUniqueViolation(err) {
		return praxis.Errorf(praxis.ECONFLICT, "you already have a copy of %s", module)
	}
	if err != nil {
		return fmt.Errorf("db: set fork module: %w", err)
	}
	return nil
}
