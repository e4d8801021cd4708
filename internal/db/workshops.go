package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

// Workshops ahead: requests from local groups, workshops scheduled, places
// at them, and facilitators' calendar tokens (migration 11).

type workshopRequestRow struct {
	ID             int64 `gorm:"primaryKey"`
	GroupName      string
	GroupType      string
	ContactName    string
	ContactEmail   string
	Town           string
	Region         string
	Online         bool
	Series         string
	PreferredDates string
	Participants   int
	Language       string
	AccessNeeds    string
	Notes          string
	Status         string
	DeclineReason  string
	DeclineMessage string
	AssignedTo     *int64
	StatusToken    string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ScheduledAt    *time.Time
}

func (workshopRequestRow) TableName() string { return "workshop_requests" }

func (r workshopRequestRow) request() *praxis.WorkshopRequest {
	out := &praxis.WorkshopRequest{ID: r.ID, GroupName: r.GroupName, GroupType: r.GroupType, ContactName: r.ContactName,
		ContactEmail: r.ContactEmail, Town: r.Town, Region: r.Region, Online: r.Online, Series: r.Series,
		PreferredDates: r.PreferredDates, Participants: r.Participants, Language: r.Language, AccessNeeds: r.AccessNeeds,
		Notes: r.Notes, Status: r.Status, DeclineReason: r.DeclineReason, DeclineMessage: r.DeclineMessage,
		StatusToken: r.StatusToken, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Modules: []string{}, Workshops: []int64{}}
	if r.AssignedTo != nil {
		out.AssignedTo = *r.AssignedTo
	}
	if r.ScheduledAt != nil {
		t := r.ScheduledAt.UTC()
		out.ScheduledAt = &t
	}
	return out
}

type requestModuleRow struct {
	RequestID int64
	Module    string
	Position  int
}

func (requestModuleRow) TableName() string { return "workshop_request_modules" }

type requestNoteRow struct {
	ID        int64 `gorm:"primaryKey"`
	RequestID int64
	AuthorID  *int64
	Body      string
	CreatedAt time.Time
}

func (requestNoteRow) TableName() string { return "workshop_request_notes" }

type offerRow struct {
	RequestID   int64
	UserID      int64
	Role        string
	Note        string
	CreatedAt   time.Time
	ConfirmedBy *int64
	ConfirmedAt *time.Time
}

func (offerRow) TableName() string { return "workshop_offers" }

type workshopRow struct {
	ID         int64 `gorm:"primaryKey"`
	Module     string
	ForkID     *int64
	Version    string
	StartsAt   time.Time
	EndsAt     time.Time
	Timezone   string
	LocalDate  string
	Format     string
	Venue      string
	Town       string
	Region     string
	OnlineURL  string `gorm:"column:online_url"`
	Capacity   int
	Language   string
	AccessInfo string
	Visibility string
	Status     string
	Key        string
	RequestID  *int64
	DeliveryID *int64
	CreatedBy  int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
	PurgedAt   *time.Time
}

func (workshopRow) TableName() string { return "workshops" }

func rowFromWorkshop(w *praxis.Workshop) workshopRow {
	r := workshopRow{ID: w.ID, Module: w.Module, Version: w.Version, StartsAt: w.StartsAt.UTC(), EndsAt: w.EndsAt.UTC(),
		Timezone: w.Timezone, LocalDate: w.LocalDate(), Format: w.Format, Venue: w.Venue, Town: w.Town, Region: w.Region,
		OnlineURL: w.OnlineURL, Capacity: w.Capacity, Language: w.Language, AccessInfo: w.AccessInfo,
		Visibility: w.Visibility, Status: w.Status, Key: w.Key, RequestID: nonZero(w.RequestID),
		DeliveryID: nonZero(w.DeliveryID), CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt.UTC(), UpdatedAt: w.UpdatedAt.UTC()}
	r.ForkID = nonZero(w.ForkID)
	return r
}

func (r workshopRow) workshop() *praxis.Workshop {
	w := &praxis.Workshop{ID: r.ID, Module: r.Module, Version: r.Version, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(),
		Timezone: r.Timezone, Format: r.Format, Venue: r.Venue, Town: r.Town, Region: r.Region, OnlineURL: r.OnlineURL,
		Capacity: r.Capacity, Language: r.Language, AccessInfo: r.AccessInfo, Visibility: r.Visibility, Status: r.Status,
		Key: r.Key, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Facilitators: []praxis.WorkshopFacilitator{}}
	if r.ForkID != nil {
		w.ForkID = *r.ForkID
	}
	if r.RequestID != nil {
		w.RequestID = *r.RequestID
	}
	if r.DeliveryID != nil {
		w.DeliveryID = *r.DeliveryID
	}
	if r.PurgedAt != nil {
		t := r.PurgedAt.UTC()
		w.PurgedAt = &t
	}
	return w
}

type workshopFacilitatorRow struct {
	WorkshopID int64
	UserID     int64
	Role       string
	Position   int
	LocalDate  string
	RemindedAt *time.Time
}

func (workshopFacilitatorRow) TableName() string { return "workshop_facilitators" }

type registrationRow struct {
	ID             int64 `gorm:"primaryKey"`
	WorkshopID     int64
	Name           string
	Email          string
	EmailKey       string
	AccessNeeds    string
	FirstTime      bool
	Status         string
	Attendance     string
	WalkIn         bool
	Token          string
	CreatedAt      time.Time
	CancelledAt    *time.Time
	PromotedAt     *time.Time
	RemindedAt     *time.Time
	FeedbackSentAt *time.Time
}

func (registrationRow) TableName() string { return "workshop_registrations" }

func (r registrationRow) registration() *praxis.Registration {
	out := &praxis.Registration{ID: r.ID, WorkshopID: r.WorkshopID, Name: r.Name, Email: r.Email, AccessNeeds: r.AccessNeeds,
		FirstTime: r.FirstTime, Status: r.Status, Attendance: r.Attendance, WalkIn: r.WalkIn, Token: r.Token,
		CreatedAt: r.CreatedAt.UTC()}
	if r.CancelledAt != nil {
		t := r.CancelledAt.UTC()
		out.CancelledAt = &t
	}
	if r.PromotedAt != nil {
		t := r.PromotedAt.UTC()
		out.PromotedAt = &t
	}
	return out
}

// --- Requests ---

