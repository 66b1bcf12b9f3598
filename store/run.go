package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// RunStatus is where a day's run stands.
type RunStatus string

// Run statuses.
const (
	RunRunning  RunStatus = "running"  // begun and not finished (or killed: see Run.PID)
	RunComplete RunStatus = "complete" // every paper judged
	RunPartial  RunStatus = "partial"  // some papers failed or were skipped
	RunFailed   RunStatus = "failed"   // the run itself failed (Error says why)
)

// Valid reports whether s is a known run status.
func (s RunStatus) Valid() bool {
	switch s {
	case RunRunning, RunComplete, RunPartial, RunFailed:
		return true
	}
	return false
}

// StatusPending is the status of a paper in a day's list that has not been
// tried yet (model.Status has no name for it; model.Build calls it skipped).
const StatusPending model.Status = ""

// Run is the record of one announcement date's run. There is one per date:
// rerunning a date updates it.
type Run struct {
	Date       string // YYYY-MM-DD, the arXiv announcement date
	Source     string // "rss" or "api"
	Categories []string
	// AnnounceTypes are the announce types the run kept, in the config's
	// order; nil when not recorded (a run written by an older version).
	AnnounceTypes []model.AnnounceType
	// Announced counts the day's papers by announce type before the
	// announce-type filter; nil when not recorded.
	Announced map[model.AnnounceType]int
	Topics    []model.Topic
	Model     string
	// PromptVersion is the prompt version the run's judgements are keyed
	// with (the same string passed to Key). BeginRun uses it with Topics
	// and Model to tell which papers are already judged.
	PromptVersion   string
	Threshold       float64
	Status          RunStatus
	Error           string
	NoAnnouncements bool
	// Usage is the tokens of every request for this date, summed over all
	// attempts and reruns of the date.
	Usage      model.Usage
	CostUSD    *float64 // nil when unknown
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	PID        int       // the process that began the run
	// Filtered holds the papers of the day's list that the config's filter
	// left out, by id, with the rule that did (BeginRun records them as
	// filtered; Run does not read it back: the list's statuses say it).
	Filtered map[string]string
	// FeedURL is the RSS document the day was read from ("" for the API),
	// and ETag and LastModified its cache validators, sent back on the next
	// fetch of that URL ("" when the server sent none).
	FeedURL, ETag, LastModified string
}

// DayPaper is one paper in a date's list: the paper (its latest stored
// text, with that day's announce type and version) and what became of it.
type DayPaper struct {
	Paper  model.Paper
	Status model.Status // judged, failed, skipped, filtered, or StatusPending
	Error  string
}

