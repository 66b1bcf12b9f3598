package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// BeginRun records the start of the stream's run for r.Date, in one
// transaction:
//
//   - the date's run row is created, or updated on a rerun (status running,
//     error cleared, finish time and cost cleared), keeping the Usage already
//     recorded for the date; r.Status, r.Usage, r.CostUSD and r.FinishedAt
//     are ignored; a zero StartedAt is now, a zero PID this process;
//   - the papers are upserted (a stored paper is updated unless it already
//     holds a newer version);
//   - the date's paper list is replaced by papers, in that order, with each
//     paper's announce type and version of the day (a repeated ID keeps its
//     first place).
//
// A paper in r.Filtered is filtered, with the rule that left it out as its
// error: the filter's decision is recorded, so that a digest rebuilt from
// the store shows what the run did. Otherwise a paper's status in the new
// list is judged when known (what Known returned for the run's papers and
// topics) holds a score for every one of r.Topics; so papers judged by an
// earlier attempt stay judged, and become pending again when the topics,
// model or text changed. Every other paper is StatusPending: failed and
// skipped papers are tried again.
func (s *Store) BeginRun(ctx context.Context, r Run, papers []model.Paper, known Known) error {
	if !model.ValidDate(r.Date) {
		return fmt.Errorf("store: begin run: invalid date %q", r.Date)
	}
	for _, p := range papers {
		if p.ID == "" {
			return fmt.Errorf("store: begin run %s: paper with empty id", r.Date)
		}
	}
	categories, err := jsonArray(r.Categories)
	if err != nil {
		return fmt.Errorf("store: begin run %s: %w", r.Date, err)
	}
	topics, err := jsonArray(r.Topics)
	if err != nil {
		return fmt.Errorf("store: begin run %s: %w", r.Date, err)
	}
	announceTypes, announced := "", ""
	if r.AnnounceTypes != nil {
		if announceTypes, err = jsonArray(r.AnnounceTypes); err != nil {
			return fmt.Errorf("store: begin run %s: %w", r.Date, err)
		}
	}
	if r.Announced != nil {
		b, err := json.Marshal(r.Announced)
		if err != nil {
			return fmt.Errorf("store: begin run %s: %w", r.Date, err)
		}
		announced = string(b)
	}
	now := s.now()
	started := r.StartedAt
	if started.IsZero() {
		started = now
	}
	pid := r.PID
	if pid == 0 {
		pid = os.Getpid()
	}
	papers = uniquePapers(papers)

	err = s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
INSERT INTO runs (stream, date, source, categories, announce_types, announced, topics, model, prompt_version,
	threshold, status, error, no_announcements, cost_usd, started_at, finished_at, pid, feed_url, etag,
	last_modified)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, NULL, ?, '', ?, ?, ?, ?)
ON CONFLICT (stream, date) DO UPDATE SET
	source = excluded.source, categories = excluded.categories, announce_types = excluded.announce_types,
	announced = excluded.announced, topics = excluded.topics, model = excluded.model,
	prompt_version = excluded.prompt_version, threshold = excluded.threshold, status = excluded.status,
	error = '', no_announcements = excluded.no_announcements, cost_usd = NULL,
	started_at = excluded.started_at, finished_at = '', pid = excluded.pid, feed_url = excluded.feed_url,
	etag = excluded.etag, last_modified = excluded.last_modified`,
			s.stream, r.Date, r.Source, categories, announceTypes, announced, topics, r.Model, r.PromptVersion,
			r.Threshold, string(RunRunning), r.NoAnnouncements, timestamp(started), pid, r.FeedURL, r.ETag,
			r.LastModified)
		if err != nil {
			return fmt.Errorf("upsert run: %w", err)
		}
		if err := upsertPapers(ctx, tx, papers, timestamp(now)); err != nil {
			return err
		}

		if _, err := tx.ExecContext(ctx, `DELETE FROM run_papers WHERE stream = ? AND date = ?`, s.stream, r.Date); err != nil {
			return fmt.Errorf("clear paper list: %w", err)
		}
		ins, err := tx.PrepareContext(ctx, `
