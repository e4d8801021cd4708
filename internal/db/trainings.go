package db

import (
	"context"
	"fmt"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

type trainingRow struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Module    string
	AwardedBy int64
	AwardedAt time.Time
	Note      string
}

func (trainingRow) TableName() string { return "trainings" }

// AwardTraining records that a user is trained to deliver a module, with the
// audit entry, in one transaction. ECONFLICT when they already are.
func (db *DB) AwardTraining(ctx context.Context, t praxis.Training, audit praxis.AuditEntry) (int64, error) {
	row := trainingRow{UserID: t.UserID, Module: t.Module, AwardedBy: t.AwardedBy, AwardedAt: t.AwardedAt.UTC(), Note: t.Note}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				return praxis.Errorf(praxis.ECONFLICT, "they are already trained to deliver %s", t.Module)
			}
			return err
		}
		if err := addAudit(tx, audit); err != nil {
			return err
		}
		return db.addActivity(tx, praxis.Activity{At: row.AwardedAt, ActorID: t.AwardedBy, SubjectID: t.UserID, Kind: praxis.ActivityTrainingAwarded,
			Module: t.Module, ObjectID: row.ID})
	})
	if err != nil && praxis.ErrorCode(err) == praxis.EINTERNAL {
		return 0, fmt.Errorf("db: award training: %w", err)
	}
	return row.ID, err
}

// WithdrawTraining removes a training, with the audit entry. ENOTFOUND when the
// user has no such training.
func (db *DB) WithdrawTraining(ctx context.Context, userID int64, module string, audit praxis.AuditEntry) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("user_id = ? AND module = ?", userID, module).Delete(&trainingRow{})
		if res.Error != nil {
			return fmt.Errorf("db: withdraw training: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ENOTFOUND, "they are not trained to deliver %s", module)
		}
		return addAudit(tx, audit)
	})
}

// trainingsOf returns the trainings of several users, with awarders' names.
func (db *DB) trainingsOf(ctx context.Context, userIDs []int64) (map[int64][]praxis.Training, error) {
	out := map[int64][]praxis.Training{}
	if len(userIDs) == 0 {
		return out, nil
	}
	type row struct {
		ID        int64
		UserID    int64
		Module    string
		AwardedBy int64
		AwardedAt time.Time
		Note      string
		Awarder   string
	}
	var rows []row
	err := db.gorm.WithContext(ctx).Table("trainings").
		Select("trainings.*, users.name AS awarder").
		Joins("LEFT JOIN users ON users.id = trainings.awarded_by").
		Where("trainings.user_id IN ?", userIDs).Order("trainings.module").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: trainings: %w", err)
	}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], praxis.Training{ID: r.ID, UserID: r.UserID, Module: r.Module,
			AwardedBy: r.AwardedBy, Awarder: r.Awarder, AwardedAt: r.AwardedAt.UTC(), Note: r.Note})
	}
	return out, nil
}

// TrainedModules returns the distinct modules anyone is trained on.
func (db *DB) TrainedModules(ctx context.Context) ([]string, error) {
	var modules []string
	if err := db.gorm.WithContext(ctx).Model(&trainingRow{}).Distinct("module").Order("module").Pluck("module", &modules).Error; err != nil {
		return nil, fmt.Errorf("db: trained modules: %w", err)
	}
	return modules, nil
}
