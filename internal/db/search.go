package db

import (
	"context"
	"encoding/binary"
	"fmt"

	"gorm.io/gorm"
)

// SearchDoc is one module's text in the search index.
type SearchDoc struct {
	Slug string
	// Tree is the id of the module's folder: unchanged, no need to index again.
	Tree                                                     string
	Title, Summary, Objectives, Tags, Agenda, Body, Handouts string
}

// SearchColumns are the indexed columns in order, as matchinfo reports them.
var SearchColumns = []string{"title", "summary", "objectives", "tags", "agenda", "body", "handouts"}

// SearchState reads a value of the search index's state ("" when unset).
func (db *DB) SearchState(ctx context.Context, key string) (string, error) {
	var values []string
	if err := db.gorm.WithContext(ctx).Raw(`SELECT value FROM search_state WHERE key = ?`, key).Scan(&values).Error; err != nil {
		return "", fmt.Errorf("db: search state: %w", err)
	}
	if len(values) == 0 {
		return "", nil
	}
	return values[0], nil
}

// SearchTrees returns the folder id indexed for each module.
func (db *DB) SearchTrees(ctx context.Context) (map[string]string, error) {
	rows, err := db.gorm.WithContext(ctx).Raw(`SELECT slug, tree FROM search_docs`).Rows()
	if err != nil {
		return nil, fmt.Errorf("db: search trees: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var slug, tree string
		if err := rows.Scan(&slug, &tree); err != nil {
			return nil, err
		}
		out[slug] = tree
	}
	return out, rows.Err()
}

// UpdateSearch replaces the documents of changed modules, removes those of
// deleted ones, and records state, in one transaction: a reader sees the
// index before or after, never half. reset empties the index first.
func (db *DB) UpdateSearch(ctx context.Context, reset bool, docs []SearchDoc, removed []string, state map[string]string) error {
	return db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if reset {
			for _, q := range []string{`DELETE FROM search_modules`, `DELETE FROM search_docs`} {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
		}
		remove := func(slug string) error {
			if err := tx.Exec(`DELETE FROM search_modules WHERE docid = (SELECT docid FROM search_docs WHERE slug = ?)`, slug).Error; err != nil {
				return err
			}
			return tx.Exec(`DELETE FROM search_docs WHERE slug = ?`, slug).Error
		}
		for _, slug := range removed {
			if err := remove(slug); err != nil {
				return err
			}
		}
		for _, d := range docs {
			if err := remove(d.Slug); err != nil {
				return err
			}
			var next int64
			if err := tx.Raw(`SELECT COALESCE(MAX(docid), 0) + 1 FROM search_docs`).Scan(&next).Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO search_modules (docid, title, summary, objectives, tags, agenda, body, handouts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				next, d.Title, d.Summary, d.Objectives, d.Tags, d.Agenda, d.Body, d.Handouts).Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO search_docs (slug, docid, tree) VALUES (?, ?, ?)`, d.Slug, next, d.Tree).Error; err != nil {
				return err
			}
		}
		for k, v := range state {
			if err := tx.Exec(`INSERT INTO search_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// SearchHit is a module matching a full-text query.
type SearchHit struct {
	Slug string
	// MatchInfo is FTS4's matchinfo(..., 'pcnalx'): the raw counts ranking
	// is computed from.
	MatchInfo []uint32
	// Snippet is text around the matches, with each match between the
	// markers given to Search.
	Snippet string
}

// SearchModules runs a full-text MATCH expression (built by the search
// package's parser, never raw user input) and returns every hit.
func (db *DB) SearchModules(ctx context.Context, match, open, close, ellipsis string) ([]SearchHit, error) {
	rows, err := db.gorm.WithContext(ctx).Raw(`SELECT d.slug, matchinfo(search_modules, 'pcnalx'),
			snippet(search_modules, ?, ?, ?, -1, 24)
		FROM search_modules JOIN search_docs d ON d.docid = search_modules.docid
		WHERE search_modules MATCH ?`, open, close, ellipsis, match).Rows()
	if err != nil {
		return nil, fmt.Errorf("db: search: %w", err)
	}
	defer rows.Close()
	var hits []SearchHit
	for rows.Next() {
		var h SearchHit
		var info []byte
		if err := rows.Scan(&h.Slug, &info, &h.Snippet); err != nil {
			return nil, fmt.Errorf("db: search: %w", err)
		}
		h.MatchInfo = make([]uint32, len(info)/4)
		for i := range h.MatchInfo { // SQLite writes them in the machine's byte order
			h.MatchInfo[i] = binary.NativeEndian.Uint32(info[4*i:])
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: search: %w", err)
	}
	return hits, nil
}
