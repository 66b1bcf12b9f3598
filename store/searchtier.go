package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Search tiers. A search ranks a match by its text match times one plus
// its relevance, and a word found in a fifth of the store matches tens of
// thousands of papers, which FTS5 would all have to score (bm25) to find
// the best text matches. But most papers are not relevant to any topic,
// and a paper of little relevance can reach the top only with a text
// match no paper can have. So each paper is indexed in the tier of the
// best relevance it was ever given (any day, any topic), in the high bits
// of its key in papers_fts (ftsKey), where FTS5 can read one tier's
// matches alone; a search reads the top tier first and goes on to the next
// one only while a paper there could still rank among the hits (searchTop).
//
// The rule that makes this exact: a paper's tier is never below that of
// any of its stored scores. Every writer of day_scores raises the paper's
// tier in the same transaction (tierRaiser); tiers never go down (a score
// removed with its day leaves the paper where it was, which is still an
// upper bound).
var searchTiers = []struct {
	min float64 // the least relevance of the tier
	max float64 // a bound of every relevance in the tier
}{
	{0, 0.4},   // 0: little or no relevance, and papers never judged
	{0.4, 0.7}, // 1
	{0.7, 1},   // 2: at the default threshold and above
}

// tierShift is where a paper's tier starts in its papers_fts key: below
// it, the paper's papers rowid.
const tierShift = 40

// tierOf is the tier of a relevance.
func tierOf(relevance float64) int {
	for t := len(searchTiers) - 1; t > 0; t-- {
		if relevance >= searchTiers[t].min {
			return t
		}
	}
	return 0
}

// ftsKey is the papers_fts rowid of the paper with papers rowid rowid in
// tier.
func ftsKey(tier int, rowid int64) (int64, error) {
	if rowid < 0 || rowid >= 1<<tierShift {
		return 0, fmt.Errorf("paper rowid %d out of the search index's range", rowid)
	}
	return int64(tier)<<tierShift | rowid, nil
}

// paperRowid is the papers rowid of a papers_fts key.
func paperRowid(key int64) int64 { return key & (1<<tierShift - 1) }

// tierRaiser raises papers' tiers, within one transaction. It prepares
// its statements when first needed: most scores raise nothing.
type tierRaiser struct {
	tx                        *sql.Tx
	tier, text, del, ins, set *sql.Stmt
}

func newTierRaiser(tx *sql.Tx) *tierRaiser { return &tierRaiser{tx: tx} }

// stmt is *p, prepared from query the first time.
func (r *tierRaiser) stmt(ctx context.Context, p **sql.Stmt, query string) (*sql.Stmt, error) {
	if *p == nil {
		stmt, err := r.tx.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		*p = stmt
	}
	return *p, nil
}

// raise moves the paper to the tier of relevance if that is above its
// own. A paper that is not stored has no tier to raise.
func (r *tierRaiser) raise(ctx context.Context, paperID string, relevance float64) error {
	get, err := r.stmt(ctx, &r.tier, `SELECT rowid, search_tier FROM papers WHERE id = ?`)
	if err != nil {
		return fmt.Errorf("search tier of %s: %w", paperID, err)
	}
	var (
		rowid int64
		tier  int
	)
	switch err := get.QueryRowContext(ctx, paperID).Scan(&rowid, &tier); {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("search tier of %s: %w", paperID, err)
	}
	to := tierOf(relevance)
	if to <= tier {
		return nil
	}
	if err := r.move(ctx, rowid, tier, to); err != nil {
		return fmt.Errorf("search tier of %s: %w", paperID, err)
	}
	return nil
}

// move re-indexes the paper of rowid from tier from to tier to.
func (r *tierRaiser) move(ctx context.Context, rowid int64, from, to int) error {
	text, err := r.stmt(ctx, &r.text, `SELECT title, abstract, authors FROM papers WHERE rowid = ?`)
	if err != nil {
		return err
	}
	del, err := r.stmt(ctx, &r.del, `DELETE FROM papers_fts WHERE rowid = ?`)
	if err != nil {
		return err
	}
	ins, err := r.stmt(ctx, &r.ins, ftsInsert)
	if err != nil {
		return err
	}
	set, err := r.stmt(ctx, &r.set, `UPDATE papers SET search_tier = ? WHERE rowid = ?`)
	if err != nil {
		return err
	}
	var title, abstract, authors string
	if err := text.QueryRowContext(ctx, rowid).Scan(&title, &abstract, &authors); err != nil {
		return err
	}
	var list []string
	if err := json.Unmarshal([]byte(authors), &list); err != nil {
		return fmt.Errorf("authors: %w", err)
	}
	old, err := ftsKey(from, rowid)
	if err != nil {
		return err
	}
	key, err := ftsKey(to, rowid)
	if err != nil {
		return err
	}
	if _, err := del.ExecContext(ctx, old); err != nil {
		return err
	}
	if err := indexPaper(ctx, ins, key, title, abstract, list); err != nil {
		return err
	}
	_, err = set.ExecContext(ctx, to, rowid)
	return err
}

// Close closes the statements prepared.
func (r *tierRaiser) Close() {
	for _, s := range []*sql.Stmt{r.tier, r.text, r.del, r.ins, r.set} {
		if s != nil {
			s.Close()
		}
	}
}

// fillTiers is migration 7's Go step: it puts every paper in the tier of
// its best stored score.
func fillTiers(ctx context.Context, tx *sql.Tx, progress Progress) error {
	type move struct {
		rowid int64
		best  float64
	}
	var moves []move
	err := eachRow(ctx, tx, `
SELECT p.rowid, b.best FROM (SELECT paper_id, max(relevance) AS best FROM day_scores GROUP BY paper_id) b
JOIN papers p ON p.id = b.paper_id
WHERE b.best >= ?`, []any{searchTiers[1].min}, func(rows *sql.Rows) error {
		var m move
		if err := rows.Scan(&m.rowid, &m.best); err != nil {
			return err
		}
		moves = append(moves, m)
		return nil
	})
	if err != nil {
		return fmt.Errorf("search tiers: %w", err)
	}
	if len(moves) < progressMin {
		progress = nil
	}
	if progress != nil {
		progress.Start("sorting papers by relevance for search", len(moves))
		defer progress.Finish()
	}
	r := newTierRaiser(tx)
	defer r.Close()
	for i, m := range moves {
		if err := r.move(ctx, m.rowid, 0, tierOf(m.best)); err != nil {
			return fmt.Errorf("search tiers: paper row %d: %w", m.rowid, err)
		}
		if progress != nil && (i+1)%1000 == 0 {
			progress.Add(1000)
		}
	}
	if progress != nil {
		progress.Add(len(moves) % 1000)
	}
	return nil
}
