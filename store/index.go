package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/tex"
)

// searchText is the text that is indexed for search, and that query terms
// are put in before they are looked up: TeX decoded, so that Schr\"odinger
// is found as Schrödinger and, with the index's diacritic folding, as
// Schrodinger. It is the one place that says which decoder that is.
func searchText(s string) string { return tex.Text(s) }

// ftsInsert (re)indexes one paper under its papers rowid.
const ftsInsert = `INSERT OR REPLACE INTO papers_fts (rowid, title, abstract, authors) VALUES (?, ?, ?, ?)`

// indexPaper (re)indexes one paper, whose row in papers has rowid.
func indexPaper(ctx context.Context, ins *sql.Stmt, rowid int64, title, abstract string, authors []string) error {
	_, err := ins.ExecContext(ctx, rowid, searchText(title), searchText(abstract), searchText(strings.Join(authors, ", ")))
	return err
}

// progressMin is the number of papers from which a migration's work on
// them (indexing, sorting into tiers) is reported to the Progress: smaller
// stores are done in a blink. A var, so that tests can show progress on a
// small store.
var progressMin = 5000

// fillSearch is migration 4's Go step: it indexes every stored paper and
// records each stored day's scores. A day's scores are the judgements of
// its papers stored against its topics' names with its model and prompt
// version; where a paper has several such (its text or a topic's
// description changed between days) the newest is taken. Days recorded from
// then on keep exactly the scores their run used (see BeginRun and Judged).
func fillSearch(ctx context.Context, tx *sql.Tx, progress Progress) error {
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM papers`).Scan(&total); err != nil {
		return fmt.Errorf("index papers: %w", err)
	}
	if total < progressMin {
		progress = nil
	}
	if progress != nil {
		progress.Start("indexing papers for search", total)
		defer progress.Finish()
	}
	ins, err := tx.PrepareContext(ctx, ftsInsert)
	if err != nil {
		return fmt.Errorf("index papers: %w", err)
	}
	defer ins.Close()
	const batch = 1000
	type row struct {
		rowid                    int64
		title, abstract, authors string
	}
	rows := make([]row, 0, batch)
	for last := int64(-1 << 63); ; {
		rows = rows[:0]
		err := func() error {
			rs, err := tx.QueryContext(ctx, `SELECT rowid, title, abstract, authors FROM papers WHERE rowid > ? ORDER BY rowid LIMIT ?`, last, batch)
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				var r row
				if err := rs.Scan(&r.rowid, &r.title, &r.abstract, &r.authors); err != nil {
					return err
				}
				rows = append(rows, r)
			}
			return rs.Err()
		}()
		if err != nil {
			return fmt.Errorf("index papers: %w", err)
		}
		for _, r := range rows {
			var authors []string
			if err := json.Unmarshal([]byte(r.authors), &authors); err != nil {
				return fmt.Errorf("index papers: authors of row %d: %w", r.rowid, err)
			}
			if err := indexPaper(ctx, ins, r.rowid, r.title, r.abstract, authors); err != nil {
				return fmt.Errorf("index papers: row %d: %w", r.rowid, err)
			}
		}
		if progress != nil {
			progress.Add(len(rows))
		}
		if len(rows) < batch {
			break
		}
		last = rows[len(rows)-1].rowid
	}
	// ORDER BY created_at: of several judgements of one paper and topic,
	// the newest is inserted last and replaces the others.
	_, err = tx.ExecContext(ctx, `
INSERT OR REPLACE INTO day_scores (stream, date, paper_id, topic, relevance)
SELECT rp.stream, rp.date, rp.paper_id, j.topic, j.relevance
FROM runs r
JOIN run_papers rp ON rp.stream = r.stream AND rp.date = r.date
JOIN judgements j ON j.paper_id = rp.paper_id AND j.model = r.model AND j.prompt_version = r.prompt_version
WHERE j.topic IN (SELECT json_extract(t.value, '$.name') FROM json_each(r.topics) t)
ORDER BY j.created_at`)
	if err != nil {
		return fmt.Errorf("record the days' scores: %w", err)
	}
	return nil
}

// dayScoreInsert records one of a day's scores of a paper.
const dayScoreInsert = `INSERT OR REPLACE INTO day_scores (stream, date, paper_id, topic, relevance) VALUES (?, ?, ?, ?, ?)`
