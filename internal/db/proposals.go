package db

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type proposalRow struct {
	ID          int64 `gorm:"primaryKey"`
	AuthorID    int64
	Title       string
	Description string
	Status      string
	Branch      string
	Base        string
	Head        string
	ForkID      *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	MergedAt    *time.Time
	MergedBy    *int64
	MergeCommit string
	ClosedAt    *time.Time
}

func (proposalRow) TableName() string { return "proposals" }

type proposalModuleRow struct {
	ProposalID int64
	Module     string
}

func (proposalModuleRow) TableName() string { return "proposal_modules" }

// proposalWithAuthor is a proposal row joined with its author's name.
type proposalWithAuthor struct {
	Row        proposalRow `gorm:"embedded"`
	AuthorName string
}

func (j proposalWithAuthor) proposal() *praxis.Proposal {
	r := j.Row
	p := &praxis.Proposal{
		ID: r.ID, AuthorID: r.AuthorID, Author: j.AuthorName, Title: r.Title, Description: r.Description,
		Status: r.Status, Branch: r.Branch, Base: r.Base, Head: r.Head, CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(), MergeCommit: r.MergeCommit, Modules: []string{},
	}
	if r.ForkID != nil {
		p.ForkID = *r.ForkID
	}
	if r.MergedAt != nil {
		t := r.MergedAt.UTC()
		p.MergedAt = &t
	}
	if r.MergedBy != nil {
		p.MergedBy = *r.MergedBy
	}
	if r.ClosedAt != nil {
		t := r.ClosedAt.UTC()
		p.ClosedAt = &t
	}
	return p
}

// CreateProposal records a new open proposal with the modules it touches and
// its activity event, in one transaction.
func (db *DB) CreateProposal(ctx context.Context, p *praxis.Proposal) (int64, error) {
	now := time.Now().UTC()
	row := proposalRow{AuthorID: p.AuthorID, Title: p.Title, Description: p.Description, Status: praxis.ProposalOpen,
		Branch: p.Branch, Base: p.Base, Head: p.Head, CreatedAt: now, UpdatedAt: now}
	if p.ForkID != 0 {
		row.ForkID = &p.ForkID
	}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				return praxis.Errorf(praxis.ECONFLICT, "there is already a proposal on the branch %s", p.Branch)
			}
			return err
		}
		if err := setModules(tx, row.ID, p.Modules); err != nil {
			return err
		}
		return db.addActivity(tx, praxis.Activity{At: now, ActorID: p.AuthorID, Kind: praxis.ActivityProposalOpened, ProposalID: row.ID, Module: firstOf(p.Modules), Title: p.Title})
	})
	if err != nil && praxis.ErrorCode(err) == praxis.EINTERNAL {
		return 0, fmt.Errorf("db: create proposal: %w", err)
	}
	return row.ID, err
}

