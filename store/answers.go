package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// Answers returns the stored answers among keys (the cache keys of a
// task other than relevance, such as classify.TLDRKey), by key. Keys
// without an answer are absent from the map.
func (s *Store) Answers(ctx context.Context, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	for start := 0; start < len(keys); start += maxIn {
		batch := keys[start:min(start+maxIn, len(keys))]
		args := make([]any, len(batch))
		for i, k := range batch {
			args[i] = k
		}
		err := func() error {
			rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM answers WHERE key IN (?`+strings.Repeat(", ?", len(batch)-1)+`)`, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k, v string
				if err := rows.Scan(&k, &v); err != nil {
					return err
				}
				out[k] = v
			}
			return rows.Err()
		}()
		if err != nil {
			return nil, fmt.Errorf("store: answers: %w", err)
		}
	}
	return out, nil
}

// SaveAnswer commits Answer alone.
func (s *Store) SaveAnswer(ctx context.Context, date, paperID, task, key, value string, usage model.Usage) error {
	return s.Commit(ctx, s.Answer(date, paperID, task, key, value, usage))
}

// Answer writes task's answer (value, under its cache key) for a paper of
// the date's list, forgets the paper's recorded failure of task for the
// date, and adds usage to the date's run. The answer is recorded with the
// run's model.
func (s *Store) Answer(date, paperID, task, key, value string, usage model.Usage) Write {
	w := Write{what: fmt.Sprintf("save answer %s %s", date, paperID)}
	if task == "" || key == "" {
		w.err = errors.New("empty task or key")
		return w
	}
	w.op = func(ctx context.Context, tx *sql.Tx) error {
		var llmModel string
		if err := tx.QueryRowContext(ctx, `SELECT model FROM runs WHERE stream = ? AND date = ?`, s.stream, date).Scan(&llmModel); errors.Is(err, sql.ErrNoRows) {
			return ErrNoRun
		} else if err != nil {
			return err
		}
		if err := s.requirePaper(ctx, tx, date, paperID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
INSERT OR REPLACE INTO answers (key, task, paper_id, value, model, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			key, task, paperID, value, llmModel, timestamp(s.now())); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM answer_failures WHERE stream = ? AND date = ? AND paper_id = ? AND task = ?`,
			s.stream, date, paperID, task); err != nil {
			return err
		}
		return s.addUsage(ctx, tx, date, usage)
	}
	return w
}

// AnswerFailure is a paper's recorded failure of a task on a date.
type AnswerFailure struct {
	Reason string
	Runs   int // the runs in which it failed
}

// SaveAnswerFailure commits AnswerFailure alone.
func (s *Store) SaveAnswerFailure(ctx context.Context, date, paperID, task, reason string, usage model.Usage) error {
	return s.Commit(ctx, s.AnswerFailure(date, paperID, task, reason, usage))
}

// AnswerFailure records that task could not answer for a paper of the
// date's list (reason says why), counting one more failed run, and adds
// the usage its attempts cost.
func (s *Store) AnswerFailure(date, paperID, task, reason string, usage model.Usage) Write {
	return Write{what: fmt.Sprintf("save answer failure %s %s", date, paperID), op: func(ctx context.Context, tx *sql.Tx) error {
		if err := s.requirePaper(ctx, tx, date, paperID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
INSERT INTO answer_failures (stream, date, paper_id, task, reason, runs) VALUES (?, ?, ?, ?, ?, 1)
ON CONFLICT (stream, date, paper_id, task) DO UPDATE SET reason = excluded.reason, runs = runs + 1`,
			s.stream, date, paperID, task, reason); err != nil {
			return err
		}
		return s.addUsage(ctx, tx, date, usage)
	}}
}

// AnswerFailures returns the date's recorded failures of task, by paper id.
func (s *Store) AnswerFailures(ctx context.Context, date, task string) (map[string]AnswerFailure, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT paper_id, reason, runs FROM answer_failures WHERE stream = ? AND date = ? AND task = ?`,
		s.stream, date, task)
	if err != nil {
		return nil, fmt.Errorf("store: answer failures %s: %w", date, err)
	}
	defer rows.Close()
	out := map[string]AnswerFailure{}
	for rows.Next() {
		var id string
		var f AnswerFailure
		if err := rows.Scan(&id, &f.Reason, &f.Runs); err != nil {
			return nil, fmt.Errorf("store: answer failures %s: %w", date, err)
		}
		out[id] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: answer failures %s: %w", date, err)
	}
	return out, nil
}
