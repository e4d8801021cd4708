package db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

type deliveryRow struct {
	ID            int64 `gorm:"primaryKey"`
	FacilitatorID int64
	Module        string
	ForkID        *int64
	Version       string
	Date          string
	Duration      int
	Format        string
	Town          string
	Region        string
	Country       string
	Host          string
	HostType      string
	Participants  int
	FirstTime     int
	Worked        string
	Change        string
	FeedbackToken string
	FeedbackCount int
	FeedbackSum   int
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Revision      int64
}

func (deliveryRow) TableName() string { return "deliveries" }

type coFacilitatorRow struct {
	DeliveryID int64
	UserID     int64
}

func (coFacilitatorRow) TableName() string { return "delivery_cofacilitators" }

func rowFromDelivery(d *praxis.Delivery) deliveryRow {
	r := deliveryRow{ID: d.ID, FacilitatorID: d.FacilitatorID, Module: d.Module, Version: d.Version, Date: d.Date,
		Duration: d.Duration, Format: d.Format, Town: d.Town, Region: d.Region, Country: d.Country, Host: d.Host,
		HostType: d.HostType, Participants: d.Participants, FirstTime: d.FirstTime, Worked: d.Worked, Change: d.Change,
		FeedbackToken: d.FeedbackToken, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Revision: d.Revision}
	if d.ForkID != 0 {
		r.ForkID = &d.ForkID
	}
	return r
}

func (r deliveryRow) delivery() *praxis.Delivery {
	d := &praxis.Delivery{ID: r.ID, FacilitatorID: r.FacilitatorID, Module: r.Module, Version: r.Version, Date: r.Date,
		Duration: r.Duration, Format: r.Format, Town: r.Town, Region: r.Region, Country: r.Country, Host: r.Host,
		HostType: r.HostType, Participants: r.Participants, FirstTime: r.FirstTime, Worked: r.Worked, Change: r.Change,
		FeedbackToken: r.FeedbackToken, FeedbackCount: r.FeedbackCount, FeedbackSum: r.FeedbackSum,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Revision: r.Revision,
		CoFacilitators: []int64{}, CoFacilitatorNames: []string{}}
	if r.ForkID != nil {
		d.ForkID = *r.ForkID
	}
	return d
}

// CreateDelivery stores a delivery with its co-facilitators, at revision 1.
func (db *DB) CreateDelivery(ctx context.Context, d *praxis.Delivery) (int64, error) {
	row := rowFromDelivery(d)
	row.ID, row.Revision = 0, 1
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return setCoFacilitators(tx, row.ID, d.CoFacilitators)
	})
	if err != nil {
		return 0, fmt.Errorf("db: create delivery: %w", err)
	}
	return row.ID, nil
}

func setCoFacilitators(tx *gorm.DB, id int64, users []int64) error {
	if err := tx.Where("delivery_id = ?", id).Delete(&coFacilitatorRow{}).Error; err != nil {
		return err
	}
	for _, u := range users {
		if err := tx.Create(&coFacilitatorRow{DeliveryID: id, UserID: u}).Error; err != nil {
			return err
		}
	}
	return nil
}

// UpdateDelivery saves a delivery's fields (not its feedback) and
// co-facilitators, if it is still at revision expected, and sets d.Revision
// to the next one. ECONFLICT when another write changed it since; ENOTFOUND
// when it is gone.
func (db *DB) UpdateDelivery(ctx context.Context, d *praxis.Delivery, expected int64) error {
	row := rowFromDelivery(d)
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&deliveryRow{}).Where("id = ? AND revision = ?", d.ID, expected).Updates(map[string]any{
			"module": row.Module, "fork_id": row.ForkID, "version": row.Version, "date": row.Date, "duration": row.Duration,
			"format": row.Format, "town": row.Town, "region": row.Region, "country": row.Country, "host": row.Host,
			"host_type": row.HostType, "participants": row.Participants, "first_time": row.FirstTime,
			"worked": row.Worked, "change": row.Change, "updated_at": d.UpdatedAt.UTC(), "revision": expected + 1,
		})
		if res.Error != nil {
			return fmt.Errorf("db: update delivery: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&deliveryRow{}).Where("id = ?", d.ID).Count(&n).Error; err != nil {
				return fmt.Errorf("db: update delivery: %w", err)
			}
			if n == 0 {
				return praxis.Errorf(praxis.ENOTFOUND, "delivery not found")
			}
			return praxis.Errorf(praxis.ECONFLICT, "the delivery changed since revision %d", expected)
		}
		if err := setCoFacilitators(tx, d.ID, d.CoFacilitators); err != nil {
			return err
		}
		d.Revision = expected + 1
		return nil
	})
}