// CreateRequest stores a workshop request with the modules asked for, and
// calls then, when not nil, with its id in the same transaction (to queue
// the email that acknowledges it).
func (db *DB) CreateRequest(ctx context.Context, r *praxis.WorkshopRequest, then func(tx *sql.Tx, id int64) error) (int64, error) {
	row := workshopRequestRow{GroupName: r.GroupName, GroupType: r.GroupType, ContactName: r.ContactName,
		ContactEmail: r.ContactEmail, Town: r.Town, Region: r.Region, Online: r.Online, Series: r.Series,
		PreferredDates: r.PreferredDates, Participants: r.Participants, Language: r.Language, AccessNeeds: r.AccessNeeds,
		Notes: r.Notes, Status: r.Status, StatusToken: r.StatusToken, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.CreatedAt.UTC()}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		for i, m := range r.Modules {
			if err := tx.Create(&requestModuleRow{RequestID: row.ID, Module: m, Position: i}).Error; err != nil {
				return err
			}
		}
		if err := db.addActivity(tx, praxis.Activity{At: row.CreatedAt, Kind: praxis.ActivityWorkshopRequested, ObjectID: row.ID,
			Title: r.GroupName, Module: firstOf(r.Modules)}); err != nil {
			return err
		}
		if then == nil {
			return nil
		}
		return withSQLTx(tx, func(sqlTx *sql.Tx) error { return then(sqlTx, row.ID) })
	})
	if err != nil {
		return 0, fmt.Errorf("db: create request: %w", err)
	}
	return row.ID, nil
}

// FindRequest returns a request with its modules and workshops. ENOTFOUND
// when there is none.
func (db *DB) FindRequest(ctx context.Context, id int64) (*praxis.WorkshopRequest, error) {
	return db.findRequest(ctx, "workshop_requests.id = ?", id)
}

// RequestByToken returns the request whose status link holds token.
func (db *DB) RequestByToken(ctx context.Context, token string) (*praxis.WorkshopRequest, error) {
	if token == "" {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "request not found")
	}
	return db.findRequest(ctx, "workshop_requests.status_token = ?", token)
}

func (db *DB) findRequest(ctx context.Context, where string, arg any) (*praxis.WorkshopRequest, error) {
	var row workshopRequestRow
	if err := db.gorm.WithContext(ctx).Where(where, arg).First(&row).Error; err != nil {
		return nil, translate(err, "request")
	}
	list := []*praxis.WorkshopRequest{row.request()}
	if err := db.fillRequests(ctx, list); err != nil {
		return nil, err
	}
	return list[0], nil
}

// fillRequests adds the modules, workshops and assigned coordinator's name.
func (db *DB) fillRequests(ctx context.Context, list []*praxis.WorkshopRequest) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	byID := map[int64]*praxis.WorkshopRequest{}
	var people []int64
	for i, r := range list {
		ids[i], byID[r.ID] = r.ID, r
		if r.AssignedTo != 0 {
			people = append(people, r.AssignedTo)
		}
	}
	var modules []requestModuleRow
	if err := db.gorm.WithContext(ctx).Where("request_id IN ?", ids).Order("request_id, position").Find(&modules).Error; err != nil {
		return fmt.Errorf("db: request modules: %w", err)
	}
	for _, m := range modules {
		byID[m.RequestID].Modules = append(byID[m.RequestID].Modules, m.Module)
	}
	var workshops []workshopRow
	if err := db.gorm.WithContext(ctx).Select("id, request_id").Where("request_id IN ?", ids).Order("starts_at").Find(&workshops).Error; err != nil {
		return fmt.Errorf("db: request workshops: %w", err)
	}
	for _, w := range workshops {
		byID[*w.RequestID].Workshops = append(byID[*w.RequestID].Workshops, w.ID)
	}
	names, err := db.UserNames(ctx, people)
	if err != nil {
		return err
	}
	for _, r := range list {
		r.AssignedName = names[r.AssignedTo]
	}
	return nil
}

// ListRequests returns requests, newest first, and how many match in all.
func (db *DB) ListRequests(ctx context.Context, f praxis.RequestFilter) ([]*praxis.WorkshopRequest, int64, error) {
	q := db.gorm.WithContext(ctx).Model(&workshopRequestRow{})
	switch {
	case len(f.Statuses) > 0:
		q = q.Where("status IN ?", f.Statuses)
	case f.Status != "":
		q = q.Where("status = ?", f.Status)
	}
	if f.Region != "" {
		q = q.Where("region = ?", f.Region)
	}
	if f.Module != "" {
		q = q.Where("id IN (SELECT request_id FROM workshop_request_modules WHERE module = ?)", f.Module)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list requests: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var rows []workshopRequestRow
	if err := q.Order("id DESC").Limit(limit).Offset(f.Offset).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list requests: %w", err)
	}
	list := make([]*praxis.WorkshopRequest, len(rows))
	for i, r := range rows {
		list[i] = r.request()
	}
	return list, total, db.fillRequests(ctx, list)
}

// RequestChange is a change to a request's status or assignment; nil fields
// stay as they are.
type RequestChange struct {
	Status         *string
	DeclineReason  *string
	DeclineMessage *string
	AssignedTo     *int64 // 0 for nobody
}

// UpdateRequest changes a request and records note with it, and calls then
// when not nil (to queue an email the change calls for), in one
// transaction. ENOTFOUND when there is no such request.
func (db *DB) UpdateRequest(ctx context.Context, id int64, ch RequestChange, note praxis.RequestNote, then func(tx *sql.Tx) error) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		set := map[string]any{"updated_at": now}
		if ch.Status != nil {
			set["status"] = *ch.Status
			if *ch.Status == praxis.RequestScheduled {
				set["scheduled_at"] = gorm.Expr("COALESCE(scheduled_at, ?)", now)
			}
		}
		if ch.DeclineReason != nil {
			set["decline_reason"] = *ch.DeclineReason
		}
		if ch.DeclineMessage != nil {
			set["decline_message"] = *ch.DeclineMessage
		}
		if ch.AssignedTo != nil {
			set["assigned_to"] = nonZero(*ch.AssignedTo)
		}
		res := tx.Model(&workshopRequestRow{}).Where("id = ?", id).Updates(set)
		if res.Error != nil {
			return fmt.Errorf("db: update request: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ENOTFOUND, "request not found")
		}
		if ch.AssignedTo != nil && *ch.AssignedTo != 0 {
			var group string
			if err := tx.Model(&workshopRequestRow{}).Where("id = ?", id).Select("group_name").Scan(&group).Error; err != nil {
				return err
			}
			if err := db.addActivity(tx, praxis.Activity{At: now, ActorID: note.AuthorID, Kind: praxis.ActivityRequestAssigned,
				SubjectID: *ch.AssignedTo, ObjectID: id, Title: group}); err != nil {
				return err
			}
		}
		if err := addRequestNote(tx, id, note); err != nil {
			return err
		}
		return withSQLTx(tx, then)
	})
}

func addRequestNote(tx *gorm.DB, requestID int64, note praxis.RequestNote) error {
	if note.Body == "" {
		return nil
	}
	at := note.CreatedAt
	if at.IsZero() {
		at = time.Now()
	}
	row := requestNoteRow{RequestID: requestID, AuthorID: nonZero(note.AuthorID), Body: note.Body, CreatedAt: at.UTC()}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("db: request note: %w", err)
	}
	return nil
}