// FinishRun records the end of the date's run: its final status, the error
// that stopped it ("" when none) and its cost (nil when unknown).
func (s *Store) FinishRun(ctx context.Context, date string, status RunStatus, errMsg string, costUSD *float64) error {
	if !status.Valid() || status == RunRunning {
		return fmt.Errorf("store: finish run %s: invalid status %q", date, status)
	}
	res, err := s.db.ExecContext(ctx,
		`UPDATE runs SET status = ?, error = ?, cost_usd = ?, finished_at = ? WHERE stream = ? AND date = ?`,
		string(status), errMsg, nullFloat(costUSD), timestamp(s.now()), s.stream, date)
	if err != nil {
		return fmt.Errorf("store: finish run %s: %w", date, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: finish run %s: %w", date, err)
	} else if n == 0 {
		return fmt.Errorf("store: finish run %s: %w", date, ErrNoRun)
	}
	return nil
}

// FailRun records that the stream's run for r.Date failed before it had a
// paper list (the feed could not be fetched, say): a run with status failed,
// r.Error as its error and r.StartedAt (default now) as its time, with no
// papers. A date that has a run already keeps it as it is, unless that run
// is a failed one too, which this one replaces: a failed fetch changes
// nothing of a day already done, or partly done.
func (s *Store) FailRun(ctx context.Context, r Run) error {
	if !model.ValidDate(r.Date) {
		return fmt.Errorf("store: fail run: invalid date %q", r.Date)
	}
	categories, err := jsonArray(r.Categories)
	if err != nil {
		return fmt.Errorf("store: fail run %s: %w", r.Date, err)
	}
	topics, err := jsonArray(r.Topics)
	if err != nil {
		return fmt.Errorf("store: fail run %s: %w", r.Date, err)
	}
	at := r.StartedAt
	if at.IsZero() {
		at = s.now()
	}
	_, err = s.db.ExecContext(ctx, `
INSERT INTO runs (stream, date, source, categories, announce_types, announced, topics, model, prompt_version,
	threshold, status, error, no_announcements, cost_usd, started_at, finished_at, pid)
VALUES (?, ?, ?, ?, '', '', ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)
ON CONFLICT (stream, date) DO UPDATE SET error = excluded.error, started_at = excluded.started_at,
	finished_at = excluded.finished_at, pid = excluded.pid
WHERE runs.status = excluded.status`,
		s.stream, r.Date, r.Source, categories, topics, r.Model, r.PromptVersion, r.Threshold, string(RunFailed),
		r.Error, timestamp(at), timestamp(at), os.Getpid())
	if err != nil {
		return fmt.Errorf("store: fail run %s: %w", r.Date, err)
	}
	return nil
}

// ForgetFailedRuns removes the stream's failed runs (see FailRun), when a
// fetch worked again.
func (s *Store) ForgetFailedRuns(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM runs WHERE stream = ? AND status = ?`, s.stream, string(RunFailed)); err != nil {
		return fmt.Errorf("store: forget failed runs: %w", err)
	}
	return nil
}

// Run returns the date's run and its papers in feed order. It fails with
// ErrNoRun (wrapped, naming the date) when the date has no run.
func (s *Store) Run(ctx context.Context, date string) (Run, []DayPaper, error) {
	// A read-only transaction: the run and its papers from one snapshot,
	// without taking the write lock.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Run{}, nil, fmt.Errorf("store: run %s: %w", date, err)
	}
	defer tx.Rollback()
	r, err := scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE stream = ? AND date = ?`, s.stream, date))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, nil, fmt.Errorf("store: run %s: %w", date, ErrNoRun)
	}
	if err != nil {
		return Run{}, nil, fmt.Errorf("store: run %s: %w", date, err)
	}
	papers, err := dayPapers(ctx, tx, s.stream, date)
	if err != nil {
		return Run{}, nil, fmt.Errorf("store: run %s: %w", date, err)
	}
	return r, papers, nil
}