// DeleteDelivery removes a delivery and its feedback.
func (db *DB) DeleteDelivery(ctx context.Context, id int64) error {
	res := db.gorm.WithContext(ctx).Delete(&deliveryRow{}, id)
	if res.Error != nil {
		return fmt.Errorf("db: delete delivery: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return praxis.Errorf(praxis.ENOTFOUND, "delivery not found")
	}
	return nil
}

func (db *DB) deliveryQuery(ctx context.Context) *gorm.DB {
	return db.gorm.WithContext(ctx).Table("deliveries").
		Select("deliveries.*, users.name AS facilitator_name").
		Joins("LEFT JOIN users ON users.id = deliveries.facilitator_id")
}

type deliveryWithName struct {
	Row             deliveryRow `gorm:"embedded"`
	FacilitatorName string
}

func (db *DB) withCoFacilitators(ctx context.Context, rows []deliveryWithName) ([]*praxis.Delivery, error) {
	out := make([]*praxis.Delivery, len(rows))
	ids := make([]int64, len(rows))
	byID := map[int64]*praxis.Delivery{}
	for i, r := range rows {
		d := r.Row.delivery()
		d.Facilitator = r.FacilitatorName
		out[i], ids[i], byID[d.ID] = d, d.ID, d
	}
	for start := 0; start < len(ids); start += 500 {
		var cos []struct {
			DeliveryID, UserID int64
			Name               string
		}
		err := db.gorm.WithContext(ctx).Table("delivery_cofacilitators").
			Select("delivery_cofacilitators.delivery_id, delivery_cofacilitators.user_id, COALESCE(users.name, '') AS name").
			Joins("LEFT JOIN users ON users.id = delivery_cofacilitators.user_id").
			Where("delivery_cofacilitators.delivery_id IN ?", ids[start:min(start+500, len(ids))]).
			Order("delivery_cofacilitators.user_id").Scan(&cos).Error
		if err != nil {
			return nil, fmt.Errorf("db: co-facilitators: %w", err)
		}
		for _, c := range cos {
			d := byID[c.DeliveryID]
			d.CoFacilitators = append(d.CoFacilitators, c.UserID)
			d.CoFacilitatorNames = append(d.CoFacilitatorNames, c.Name)
		}
	}
	return out, nil
}

// FindDelivery returns a delivery. ENOTFOUND when there is none.
func (db *DB) FindDelivery(ctx context.Context, id int64) (*praxis.Delivery, error) {
	var row deliveryWithName
	if err := db.deliveryQuery(ctx).Where("deliveries.id = ?", id).Take(&row).Error; err != nil {
		return nil, translate(err, "delivery")
	}
	out, err := db.withCoFacilitators(ctx, []deliveryWithName{row})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// FindDeliveryByToken returns the delivery of a feedback link.
func (db *DB) FindDeliveryByToken(ctx context.Context, token string) (*praxis.Delivery, error) {
	var row deliveryWithName
	if err := db.deliveryQuery(ctx).Where("deliveries.feedback_token = ?", token).Take(&row).Error; err != nil {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "this feedback link is not valid")
	}
	out, err := db.withCoFacilitators(ctx, []deliveryWithName{row})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// moduleCondition matches deliveries of the modules slugs, under their names
// or under an earlier one at a version from before the move.
func moduleCondition(q *gorm.DB, f praxis.DeliveryFilter, slugs []string) *gorm.DB {
	cond := "deliveries.module IN ?"
	args := []any{slugs}
	for _, a := range f.Aliases {
		if slices.Contains(slugs, a.Of) {
			cond += " OR (deliveries.module = ? AND COALESCE((SELECT seq FROM commits WHERE commits.id = deliveries.version), 0) < ?)"
			args = append(args, a.Slug, a.Before)
		}
	}
	q = q.Where("("+cond+")", args...)
	for _, m := range f.Moved {
		if slices.Contains(slugs, m.Of) {
			q = q.Where("NOT (deliveries.module = ? AND COALESCE((SELECT seq FROM commits WHERE commits.id = deliveries.version), 0) < ?)", m.Slug, m.Before)
		}
	}
	return q
}

// applyDeliveryFilter narrows a query of deliveries to those f matches.
func applyDeliveryFilter(q *gorm.DB, f praxis.DeliveryFilter) *gorm.DB {
	if f.From != "" {
		q = q.Where("deliveries.date >= ?", f.From)
	}
	if f.To != "" {
		q = q.Where("deliveries.date <= ?", f.To)
	}
	if f.Module != "" {
		q = moduleCondition(q, f, []string{f.Module})
	}
	if len(f.Modules) > 0 {
		q = moduleCondition(q, f, f.Modules)
	}
	if f.Region != "" {
		q = q.Where("deliveries.region = ?", f.Region)
	}
	if f.Format != "" {
		q = q.Where("deliveries.format = ?", f.Format)
	}
	if f.PersonID != 0 {
		q = q.Where("(deliveries.facilitator_id = ? OR deliveries.id IN (SELECT delivery_id FROM delivery_cofacilitators WHERE user_id = ?))", f.PersonID, f.PersonID)
	}
	if f.WithReflection {
		q = q.Where("(deliveries.worked <> '' OR deliveries.change <> '')")
	}
	return q
}

// ListDeliveries returns deliveries, newest first, and how many match.
func (db *DB) ListDeliveries(ctx context.Context, f praxis.DeliveryFilter) ([]*praxis.Delivery, int64, error) {
	q := applyDeliveryFilter(db.deliveryQuery(ctx), f)
	var total int64
	if err := applyDeliveryFilter(db.gorm.WithContext(ctx).Table("deliveries"), f).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list deliveries: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	var rows []deliveryWithName
	if err := q.Order("deliveries.date DESC, deliveries.id DESC").Limit(limit).Offset(f.Offset).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list deliveries: %w", err)
	}
	out, err := db.withCoFacilitators(ctx, rows)
	return out, total, err
}

// EachDelivery streams matching deliveries, newest first, with their
// co-facilitators, without holding them all in memory; fn returning an error
// stops the stream. The delivery passed to fn is reused between calls.
func (db *DB) EachDelivery(ctx context.Context, f praxis.DeliveryFilter, fn func(*praxis.Delivery) error) error {
	q := applyDeliveryFilter(db.gorm.WithContext(ctx).Table("deliveries").
		Select(`deliveries.id, deliveries.facilitator_id, COALESCE(users.name, ''), deliveries.module,
			COALESCE(deliveries.fork_id, 0), deliveries.version, deliveries.date, deliveries.duration, deliveries.format,
			deliveries.town, deliveries.region, deliveries.country, deliveries.host, deliveries.host_type,
			deliveries.participants, deliveries.first_time, deliveries.worked, deliveries.change,
			deliveries.feedback_token, deliveries.feedback_count, deliveries.feedback_sum, deliveries.created_at,
			deliveries.updated_at, deliveries.revision,
			COALESCE((SELECT group_concat(user_id, ' ') FROM delivery_cofacilitators c WHERE c.delivery_id = deliveries.id), '')`).
		Joins("LEFT JOIN users ON users.id = deliveries.facilitator_id"), f)
	// Co-facilitators' names come from one map rather than a join per row:
	// a few thousand people co-facilitate a million deliveries.
	var people []struct {
		ID   int64
		Name string
	}
	if err := db.gorm.WithContext(ctx).Raw(`SELECT id, name FROM users WHERE id IN (SELECT DISTINCT user_id FROM delivery_cofacilitators)`).
		Scan(&people).Error; err != nil {
		return fmt.Errorf("db: stream deliveries: %w", err)
	}
	names := make(map[int64]string, len(people))
	for _, p := range people {
		names[p.ID] = p.Name
	}
	rows, err := q.Order("deliveries.date DESC, deliveries.id DESC").Rows()
	if err != nil {
		return fmt.Errorf("db: stream deliveries: %w", err)
	}
	defer rows.Close()
	var d praxis.Delivery
	var co string
	for rows.Next() {
		if err := rows.Scan(&d.ID, &d.FacilitatorID, &d.Facilitator, &d.Module, &d.ForkID, &d.Version, &d.Date,
			&d.Duration, &d.Format, &d.Town, &d.Region, &d.Country, &d.Host, &d.HostType, &d.Participants,
			&d.FirstTime, &d.Worked, &d.Change, &d.FeedbackToken, &d.FeedbackCount, &d.FeedbackSum, &d.CreatedAt,
			&d.UpdatedAt, &d.Revision, &co); err != nil {
			return fmt.Errorf("db: stream deliveries: %w", err)
		}
		d.CoFacilitators, d.CoFacilitatorNames = d.CoFacilitators[:0], d.CoFacilitatorNames[:0]
		for _, field := range strings.Fields(co) {
			if id, err := strconv.ParseInt(field, 10, 64); err == nil {
				d.CoFacilitators = append(d.CoFacilitators, id)
				d.CoFacilitatorNames = append(d.CoFacilitatorNames, names[id])
			}
		}
		if err := fn(&d); err != nil {
			return err
		}
	}
	return rows.Err()
}

// DeliveryFact is the part of a delivery the statistics need.
type DeliveryFact struct {
	ID, FacilitatorID                 int64
	Module, Version, Date             string
	Format, Region, Country, HostType string
	Participants, FirstTime           int
	FeedbackCount, FeedbackSum        int
	CoFacilitators                    []int64
}

// EachDeliveryFact streams every delivery's facts, in id order, with its
// co-facilitators, for building the statistics in memory.
func (db *DB) EachDeliveryFact(ctx context.Context, fn func(DeliveryFact)) error {
	cos := map[int64][]int64{}
	var coRows []coFacilitatorRow
	if err := db.gorm.WithContext(ctx).Find(&coRows).Error; err != nil {
		return fmt.Errorf("db: delivery facts: %w", err)
	}
	for _, c := range coRows {
		cos[c.DeliveryID] = append(cos[c.DeliveryID], c.UserID)
	}
	rows, err := db.gorm.WithContext(ctx).Raw(`SELECT id, facilitator_id, module, version, date, format, region, country,
		host_type, participants, first_time, feedback_count, feedback_sum FROM deliveries ORDER BY id`).Rows()
	if err != nil {
		return fmt.Errorf("db: delivery facts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f DeliveryFact
		if err := rows.Scan(&f.ID, &f.FacilitatorID, &f.Module, &f.Version, &f.Date, &f.Format, &f.Region, &f.Country,
			&f.HostType, &f.Participants, &f.FirstTime, &f.FeedbackCount, &f.FeedbackSum); err != nil {
			return fmt.Errorf("db: delivery facts: %w", err)
		}
		f.CoFacilitators = cos[f.ID]
		fn(f)
	}
	return rows.Err()
}

type feedbackRow struct {
	ID         int64 `gorm:"primaryKey"`
	DeliveryID int64
	Rating     int
	Valued     string
	Improve    string
	Browser    []byte
	CreatedAt  time.Time
}

func (feedbackRow) TableName() string { return "feedback" }

// AddFeedback stores one participant's feedback and adds it to the delivery's
// totals, at most cap answers per delivery and one per browser: ECONFLICT when
// this browser answered already, ETOOMANY past the cap.
func (db *DB) AddFeedback(ctx context.Context, fb *praxis.Feedback, browser []byte, cap int) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var count int64
		if err := tx.Model(&feedbackRow{}).Where("delivery_id = ?", fb.DeliveryID).Count(&count).Error; err != nil {
			return err
		}
		if count >= int64(cap) {
			return praxis.Errorf(praxis.ETOOMANY, "this workshop has had all the feedback it can take")
		}
		row := feedbackRow{DeliveryID: fb.DeliveryID, Rating: fb.Rating, Valued: fb.Valued, Improve: fb.Improve, Browser: browser, CreatedAt: fb.CreatedAt.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				return praxis.Errorf(praxis.ECONFLICT, "you have already given feedback on this workshop: thank you")
			}
			return err
		}
		fb.ID = row.ID
		if err := tx.Model(&deliveryRow{}).Where("id = ?", fb.DeliveryID).Updates(map[string]any{
			"feedback_count": gorm.Expr("feedback_count + 1"), "feedback_sum": gorm.Expr("feedback_sum + ?", fb.Rating),
		}).Error; err != nil {
			return err
		}
		var delivered struct {
			FacilitatorID int64
			Module        string
			Date          string
		}
		if err := tx.Model(&deliveryRow{}).Select("facilitator_id, module, date").Where("id = ?", fb.DeliveryID).Take(&delivered).Error; err != nil {
			return err
		}
		// Participants answer without an account: the event has no actor.
		return db.addActivity(tx, praxis.Activity{At: row.CreatedAt, Kind: praxis.ActivityFeedback, SubjectID: delivered.FacilitatorID,
			ObjectID: fb.DeliveryID, Module: delivered.Module, Detail: delivered.Date})
	})
}

