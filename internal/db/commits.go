package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
	"gorm.io/gorm"
)

// commitRow is a row of the history index.
type commitRow struct {
	Seq           int64 `gorm:"primaryKey"`
	ID            string
	Parents       string // space-separated ids
	AuthorName    string
	AuthorEmail   string
	AuthoredAt    time.Time
	CommitterName string
	CommittedAt   time.Time
	Message       string
}

func (commitRow) TableName() string { return "commits" }

type commitModuleRow struct {
	CommitSeq int64
	Slug      string
	Parents   uint64
}

func (commitModuleRow) TableName() string { return "commit_modules" }

type moduleRenameRow struct {
	CommitSeq int64
	FromSlug  string
	ToSlug    string
	Parents   uint64
	Score     int
}

func (moduleRenameRow) TableName() string { return "module_renames" }

// IndexedCommits returns which of ids the history index holds.
func (db *DB) IndexedCommits(ctx context.Context, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		var found []string
		err := db.gorm.WithContext(ctx).Model(&commitRow{}).Where("id IN ?", batch).Pluck("id", &found).Error
		if err != nil {
			return nil, fmt.Errorf("db: indexed commits: %w", err)
		}
		for _, id := range found {
			out[id] = true
		}
	}
	return out, nil
}

// AddCommits adds commits to the history index in one transaction, in the order
// given (parents first). Commits already present are skipped.
func (db *DB) AddCommits(ctx context.Context, records []praxis.CommitRecord) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var next int64
		if err := tx.Raw("SELECT COALESCE(MAX(seq), 0) + 1 FROM commits").Scan(&next).Error; err != nil {
			return err
		}
		ids := make([]string, len(records))
		for i, r := range records {
			ids[i] = r.ID
		}
		existing := map[string]bool{}
		for start := 0; start < len(ids); start += 500 {
			var found []string
			if err := tx.Model(&commitRow{}).Where("id IN ?", ids[start:min(start+500, len(ids))]).Pluck("id", &found).Error; err != nil {
				return err
			}
			for _, id := range found {
				existing[id] = true
			}
		}
		var commits []commitRow
		var modules []commitModuleRow
		var renames []moduleRenameRow
		for _, r := range records {
			if existing[r.ID] {
				continue
			}
			existing[r.ID] = true
			commits = append(commits, commitRow{
				Seq: next, ID: r.ID, Parents: strings.Join(r.Parents, " "),
				AuthorName: r.Author.Name, AuthorEmail: r.Author.Email, AuthoredAt: r.Author.When.UTC(),
				CommitterName: r.Committer.Name, CommittedAt: r.Committer.When.UTC(),
				Message: r.Message,
			})
			for _, m := range r.Modules {
				modules = append(modules, commitModuleRow{CommitSeq: next, Slug: m.Slug, Parents: m.Parents})
			}
			for _, m := range r.Renames {
				renames = append(renames, moduleRenameRow{CommitSeq: next, FromSlug: m.From, ToSlug: m.To, Parents: m.Parents, Score: m.Score})
			}
			next++
		}
		if len(commits) > 0 {
			if err := tx.CreateInBatches(commits, 200).Error; err != nil {
				return err
			}
		}
		if len(modules) > 0 {
			if err := tx.CreateInBatches(modules, 300).Error; err != nil {
				return err
			}
		}
		if len(renames) > 0 {
			return tx.CreateInBatches(renames, 300).Error
		}
		return nil
	})
}

