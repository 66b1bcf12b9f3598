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
	hits, _, err := s.search(ctx, q, defaultSearchSteps)
	return hits, err
}

// search is Search reading and looking up matches in steps, also saying
// what it did.
func (s *Store) search(ctx context.Context, q SearchQuery, steps searchSteps) ([]SearchHit, searchStats, error) {
	f, limit, err := q.filter()
	if err != nil {
		return nil, searchStats{}, err
	}
	// One read transaction: the hits and their topics from one snapshot.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, searchStats{}, fmt.Errorf("store: search: %w", err)
	}
	defer tx.Rollback()
	found, st, err := s.searchTop(ctx, tx, f, limit, steps)
	if err != nil {
		return nil, st, searchError(err)
	}
	hits, err := s.searchHits(ctx, tx, found, q.Topic)
	return hits, st, err
}

// filter reads q: what it keeps, and how many hits it wants.
func (q SearchQuery) filter() (searchFilter, int, error) {
	match, terms, err := parseQuery(q.Text)
	if err != nil {
		return searchFilter{}, 0, err
	}
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultSearchLimit
	case limit < 0 || limit > MaxSearchLimit:
		return searchFilter{}, 0, fmt.Errorf("store: search: limit %d: give 1 to %d", limit, MaxSearchLimit)
	}
	since, until := q.Since, q.Until
	for _, d := range []string{since, until} {
		if d != "" && !model.ValidDate(d) {
			return searchFilter{}, 0, fmt.Errorf("store: search: invalid date %q", d)
		}
	}
	if until == "" {
		until = "9999-12-31"
	}
	return searchFilter{match: match, terms: terms, since: since, until: until, topic: q.Topic, selected: q.Selected}, limit, nil
}

// searchHits makes the hits of the papers found, in their order: their
// texts (read for these only: authors and categories are stored after the
// abstract) and the topic of each one's score, the query's or its day's
// best.
func (s *Store) searchHits(ctx context.Context, tx *sql.Tx, found []searchFound, topic string) ([]SearchHit, error) {
	if len(found) == 0 {
		return nil, nil
	}
	text, err := tx.PrepareContext(ctx, `SELECT p.title, p.authors, p.categories, r.threshold FROM papers p, runs r
WHERE p.rowid = ? AND r.stream = ? AND r.date = ?`)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	defer text.Close()
	best, err := tx.PrepareContext(ctx, `SELECT topic FROM day_scores WHERE stream = ? AND date = ? AND paper_id = ?
ORDER BY relevance DESC, topic LIMIT 1`)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	defer best.Close()
	hits := make([]SearchHit, len(found))
	for i, f := range found {
		h := &hits[i]
		*h = SearchHit{Date: f.date, ID: f.id, Version: f.version, Match: -f.m, AbsURL: model.Paper{ID: f.id}.AbsURL()}
		var (
			authors, categories string
			threshold           float64
		)
		if err := text.QueryRowContext(ctx, f.rowid, s.stream, f.date).Scan(&h.Title, &authors, &categories, &threshold); err != nil {
			return nil, fmt.Errorf("store: search: paper %s: %w", f.id, err)
		}
		if err := json.Unmarshal([]byte(authors), &h.Authors); err != nil {
			return nil, fmt.Errorf("store: search: paper %s authors: %w", f.id, err)
		}
		if err := json.Unmarshal([]byte(categories), &h.Categories); err != nil {
			return nil, fmt.Errorf("store: search: paper %s categories: %w", f.id, err)
		}
		h.Rank = h.Match
		if !f.best.Valid {
			continue
		}
		h.Rank *= 1 + f.best.Float64
		h.Relevance = &f.best.Float64
		h.Selected = f.best.Float64 >= threshold
		if topic != "" {
			h.Topic = topic
			continue
		}
		if err := best.QueryRowContext(ctx, s.stream, f.date, f.id).Scan(&h.Topic); err != nil {
			return nil, fmt.Errorf("store: search: best topic of %s on %s: %w", f.id, f.date, err)
		}
	}
	return hits, nil
}

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