// AddRequestNote records a note on a request.
func (db *DB) AddRequestNote(ctx context.Context, note praxis.RequestNote) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&workshopRequestRow{}).Where("id = ?", note.RequestID).Count(&n).Error; err != nil {
			return fmt.Errorf("db: request note: %w", err)
		}
		if n == 0 {
			return praxis.Errorf(praxis.ENOTFOUND, "request not found")
		}
		return addRequestNote(tx, note.RequestID, note)
	})
}

// RequestNotes returns a request's notes, oldest first, with their authors'
// names.
func (db *DB) RequestNotes(ctx context.Context, requestID int64) ([]praxis.RequestNote, error) {
	type row struct {
		Row    requestNoteRow `gorm:"embedded"`
		Author string
	}
	var rows []row
	err := db.gorm.WithContext(ctx).Table("workshop_request_notes").
		Select("workshop_request_notes.*, COALESCE(users.name, '') AS author").
		Joins("LEFT JOIN users ON users.id = workshop_request_notes.author_id").
		Where("request_id = ?", requestID).Order("workshop_request_notes.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: request notes: %w", err)
	}
	out := make([]praxis.RequestNote, len(rows))
	for i, r := range rows {
		out[i] = praxis.RequestNote{ID: r.Row.ID, RequestID: r.Row.RequestID, Body: r.Row.Body, CreatedAt: r.Row.CreatedAt.UTC(), Author: r.Author}
		if r.Row.AuthorID != nil {
			out[i].AuthorID = *r.Row.AuthorID
		}
	}
	return out, nil
}

// SaveOffer records (or changes) a person's offer on a request, keeping a
// confirmation already made.
func (db *DB) SaveOffer(ctx context.Context, o praxis.Offer) error {
	err := db.gorm.WithContext(ctx).Exec(`INSERT INTO workshop_offers (request_id, user_id, role, note, created_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (request_id, user_id) DO UPDATE SET role = excluded.role, note = excluded.note`,
		o.RequestID, o.UserID, o.Role, o.Note, o.CreatedAt.UTC()).Error
	if err != nil {
		return fmt.Errorf("db: save offer: %w", err)
	}
	return nil
}

// WithdrawOffer removes a person's offer. ENOTFOUND when there is none.
func (db *DB) WithdrawOffer(ctx context.Context, requestID, userID int64) error {
	res := db.gorm.WithContext(ctx).Where("request_id = ? AND user_id = ?", requestID, userID).Delete(&offerRow{})
	if res.Error != nil {
		return fmt.Errorf("db: withdraw offer: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return praxis.Errorf(praxis.ENOTFOUND, "there is no such offer")
	}
	return nil
}

// ConfirmOffer marks an offer confirmed by a coordinator, with a note on the
// request. ENOTFOUND when there is no such offer.
func (db *DB) ConfirmOffer(ctx context.Context, requestID, userID, by int64, note praxis.RequestNote) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := tx.Model(&offerRow{}).Where("request_id = ? AND user_id = ?", requestID, userID).
			Updates(map[string]any{"confirmed_by": by, "confirmed_at": now})
		if res.Error != nil {
			return fmt.Errorf("db: confirm offer: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ENOTFOUND, "there is no such offer")
		}
		return addRequestNote(tx, requestID, note)
	})
}

// Offers returns the offers on a request, oldest first, with names. With
// userID not 0, only that person's offers, on any request (requestID 0).
func (db *DB) Offers(ctx context.Context, requestID, userID int64) ([]praxis.Offer, error) {
	type row struct {
		Row  offerRow `gorm:"embedded"`
		Name string
	}
	q := db.gorm.WithContext(ctx).Table("workshop_offers").Select("workshop_offers.*, users.name AS name").
		Joins("JOIN users ON users.id = workshop_offers.user_id")
	if requestID != 0 {
		q = q.Where("request_id = ?", requestID)
	}
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	var rows []row
	if err := q.Order("workshop_offers.created_at, user_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: offers: %w", err)
	}
	out := make([]praxis.Offer, len(rows))
	for i, r := range rows {
		o := r.Row
		out[i] = praxis.Offer{RequestID: o.RequestID, UserID: o.UserID, Name: r.Name, Role: o.Role, Note: o.Note,
			CreatedAt: o.CreatedAt.UTC(), Confirmed: o.ConfirmedBy != nil}
		if o.ConfirmedBy != nil {
			out[i].ConfirmedBy = *o.ConfirmedBy
		}
	}
	return out, nil
}

// --- Workshops ---

// Bookings returns the days from..to (YYYY-MM-DD, inclusive) on which any of
// the people facilitate: workshops not cancelled (other than except) and
// deliveries they led or co-facilitated, ordered by person and date.
func (db *DB) Bookings(ctx context.Context, userIDs []int64, from, to string, except int64) ([]praxis.Booking, error) {
	return bookings(db.gorm.WithContext(ctx), userIDs, from, to, except)
}

func bookings(tx *gorm.DB, userIDs []int64, from, to string, except int64) ([]praxis.Booking, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	var out []praxis.Booking
	err := tx.Raw(`
		SELECT wf.user_id, u.name, wf.local_date AS date, w.id AS workshop_id, COALESCE(w.delivery_id, 0) AS delivery_id, w.module
		FROM workshop_facilitators wf
		JOIN workshops w ON w.id = wf.workshop_id
		JOIN users u ON u.id = wf.user_id
		WHERE wf.user_id IN ? AND wf.local_date BETWEEN ? AND ? AND w.status <> ? AND w.id <> ?
		UNION ALL
		SELECT d.facilitator_id, u.name, d.date, 0, d.id, d.module
		FROM deliveries d JOIN users u ON u.id = d.facilitator_id
		WHERE d.facilitator_id IN ? AND d.date BETWEEN ? AND ?
		  AND d.id NOT IN (SELECT delivery_id FROM workshops WHERE delivery_id IS NOT NULL AND id = ?)
		UNION ALL
		SELECT c.user_id, u.name, d.date, 0, d.id, d.module
		FROM delivery_cofacilitators c JOIN deliveries d ON d.id = c.delivery_id JOIN users u ON u.id = c.user_id
		WHERE c.user_id IN ? AND d.date BETWEEN ? AND ?
		  AND d.id NOT IN (SELECT delivery_id FROM workshops WHERE delivery_id IS NOT NULL AND id = ?)
		ORDER BY 1, 3, 4`,
		userIDs, from, to, praxis.WorkshopCancelled, except,
		userIDs, from, to, except,
		userIDs, from, to, except).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("db: bookings: %w", err)
	}
	// A delivery recorded from a workshop is the same booking as the workshop.
	seen := map[[2]int64]bool{}
	kept := out[:0]
	for _, b := range out {
		if b.WorkshopID != 0 && b.DeliveryID != 0 {
			seen[[2]int64{b.UserID, b.DeliveryID}] = true
		}
	}
	for _, b := range out {
		if b.WorkshopID == 0 && seen[[2]int64{b.UserID, b.DeliveryID}] {
			continue
		}
		kept = append(kept, b)
	}
	return kept, nil
}