// ListFeedback returns a delivery's feedback, newest first.
func (db *DB) ListFeedback(ctx context.Context, deliveryID int64) ([]praxis.Feedback, error) {
	var rows []feedbackRow
	if err := db.gorm.WithContext(ctx).Where("delivery_id = ?", deliveryID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list feedback: %w", err)
	}
	out := make([]praxis.Feedback, len(rows))
	for i, r := range rows {
		out[i] = praxis.Feedback{ID: r.ID, DeliveryID: r.DeliveryID, Rating: r.Rating, Valued: r.Valued, Improve: r.Improve, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// UsersExist returns which of the ids are active accounts.
func (db *DB) UsersExist(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var found []int64
	if err := db.gorm.WithContext(ctx).Model(&userRow{}).Where("id IN ? AND status = ?", ids, praxis.StatusActive).Pluck("id", &found).Error; err != nil {
		return nil, fmt.Errorf("db: users exist: %w", err)
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// UserNames returns the names of users by id.
func (db *DB) UserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for start := 0; start < len(ids); start += 500 {
		var rows []userRow
		if err := db.gorm.WithContext(ctx).Select("id, name").Where("id IN ?", ids[start:min(start+500, len(ids))]).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("db: user names: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = r.Name
		}
	}
	return out, nil
}

// ActiveUserIDs returns the ids of every active account.
func (db *DB) ActiveUserIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	if err := db.gorm.WithContext(ctx).Model(&userRow{}).Where("status = ?", praxis.StatusActive).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("db: active users: %w", err)
	}
	return ids, nil
}

// DeliveryTotals sums the deliveries matching a filter.
func (db *DB) DeliveryTotals(ctx context.Context, f praxis.DeliveryFilter) (deliveries, participants, firstTime int64, err error) {
	var t struct{ N, P, F int64 }
	err = applyDeliveryFilter(db.gorm.WithContext(ctx).Table("deliveries"), f).
		Select("COUNT(*) AS n, COALESCE(SUM(participants), 0) AS p, COALESCE(SUM(first_time), 0) AS f").Scan(&t).Error
	if err != nil {
		return 0, 0, 0, fmt.Errorf("db: delivery totals: %w", err)
	}
	return t.N, t.P, t.F, nil
}

// DeliveryVersions returns every commit a delivery pins, once each: the
// versions a prune of the repository must keep.
func (db *DB) DeliveryVersions(ctx context.Context) ([]string, error) {
	var versions []string
	if err := db.gorm.WithContext(ctx).Raw(`SELECT DISTINCT version FROM deliveries`).Scan(&versions).Error; err != nil {
		return nil, fmt.Errorf("db: delivery versions: %w", err)
	}
	return versions, nil
}

// ActiveUsersNamed returns up to limit active accounts whose name may be
// name: compared as LIKE does (ASCII letters without regard to case), each
// run of spaces in name matching any characters. The caller compares the
// names exactly; this only narrows the search.
func (db *DB) ActiveUsersNamed(ctx context.Context, name string, limit int) ([]*praxis.User, error) {
	words := strings.Fields(name)
	if len(words) == 0 {
		return nil, nil
	}
	for i, w := range words {
		words[i] = escapeLike(w)
	}
	var rows []userRow
	err := db.gorm.WithContext(ctx).Where("status = ? AND name LIKE ? ESCAPE '\\'", praxis.StatusActive, strings.Join(words, "%")).
		Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: users named: %w", err)
	}
	out := make([]*praxis.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}