func firstOf(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

func setModules(tx *gorm.DB, proposalID int64, modules []string) error {
	if err := tx.Where("proposal_id = ?", proposalID).Delete(&proposalModuleRow{}).Error; err != nil {
		return err
	}
	for _, m := range modules {
		if err := tx.Create(&proposalModuleRow{ProposalID: proposalID, Module: m}).Error; err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) proposalQuery(ctx context.Context) *gorm.DB {
	return db.gorm.WithContext(ctx).Table("proposals").
		Select("proposals.*, users.name AS author_name").
		Joins("LEFT JOIN users ON users.id = proposals.author_id")
}

// FindProposal returns a proposal. ENOTFOUND when there is none.
func (db *DB) FindProposal(ctx context.Context, id int64) (*praxis.Proposal, error) {
	var row proposalWithAuthor
	if err := db.proposalQuery(ctx).Where("proposals.id = ?", id).Take(&row).Error; err != nil {
		return nil, translate(err, "proposal")
	}
	p := row.proposal()
	mods, err := db.modulesOf(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	p.Modules = mods[id]
	return p, nil
}

// FindProposalByBranch returns the proposal on a branch. ENOTFOUND when none.
func (db *DB) FindProposalByBranch(ctx context.Context, branch string) (*praxis.Proposal, error) {
	var row proposalWithAuthor
	if err := db.proposalQuery(ctx).Where("proposals.branch = ?", branch).Take(&row).Error; err != nil {
		return nil, translate(err, "proposal")
	}
	return db.FindProposal(ctx, row.Row.ID)
}

func (db *DB) modulesOf(ctx context.Context, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []proposalModuleRow
	if err := db.gorm.WithContext(ctx).Where("proposal_id IN ?", ids).Order("module").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: proposal modules: %w", err)
	}
	for _, r := range rows {
		out[r.ProposalID] = append(out[r.ProposalID], r.Module)
	}
	return out, nil
}

// ListProposals returns proposals, most recently updated first, and how many
// match in all.
func (db *DB) ListProposals(ctx context.Context, f praxis.ProposalFilter) ([]*praxis.Proposal, int64, error) {
	q := db.proposalQuery(ctx)
	if f.Status != "" {
		q = q.Where("proposals.status = ?", f.Status)
	}
	if f.AuthorID != 0 {
		q = q.Where("proposals.author_id = ?", f.AuthorID)
	}
	if f.Module != "" {
		q = q.Where("proposals.id IN (SELECT proposal_id FROM proposal_modules WHERE module IN ?)", append([]string{f.Module}, f.Modules...))
	}
	for i, word := range strings.Fields(strings.ToLower(f.Query)) {
		if i == 12 {
			break
		}
		like := "%" + escapeLike(word) + "%"
		q = q.Where("(lower(proposals.title) LIKE ? ESCAPE '\\' OR lower(proposals.description) LIKE ? ESCAPE '\\')", like, like)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list proposals: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var rows []proposalWithAuthor
	if err := q.Order("proposals.updated_at DESC, proposals.id DESC").Limit(limit).Offset(f.Offset).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("db: list proposals: %w", err)
	}
	ids := make([]int64, len(rows))
	out := make([]*praxis.Proposal, len(rows))
	for i, r := range rows {
		ids[i], out[i] = r.Row.ID, r.proposal()
	}
	mods, err := db.modulesOf(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	for _, p := range out {
		if m := mods[p.ID]; m != nil {
			p.Modules = m
		}
	}
	return out, total, nil
}

// UpdateProposal changes an open proposal's text, head or modules.
func (db *DB) UpdateProposal(ctx context.Context, id int64, u praxis.ProposalUpdate) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		fields := map[string]any{"updated_at": time.Now().UTC()}
		if u.Title != nil {
			fields["title"] = *u.Title
		}
		if u.Description != nil {
			fields["description"] = *u.Description
		}
		if u.Head != nil {
			fields["head"] = *u.Head
		}
		res := tx.Model(&proposalRow{}).Where("id = ?", id).Updates(fields)
		if res.Error != nil {
			return fmt.Errorf("db: update proposal: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ENOTFOUND, "proposal not found")
		}
		if u.Modules != nil {
			if err := setModules(tx, id, u.Modules); err != nil {
				return fmt.Errorf("db: update proposal: %w", err)
			}
		}
		return db.addActivity(tx, u.Activity)
	})
}

// SetProposalStatus moves a proposal from one status to another, only if it is
// still in the status expected (so two maintainers cannot both merge it).
// ECONFLICT otherwise.
func (db *DB) SetProposalStatus(ctx context.Context, id int64, from, to string, actorID int64, mergeCommit string, event praxis.Activity) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		fields := map[string]any{"status": to, "updated_at": now}
		switch to {
		case praxis.ProposalMerged:
			fields["merged_at"], fields["merged_by"], fields["merge_commit"] = now, actorID, mergeCommit
		case praxis.ProposalClosed:
			fields["closed_at"] = now
		case praxis.ProposalOpen:
			fields["closed_at"] = nil
		}
		res := tx.Model(&proposalRow{}).Where("id = ? AND status = ?", id, from).Updates(fields)
		if res.Error != nil {
			return fmt.Errorf("db: set proposal status: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ECONFLICT, "the proposal is no longer %s", from)
		}
		return db.addActivity(tx, event)
	})
}

