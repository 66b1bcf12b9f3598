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

// Batch states of the store's own (the others are the API's statuses).
const (
	// BatchSubmitting: the input file is uploaded and the batch is being
	// created; its BatchID may not be known (a process killed here left
	// it so: the next one looks the batch up by its input file).
	BatchSubmitting = "submitting"
	// BatchCollected: its answers are all in the store; it is closed.
	BatchCollected = "collected"
)

// ErrNoBatch: no batch is recorded under that input file id.
var ErrNoBatch = errors.New("no such batch")

// Batch is a Batch API batch of one stream's date and task.
type Batch struct {
	InputFileID string // the key: known before the batch exists
	ID          string // the API's batch id; "" while submitting
	Date, Task  string
	// State is BatchSubmitting, the API's status (validating,
	// in_progress, finalizing, completed, failed, expired, cancelling,
	// cancelled) or BatchCollected.
	State                    string
	Total, Completed, Failed int64
	Error                    string // why the API failed it
	CreatedAt, UpdatedAt     time.Time
}

// BatchRequest is one line of a batch: its custom_id, and what its answer
// is: the task's answer for a paper, stored under Keys (one per topic of
// Topics for relevance, one for a TL;DR).
type BatchRequest struct {
	CustomID, PaperID, Task string
	Keys                    []string
	Topics                  []model.Topic
}

// RecordBatch records a batch about to be created from the uploaded file
// b.InputFileID, with its requests, in state BatchSubmitting; it must be
// committed before the batch is created.
func (s *Store) RecordBatch(ctx context.Context, b Batch, reqs []BatchRequest) error {
	if b.InputFileID == "" || b.Task == "" || !model.ValidDate(b.Date) {
		return fmt.Errorf("store: record batch: input file %q, task %q, date %q: all are required", b.InputFileID, b.Task, b.Date)
	}
	now := timestamp(s.now())
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
INSERT INTO batches (input_file_id, batch_id, stream, date, task, state, total, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, b.InputFileID, b.ID, s.stream, b.Date, b.Task, BatchSubmitting, len(reqs), now, now); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `
INSERT INTO batch_requests (input_file_id, custom_id, paper_id, task, keys, topics) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, r := range reqs {
			keys, err := jsonArray(r.Keys)
			if err != nil {
				return err
			}
			topics, err := jsonArray(r.Topics)
			if err != nil {
				return err
			}
			if _, err := ins.ExecContext(ctx, b.InputFileID, r.CustomID, r.PaperID, r.Task, keys, topics); err != nil {
				return fmt.Errorf("request %s: %w", r.CustomID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record batch %s: %w", b.InputFileID, err)
	}
	return nil
}

// UpdateBatch records what the API said of a batch: its id, state and
// counts (and its error, when it failed).
func (s *Store) UpdateBatch(ctx context.Context, b Batch) error {
	res, err := s.db.ExecContext(ctx, `
UPDATE batches SET batch_id = ?, state = ?, total = ?, completed = ?, failed = ?, error = ?, updated_at = ?
WHERE input_file_id = ? AND stream = ?`, b.ID, b.State, b.Total, b.Completed, b.Failed, b.Error, timestamp(s.now()), b.InputFileID, s.stream)
	if err != nil {
		return fmt.Errorf("store: update batch %s: %w", b.InputFileID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: update batch %s: %w", b.InputFileID, ErrNoBatch)
	}
	return nil
}

// CollectBatch marks a batch collected: every answer it had is stored.
func (s *Store) CollectBatch(ctx context.Context, inputFileID string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE batches SET state = ?, updated_at = ? WHERE input_file_id = ? AND stream = ?`,
		BatchCollected, timestamp(s.now()), inputFileID, s.stream); err != nil {
		return fmt.Errorf("store: collect batch %s: %w", inputFileID, err)
	}
	return nil
}

// OpenBatches returns the stream's batches not yet collected, oldest
// first.
func (s *Store) OpenBatches(ctx context.Context) ([]Batch, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT input_file_id, batch_id, date, task, state, total, completed, failed, error, created_at, updated_at
FROM batches WHERE stream = ? AND state != ? ORDER BY created_at, input_file_id`, s.stream, BatchCollected)
	if err != nil {
		return nil, fmt.Errorf("store: open batches: %w", err)
	}
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		var b Batch
		var created, updated string
		if err := rows.Scan(&b.InputFileID, &b.ID, &b.Date, &b.Task, &b.State, &b.Total, &b.Completed, &b.Failed,
			&b.Error, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: open batches: %w", err)
		}
		if b.CreatedAt, err = parseTimestamp(created); err != nil {
			return nil, fmt.Errorf("store: batch %s created_at: %w", b.InputFileID, err)
		}
		if b.UpdatedAt, err = parseTimestamp(updated); err != nil {
			return nil, fmt.Errorf("store: batch %s updated_at: %w", b.InputFileID, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: open batches: %w", err)
	}
	return out, nil
}

// BatchRequests returns a batch's requests by custom_id.
func (s *Store) BatchRequests(ctx context.Context, inputFileID string) (map[string]BatchRequest, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT custom_id, paper_id, task, keys, topics FROM batch_requests WHERE input_file_id = ?`, inputFileID)
	if err != nil {
		return nil, fmt.Errorf("store: batch requests %s: %w", inputFileID, err)
	}
	defer rows.Close()
	out := map[string]BatchRequest{}
	for rows.Next() {
		var r BatchRequest
		var keys, topics string
		if err := rows.Scan(&r.CustomID, &r.PaperID, &r.Task, &keys, &topics); err != nil {
			return nil, fmt.Errorf("store: batch requests %s: %w", inputFileID, err)
		}
		if err := json.Unmarshal([]byte(keys), &r.Keys); err != nil {
			return nil, fmt.Errorf("store: batch request %s keys: %w", r.CustomID, err)
		}
		if err := json.Unmarshal([]byte(topics), &r.Topics); err != nil {
			return nil, fmt.Errorf("store: batch request %s topics: %w", r.CustomID, err)
		}
		out[r.CustomID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: batch requests %s: %w", inputFileID, err)
	}
	return out, nil
}
