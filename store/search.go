package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// Search result bounds: what a search returns unless told otherwise, and
// the most it returns.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 100
)

// SearchQuery is a search of the stream's papers.
type SearchQuery struct {
	// Text is the query, in the language ParseQuery reads.
	Text string
	// Since and Until bound the days (YYYY-MM-DD, both included); "" is
	// no bound.
	Since, Until string
	// Topic, when set, ranks and filters by the papers' scores against
	// that topic (papers without one are left out); else by each paper's
	// best score of its day.
	Topic string
	// Selected keeps only papers their day selected (for Topic, when set).
	Selected bool
	// Limit is the most hits returned: DefaultSearchLimit when 0, at most
	// MaxSearchLimit.
	Limit int
}

// SearchHit is one paper found, as it was shown on its newest day that
// the query's bounds and filters keep.
type SearchHit struct {
	Date       string   `json:"date"`
	ID         string   `json:"id"`
	Version    int      `json:"version"` // the version announced that day
	Title      string   `json:"title"`
	Authors    []string `json:"authors"`
	Categories []string `json:"categories"`
	// Topic is the paper's best topic of the day (or the query's Topic),
	// and Relevance its score; "" and nil when the paper was not judged.
	Topic     string   `json:"topic"`
	Relevance *float64 `json:"relevance"`
	// Selected: the day selected the paper (for Topic): Relevance is at
	// least the day's threshold.
	Selected bool   `json:"selected"`
	AbsURL   string `json:"abs_url"`
	// Match is how well the text matches (FTS5's bm25, negated: higher is
	// better), and Rank what hits are ordered by: Match times one plus
	// Relevance.
	Match float64 `json:"match"`
	Rank  float64 `json:"rank"`
}

// Search finds the stream's papers whose title, abstract or authors match
// q.Text, one hit per paper, best first. Hits are ranked by how well the
// text matches (FTS5's bm25, a title match weighing most), scaled by up to
// two for the paper's relevance, so that of two equal matches the more
// relevant paper comes first. A query that cannot be read is an error
// wrapping ErrBadQuery.
func (s *Store) Search(ctx context.Context, q SearchQuery) ([]SearchHit, error) {
	match, err := ParseQuery(q.Text)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultSearchLimit
	case limit < 0 || limit > MaxSearchLimit:
		return nil, fmt.Errorf("store: search: limit %d: give 1 to %d", limit, MaxSearchLimit)
	}
	since, until := q.Since, q.Until
	for _, d := range []string{since, until} {
		if d != "" && !model.ValidDate(d) {
			return nil, fmt.Errorf("store: search: invalid date %q", d)
		}
	}
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
	rows, err := tx.QueryContext(ctx, searchSQL, match, s.stream, since, until, q.Topic, selected, limit)
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

// searchSQL finds the hits: ?1 the match expression, ?2 the stream, ?3 and
// ?4 the first and last day, ?5 the topic (empty for any), ?6 1 for selected papers
// only, ?7 the limit.
const searchSQL = `
WITH hits AS MATERIALIZED (
	SELECT rowid AS r, bm25(papers_fts, 10.0, 1.0, 3.0) AS m FROM papers_fts WHERE papers_fts MATCH ?1
), days AS MATERIALIZED (
	SELECT hits.m AS m, p.id AS id, rp.version AS version, rp.date AS date, r.threshold AS threshold,
		(SELECT max(ds.relevance) FROM day_scores ds
			WHERE ds.stream = rp.stream AND ds.date = rp.date AND ds.paper_id = rp.paper_id
				AND (?5 = '' OR ds.topic = ?5)) AS best
	FROM hits
	CROSS JOIN papers p ON p.rowid = hits.r
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

// searchError wraps an error of the search. ParseQuery makes only valid
// match expressions; should FTS5 still refuse one, the user is told it is
// the query.
func searchError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == 1 && strings.Contains(se.Error(), "fts5") {
		return fmt.Errorf("%w: %s", ErrBadQuery, se.Error())
	}
	return fmt.Errorf("store: search: %w", err)
}

// Topics is the names of the topics of the stream's days, newest day's
// first, each once.
func (s *Store) Topics(ctx context.Context) ([]string, error) {
	runs, err := s.Runs(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: topics: %w", err)
	}
	seen := map[string]bool{}
	var names []string
	for _, r := range runs {
		for _, t := range r.Topics {
			if !seen[t.Name] {
				seen[t.Name] = true
				names = append(names, t.Name)
			}
		}
	}
	return names, nil
}
