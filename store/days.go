package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// ErrNoPaper: the store holds no paper of that id.
var ErrNoPaper = errors.New("no such paper")

// DaySummary is a stored day and its counts, for listing days without
// reading their papers.
type DaySummary struct {
	Run
	// Papers is the day's paper list; Judged, Failed and Skipped split it
	// by status (Skipped includes papers not tried yet); Selected counts
	// the papers with a score of the day at or above its threshold.
	Papers, Judged, Failed, Skipped, Selected int
}

// extraScanner scans a row's first columns with scanRun's scanner and the
// rest into extra.
type extraScanner struct {
	row   scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

// Days returns the stream's newest limit days (every day when limit is 0)
// with their counts, newest first.
func (s *Store) Days(ctx context.Context, limit int) ([]DaySummary, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+runColumns+`,
	(SELECT count(*) FROM run_papers rp WHERE rp.stream = runs.stream AND rp.date = runs.date),
	(SELECT count(*) FROM run_papers rp WHERE rp.stream = runs.stream AND rp.date = runs.date AND rp.status = ?),
	(SELECT count(*) FROM run_papers rp WHERE rp.stream = runs.stream AND rp.date = runs.date AND rp.status = ?),
	(SELECT count(DISTINCT ds.paper_id) FROM day_scores ds
		WHERE ds.stream = runs.stream AND ds.date = runs.date AND ds.relevance >= runs.threshold)
FROM runs WHERE stream = ? ORDER BY date DESC LIMIT ?`,
		string(model.StatusJudged), string(model.StatusFailed), s.stream, limit)
	if err != nil {
		return nil, fmt.Errorf("store: days: %w", err)
	}
	defer rows.Close()
	var days []DaySummary
	for rows.Next() {
		var d DaySummary
		r, err := scanRun(extraScanner{rows, []any{&d.Papers, &d.Judged, &d.Failed, &d.Selected}})
		if err != nil {
			return nil, fmt.Errorf("store: days: %w", err)
		}
		d.Run = r
		d.Skipped = d.Papers - d.Judged - d.Failed
		days = append(days, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: days: %w", err)
	}
	return days, nil
}

// PaperRecord is everything the store holds about one paper.
type PaperRecord struct {
	Paper     model.Paper // its newest stored text; AnnounceType is unset
	UpdatedAt time.Time
	// Days are the stream's days that listed the paper, newest first.
	Days []PaperDay
	// Judgements are all its stored judgements, of every day, topic,
	// model and prompt version (shared by every stream), oldest first.
	Judgements []StoredJudgement
	// Answers are its stored answers of other tasks (TL;DRs), oldest first.
	Answers []StoredAnswer
}

// PaperDay is a paper on one of its days.
type PaperDay struct {
	Date         string
	AnnounceType model.AnnounceType
	Version      int
	Status       model.Status // judged, failed, skipped, or StatusPending
	Error        string
	Threshold    float64
	// Scores are the day's scores of the paper, best first, as its
	// digest showed them (without reasons: see PaperRecord.Judgements).
	Scores []model.Score
}

// StoredJudgement is one paid judgement.
type StoredJudgement struct {
	Topic         string
	Relevance     float64
	Reason        string
	Model         string
	PromptVersion string
	CreatedAt     time.Time
}

// StoredAnswer is one stored answer of a task other than relevance.
type StoredAnswer struct {
	Task      string
	Value     string
	Model     string
	CreatedAt time.Time
}

// Paper returns everything stored about paper id; ErrNoPaper (wrapped)
// when there is nothing.
func (s *Store) Paper(ctx context.Context, id string) (PaperRecord, error) {
	rec, err := s.paper(ctx, id)
	if err != nil {
		return PaperRecord{}, fmt.Errorf("store: paper %s: %w", id, err)
	}
	return rec, nil
}

func (s *Store) paper(ctx context.Context, id string) (PaperRecord, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return PaperRecord{}, err
	}
	defer tx.Rollback()
	var (
		rec                 PaperRecord
		authors, categories string
		updated             string
	)
	err = tx.QueryRowContext(ctx, `SELECT id, version, title, abstract, authors, categories, updated_at FROM papers WHERE id = ?`, id).
		Scan(&rec.Paper.ID, &rec.Paper.Version, &rec.Paper.Title, &rec.Paper.Abstract, &authors, &categories, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return PaperRecord{}, ErrNoPaper
	}
	if err != nil {
		return PaperRecord{}, err
	}
	if err := json.Unmarshal([]byte(authors), &rec.Paper.Authors); err != nil {
		return PaperRecord{}, fmt.Errorf("authors: %w", err)
	}
	if err := json.Unmarshal([]byte(categories), &rec.Paper.Categories); err != nil {
		return PaperRecord{}, fmt.Errorf("categories: %w", err)
	}
	if rec.UpdatedAt, err = parseTimestamp(updated); err != nil {
		return PaperRecord{}, fmt.Errorf("updated_at: %w", err)
	}

	if err := eachRow(ctx, tx, `
SELECT rp.date, rp.announce_type, rp.version, rp.status, rp.error, r.threshold
FROM run_papers rp JOIN runs r ON r.stream = rp.stream AND r.date = rp.date
WHERE rp.stream = ? AND rp.paper_id = ? ORDER BY rp.date DESC`, []any{s.stream, id}, func(rows *sql.Rows) error {
		var d PaperDay
		var announce, status string
		if err := rows.Scan(&d.Date, &announce, &d.Version, &status, &d.Error, &d.Threshold); err != nil {
			return err
		}
		d.AnnounceType, d.Status, d.Scores = model.AnnounceType(announce), model.Status(status), []model.Score{}
		rec.Days = append(rec.Days, d)
		return nil
	}); err != nil {
		return PaperRecord{}, fmt.Errorf("days: %w", err)
	}
	for i := range rec.Days {
		d := &rec.Days[i]
		if err := eachRow(ctx, tx, `SELECT topic, relevance FROM day_scores WHERE stream = ? AND date = ? AND paper_id = ?
ORDER BY relevance DESC, topic`, []any{s.stream, d.Date, id}, func(rows *sql.Rows) error {
			var sc model.Score
			if err := rows.Scan(&sc.Topic, &sc.Relevance); err != nil {
				return err
			}
			d.Scores = append(d.Scores, sc)
			return nil
		}); err != nil {
			return PaperRecord{}, fmt.Errorf("scores of %s: %w", d.Date, err)
		}
	}
	if err := eachRow(ctx, tx, `SELECT topic, relevance, reason, model, prompt_version, created_at FROM judgements
WHERE paper_id = ? ORDER BY created_at, topic`, []any{id}, func(rows *sql.Rows) error {
		var j StoredJudgement
		var created string
		if err := rows.Scan(&j.Topic, &j.Relevance, &j.Reason, &j.Model, &j.PromptVersion, &created); err != nil {
			return err
		}
		var err error
		if j.CreatedAt, err = parseTimestamp(created); err != nil {
			return err
		}
		rec.Judgements = append(rec.Judgements, j)
		return nil
	}); err != nil {
		return PaperRecord{}, fmt.Errorf("judgements: %w", err)
	}
	if err := eachRow(ctx, tx, `SELECT task, value, model, created_at FROM answers WHERE paper_id = ? ORDER BY created_at, task`,
		[]any{id}, func(rows *sql.Rows) error {
			var a StoredAnswer
			var created string
			if err := rows.Scan(&a.Task, &a.Value, &a.Model, &created); err != nil {
				return err
			}
			var err error
			if a.CreatedAt, err = parseTimestamp(created); err != nil {
				return err
			}
			rec.Answers = append(rec.Answers, a)
			return nil
		}); err != nil {
		return PaperRecord{}, fmt.Errorf("answers: %w", err)
	}
	return rec, nil
}

// eachRow runs query and calls fn on each of its rows.
func eachRow(ctx context.Context, tx *sql.Tx, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
