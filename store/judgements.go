package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// maxIn bounds the number of bound parameters in one IN (...) list.
const maxIn = 500

// Known is what the store holds of some papers' judgements: the score of
// each paper (by id) against each topic (by name).
type Known map[string]map[string]model.Score

// Score is paper id's stored score against topic, if there is one.
func (k Known) Score(id, topic string) (model.Score, bool) {
	s, ok := k[id][topic]
	return s, ok
}

// Complete reports whether paper id has a stored score against every one
// of topics.
func (k Known) Complete(id string, topics []model.Topic) bool {
	return len(k.Missing(id, topics)) == 0
}

// Missing is the topics, in order, that paper id has no stored score
// against.
func (k Known) Missing(id string, topics []model.Topic) []model.Topic {
	var out []model.Topic
	for _, t := range topics {
		if _, ok := k[id][t.Name]; !ok {
			out = append(out, t)
		}
	}
	return out
}

// Known answers the one question "which of these judgements are paid for
// already": the stored scores of papers against topics, each judgement
// found by its cache key, key(paper, topic) (classify.RelevanceKey with the
// model bound). The store does not know how keys are made; it keeps what
// was paid for under them.
func (s *Store) Known(ctx context.Context, papers []model.Paper, topics []model.Topic, key func(model.Paper, model.Topic) string) (Known, error) {
	return known(ctx, s.db, papers, topics, key)
}

func known(ctx context.Context, q querier, papers []model.Paper, topics []model.Topic, key func(model.Paper, model.Topic) string) (Known, error) {
	keys := make([]string, 0, len(papers)*len(topics))
	for _, p := range papers {
		for _, t := range topics {
			keys = append(keys, key(p, t))
		}
	}
	scores, err := lookupScores(ctx, q, keys)
	if err != nil {
		return nil, fmt.Errorf("store: known judgements: %w", err)
	}
	k := Known{}
	i := 0
	for _, p := range papers {
		for _, t := range topics {
			if sc, ok := scores[keys[i]]; ok {
				if k[p.ID] == nil {
					k[p.ID] = map[string]model.Score{}
				}
				sc.Topic = t.Name
				k[p.ID][t.Name] = sc
			}
			i++
		}
	}
	return k, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// lookupScores queries keys in batches of at most maxIn.
func lookupScores(ctx context.Context, q querier, keys []string) (map[string]model.Score, error) {
	scores := make(map[string]model.Score, len(keys))
	for start := 0; start < len(keys); start += maxIn {
		batch := keys[start:min(start+maxIn, len(keys))]
		args := make([]any, len(batch))
		for i, k := range batch {
			args[i] = k
		}
		query := `SELECT key, topic, relevance, reason FROM judgements WHERE key IN (?` +
			strings.Repeat(", ?", len(batch)-1) + `)`
		if err := func() error {
			rows, err := q.QueryContext(ctx, query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var (
					key string
					sc  model.Score
				)
				if err := rows.Scan(&key, &sc.Topic, &sc.Relevance, &sc.Reason); err != nil {
					return err
				}
				scores[key] = sc
			}
			return rows.Err()
		}(); err != nil {
			return nil, err
		}
	}
	return scores, nil
}

// SaveJudged commits, in one transaction, a paper's new judgements (by
// cache key; a key already stored is replaced), marks the paper judged for the
// date when judged is true (the caller passes true once the paper has a
// score for every topic) and adds usage to the date's run. The judgements
// are recorded with the run's model and prompt version.
//
// It fails with ErrNoRun when the date has no run and ErrUnknownPaper when
// the paper is not in the date's list; nothing is saved then.
func (s *Store) SaveJudged(ctx context.Context, date, paperID string, scores map[string]model.Score, judged bool, usage model.Usage) error {
	for key, sc := range scores {
		if err := validScore(key, sc); err != nil {
			return fmt.Errorf("store: save judged %s %s: %w", date, paperID, err)
		}
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var llmModel, promptVersion string
		err := tx.QueryRowContext(ctx, `SELECT model, prompt_version FROM runs WHERE stream = ? AND date = ?`, s.stream, date).
			Scan(&llmModel, &promptVersion)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoRun
		}
		if err != nil {
			return err
		}
		if err := s.requirePaper(ctx, tx, date, paperID); err != nil {
			return err
		}
		if len(scores) > 0 {
			ins, err := tx.PrepareContext(ctx, `
INSERT OR REPLACE INTO judgements (key, paper_id, topic, relevance, reason, model, prompt_version, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer ins.Close()
			now := timestamp(s.now())
			for key, sc := range scores {
				if _, err := ins.ExecContext(ctx, key, paperID, sc.Topic, sc.Relevance, sc.Reason, llmModel, promptVersion, now); err != nil {
					return fmt.Errorf("judgement %s: %w", sc.Topic, err)
				}
			}
		}
		if judged {
			if _, err := tx.ExecContext(ctx, `UPDATE run_papers SET status = ?, error = '' WHERE stream = ? AND date = ? AND paper_id = ?`,
				string(model.StatusJudged), s.stream, date, paperID); err != nil {
				return err
			}
		}
		return s.addUsage(ctx, tx, date, usage)
	})
	if err != nil {
		return fmt.Errorf("store: save judged %s %s: %w", date, paperID, err)
	}
	return nil
}

// SaveOutcome records a paper of the date that was not judged (status
// failed or skipped, reason saying why) and adds the usage its attempts
// cost, since failed attempts are paid for too.
func (s *Store) SaveOutcome(ctx context.Context, date, paperID string, status model.Status, reason string, usage model.Usage) error {
	if status != model.StatusFailed && status != model.StatusSkipped {
		return fmt.Errorf("store: save outcome %s %s: invalid status %q (want failed or skipped)", date, paperID, status)
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.requireRun(ctx, tx, date); err != nil {
			return err
		}
		if err := s.requirePaper(ctx, tx, date, paperID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE run_papers SET status = ?, error = ? WHERE stream = ? AND date = ? AND paper_id = ?`,
			string(status), reason, s.stream, date, paperID); err != nil {
			return err
		}
		return s.addUsage(ctx, tx, date, usage)
	})
	if err != nil {
		return fmt.Errorf("store: save outcome %s %s: %w", date, paperID, err)
	}
	return nil
}