// RenameScan returns the commits indexed before module renames were recorded
// that may hold one (they changed two modules or more), oldest first; empty
// once FinishRenameScan has run.
func (db *DB) RenameScan(ctx context.Context) ([]IndexedCommitID, error) {
	var upTo []int64
	if err := db.gorm.WithContext(ctx).Raw(`SELECT up_to_seq FROM module_rename_scan`).Scan(&upTo).Error; err != nil {
		return nil, fmt.Errorf("db: rename scan: %w", err)
	}
	if len(upTo) == 0 {
		return nil, nil
	}
	var out []IndexedCommitID
	err := db.gorm.WithContext(ctx).Raw(`SELECT c.seq, c.id FROM commits c
		WHERE c.seq <= ? AND (SELECT COUNT(*) FROM commit_modules m WHERE m.commit_seq = c.seq) > 1
		ORDER BY c.seq`, upTo[0]).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("db: rename scan: %w", err)
	}
	return out, nil
}

// IndexedCommitID is a commit of the history index by its place and id.
type IndexedCommitID struct {
	Seq int64
	ID  string
}

// FinishRenameScan records the renames found in the commits RenameScan gave
// (by seq) and marks the scan done, in one transaction.
func (db *DB) FinishRenameScan(ctx context.Context, found map[int64][]praxis.ModuleRename) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for seq, renames := range found {
			for _, r := range renames {
				if err := tx.Exec(`INSERT OR IGNORE INTO module_renames (commit_seq, from_slug, to_slug, parents, score) VALUES (?, ?, ?, ?, ?)`,
					seq, r.From, r.To, r.Parents, r.Score).Error; err != nil {
					return fmt.Errorf("db: finish rename scan: %w", err)
				}
			}
		}
		return tx.Exec(`DELETE FROM module_rename_scan`).Error
	})
}

// ExpandCommitID returns the indexed commit whose id starts with prefix (at
// least 4 hex digits). ENOTFOUND when none does, EINVALID when several do.
func (db *DB) ExpandCommitID(ctx context.Context, prefix string) (string, error) {
	prefix = strings.ToLower(prefix)
	if len(prefix) < 4 || len(prefix) > 40 || strings.Trim(prefix, "0123456789abcdef") != "" {
		return "", praxis.Errorf(praxis.ENOTFOUND, "there is no version %q", prefix)
	}
	var ids []string
	// The range keeps the lookup on the unique index; LIKE would scan.
	upper := prefix + strings.Repeat("g", 40-len(prefix))
	err := db.gorm.WithContext(ctx).Model(&commitRow{}).
		Where("id >= ? AND id < ?", prefix, upper).Limit(2).Pluck("id", &ids).Error
	if err != nil {
		return "", fmt.Errorf("db: expand commit id: %w", err)
	}
	switch len(ids) {
	case 0:
		return "", praxis.Errorf(praxis.ENOTFOUND, "there is no version %q", prefix)
	case 1:
		return ids[0], nil
	default:
		return "", praxis.Errorf(praxis.EINVALID, "%q names more than one version; give more of the id", prefix)
	}
}

// RecentCommits returns the newest indexed commits on main, newest first, with
// the modules each touched. onlyModules leaves out commits that touched none.
func (db *DB) RecentCommits(ctx context.Context, limit int, onlyModules bool) ([]praxis.CommitSummary, error) {
	q := db.gorm.WithContext(ctx).Model(&commitRow{}).Order("committed_at DESC, seq DESC").Limit(limit)
	if onlyModules {
		q = q.Where("EXISTS (SELECT 1 FROM commit_modules cm WHERE cm.commit_seq = commits.seq)")
	}
	var rows []commitRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: recent commits: %w", err)
	}
	return db.summaries(ctx, rows)
}

// RecentCommitsPage returns a page of indexed commits, newest first, with the
// modules each touched.
func (db *DB) RecentCommitsPage(ctx context.Context, limit, offset int) ([]praxis.CommitSummary, error) {
	var rows []commitRow
	if err := db.gorm.WithContext(ctx).Order("committed_at DESC, seq DESC").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: commits page: %w", err)
	}
	return db.summaries(ctx, rows)
}

