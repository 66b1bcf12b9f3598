package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// searchFilter is what a search keeps: the papers matching match (an FTS5
// expression, whose phrases are terms) on days from since to until (both
// included), judged against topic when it is not "", and selected that day
// when selected is set.
type searchFilter struct {
	match               string
	terms               []string
	since, until, topic string
	selected            bool
}

// searchFound is a paper a search found: the row of its newest day that
// the filter keeps.
type searchFound struct {
	rowid   int64 // in papers
	id      string
	version int
	date    string
	best    sql.NullFloat64 // the paper's relevance that day (to the topic, or its best)
	m       float64         // bm25: negative, lower is better
	rank    float64         // m * (1 + best): lower is better
}

// before says whether a comes before b: by rank, then newest day first,
// then by id, as SQL's ORDER BY rank, date DESC, id.
func (a searchFound) before(b searchFound) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.date != b.date {
		return a.date > b.date
	}
	return a.id < b.id
}

// searchSteps is how searchTop reads and looks up matches.
type searchSteps struct {
	// batch is how many matches are looked up at first; each further
	// batch is twice the last, up to searchBatchMax (or the first, if
	// more).
	batch int
	// window is how many matches the first read of a tier asks FTS5 for:
	// with a LIMIT, SQLite keeps the best ones as it goes instead of
	// sorting all (5 to 25% faster for words that match 30,000 papers,
	// measured). Should they not be enough, a second read takes them all.
	window int
}

// defaultSearchSteps: a window that holds what the benchmark's queries
// need (at most 700 matches looked up), batches that look up no more than
// twice that.
var defaultSearchSteps = searchSteps{batch: 64, window: 1024}

const searchBatchMax = 1024

// searchStats is what searchTop did: how many matches it looked up (their
// days and scores), and how many tiers it read.
type searchStats struct {
	looked, tiers int
}

// searchTop finds the best limit papers that the filter keeps, best first.
//
// A paper's rank is its text match m (bm25, negative, lower is better)
// times one plus its relevance r, which lies in [0, 1] (validScore refuses
// any other), and in [0, max] for a paper of a tier whose relevances are
// at most max (searchtier.go): its rank lies in [m*(1+max), m]. So the
// tiers are read from the top one down, and each one's matches best text
// match first, looked up (their days, scores and filters) batch at a time;
// the reading of a tier stops once the limit-th best rank found is below
// m*(1+max) of its next match, since no match from there on can reach the
// top, not even one tied with it (ties go by date and id). A tier is not
// read at all once the limit-th best rank is below bound*(1+max), where
// bound is the best text match any paper can have for the query
// (matchBound). The time then grows with the matches needed, not with all
// the query's matches: what remains for every match of a tier read is
// FTS5's, finding it and computing its bm25.
func (s *Store) searchTop(ctx context.Context, tx *sql.Tx, f searchFilter, limit int, steps searchSteps) (top []searchFound, st searchStats, err error) {
	var thresholds map[string]float64
	if f.selected {
		if thresholds, err = s.thresholds(ctx, tx, f.since, f.until); err != nil {
			return nil, st, err
		}
	}
	lookup, err := tx.PrepareContext(ctx, searchDaysSQL)
	if err != nil {
		return nil, st, err
	}
	defer lookup.Close()
	batch := steps.batch
	ms := map[int64]float64{} // the matches of the batch, by papers rowid
	var rowids []int64
	resolve := func() error {
		if len(rowids) == 0 {
			return nil
		}
		st.looked += len(rowids)
		found, err := s.searchDays(ctx, lookup, f, thresholds, rowids, ms)
		if err != nil {
			return err
		}
		top = append(top, found...)
		slices.SortFunc(top, func(a, b searchFound) int {
			if a.before(b) {
				return -1
			}
			return 1
		})
		top = top[:min(len(top), limit)]
		clear(ms)
		rowids = rowids[:0]
		batch = max(batch, min(2*batch, searchBatchMax))
		return nil
	}
	// below says whether the limit-th best rank found is below rank: no
	// paper of that rank or worse can reach the top.
	below := func(rank float64) bool {
		return len(top) == limit && top[limit-1].rank < rank
	}
	// read reads the matches of tier best first, the first window of
	// them if window > 0, skipping those read before (in seen): the
	// second read cannot skip a number of them, since FTS5 may order ties
	// otherwise. It says whether it stopped because no further match of
	// the tier can reach the top, and how many matches it read, the last
	// of them matching as well as last.
	seen := map[int64]bool{}
	var last float64
	read := func(tier, window int) (stop bool, n int, err error) {
		upper := 1 + searchTiers[tier].max
		lo, err := ftsKey(tier, 0)
		if err != nil {
			return false, 0, err
		}
		query := `SELECT rowid, bm25(papers_fts, 10.0, 1.0, 3.0) AS m FROM papers_fts
WHERE papers_fts MATCH ? AND rowid >= ? AND rowid < ? ORDER BY m`
		args := []any{f.match, lo, lo + 1<<tierShift}
		if window > 0 {
			query += ` LIMIT ?`
			args = append(args, window)
		}
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return false, 0, err
		}
		defer rows.Close()
		for rows.Next() {
			n++
			var (
				key int64
				m   float64
			)
			if err := rows.Scan(&key, &m); err != nil {
				return false, n, err
			}
			last = m
			if seen[key] {
				continue
			}
			// The best rank a match of m can have in the tier: m*upper
			// (or m, should bm25 ever be positive).
			if below(min(m, m*upper)) {
				return true, n, nil
			}
			if window > 0 {
				seen[key] = true
			}
			rowid := paperRowid(key)
			ms[rowid] = m
			rowids = append(rowids, rowid)
			if len(rowids) >= batch {
				if err := resolve(); err != nil {
					return false, n, err
				}
			}
		}
		return false, n, rows.Err()
	}
	var (
		bound   float64
		bounded bool
	)
	for tier := len(searchTiers) - 1; tier >= 0; tier-- {
		upper := 1 + searchTiers[tier].max
		if len(top) == limit {
			if !bounded {
				if bound, err = matchBound(ctx, tx, f.terms); err != nil {
					return nil, st, err
				}
				bounded = true
			}
			if below(min(bound, bound*upper)) {
				break // and the tiers below, whose relevances are lower still
			}
		}
		st.tiers++
		stop, n, err := read(tier, steps.window)
		if err != nil {
			return nil, st, err
		}
		if err := resolve(); err != nil {
			return nil, st, err
		}
		// The window may have held every match of the tier, or all that
		// can reach the top: the rest match no better than its last.
		if stop || n < steps.window || below(min(last, last*upper)) {
			continue
		}
		if _, _, err := read(tier, 0); err != nil {
			return nil, st, err
		}
		if err := resolve(); err != nil {
			return nil, st, err
		}
	}
	return top, st, nil
}

