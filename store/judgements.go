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
// found by its cache key: keys(paper, topics) are the keys of paper's
// judgements against each of topics, in order (classify.RelevanceKeys with
// the model bound). The store does not know how keys are made; it keeps what
// was paid for under them.
func (s *Store) Known(ctx context.Context, papers []model.Paper, topics []model.Topic, keysOf func(model.Paper, []model.Topic) []string) (Known, error) {
	return known(ctx, s.db, papers, topics, keysOf)
}

func known(ctx context.Context, q querier, papers []model.Paper, topics []model.Topic, keysOf func(model.Paper, []model.Topic) []string) (Known, error) {
	keys := make([]string, 0, len(papers)*len(topics))
	for _, p := range papers {
		pk := keysOf(p, topics)
		if len(pk) != len(topics) {
			return nil, fmt.Errorf("store: known judgements: %d keys for %d topics of %s", len(pk), len(topics), p.ID)
		}
		keys = append(keys, pk...)
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

// Write is one write of the store's, to be committed alone (the Save
// methods) or with others in one transaction (Commit): under a steady flow
// of model answers, committing those that arrived during the previous
// commit together pays one fsync for all of them.
type Write struct {
	op   func(ctx context.Context, tx *sql.Tx) error
	what string // "save judged 2025-04-28 2504.00001", for errors
	err  error  // the write is invalid: Commit refuses it
}

// Commit commits writes in one transaction: all of them, or, when one
// fails, none (the error names the write that failed).
func (s *Store) Commit(ctx context.Context, writes ...Write) error {
	for _, w := range writes {
		if w.err != nil {
			return fmt.Errorf("store: %s: %w", w.what, w.err)
		}
	}
	var failed string
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		for _, w := range writes {
			if err := w.op(ctx, tx); err != nil {
				failed = w.what
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case failed != "":
		return fmt.Errorf("store: %s: %w", failed, err)
	case len(writes) == 1:
		return fmt.Errorf("store: %s: %w", writes[0].what, err)
	}
	return fmt.Errorf("store: commit %d writes: %w", len(writes), err)
}

// SaveJudged commits Judged alone.
func (s *Store) SaveJudged(ctx context.Context, date, paperID string, scores map[string]model.Score, judged bool, usage model.Usage) error {
	return s.Commit(ctx, s.Judged(date, paperID, scores, judged, usage))
}

// Judged writes a paper's new judgements (by cache key; a key already
// stored is replaced), marks the paper judged for the date when judged is
// true (the caller passes true once the paper has a score for every topic)
// and adds usage to the date's run. The judgements are recorded with the
// run's model and prompt version, and as the paper's scores of the date
// (what a search ranks it by).
//
// It fails with ErrNoRun when the date has no run and ErrUnknownPaper when
// the paper is not in the date's list; nothing is saved then.
func (s *Store) Judged(date, paperID string, scores map[string]model.Score, judged bool, usage model.Usage) Write {
	w := Write{what: fmt.Sprintf("save judged %s %s", date, paperID)}
	for key, sc := range scores {
		if err := validScore(key, sc); err != nil {
			w.err = err
			return w
		}
	}
	w.op = func(ctx context.Context, tx *sql.Tx) error {
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
			day, err := tx.PrepareContext(ctx, dayScoreInsert)
			if err != nil {
				return err
			}
			defer day.Close()
			now := timestamp(s.now())
			best := 0.0
			for key, sc := range scores {
				if _, err := ins.ExecContext(ctx, key, paperID, sc.Topic, sc.Relevance, sc.Reason, llmModel, promptVersion, now); err != nil {
					return fmt.Errorf("judgement %s: %w", sc.Topic, err)
				}
				if _, err := day.ExecContext(ctx, s.stream, date, paperID, sc.Topic, sc.Relevance); err != nil {
					return fmt.Errorf("day score %s: %w", sc.Topic, err)
				}
				best = max(best, sc.Relevance)
			}
			tiers := newTierRaiser(tx)
			defer tiers.Close()
			if err := tiers.raise(ctx, paperID, best); err != nil {
				return err
			}
		}
		if judged {
			if _, err := tx.ExecContext(ctx, `UPDATE run_papers SET status = ?, error = '' WHERE stream = ? AND date = ? AND paper_id = ?`,
				string(model.StatusJudged), s.stream, date, paperID); err != nil {
				return err
			}
		}
		return s.addUsage(ctx, tx, date, usage)
	}
	return w
}

// SaveOutcome commits Outcome alone.
func (s *Store) SaveOutcome(ctx context.Context, date, paperID string, status model.Status, reason string, usage model.Usage) error {
	return s.Commit(ctx, s.Outcome(date, paperID, status, reason, usage))
}

// Outcome records a paper of the date that was not judged (status failed
// or skipped, reason saying why) and adds the usage its attempts cost,
// since failed attempts are paid for too.
func (s *Store) Outcome(date, paperID string, status model.Status, reason string, usage model.Usage) Write {
	w := Write{what: fmt.Sprintf("save outcome %s %s", date, paperID)}
	if status != model.StatusFailed && status != model.StatusSkipped {
		w.err = fmt.Errorf("invalid status %q (want failed or skipped)", status)
		return w
	}
	w.op = func(ctx context.Context, tx *sql.Tx) error {
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
	}
	return w
}

// AddUsage adds usage that belongs to no one paper to the date's run.
func (s *Store) AddUsage(ctx context.Context, date string, usage model.Usage) error {
	return s.Commit(ctx, s.Usage(date, usage))
}

// Usage writes usage to the date's run alone (an answer paid for and
// rejected, to be asked again).
func (s *Store) Usage(date string, usage model.Usage) Write {
	return Write{what: "add usage " + date, op: func(ctx context.Context, tx *sql.Tx) error {
		if err := s.requireRun(ctx, tx, date); err != nil {
			return err
		}
		return s.addUsage(ctx, tx, date, usage)
	}}
}

func (s *Store) addUsage(ctx context.Context, tx *sql.Tx, date string, u model.Usage) error {
	if u == (model.Usage{}) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `
UPDATE runs SET prompt_tokens = prompt_tokens + ?, cached_tokens = cached_tokens + ?,
	completion_tokens = completion_tokens + ?, requests = requests + ?,
	batch_prompt_tokens = batch_prompt_tokens + ?, batch_cached_tokens = batch_cached_tokens + ?,
	batch_completion_tokens = batch_completion_tokens + ?, batch_requests = batch_requests + ?
WHERE stream = ? AND date = ?`, u.Prompt, u.Cached, u.Completion, u.Requests,
		u.Batch.Prompt, u.Batch.Cached, u.Batch.Completion, u.Batch.Requests, s.stream, date)
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