func (db *DB) summaries(ctx context.Context, rows []commitRow) ([]praxis.CommitSummary, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	seqs := make([]int64, len(rows))
	for i, r := range rows {
		seqs[i] = r.Seq
	}
	var touched []commitModuleRow
	if err := db.gorm.WithContext(ctx).Where("commit_seq IN ?", seqs).Order("slug").Find(&touched).Error; err != nil {
		return nil, fmt.Errorf("db: commit modules: %w", err)
	}
	bySeq := map[int64][]string{}
	for _, t := range touched {
		bySeq[t.CommitSeq] = append(bySeq[t.CommitSeq], t.Slug)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	accounts, err := db.Attributions(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]praxis.CommitSummary, len(rows))
	for i, r := range rows {
		out[i] = praxis.CommitSummary{Commit: r.commit(), Modules: bySeq[r.Seq], Account: accounts[r.ID]}
	}
	return out, nil
}

// CountCommits returns how many commits the history index holds.
func (db *DB) CountCommits(ctx context.Context) (int64, error) {
	var n int64
	if err := db.gorm.WithContext(ctx).Model(&commitRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("db: count commits: %w", err)
	}
	return n, nil
}

func (r commitRow) commit() praxis.Commit {
	var parents []string
	if r.Parents != "" {
		parents = strings.Split(r.Parents, " ")
	}
	return praxis.Commit{
		ID: r.ID, Parents: parents, Message: r.Message,
		Author:    praxis.Signature{Name: r.AuthorName, Email: r.AuthorEmail, When: r.AuthoredAt.UTC()},
		Committer: praxis.Signature{Name: r.CommitterName, When: r.CommittedAt.UTC()},
	}
}

// IndexedCommit is a commit of the history index with its place in it.
type IndexedCommit struct {
	Seq int64
	praxis.CommitRecord
}

// LoadHistory returns every indexed commit after seq (0 for all), parents
// first, with the modules each touched.
func (db *DB) LoadHistory(ctx context.Context, afterSeq int64) ([]IndexedCommit, error) {
	var rows []commitRow
	if err := db.gorm.WithContext(ctx).Where("seq > ?", afterSeq).Order("seq").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: load history: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	var touched []commitModuleRow
	if err := db.gorm.WithContext(ctx).Where("commit_seq > ?", afterSeq).Find(&touched).Error; err != nil {
		return nil, fmt.Errorf("db: load history: %w", err)
	}
	bySeq := map[int64][]praxis.ModuleChange{}
	for _, t := range touched {
		bySeq[t.CommitSeq] = append(bySeq[t.CommitSeq], praxis.ModuleChange{Slug: t.Slug, Parents: t.Parents})
	}
	var moved []moduleRenameRow
	if err := db.gorm.WithContext(ctx).Where("commit_seq > ?", afterSeq).Order("commit_seq, to_slug").Find(&moved).Error; err != nil {
		return nil, fmt.Errorf("db: load history: %w", err)
	}
	renames := map[int64][]praxis.ModuleRename{}
	for _, m := range moved {
		renames[m.CommitSeq] = append(renames[m.CommitSeq], praxis.ModuleRename{From: m.FromSlug, To: m.ToSlug, Parents: m.Parents, Score: m.Score})
	}
	out := make([]IndexedCommit, len(rows))
	for i, r := range rows {
		out[i] = IndexedCommit{Seq: r.Seq, CommitRecord: praxis.CommitRecord{Commit: r.commit(), Modules: bySeq[r.Seq], Renames: renames[r.Seq]}}
	}
	return out, nil
}

// NewestIndexedCommit returns the commit the history index added last: the
// head of main when the index last caught up ("" when the index is empty).
func (db *DB) NewestIndexedCommit(ctx context.Context) (string, error) {
	var ids []string
	if err := db.gorm.WithContext(ctx).Model(&commitRow{}).Order("seq DESC").Limit(1).Pluck("id", &ids).Error; err != nil {
		return "", fmt.Errorf("db: newest indexed commit: %w", err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}