INSERT INTO run_papers (stream, date, paper_id, position, announce_type, version, status, error)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("insert paper list: %w", err)
		}
		defer ins.Close()
		// The day's scores are those known now against its topics, and
		// those Judged adds.
		if _, err := tx.ExecContext(ctx, `DELETE FROM day_scores WHERE stream = ? AND date = ?`, s.stream, r.Date); err != nil {
			return fmt.Errorf("clear day scores: %w", err)
		}
		score, err := tx.PrepareContext(ctx, dayScoreInsert)
		if err != nil {
			return fmt.Errorf("insert day scores: %w", err)
		}
		defer score.Close()
		tiers := newTierRaiser(tx)
		defer tiers.Close()
		for i, p := range papers {
			status, reason := StatusPending, ""
			if why, ok := r.Filtered[p.ID]; ok {
				status, reason = model.StatusFiltered, why
			} else if known.Complete(p.ID, r.Topics) {
				status = model.StatusJudged
			}
			if _, err := ins.ExecContext(ctx, s.stream, r.Date, p.ID, i, string(p.AnnounceType), p.Version, string(status), reason); err != nil {
				return fmt.Errorf("insert paper list: %s: %w", p.ID, err)
			}
			best, scored := 0.0, false
			for _, t := range r.Topics {
				if sc, ok := known.Score(p.ID, t.Name); ok {
					if _, err := score.ExecContext(ctx, s.stream, r.Date, p.ID, t.Name, sc.Relevance); err != nil {
						return fmt.Errorf("insert day scores: %s: %w", p.ID, err)
					}
					best, scored = max(best, sc.Relevance), true
				}
			}
			if scored {
				if err := tiers.raise(ctx, p.ID, best); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: begin run %s: %w", r.Date, err)
	}
	return nil
}

// uniquePapers drops repeated IDs, keeping each first occurrence.
func uniquePapers(papers []model.Paper) []model.Paper {
	seen := make(map[string]bool, len(papers))
	out := make([]model.Paper, 0, len(papers))
	for _, p := range papers {
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out
}

// upsertPapers stores papers (a stored paper is updated unless a newer
// version is stored) and indexes each one whose text changed for search.
func upsertPapers(ctx context.Context, tx *sql.Tx, papers []model.Paper, now string) error {
	old, err := tx.PrepareContext(ctx, `SELECT version, title, abstract, authors FROM papers WHERE id = ?`)
	if err != nil {
		return fmt.Errorf("upsert papers: %w", err)
	}
	defer old.Close()
	up, err := tx.PrepareContext(ctx, `
INSERT INTO papers (id, version, title, abstract, authors, categories, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
	version = excluded.version, title = excluded.title, abstract = excluded.abstract,
	authors = excluded.authors, categories = excluded.categories, updated_at = excluded.updated_at
RETURNING rowid, search_tier`)
	if err != nil {
		return fmt.Errorf("upsert papers: %w", err)
	}
	defer up.Close()
	index, err := tx.PrepareContext(ctx, ftsInsert)
	if err != nil {
		return fmt.Errorf("upsert papers: %w", err)
	}
	defer index.Close()
	for _, p := range papers {
		authors, err := jsonArray(p.Authors)
		if err != nil {
			return fmt.Errorf("upsert paper %s: %w", p.ID, err)
		}
		categories, err := jsonArray(p.Categories)
		if err != nil {
			return fmt.Errorf("upsert paper %s: %w", p.ID, err)
		}
		var (
			version              int
			title, abstract, was string
			stored, changed      = true, true
		)
		switch err := old.QueryRowContext(ctx, p.ID).Scan(&version, &title, &abstract, &was); {
		case errors.Is(err, sql.ErrNoRows):
			stored = false
		case err != nil:
			return fmt.Errorf("upsert paper %s: %w", p.ID, err)
		}
		if stored {
			if version > p.Version {
				continue // a newer version is stored
			}
			changed = title != p.Title || abstract != p.Abstract || was != authors
		}
		var (
			rowid int64
			tier  int
		)
		if err := up.QueryRowContext(ctx, p.ID, p.Version, p.Title, p.Abstract, authors, categories, now).Scan(&rowid, &tier); err != nil {
			return fmt.Errorf("upsert paper %s: %w", p.ID, err)
		}
		if changed {
			key, err := ftsKey(tier, rowid)
			if err != nil {
				return fmt.Errorf("index paper %s: %w", p.ID, err)
			}
			if err := indexPaper(ctx, index, key, p.Title, p.Abstract, p.Authors); err != nil {
				return fmt.Errorf("index paper %s: %w", p.ID, err)
			}
		}
	}
	return nil
}

// jsonArray encodes a slice as JSON, nil as [] rather than null.
func jsonArray[T any](v []T) (string, error) {
	if v == nil {
		v = []T{}
	}
	b, err := json.Marshal(v)
	return string(b), err
}
