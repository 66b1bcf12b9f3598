package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// exhaustiveSearch is Search as it was before it stopped early: every
// match is joined to its days and scores, and SQL picks the top. It is
// kept as the oracle that the early-stopping search must agree with
// (TestSearchEarlyStopAgrees), and as the old code the benchmark compares
// with. q must be valid (Search's checks have been passed).
func (s *Store) exhaustiveSearch(ctx context.Context, q SearchQuery) ([]SearchHit, error) {
	match, err := ParseQuery(q.Text)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultSearchLimit
	}
	since, until := q.Since, q.Until
	if until == "" {
		until = "9999-12-31"
	}
	selected := 0
	if q.Selected {
		selected = 1
	}
	// One read transaction: the hits and their topics from one snapshot.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	defer tx.Rollback()
	// The joins go from the hits out (CROSS JOIN fixes SQLite's order): a
	// query's hits are few next to the store's days and papers. bm25 is
	// negative, lower is better: scaled by 1 + relevance, the
	// more relevant of two equal matches sorts first. Of a paper's days,
	// the newest (max(date)) gives the row's other columns. The papers'
	// texts are read for the hits returned only (authors and categories
	// are stored after the abstract).
	rows, err := tx.QueryContext(ctx, exhaustiveSearchSQL, match, s.stream, since, until, q.Topic, selected, limit)
	if err != nil {
		return nil, searchError(err)
	}
	var hits []SearchHit
	err = func() error {
		defer rows.Close()
		for rows.Next() {
			var (
				h                   SearchHit
				authors, categories string
				threshold           float64
				best                sql.NullFloat64
			)
			if err := rows.Scan(&h.ID, &h.Version, &h.Title, &authors, &categories, &h.Date, &threshold, &best, &h.Match); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(authors), &h.Authors); err != nil {
				return fmt.Errorf("paper %s authors: %w", h.ID, err)
			}
			if err := json.Unmarshal([]byte(categories), &h.Categories); err != nil {
				return fmt.Errorf("paper %s categories: %w", h.ID, err)
			}
			h.Match = -h.Match
			h.Rank = h.Match
			if best.Valid {
				h.Relevance = &best.Float64
				h.Selected = best.Float64 >= threshold
				h.Rank *= 1 + best.Float64
			}
			h.AbsURL = model.Paper{ID: h.ID}.AbsURL()
			hits = append(hits, h)
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, searchError(err)
	}
	// The topic of each hit's score: the query's, or the day's best.
	for i := range hits {
		h := &hits[i]
		if h.Relevance == nil {
			continue
		}
		if q.Topic != "" {
			h.Topic = q.Topic
			continue
		}
		err := tx.QueryRowContext(ctx, `SELECT topic FROM day_scores WHERE stream = ? AND date = ? AND paper_id = ?
ORDER BY relevance DESC, topic LIMIT 1`, s.stream, h.Date, h.ID).Scan(&h.Topic)
		if err != nil {
			return nil, fmt.Errorf("store: search: best topic of %s on %s: %w", h.ID, h.Date, err)
		}
	}
	return hits, nil
}

// exhaustiveSearchSQL finds the hits: ?1 the match expression, ?2 the stream, ?3 and
// ?4 the first and last day, ?5 the topic (empty for any), ?6 1 for selected papers
// only, ?7 the limit.
const exhaustiveSearchSQL = `
WITH hits AS MATERIALIZED (
	SELECT rowid AS r, bm25(papers_fts, 10.0, 1.0, 3.0) AS m FROM papers_fts WHERE papers_fts MATCH ?1
), days AS MATERIALIZED (
	SELECT hits.m AS m, p.id AS id, rp.version AS version, rp.date AS date, r.threshold AS threshold,
		(SELECT max(ds.relevance) FROM day_scores ds
			WHERE ds.stream = rp.stream AND ds.date = rp.date AND ds.paper_id = rp.paper_id
				AND (?5 = '' OR ds.topic = ?5)) AS best
	FROM hits
	CROSS JOIN papers p ON p.rowid = hits.r & ((1 << 40) - 1) -- the key less its tier (tierShift)
	CROSS JOIN run_papers rp INDEXED BY run_papers_paper ON rp.paper_id = p.id
	CROSS JOIN runs r ON r.stream = rp.stream AND r.date = rp.date
	WHERE rp.stream = ?2 AND rp.date >= ?3 AND rp.date <= ?4
), top AS (
	SELECT id, version, max(date) AS date, threshold, best, m FROM days
	WHERE (?5 = '' OR best IS NOT NULL) AND (?6 = 0 OR best >= threshold)
	GROUP BY id
	ORDER BY m * (1 + coalesce(best, 0)), date DESC, id
	LIMIT ?7
)
SELECT top.id, top.version, p.title, p.authors, p.categories, top.date, top.threshold, top.best, top.m
FROM top JOIN papers p ON p.id = top.id
ORDER BY top.m * (1 + coalesce(top.best, 0)), top.date DESC, top.id`