// AddUsage adds usage that belongs to no one paper to the date's run.
func (s *Store) AddUsage(ctx context.Context, date string, usage model.Usage) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.requireRun(ctx, tx, date); err != nil {
			return err
		}
		return s.addUsage(ctx, tx, date, usage)
	})
	if err != nil {
		return fmt.Errorf("store: add usage %s: %w", date, err)
	}
	return nil
}

func (s *Store) addUsage(ctx context.Context, tx *sql.Tx, date string, u model.Usage) error {
	if u == (model.Usage{}) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `
UPDATE runs SET prompt_tokens = prompt_tokens + ?, cached_tokens = cached_tokens + ?,
	completion_tokens = completion_tokens + ?, requests = requests + ?
WHERE stream = ? AND date = ?`, u.Prompt, u.Cached, u.Completion, u.Requests, s.stream, date)
	if err != nil {
		return fmt.Errorf("add usage: %w", err)
	}
	return nil
}

func (s *Store) requireRun(ctx context.Context, tx *sql.Tx, date string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE stream = ? AND date = ?`, s.stream, date).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNoRun
	}
	return err
}

func (s *Store) requirePaper(ctx context.Context, tx *sql.Tx, date, paperID string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM run_papers WHERE stream = ? AND date = ? AND paper_id = ?`, s.stream, date, paperID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrUnknownPaper
	}
	return err
}

// validScore rejects what would corrupt the cache: a key that is not a Key,
// a score without a topic, a relevance outside [0, 1].
func validScore(key string, sc model.Score) error {
	if len(key) != 64 || strings.Trim(key, "0123456789abcdef") != "" {
		return fmt.Errorf("invalid key %q", key)
	}
	if sc.Topic == "" {
		return fmt.Errorf("key %s: score without topic", key)
	}
	if math.IsNaN(sc.Relevance) || sc.Relevance < 0 || sc.Relevance > 1 {
		return fmt.Errorf("key %s: relevance %v outside [0, 1]", key, sc.Relevance)
	}
	return nil
}