// MergeRecord is what merging a proposal leaves in the database.
type MergeRecord struct {
	// Head is the proposal's commit that was merged; Commit the commit on main
	// that brought it in.
	Head, Commit string
	// By is who merged it; 0 when nobody in praxis is known to have (a merge
	// found on main by reconciliation).
	By int64
	At time.Time
	// Commits are the proposal's own commits and the merge commit, so that
	// history can link each to the proposal.
	Commits  []string
	Activity praxis.Activity
}

// MarkProposalMerged records that an open proposal was merged: its status,
// merge commit, head, commits and activity event, in one transaction.
// ECONFLICT when the proposal is no longer open.
func (db *DB) MarkProposalMerged(ctx context.Context, id int64, m MergeRecord) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		at := m.At.UTC()
		if m.At.IsZero() {
			at = time.Now().UTC()
		}
		fields := map[string]any{"status": praxis.ProposalMerged, "updated_at": time.Now().UTC(), "merged_at": at,
			"merged_by": nonZero(m.By), "merge_commit": m.Commit, "head": m.Head}
		res := tx.Model(&proposalRow{}).Where("id = ? AND status = ?", id, praxis.ProposalOpen).Updates(fields)
		if res.Error != nil {
			return fmt.Errorf("db: mark proposal merged: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ECONFLICT, "the proposal is no longer open")
		}
		if err := recordProposalCommits(tx, id, m.Commits); err != nil {
			return err
		}
		return db.addActivity(tx, m.Activity)
	})
}

// ProposalRef is a proposal's branch and where praxis last saw it.
type ProposalRef struct {
	ID       int64
	AuthorID int64
	Status   string
	Branch   string
	Base     string
	Head     string
}

// ProposalRefs returns every proposal whose branch starts with prefix (such
// as "proposals/12/"), of any status, by id.
func (db *DB) ProposalRefs(ctx context.Context, prefix string) ([]ProposalRef, error) {
	var rows []ProposalRef
	q := db.gorm.WithContext(ctx).Table("proposals").Select("id, author_id, status, branch, base, head")
	if prefix != "" {
		// A range on the unique index of branch: every name that starts with
		// prefix sorts between it and prefix with its last byte raised.
		end := []byte(prefix)
		end[len(end)-1]++
		q = q.Where("branch >= ? AND branch < ?", prefix, string(end))
	}
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: proposal branches: %w", err)
	}
	return rows, nil
}

// OpenProposalRefs returns every open proposal's branch and head, by id.
func (db *DB) OpenProposalRefs(ctx context.Context) ([]ProposalRef, error) {
	var rows []ProposalRef
	err := db.gorm.WithContext(ctx).Table("proposals").Select("id, author_id, status, branch, base, head").
		Where("status = ?", praxis.ProposalOpen).Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: open proposals: %w", err)
	}
	return rows, nil
}

// DeleteProposal removes an open proposal that never came to be (its
// creation failed half way) with its activity, if nobody has commented on or
// reviewed it. ECONFLICT otherwise.
func (db *DB) DeleteProposal(ctx context.Context, id int64) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var discussed int64
		if err := tx.Raw(`SELECT (SELECT COUNT(*) FROM proposal_comments WHERE proposal_id = ?) + (SELECT COUNT(*) FROM proposal_reviews WHERE proposal_id = ?)`, id, id).Scan(&discussed).Error; err != nil {
			return fmt.Errorf("db: delete proposal: %w", err)
		}
		if discussed > 0 {
			return praxis.Errorf(praxis.ECONFLICT, "the proposal has a discussion")
		}
		for _, stmt := range []string{"DELETE FROM events WHERE proposal_id = ?", "DELETE FROM proposal_commits WHERE proposal_id = ?"} {
			if err := tx.Exec(stmt, id).Error; err != nil {
				return fmt.Errorf("db: delete proposal: %w", err)
			}
		}
		res := tx.Where("status = ?", praxis.ProposalOpen).Delete(&proposalRow{ID: id})
		if res.Error != nil {
			return fmt.Errorf("db: delete proposal: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return praxis.Errorf(praxis.ECONFLICT, "the proposal is no longer open")
		}
		return nil
	})
}

