package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// OpenReadOnly opens an existing database for reading only, as a dry run
// does: nothing is created, migrated, claimed or written (every connection
// is query_only). A missing file is an error wrapping fs.ErrNotExist; a
// database of another schema version than this program's is an error too
// (a run upgrades it).
func OpenReadOnly(ctx context.Context, path string, opts ...Option) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	} else if fi.IsDir() {
		return nil, fmt.Errorf("store: open %s: is a folder", path)
	}
	db, err := sql.Open("sqlite", readOnlyDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	switch {
	case version > len(migrations):
		db.Close()
		return nil, fmt.Errorf("store: open %s: schema version %d, known %d: %w", path, version, len(migrations), ErrSchemaTooNew)
	case version < len(migrations):
		db.Close()
		return nil, fmt.Errorf("store: open %s: schema version %d, this program's is %d: a run upgrades it", path, version, len(migrations))
	}
	return s, nil
}

// readOnlyDSN is dsn for a reader that never writes: no journal mode is
// set (the file keeps its own) and every connection is query_only.
func readOnlyDSN(abs string) string {
	return dsnWith(abs, fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()), "foreign_keys(1)", "query_only(1)", "cache_size(-512)")
}

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