// SaveWorkshop stores a new workshop (w.ID 0) or changes one, with its
// facilitators, in one transaction that first refuses (praxis.ClashError) when any
// facilitator already facilitates that day. A new workshop for a request
// marks the request scheduled. A changed workshop whose capacity grew moves
// people up from the waiting list; they are returned. An existing workshop
// is changed (or cancelled) only while it is scheduled: ECONFLICT when it
// was cancelled or delivered meanwhile. then, when not nil, is called last
// in the same transaction with those moved up (to queue the emails the
// change calls for).
func (db *DB) SaveWorkshop(ctx context.Context, w *praxis.Workshop, note praxis.RequestNote, then func(tx *sql.Tx, movedUp []*praxis.Registration) error) ([]*praxis.Registration, error) {
	row := rowFromWorkshop(w)
	var promoted []*praxis.Registration
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ids := make([]int64, len(w.Facilitators))
		for i, f := range w.Facilitators {
			ids[i] = f.UserID
		}
		clashes, err := bookings(tx, ids, row.LocalDate, row.LocalDate, w.ID)
		if err != nil {
			return err
		}
		if w.DeliveryID != 0 { // the workshop's own delivery is no clash
			kept := clashes[:0]
			for _, c := range clashes {
				if c.DeliveryID != w.DeliveryID {
					kept = append(kept, c)
				}
			}
			clashes = kept
		}
		if len(clashes) > 0 && w.Status != praxis.WorkshopCancelled {
			return &praxis.ClashError{Clashes: clashes}
		}
		if w.ID == 0 {
			row.ID = 0
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			w.ID = row.ID
			if w.RequestID != 0 {
				res := tx.Model(&workshopRequestRow{}).Where("id = ? AND status IN ?", w.RequestID, []string{praxis.RequestNew, praxis.RequestMatching}).
					Updates(map[string]any{"status": praxis.RequestScheduled, "scheduled_at": gorm.Expr("COALESCE(scheduled_at, ?)", row.CreatedAt), "updated_at": row.CreatedAt})
				if res.Error != nil {
					return res.Error
				}
				if err := addRequestNote(tx, w.RequestID, note); err != nil {
					return err
				}
			}
		} else {
			// Only a scheduled workshop changes: a change read before a
			// cancellation committed must not bring the workshop back.
			res := tx.Model(&workshopRow{}).Where("id = ? AND status = ?", w.ID, praxis.WorkshopScheduled).Updates(map[string]any{
				"module": row.Module, "fork_id": row.ForkID, "version": row.Version, "starts_at": row.StartsAt,
				"ends_at": row.EndsAt, "timezone": row.Timezone, "local_date": row.LocalDate, "format": row.Format,
				"venue": row.Venue, "town": row.Town, "region": row.Region, "online_url": row.OnlineURL,
				"capacity": row.Capacity, "language": row.Language, "access_info": row.AccessInfo,
				"visibility": row.Visibility, "status": row.Status, "updated_at": row.UpdatedAt})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				var status string
				if err := tx.Model(&workshopRow{}).Where("id = ?", w.ID).Pluck("status", &status).Error; err != nil {
					return err
				}
				if status == "" {
					return praxis.Errorf(praxis.ENOTFOUND, "workshop not found")
				}
				return praxis.Errorf(praxis.ECONFLICT, "this workshop was %s meanwhile: it can no longer be changed", status)
			}
		}
		// The facilitators: those taken off are removed, those kept keep
		// their reminder (unless the day moved), new ones are added.
		var before []workshopFacilitatorRow
		if err := tx.Where("workshop_id = ?", w.ID).Find(&before).Error; err != nil {
			return err
		}
		kept := make(map[int64]workshopFacilitatorRow, len(before))
		for _, f := range before {
			kept[f.UserID] = f
		}
		if err := tx.Where("workshop_id = ? AND user_id NOT IN ?", w.ID, append(ids, 0)).Delete(&workshopFacilitatorRow{}).Error; err != nil {
			return err
		}
		actor := note.AuthorID
		if actor == 0 {
			actor = w.CreatedBy
		}
		for i, f := range w.Facilitators {
			old, wasOn := kept[f.UserID]
			if wasOn {
				set := map[string]any{"role": f.Role, "position": i, "local_date": row.LocalDate}
				if old.LocalDate != row.LocalDate {
					set["reminded_at"] = nil
				}
				if err := tx.Model(&workshopFacilitatorRow{}).Where("workshop_id = ? AND user_id = ?", w.ID, f.UserID).Updates(set).Error; err != nil {
					return err
				}
				continue
			}
			if err := tx.Create(&workshopFacilitatorRow{WorkshopID: w.ID, UserID: f.UserID, Role: f.Role, Position: i, LocalDate: row.LocalDate}).Error; err != nil {
				return err
			}
			// Each person newly on a scheduled workshop hears of it.
			if w.Status == praxis.WorkshopScheduled {
				if err := db.addActivity(tx, praxis.Activity{At: row.UpdatedAt, ActorID: actor, Kind: praxis.ActivityWorkshopAssigned,
					SubjectID: f.UserID, ObjectID: w.ID, Module: row.Module, Detail: row.LocalDate, Title: f.Role}); err != nil {
					return err
				}
			}
		}
		if w.Status == praxis.WorkshopScheduled {
			if promoted, err = promote(tx, w.ID, w.Capacity); err != nil {
				return err
			}
		}
		if then == nil {
			return nil
		}
		return withSQLTx(tx, func(sqlTx *sql.Tx) error { return then(sqlTx, promoted) })
	})
	if err != nil {
		var clash *praxis.ClashError
		if errors.As(err, &clash) || praxis.ErrorCode(err) != praxis.EINTERNAL {
			return nil, err
		}
		return nil, fmt.Errorf("db: save workshop: %w", err)
	}
	return promoted, nil
}

// promote moves people up from the waiting list, first come first served,
// while the workshop has room.
func promote(tx *gorm.DB, workshopID int64, capacity int) ([]*praxis.Registration, error) {
	var registered int64
	if err := tx.Model(&registrationRow{}).Where("workshop_id = ? AND status = ?", workshopID, praxis.RegistrationRegistered).Count(&registered).Error; err != nil {
		return nil, err
	}
	room := capacity - int(registered)
	if room <= 0 {
		return nil, nil
	}
	var rows []registrationRow
	if err := tx.Where("workshop_id = ? AND status = ?", workshopID, praxis.RegistrationWaitlisted).Order("id").Limit(room).Find(&rows).Error; err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	out := make([]*praxis.Registration, 0, len(rows))
	for _, r := range rows {
		if err := tx.Model(&registrationRow{}).Where("id = ?", r.ID).Updates(map[string]any{"status": praxis.RegistrationRegistered, "promoted_at": now}).Error; err != nil {
			return nil, err
		}
		r.Status, r.PromotedAt = praxis.RegistrationRegistered, &now
		out = append(out, r.registration())
	}
	return out, nil
}