// matchBound is below the text match (bm25) of every paper for a query of
// terms, the FTS5 phrases of its expression. FTS5's bm25 adds, for each
// phrase, its idf times f(k1+1)/(f+K), where f is how often the phrase
// occurs (each time weighted by its column's weight) and K > 0 depends on
// the paper's length: however often the phrase occurs, that stays below
// idf(k1+1). A phrase's idf is computed over the whole table in any query,
// so bm25 of any match of the phrase alone, with column weights so large
// that f is as good as infinite, is that limit (to within 1e-9 for any
// paper of fewer than a thousand times the average length; 1e-6 more
// covers any paper). A phrase that matches nothing adds nothing.
func matchBound(ctx context.Context, tx *sql.Tx, terms []string) (float64, error) {
	var bound float64
	for _, term := range terms {
		var m float64
		err := tx.QueryRowContext(ctx, `SELECT bm25(papers_fts, 1e12, 1e12, 1e12) FROM papers_fts
WHERE papers_fts MATCH ? LIMIT 1`, term).Scan(&m)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return 0, err
		}
		bound += m * (1 + 1e-6)
	}
	return bound, nil
}

// thresholds is the stream's days' thresholds, from since to until.
func (s *Store) thresholds(ctx context.Context, tx *sql.Tx, since, until string) (map[string]float64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT date, threshold FROM runs WHERE stream = ? AND date >= ? AND date <= ?`, s.stream, since, until)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]float64{}
	for rows.Next() {
		var (
			date      string
			threshold float64
		)
		if err := rows.Scan(&date, &threshold); err != nil {
			return nil, err
		}
		m[date] = threshold
	}
	return m, rows.Err()
}

// searchDays looks up the papers of rowids, whose text matches are in ms:
// each one's newest day in the filter's bounds that its filters keep
// (selected: its relevance that day at least the day's threshold, from
// thresholds), ranked.
func (s *Store) searchDays(ctx context.Context, lookup *sql.Stmt, f searchFilter, thresholds map[string]float64, rowids []int64, ms map[int64]float64) ([]searchFound, error) {
	list, err := json.Marshal(rowids)
	if err != nil {
		return nil, err
	}
	rows, err := lookup.QueryContext(ctx, string(list), s.stream, f.since, f.until, f.topic)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []searchFound
	newest := map[int64]int{} // index in found by rowid
	for rows.Next() {
		var h searchFound
		if err := rows.Scan(&h.rowid, &h.id, &h.version, &h.date, &h.best); err != nil {
			return nil, err
		}
		if f.topic != "" && !h.best.Valid {
			continue
		}
		if f.selected {
			threshold, ok := thresholds[h.date]
			if !ok {
				return nil, fmt.Errorf("paper %s: no run on %s", h.id, h.date)
			}
			if !h.best.Valid || h.best.Float64 < threshold {
				continue
			}
		}
		m, ok := ms[h.rowid]
		if !ok {
			return nil, fmt.Errorf("paper %s: looked up, but not asked for", h.id)
		}
		h.m = m
		h.rank = m
		if h.best.Valid {
			h.rank = m * (1 + h.best.Float64)
		}
		if i, ok := newest[h.rowid]; !ok {
			newest[h.rowid] = len(found)
			found = append(found, h)
		} else if h.date > found[i].date {
			found[i] = h
		}
	}
	return found, rows.Err()
}

// searchDaysSQL finds the days of the stream ?2 from ?3 to ?4 of the
// papers of rowids ?1 (a JSON array), with each one's relevance that day:
// to topic ?5, or its best when ?5 is empty. The joins go from the papers
// out (CROSS JOIN fixes SQLite's order): they are few next to the store's
// days.
const searchDaysSQL = `
SELECT p.rowid, p.id, rp.version, rp.date,
	(SELECT max(ds.relevance) FROM day_scores ds
		WHERE ds.stream = rp.stream AND ds.date = rp.date AND ds.paper_id = rp.paper_id
			AND (?5 = '' OR ds.topic = ?5)) AS best
FROM json_each(?1) h
CROSS JOIN papers p ON p.rowid = h.value
CROSS JOIN run_papers rp INDEXED BY run_papers_paper ON rp.paper_id = p.id
WHERE rp.stream = ?2 AND rp.date >= ?3 AND rp.date <= ?4`