type commentRow struct {
	ID         int64 `gorm:"primaryKey"`
	ProposalID int64
	AuthorID   int64
	Body       string
	Path       string
	Line       int
	Head       string
	CreatedAt  time.Time
}

func (commentRow) TableName() string { return "proposal_comments" }

// AddComment stores a comment and its activity event.
func (db *DB) AddComment(ctx context.Context, c *praxis.Comment, event praxis.Activity) (int64, error) {
	row := commentRow{ProposalID: c.ProposalID, AuthorID: c.AuthorID, Body: c.Body, Path: c.Path, Line: c.Line, Head: c.Head, CreatedAt: c.CreatedAt.UTC()}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Model(&proposalRow{}).Where("id = ?", c.ProposalID).Update("updated_at", time.Now().UTC()).Error; err != nil {
			return err
		}
		event.ObjectID = row.ID
		return db.addActivity(tx, event)
	})
	if err != nil {
		return 0, fmt.Errorf("db: add comment: %w", err)
	}
	return row.ID, nil
}

// ListComments returns a proposal's comments, oldest first.
func (db *DB) ListComments(ctx context.Context, proposalID int64) ([]praxis.Comment, error) {
	type row struct {
		Row        commentRow `gorm:"embedded"`
		AuthorName string
	}
	var rows []row
	err := db.gorm.WithContext(ctx).Table("proposal_comments").
		Select("proposal_comments.*, users.name AS author_name").
		Joins("LEFT JOIN users ON users.id = proposal_comments.author_id").
		Where("proposal_id = ?", proposalID).Order("proposal_comments.id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: list comments: %w", err)
	}
	out := make([]praxis.Comment, len(rows))
	for i, j := range rows {
		r := j.Row
		out[i] = praxis.Comment{ID: r.ID, ProposalID: r.ProposalID, AuthorID: r.AuthorID, Author: j.AuthorName, Body: r.Body,
			Path: r.Path, Line: r.Line, Head: r.Head, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

type reviewRow struct {
	ID         int64 `gorm:"primaryKey"`
	ProposalID int64
	ReviewerID int64
	Verdict    string
	Body       string
	Head       string
	CreatedAt  time.Time
}

func (reviewRow) TableName() string { return "proposal_reviews" }

// AddReview stores a review and its activity event.
func (db *DB) AddReview(ctx context.Context, r *praxis.Review, event praxis.Activity) (int64, error) {
	row := reviewRow{ProposalID: r.ProposalID, ReviewerID: r.ReviewerID, Verdict: r.Verdict, Body: r.Body, Head: r.Head, CreatedAt: r.CreatedAt.UTC()}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Model(&proposalRow{}).Where("id = ?", r.ProposalID).Update("updated_at", time.Now().UTC()).Error; err != nil {
			return err
		}
		event.ObjectID = row.ID
		return db.addActivity(tx, event)
	})
	if err != nil {
		return 0, fmt.Errorf("db: add review: %w", err)
	}
	return row.ID, nil
}