// FindWorkshop returns a workshop with its facilitators and counts.
// ENOTFOUND when there is none.
func (db *DB) FindWorkshop(ctx context.Context, id int64) (*praxis.Workshop, error) {
	var row workshopRow
	if err := db.gorm.WithContext(ctx).First(&row, id).Error; err != nil {
		return nil, translate(err, "workshop")
	}
	list := []*praxis.Workshop{row.workshop()}
	if err := db.fillWorkshops(ctx, list); err != nil {
		return nil, err
	}
	return list[0], nil
}

func (db *DB) fillWorkshops(ctx context.Context, list []*praxis.Workshop) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	byID := map[int64]*praxis.Workshop{}
	for i, w := range list {
		ids[i], byID[w.ID] = w.ID, w
	}
	type facRow struct {
		WorkshopID int64
		UserID     int64
		Role       string
		Name       string
	}
	var facs []facRow
	err := db.gorm.WithContext(ctx).Raw(`SELECT wf.workshop_id, wf.user_id, wf.role, u.name FROM workshop_facilitators wf
		JOIN users u ON u.id = wf.user_id WHERE wf.workshop_id IN ? ORDER BY wf.workshop_id, wf.position`, ids).Scan(&facs).Error
	if err != nil {
		return fmt.Errorf("db: workshop facilitators: %w", err)
	}
	for _, f := range facs {
		byID[f.WorkshopID].Facilitators = append(byID[f.WorkshopID].Facilitators, praxis.WorkshopFacilitator{UserID: f.UserID, Name: f.Name, Role: f.Role})
	}
	type countRow struct {
		WorkshopID int64
		Status     string
		N          int
	}
	var counts []countRow
	err = db.gorm.WithContext(ctx).Raw(`SELECT workshop_id, status, COUNT(*) AS n FROM workshop_registrations
		WHERE workshop_id IN ? GROUP BY workshop_id, status`, ids).Scan(&counts).Error
	if err != nil {
		return fmt.Errorf("db: workshop counts: %w", err)
	}
	for _, c := range counts {
		switch c.Status {
		case praxis.RegistrationRegistered:
			byID[c.WorkshopID].Registered = c.N
		case praxis.RegistrationWaitlisted:
			byID[c.WorkshopID].Waitlisted = c.N
		}
	}
	return nil
}

// ListWorkshops returns workshops by when they start, and how many match.
func (db *DB) ListWorkshops(ctx context.Context, f praxis.WorkshopFilter) ([]*praxis.Workshop, int64, error) {
	q := db.gorm.WithContext(ctx).Model(&workshopRow{})
	if !f.From.IsZero() {
		q = q.Where("starts_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("starts_at < ?", f.To.UTC())
	}
	for column, value := range map[string]string{"region": f.Region, "module": f.Module, "format": f.Format, "language": f.Language} {
		if value != "" {
			q = q.Where(column+" = ?", value)
		}
	}
	if len(f.Visibilities) > 0 {
		q = q.Where("visibility IN ?", f.Visibilities)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if f.Facilitator != 0 {
		q = q.Where("id IN (SELECT workshop_id FROM workshop_facilitators WHERE user_id = ?)", f.Facilitator)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list workshops: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	order := "starts_at, id"
	if f.Newest {
		order = "starts_at DESC, id DESC"
	}
	var rows []workshopRow
	if err := q.Order(order).Limit(limit).Offset(f.Offset).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list workshops: %w", err)
	}
	list := make([]*praxis.Workshop, len(rows))
	for i, r := range rows {
		list[i] = r.workshop()
	}
	return list, total, db.fillWorkshops(ctx, list)
}

// WorkshopRegions returns the regions of workshops starting from from, sorted.
func (db *DB) WorkshopRegions(ctx context.Context, from time.Time, visibilities []string) ([]string, error) {
	var regions []string
	err := db.gorm.WithContext(ctx).Model(&workshopRow{}).Where("starts_at >= ? AND region <> '' AND visibility IN ? AND status = ?", from.UTC(), visibilities, praxis.WorkshopScheduled).
		Distinct("region").Order("region").Pluck("region", &regions).Error
	if err != nil {
		return nil, fmt.Errorf("db: workshop regions: %w", err)
	}
	return regions, nil
}

// WorkshopLanguages returns the languages (tags) of workshops starting from
// from, sorted.
func (db *DB) WorkshopLanguages(ctx context.Context, from time.Time, visibilities []string) ([]string, error) {
	var languages []string
	err := db.gorm.WithContext(ctx).Model(&workshopRow{}).Where("starts_at >= ? AND language <> '' AND visibility IN ? AND status = ?", from.UTC(), visibilities, praxis.WorkshopScheduled).
		Distinct("language").Order("language").Pluck("language", &languages).Error
	if err != nil {
		return nil, fmt.Errorf("db: workshop languages: %w", err)
	}
	return languages, nil
}

// --- Registrations ---

// Register gives a person a place at a workshop, or a place on its waiting
// list when it is full, in one transaction: however many register at once,
// no more than the capacity are registered. ENOTFOUND for no such workshop;
// ECONFLICT (field "email") when the email already has a place. then, when
// not nil, is called in the same transaction with the registration's id (to
// queue its confirmation).
func (db *DB) Register(ctx context.Context, r *praxis.Registration, then func(tx *sql.Tx, id int64) error) error {
	row := registrationRow{WorkshopID: r.WorkshopID, Name: r.Name, Email: r.Email, EmailKey: EmailKey(r.Email),
		AccessNeeds: r.AccessNeeds, FirstTime: r.FirstTime, Attendance: r.Attendance, WalkIn: r.WalkIn, Token: r.Token,
		CreatedAt: r.CreatedAt.UTC()}
	if r.Email == "" {
		row.EmailKey = ""
	}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var w workshopRow
		if err := tx.Select("id, capacity, status, module, starts_at").First(&w, r.WorkshopID).Error; err != nil {
			return translate(err, "workshop")
		}
		// Checked again here, in the transaction: the workshop may have
		// been cancelled, or have started, since the caller read it.
		switch {
		case w.Status == praxis.WorkshopCancelled:
			return praxis.Errorf(praxis.ECONFLICT, "this workshop was cancelled, so it takes no registrations")
		case w.Status != praxis.WorkshopScheduled, !r.WalkIn && !w.StartsAt.After(row.CreatedAt):
			return praxis.Errorf(praxis.ECONFLICT, "this workshop has started, so registration has closed")
		}
		var registered int64
		if err := tx.Model(&registrationRow{}).Where("workshop_id = ? AND status = ?", w.ID, praxis.RegistrationRegistered).Count(&registered).Error; err != nil {
			return err
		}
		row.Status = praxis.RegistrationRegistered
		if int(registered) >= w.Capacity && !r.WalkIn {
			row.Status = praxis.RegistrationWaitlisted
		}
		if err := tx.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				msg := "this email address already has a place at this workshop (or on its waiting list): use the link in its confirmation email to see or cancel it"
				return &praxis.Error{Code: praxis.ECONFLICT, Message: msg, Fields: []praxis.FieldError{{Field: "email", Message: msg}}}
			}
			return err
		}
		if err := db.addActivity(tx, praxis.Activity{At: row.CreatedAt, Kind: praxis.ActivityWorkshopRegistration, ObjectID: w.ID,
			Module: w.Module, Detail: row.Status}); err != nil {
			return err
		}
		if then == nil {
			return nil
		}
		return withSQLTx(tx, func(sqlTx *sql.Tx) error { return then(sqlTx, row.ID) })
	})
	if err != nil {
		if praxis.ErrorCode(err) != praxis.EINTERNAL {
			return err
		}
		return fmt.Errorf("db: register: %w", err)
	}
	r.ID, r.Status = row.ID, row.Status
	return nil
}