// LastFetch returns the stream's newest run read from the RSS document at
// feedURL, for its cache validators; ok is false when there is none.
func (s *Store) LastFetch(ctx context.Context, feedURL string) (r Run, ok bool, err error) {
	r, err = scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs
WHERE stream = ? AND feed_url = ? AND feed_url != '' ORDER BY date DESC LIMIT 1`, s.stream, feedURL))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("store: last fetch of %s: %w", feedURL, err)
	}
	return r, true, nil
}

// Runs returns every run of the stream, newest date first.
func (s *Store) Runs(ctx context.Context) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+runColumns+` FROM runs WHERE stream = ? ORDER BY date DESC`, s.stream)
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	return runs, nil
}

const runColumns = `date, source, categories, announce_types, announced, topics, model, prompt_version,
	threshold, status, error, no_announcements, prompt_tokens, cached_tokens, completion_tokens, requests,
	cost_usd, started_at, finished_at, pid, feed_url, etag, last_modified,
	batch_prompt_tokens, batch_cached_tokens, batch_completion_tokens, batch_requests`

type scanner interface{ Scan(dest ...any) error }

func scanRun(row scanner) (Run, error) {
	var (
		r                     Run
		categories, topics    string
		announceTypes         string
		announced             string
		status                string
		cost                  sql.NullFloat64
		startedAt, finishedAt string
	)
	err := row.Scan(&r.Date, &r.Source, &categories, &announceTypes, &announced, &topics, &r.Model,
		&r.PromptVersion, &r.Threshold, &status, &r.Error, &r.NoAnnouncements, &r.Usage.Prompt, &r.Usage.Cached,
		&r.Usage.Completion, &r.Usage.Requests, &cost, &startedAt, &finishedAt, &r.PID, &r.FeedURL, &r.ETag,
		&r.LastModified, &r.Usage.Batch.Prompt, &r.Usage.Batch.Cached, &r.Usage.Batch.Completion, &r.Usage.Batch.Requests)
	if err != nil {
		return Run{}, err
	}
	r.Status = RunStatus(status)
	if err := json.Unmarshal([]byte(categories), &r.Categories); err != nil {
		return Run{}, fmt.Errorf("run %s categories: %w", r.Date, err)
	}
	if err := json.Unmarshal([]byte(topics), &r.Topics); err != nil {
		return Run{}, fmt.Errorf("run %s topics: %w", r.Date, err)
	}
	if announceTypes != "" {
		if err := json.Unmarshal([]byte(announceTypes), &r.AnnounceTypes); err != nil {
			return Run{}, fmt.Errorf("run %s announce types: %w", r.Date, err)
		}
	}
	if announced != "" {
		if err := json.Unmarshal([]byte(announced), &r.Announced); err != nil {
			return Run{}, fmt.Errorf("run %s announced: %w", r.Date, err)
		}
	}
	if cost.Valid {
		c := cost.Float64
		r.CostUSD = &c
	}
	if r.StartedAt, err = parseTimestamp(startedAt); err != nil {
		return Run{}, fmt.Errorf("run %s started_at: %w", r.Date, err)
	}
	if r.FinishedAt, err = parseTimestamp(finishedAt); err != nil {
		return Run{}, fmt.Errorf("run %s finished_at: %w", r.Date, err)
	}
	return r, nil
}

func dayPapers(ctx context.Context, tx *sql.Tx, stream, date string) ([]DayPaper, error) {
	// Sorted here rather than by ORDER BY: SQLite would sort whole rows,
	// abstracts and all.
	rows, err := tx.QueryContext(ctx, `
SELECT rp.position, p.id, rp.version, p.title, p.abstract, p.authors, p.categories, rp.announce_type, rp.status, rp.error
FROM run_papers rp JOIN papers p ON p.id = rp.paper_id
WHERE rp.stream = ? AND rp.date = ?`, stream, date)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	papers := []DayPaper{}
	var positions []int64
	for rows.Next() {
		var (
			dp                  DayPaper
			position            int64
			authors, categories string
			announce, status    string
		)
		if err := rows.Scan(&position, &dp.Paper.ID, &dp.Paper.Version, &dp.Paper.Title, &dp.Paper.Abstract, &authors,
			&categories, &announce, &status, &dp.Error); err != nil {
			return nil, err
		}
		positions = append(positions, position)
		if err := json.Unmarshal([]byte(authors), &dp.Paper.Authors); err != nil {
			return nil, fmt.Errorf("paper %s authors: %w", dp.Paper.ID, err)
		}
		if err := json.Unmarshal([]byte(categories), &dp.Paper.Categories); err != nil {
			return nil, fmt.Errorf("paper %s categories: %w", dp.Paper.ID, err)
		}
		dp.Paper.AnnounceType = model.AnnounceType(announce)
		dp.Status = model.Status(status)
		papers = append(papers, dp)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	order := make([]int, len(papers))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(positions[a], positions[b]) })
	sorted := make([]DayPaper, len(papers))
	for i, j := range order {
		sorted[i] = papers[j]
	}
	return sorted, nil
}

func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