// ListReviews returns a proposal's reviews, oldest first.
func (db *DB) ListReviews(ctx context.Context, proposalID int64) ([]praxis.Review, error) {
	type row struct {
		Row          reviewRow `gorm:"embedded"`
		ReviewerName string
	}
	var rows []row
	err := db.gorm.WithContext(ctx).Table("proposal_reviews").
		Select("proposal_reviews.*, users.name AS reviewer_name").
		Joins("LEFT JOIN users ON users.id = proposal_reviews.reviewer_id").
		Where("proposal_id = ?", proposalID).Order("proposal_reviews.id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: list reviews: %w", err)
	}
	out := make([]praxis.Review, len(rows))
	for i, j := range rows {
		r := j.Row
		out[i] = praxis.Review{ID: r.ID, ProposalID: r.ProposalID, ReviewerID: r.ReviewerID, Reviewer: j.ReviewerName,
			Verdict: r.Verdict, Body: r.Body, Head: r.Head, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// OpenProposalCounts returns, for each module with open proposals, how many.
func (db *DB) OpenProposalCounts(ctx context.Context) (map[string]int, error) {
	type row struct {
		Module string
		N      int
	}
	var rows []row
	err := db.gorm.WithContext(ctx).Table("proposal_modules").Select("module, COUNT(*) AS n").
		Joins("JOIN proposals ON proposals.id = proposal_modules.proposal_id").
		Where("proposals.status = ?", praxis.ProposalOpen).Group("module").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: open proposal counts: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Module] = r.N
	}
	return out, nil
}

// SetProposalBranch names a new proposal's branch once its id is known.
func (db *DB) SetProposalBranch(ctx context.Context, id int64, branch string) error {
	res := db.gorm.WithContext(ctx).Model(&proposalRow{}).Where("id = ?", id).Update("branch", branch)
	if res.Error != nil {
		if isUniqueViolation(res.Error) {
			return praxis.Errorf(praxis.ECONFLICT, "there is already a proposal on the branch %s", branch)
		}
		return fmt.Errorf("db: set proposal branch: %w", res.Error)
	}
	return nil
}

type proposalCommitRow struct {
	CommitID   string `gorm:"primaryKey"`
	ProposalID int64
}

func (proposalCommitRow) TableName() string { return "proposal_commits" }

// RecordProposalCommits remembers which proposal commits came from, so that a
// module's history can link each change to its proposal.
func (db *DB) RecordProposalCommits(ctx context.Context, proposalID int64, commits []string) error {
	if len(commits) == 0 {
		return nil
	}
	return recordProposalCommits(db.gorm.WithContext(ctx), proposalID, commits)
}

func recordProposalCommits(tx *gorm.DB, proposalID int64, commits []string) error {
	if len(commits) == 0 {
		return nil
	}
	rows := make([]proposalCommitRow, len(commits))
	for i, c := range commits {
		rows[i] = proposalCommitRow{CommitID: c, ProposalID: proposalID}
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 500).Error; err != nil {
		return fmt.Errorf("db: record proposal commits: %w", err)
	}
	return nil
}

// ProposalsOfCommits maps commits to the proposals they came from.
func (db *DB) ProposalsOfCommits(ctx context.Context, commits []string) (map[string]int64, error) {
	out := map[string]int64{}
	for start := 0; start < len(commits); start += 500 {
		var rows []proposalCommitRow
		batch := commits[start:min(start+500, len(commits))]
		if err := db.gorm.WithContext(ctx).Where("commit_id IN ?", batch).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("db: proposals of commits: %w", err)
		}
		for _, r := range rows {
			out[r.CommitID] = r.ProposalID
		}
	}
	return out, nil
}

// MergedProposalsAmong returns the merged proposals whose merge commits are
// among the given commits, oldest first.
func (db *DB) MergedProposalsAmong(ctx context.Context, commits []string) ([]*praxis.Proposal, error) {
	var out []*praxis.Proposal
	for start := 0; start < len(commits); start += 500 {
		batch := commits[start:min(start+500, len(commits))]
		var rows []proposalWithAuthor
		if err := db.proposalQuery(ctx).Where("proposals.status = ? AND proposals.merge_commit IN ?", praxis.ProposalMerged, batch).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("db: merged proposals: %w", err)
		}
		for _, r := range rows {
			out = append(out, r.proposal())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