// RegistrationByToken returns the registration whose private link holds
// token. ENOTFOUND when there is none (or its details were deleted).
func (db *DB) RegistrationByToken(ctx context.Context, token string) (*praxis.Registration, error) {
	var row registrationRow
	if token == "" || strings.HasPrefix(token, "purged-") {
		return nil, praxis.Errorf(praxis.ENOTFOUND, "registration not found")
	}
	if err := db.gorm.WithContext(ctx).Where("token = ?", token).First(&row).Error; err != nil {
		return nil, translate(err, "registration")
	}
	return row.registration(), nil
}

// FindRegistration returns a registration by id, its details deleted or
// not. ENOTFOUND when there is none.
func (db *DB) FindRegistration(ctx context.Context, id int64) (*praxis.Registration, error) {
	var row registrationRow
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).First(&row).Error; err != nil {
		return nil, translate(err, "registration")
	}
	return row.registration(), nil
}

// CancelRegistration cancels a registration and, when it held a place,
// gives the place to the first on the waiting list, in one transaction. It
// returns the registration as cancelled and whoever moved up (nil for
// nobody; nobody moves up once the workshop has started at now). then, when
// not nil, is called in the same transaction with the id of each who moved
// up (to queue their email). Cancelling twice changes nothing.
func (db *DB) CancelRegistration(ctx context.Context, id int64, now time.Time, then func(tx *sql.Tx, movedUp int64) error) (*praxis.Registration, *praxis.Registration, error) {
	var cancelled registrationRow
	var promoted []*praxis.Registration
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(&cancelled, id).Error; err != nil {
			return translate(err, "registration")
		}
		if cancelled.Status == praxis.RegistrationCancelled {
			return nil
		}
		now := now.UTC()
		var w workshopRow
		if err := tx.Select("id, capacity, status, starts_at").First(&w, cancelled.WorkshopID).Error; err != nil {
			return err
		}
		// Once it has started, who came is the check-in's to say.
		if w.Status == praxis.WorkshopDelivered || (w.Status == praxis.WorkshopScheduled && !w.StartsAt.After(now)) {
			return praxis.Errorf(praxis.ECONFLICT, "the workshop has started, so a place can no longer be cancelled")
		}
		if err := tx.Model(&registrationRow{}).Where("id = ?", id).Updates(map[string]any{"status": praxis.RegistrationCancelled, "cancelled_at": now}).Error; err != nil {
			return err
		}
		wasRegistered := cancelled.Status == praxis.RegistrationRegistered
		cancelled.Status, cancelled.CancelledAt = praxis.RegistrationCancelled, &now
		if !wasRegistered || w.Status != praxis.WorkshopScheduled {
			return nil
		}
		var err error
		if promoted, err = promote(tx, w.ID, w.Capacity); err != nil || then == nil {
			return err
		}
		return withSQLTx(tx, func(sqlTx *sql.Tx) error {
			for _, up := range promoted {
				if err := then(sqlTx, up.ID); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		if praxis.ErrorCode(err) != praxis.EINTERNAL {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("db: cancel registration: %w", err)
	}
	var up *praxis.Registration
	if len(promoted) > 0 {
		up = promoted[0]
	}
	return cancelled.registration(), up, nil
}

// Registrations returns a workshop's registrations in the order they came.
func (db *DB) Registrations(ctx context.Context, workshopID int64) ([]*praxis.Registration, error) {
	var rows []registrationRow
	if err := db.gorm.WithContext(ctx).Where("workshop_id = ?", workshopID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: registrations: %w", err)
	}
	out := make([]*praxis.Registration, len(rows))
	for i, r := range rows {
		out[i] = r.registration()
	}
	return out, nil
}

// SetAttendance marks whether someone registered for a workshop came. One
// waiting, or who had cancelled, can be marked as come (they had a place on
// the day), not as not come. ENOTFOUND when the registration is not the
// workshop's.
func (db *DB) SetAttendance(ctx context.Context, workshopID, registrationID int64, attendance string) error {
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row registrationRow
		if err := tx.Select("id, status").Where("id = ? AND workshop_id = ?", registrationID, workshopID).First(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return praxis.Errorf(praxis.ENOTFOUND, "there is no registration %d at this workshop", registrationID)
			}
			return err
		}
		set := map[string]any{"attendance": attendance}
		if row.Status != praxis.RegistrationRegistered {
			// Someone waiting, or who had cancelled, came after all: they
			// had a place on the day.
			if attendance != praxis.AttendanceAttended {
				return praxis.Errorf(praxis.ECONFLICT, "only someone with a place can be marked as not come or unmarked")
			}
			set["status"] = praxis.RegistrationRegistered
		}
		if err := tx.Model(&registrationRow{}).Where("id = ?", row.ID).Updates(set).Error; err != nil {
			if isUniqueViolation(err) {
				return praxis.Errorf(praxis.ECONFLICT, "this person registered again after cancelling: mark their newer registration")
			}
			return err
		}
		return nil
	})
	if err != nil && praxis.ErrorCode(err) == praxis.EINTERNAL {
		return fmt.Errorf("db: attendance: %w", err)
	}
	return err
}

// LinkDelivery records that a workshop was delivered as a delivery, and
// marks its request delivered. ECONFLICT when it was recorded already.
func (db *DB) LinkDelivery(ctx context.Context, workshopID, deliveryID int64) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		res := tx.Model(&workshopRow{}).Where("id = ? AND delivery_id IS NULL", workshopID).
			Updates(map[string]any{"delivery_id": deliveryID, "status": praxis.WorkshopDelivered, "updated_at": now})
		if res.Error != nil {
			return fmt.Errorf("db: link delivery: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ECONFLICT, "this workshop's delivery is already recorded")
		}
		return tx.Exec(`UPDATE workshop_requests SET status = ?, updated_at = ? WHERE id = (SELECT request_id FROM workshops WHERE id = ?) AND status <> ?`,
			praxis.RequestDelivered, now, workshopID, praxis.RequestDeclined).Error
	})
}

