package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// IsNotExist reports whether err says the database file does not exist.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// ModelUsage sums the usage of every run, of every stream, made with
// llmModel: the store's history of what the model's answers cost.
func (s *Store) ModelUsage(ctx context.Context, llmModel string) (model.Usage, error) {
	var u model.Usage
	err := s.db.QueryRowContext(ctx, `
SELECT COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(completion_tokens), 0),
	COALESCE(SUM(requests), 0)
FROM runs WHERE model = ?`, llmModel).Scan(&u.Prompt, &u.Cached, &u.Completion, &u.Requests)
	if err != nil {
		return model.Usage{}, fmt.Errorf("store: usage of %s: %w", llmModel, err)
	}
	return u, nil
}

// SelectionRate is, over every paper the store holds judgements of by
// llmModel, the share with a relevance of at least threshold for some
// topic; n is how many papers that is (0: no history, rate 0).
func (s *Store) SelectionRate(ctx context.Context, llmModel string, threshold float64) (rate float64, n int, err error) {
	var selected int
	err = s.db.QueryRowContext(ctx, `
SELECT COUNT(DISTINCT paper_id), COUNT(DISTINCT CASE WHEN relevance >= ? THEN paper_id END)
FROM judgements WHERE model = ?`, threshold, llmModel).Scan(&n, &selected)
	if err != nil {
		return 0, 0, fmt.Errorf("store: selection rate of %s: %w", llmModel, err)
	}
	if n == 0 {
		return 0, 0, nil
	}
	return float64(selected) / float64(n), n, nil
}