// MarkFeedbackSent records that registrations were sent the feedback link.
func (db *DB) MarkFeedbackSent(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := db.gorm.WithContext(ctx).Model(&registrationRow{}).Where("id IN ?", ids).Update("feedback_sent_at", time.Now().UTC()).Error; err != nil {
		return fmt.Errorf("db: feedback sent: %w", err)
	}
	return nil
}

// --- Reminders ---

// DueParticipantReminders returns the registrations (with places) of
// workshops that start between from and to, not yet reminded.
func (db *DB) DueParticipantReminders(ctx context.Context, from, to time.Time) ([]*praxis.Registration, error) {
	var rows []registrationRow
	err := db.gorm.WithContext(ctx).Where(`status = ? AND reminded_at IS NULL AND email <> '' AND workshop_id IN
		(SELECT id FROM workshops WHERE status = ? AND starts_at > ? AND starts_at <= ?)`,
		praxis.RegistrationRegistered, praxis.WorkshopScheduled, from.UTC(), to.UTC()).Order("workshop_id, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: due reminders: %w", err)
	}
	out := make([]*praxis.Registration, len(rows))
	for i, r := range rows {
		out[i] = r.registration()
	}
	return out, nil
}

// MarkParticipantReminded records that a registration was reminded and
// calls then (to queue the reminder's email) in the same transaction; false,
// recording nothing, when it had been already (another round got there
// first). then may be nil.
func (db *DB) MarkParticipantReminded(ctx context.Context, id int64, then func(tx *sql.Tx) error) (bool, error) {
	first := false
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&registrationRow{}).Where("id = ? AND reminded_at IS NULL", id).Update("reminded_at", time.Now().UTC())
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		first = true
		return withSQLTx(tx, then)
	})
	if err != nil {
		return false, fmt.Errorf("db: reminded: %w", err)
	}
	return first, nil
}

// FacilitatorReminder is a facilitator to remind of a workshop.
type FacilitatorReminder struct {
	WorkshopID int64
	UserID     int64
}

// DueFacilitatorReminders returns the facilitators of workshops that start
// between from and to, not yet reminded.
func (db *DB) DueFacilitatorReminders(ctx context.Context, from, to time.Time) ([]FacilitatorReminder, error) {
	var out []FacilitatorReminder
	err := db.gorm.WithContext(ctx).Raw(`SELECT wf.workshop_id, wf.user_id FROM workshop_facilitators wf
		JOIN workshops w ON w.id = wf.workshop_id
		WHERE wf.reminded_at IS NULL AND w.status = ? AND w.starts_at > ? AND w.starts_at <= ?
		ORDER BY wf.workshop_id, wf.position`, praxis.WorkshopScheduled, from.UTC(), to.UTC()).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("db: due facilitator reminders: %w", err)
	}
	return out, nil
}

// MarkFacilitatorReminded records that a facilitator was reminded of a
// workshop, and records e (the reminder's event, delivery.upcoming) with it
// and calls then (to queue the reminder's email; may be nil) in one
// transaction; false, recording nothing, when they had been reminded
// already.
func (db *DB) MarkFacilitatorReminded(ctx context.Context, workshopID, userID int64, e praxis.Activity, then func(tx *sql.Tx) error) (bool, error) {
	first := false
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&workshopFacilitatorRow{}).Where("workshop_id = ? AND user_id = ? AND reminded_at IS NULL", workshopID, userID).
			Update("reminded_at", time.Now().UTC())
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		first = true
		if err := db.addActivity(tx, e); err != nil {
			return err
		}
		return withSQLTx(tx, then)
	})
	if err != nil {
		return false, fmt.Errorf("db: facilitator reminded: %w", err)
	}
	return first, nil
}

// --- Privacy ---

// PurgeParticipants deletes the names, emails and access needs of the people
// registered for workshops that ended before before (and were not purged
// yet), keeping the rows and so every count. It returns how many workshops
// it purged.
func (db *DB) PurgeParticipants(ctx context.Context, before time.Time) (int, error) {
	var purged int
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ids []int64
		if err := tx.Model(&workshopRow{}).Where("purged_at IS NULL AND ends_at < ?", before.UTC()).Order("id").Limit(1000).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Exec(`UPDATE workshop_registrations SET name = '', email = '', email_key = '', access_needs = '',
			token = 'purged-' || id WHERE workshop_id IN ?`, ids).Error; err != nil {
			return err
		}
		if err := tx.Model(&workshopRow{}).Where("id IN ?", ids).Update("purged_at", time.Now().UTC()).Error; err != nil {
			return err
		}
		purged = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("db: purge participants: %w", err)
	}
	return purged, nil
}

// --- Calendars ---

// CalendarToken returns the token of a person's private calendar feed,
// making one with fresh when they have none.
func (db *DB) CalendarToken(ctx context.Context, userID int64, fresh string) (string, error) {
	err := db.gorm.WithContext(ctx).Exec(`INSERT INTO calendar_tokens (user_id, token, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING`,
		userID, fresh, time.Now().UTC()).Error
	if err != nil {
		return "", fmt.Errorf("db: calendar token: %w", err)
	}
	var token string
	if err := db.gorm.WithContext(ctx).Raw(`SELECT token FROM calendar_tokens WHERE user_id = ?`, userID).Scan(&token).Error; err != nil {
		return "", fmt.Errorf("db: calendar token: %w", err)
	}
	return token, nil
}

// ResetCalendarToken replaces a person's calendar token: the old feed
// address stops working.
func (db *DB) ResetCalendarToken(ctx context.Context, userID int64, fresh string) error {
	err := db.gorm.WithContext(ctx).Exec(`INSERT INTO calendar_tokens (user_id, token, created_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at`, userID, fresh, time.Now().UTC()).Error
	if err != nil {
		return fmt.Errorf("db: reset calendar token: %w", err)
	}
	return nil
}

// CalendarOwner returns whose calendar token this is. ENOTFOUND for none.
func (db *DB) CalendarOwner(ctx context.Context, token string) (int64, error) {
	var ids []int64
	if err := db.gorm.WithContext(ctx).Raw(`SELECT user_id FROM calendar_tokens WHERE token = ?`, token).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("db: calendar owner: %w", err)
	}
	if len(ids) == 0 || token == "" {
		return 0, praxis.Errorf(praxis.ENOTFOUND, "there is no calendar at this address (it may have been replaced)")
	}
	return ids[0], nil
}

// --- Matching ---

// Facilitation is how often and how recently a person facilitated.
type Facilitation struct {
	Count int    // deliveries led or co-facilitated
	Last  string // YYYY-MM-DD of the latest, "" for none
}

// Facilitations returns, for each person, their deliveries (led or
// co-facilitated) of any of modules (all modules when none are given) since
// since (YYYY-MM-DD; "" for ever).
func (db *DB) Facilitations(ctx context.Context, userIDs []int64, modules []string, since string) (map[int64]Facilitation, error) {
	out := map[int64]Facilitation{}
	if len(userIDs) == 0 {
		return out, nil
	}
	moduleCond, args := "1 = 1", []any{}
	if len(modules) > 0 {
		moduleCond, args = "d.module IN ?", append(args, modules)
	}
	type row struct {
		UserID int64
		N      int
		Last   string
	}
	var rows []row
	query := `SELECT user_id, COUNT(*) AS n, MAX(date) AS last FROM (
		SELECT d.facilitator_id AS user_id, d.date FROM deliveries d WHERE d.facilitator_id IN ? AND d.date >= ? AND ` + moduleCond + `
		UNION ALL
		SELECT c.user_id, d.date FROM delivery_cofacilitators c JOIN deliveries d ON d.id = c.delivery_id
		WHERE c.user_id IN ? AND d.date >= ? AND ` + moduleCond + `
	) GROUP BY user_id`
	all := []any{userIDs, since}
	all = append(all, args...)
	all = append(all, userIDs, since)
	all = append(all, args...)
	if err := db.gorm.WithContext(ctx).Raw(query, all...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: facilitations: %w", err)
	}
	for _, r := range rows {
		out[r.UserID] = Facilitation{Count: r.N, Last: r.Last}
	}
	return out, nil
}

// Mentored returns, for each person, how many delivered workshops of
// modules they co-facilitated to learn (as mentees), by module.
func (db *DB) Mentored(ctx context.Context, userIDs []int64) (map[int64]map[string]int, error) {
	out := map[int64]map[string]int{}
	if len(userIDs) == 0 {
		return out, nil
	}
	type row struct {
		UserID int64
		Module string
		N      int
	}
	var rows []row
	err := db.gorm.WithContext(ctx).Raw(`SELECT wf.user_id, w.module, COUNT(*) AS n FROM workshop_facilitators wf
		JOIN workshops w ON w.id = wf.workshop_id
		WHERE wf.user_id IN ? AND wf.role = ? AND w.status = ? GROUP BY wf.user_id, w.module ORDER BY w.module`,
		userIDs, praxis.FacilitatorMentee, praxis.WorkshopDelivered).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: mentored: %w", err)
	}
	for _, r := range rows {
		if out[r.UserID] == nil {
			out[r.UserID] = map[string]int{}
		}
		out[r.UserID][r.Module] = r.N
	}
	return out, nil
}

// LastDeliveredVersion returns the version of the latest delivery of any of
// modules that a person led or co-facilitated, "" for none.
func (db *DB) LastDeliveredVersion(ctx context.Context, userID int64, modules []string) (version, date string, err error) {
	type row struct{ Version, Date string }
	var rows []row
	err = db.gorm.WithContext(ctx).Raw(`SELECT version, date FROM deliveries WHERE module IN ? AND (facilitator_id = ?
		OR id IN (SELECT delivery_id FROM delivery_cofacilitators WHERE user_id = ?)) ORDER BY date DESC, id DESC LIMIT 1`,
		modules, userID, userID).Scan(&rows).Error
	if err != nil {
		return "", "", fmt.Errorf("db: last delivered version: %w", err)
	}
	if len(rows) == 0 {
		return "", "", nil
	}
	return rows[0].Version, rows[0].Date, nil
}

// ActiveUsers returns the active users with these ids (or, with none given,
// every active user trained to deliver any of modules), with trainings.
func (db *DB) ActiveUsers(ctx context.Context, ids []int64, trainedFor []string) ([]*praxis.User, error) {
	q := db.gorm.WithContext(ctx).Model(&userRow{}).Where("status = ?", praxis.StatusActive)
	switch {
	case len(ids) > 0:
		q = q.Where("id IN ?", ids)
	case len(trainedFor) > 0:
		q = q.Where("id IN (SELECT user_id FROM trainings WHERE module IN ?)", trainedFor)
	default:
		return nil, nil
	}
	var rows []userRow
	if err := q.Order("id").Limit(5000).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: active users: %w", err)
	}
	users := make([]*praxis.User, len(rows))
	userIDs := make([]int64, len(rows))
	for i, r := range rows {
		users[i], userIDs[i] = r.user(), r.ID
	}
	trainings, err := db.trainingsOf(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		u.Trainings = trainings[u.ID]
	}
	return users, nil
}

// --- Dashboard ---

// RequestFact is what the dashboard needs of one request.
type RequestFact struct {
	Status        string
	Region        string
	Online        bool
	DeclineReason string
	CreatedAt     time.Time
	ScheduledAt   *time.Time
}

// RequestFacts returns every request's facts, for the dashboard (requests
// are counted in thousands, not millions).
func (db *DB) RequestFacts(ctx context.Context) ([]RequestFact, error) {
	var rows []RequestFact
	if err := db.gorm.WithContext(ctx).Model(&workshopRequestRow{}).Select("status, region, online, decline_reason, created_at, scheduled_at").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: request facts: %w", err)
	}
	return rows, nil
}

// AttendanceTotals counts the places at workshops: registered ahead (with a
// place), of them attended and no-shows, walk-ins, those left on waiting
// lists, and the workshops.
type AttendanceTotals struct {
	Workshops  int
	Registered int
	Attended   int
	NoShows    int
	WalkIns    int
	Waitlisted int
}

// Attendance returns the totals over workshops not cancelled that started
// before before.
func (db *DB) Attendance(ctx context.Context, before time.Time) (AttendanceTotals, error) {
	var t AttendanceTotals
	err := db.gorm.WithContext(ctx).Raw(`SELECT
		COUNT(DISTINCT w.id) AS workshops,
		COALESCE(SUM(r.status = 'registered' AND r.walk_in = 0), 0) AS registered,
		COALESCE(SUM(r.status = 'registered' AND r.walk_in = 0 AND r.attendance = 'attended'), 0) AS attended,
		COALESCE(SUM(r.status = 'registered' AND r.walk_in = 0 AND r.attendance = 'no_show'), 0) AS no_shows,
		COALESCE(SUM(r.walk_in), 0) AS walk_ins,
		COALESCE(SUM(r.status = 'waitlisted'), 0) AS waitlisted
		FROM workshops w LEFT JOIN workshop_registrations r ON r.workshop_id = w.id
		WHERE w.status <> ? AND w.starts_at < ?`, praxis.WorkshopCancelled, before.UTC()).Scan(&t).Error
	if err != nil {
		return t, fmt.Errorf("db: attendance: %w", err)
	}
	return t, nil
}
