// Package pipeline orchestrates one digest run: fetch the day's papers,
// judge what the store does not already know, and render the digest. It is
// the only package that knows every stage; the stages know only the model.
//
// The store is the source of truth: every judgement is committed the moment
// it arrives, and the digest is always built from the store, so a run that
// was killed, interrupted or refused loses nothing that was paid for, and a
// rerun pays only for what is missing.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/render"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// Judge is the part of the classification engine a run needs.
type Judge interface {
	Run(ctx context.Context, jobs []classify.Job, onResult func(classify.Result)) error
}

var _ Judge = (*classify.Engine)(nil)

// Progress is told how a run's judging goes (a progress bar or log lines).
type Progress interface {
	Start(total int)
	Done(status model.Status)
	Finish()
}

// Runner runs digests. Every dependency goes in here.
type Runner struct {
	Config  *config.Config
	Fetcher *fetch.Client
	Store   *store.Store
	// NewJudge builds the classification engine; it is called only when
	// there is something to judge, so an empty day needs no API key.
	NewJudge func() (Judge, error)
	Progress Progress
	Logger   *slog.Logger
	Now      func() time.Time
}

// Options are the choices of one run.
type Options struct {
	Date  string // "" = the latest announcement (RSS); else rebuild this day from the arXiv API
	Force bool   // rebuild even when the day already has a complete digest
	// NotBefore, when set, is the oldest announcement date the feed may
	// show; an older one means arXiv has not published yet, and the run
	// fails with ErrNotYetAnnounced, writing nothing.
	NotBefore string
}

// Result is what a run did.
type Result struct {
	Digest      model.Digest
	Dir         string // the folder the digest was written to
	AlreadyDone bool   // the day already had a complete digest; nothing was done
	Requests    int64  // model requests made by this run
	Usage       model.Usage
}

// ErrInterrupted is wrapped by Run's error when ctx was cancelled; the
// digest was still written, with the untried papers skipped.
var ErrInterrupted = errors.New("run interrupted")

// ErrNotYetAnnounced is returned when the feed is older than Options.NotBefore.
var ErrNotYetAnnounced = errors.New("announcement not published yet")

// Run produces the digest of one announcement day.
//
// A fetch failure writes nothing and returns the error. A fatal model API
// error (bad key, unknown model, no quota) or an interruption still writes
// the digest, marked incomplete, and returns the error along with the
// Result. Papers that failed are in the Result's stats, not in the error.
func (r *Runner) Run(ctx context.Context, opts Options) (*Result, error) {
	cfg := r.Config
	log := r.logger()
	day, err := r.fetch(ctx, opts.Date)
	if err != nil {
		r.recordFailure(ctx, opts, err)
		return nil, err
	}
	if opts.NotBefore != "" && day.Date < opts.NotBefore {
		return nil, fmt.Errorf("%w: expected %s, the feed still shows %s", ErrNotYetAnnounced, opts.NotBefore, day.Date)
	}
	papers := filterAnnounce(day.Papers, cfg.Arxiv.AnnounceTypes)
	log = log.With("date", day.Date)
	log.Info("fetched announcements", "source", day.Source, "papers", len(day.Papers), "kept", len(papers),
		"no_announcements", day.NoAnnouncements)

	topics := cfg.ModelTopics()
	if !opts.Force {
		if done, err := r.alreadyDone(ctx, day.Date, topics); err != nil {
			return nil, err
		} else if done {
			log.Info("digest already complete; nothing to do (use --force to rebuild)")
			d, err := r.Digest(ctx, day.Date, nil)
			if err != nil {
				return nil, err
			}
			return &Result{Digest: d, Dir: dayDir(cfg.Output.Dir, day.Date), AlreadyDone: true}, nil
		}
	}

	run := store.Run{
		Date: day.Date, Source: day.Source, Categories: cfg.Arxiv.Categories, Topics: topics,
		Model: cfg.LLM.Model, PromptVersion: classify.PromptVersion, Threshold: cfg.Threshold, Status: store.RunRunning,
		NoAnnouncements: day.NoAnnouncements, StartedAt: r.now(), PID: os.Getpid(),
	}
	if err := r.Store.BeginRun(ctx, run, papers); err != nil {
		return nil, err
	}

	res := &Result{}
	judgeErr := r.judge(ctx, day.Date, papers, topics, res)

	// From here on the run's work is saved and written even if ctx was
	// cancelled: an interrupted run still leaves its digest.
	saveCtx := context.WithoutCancel(ctx)
	status, runErr := store.RunComplete, ""
	if judgeErr != nil {
		status, runErr = store.RunPartial, judgeErr.Error()
	}
	d, err := r.Digest(saveCtx, day.Date, nil)
	if err != nil {
		return nil, errors.Join(judgeErr, err)
	}
	if judgeErr == nil && (d.Stats.Failed > 0 || d.Stats.Skipped > 0) {
		status = store.RunPartial
	}
	if err := r.Store.FinishRun(saveCtx, day.Date, status, runErr, d.Stats.CostUSD); err != nil {
		return nil, errors.Join(judgeErr, err)
	}
	// The digest was built while the run was still "running"; FinishRun
	// changed only what these fields show.
	d.Incomplete, d.RunError = runErr != "", runErr
	res.Digest = d
	if res.Dir, err = r.write(d); err != nil {
		return nil, errors.Join(judgeErr, err)
	}
	log.Info("digest written", "dir", res.Dir, "judged", d.Stats.Judged, "failed", d.Stats.Failed,
		"skipped", d.Stats.Skipped, "selected", d.Stats.Selected, "requests", res.Requests)
	return res, judgeErr
}

func (r *Runner) fetch(ctx context.Context, date string) (*fetch.Day, error) {
	if date == "" {
		return r.Fetcher.Latest(ctx, r.Config.Arxiv.Categories)
	}
	return r.Fetcher.Day(ctx, r.Config.Arxiv.Categories, date)
}

// alreadyDone reports whether date has a complete run judged against the
// same topics and model, and its digest is on disk.
func (r *Runner) alreadyDone(ctx context.Context, date string, topics []model.Topic) (bool, error) {
	run, _, err := r.Store.Run(ctx, date)
	if errors.Is(err, store.ErrNoRun) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if run.Status != store.RunComplete || run.Model != r.Config.LLM.Model || !slices.Equal(run.Topics, topics) {
		return false, nil
	}
	_, err = os.Stat(filepath.Join(dayDir(r.Config.Output.Dir, date), "digest.json"))
	return err == nil, nil
}

// dayDir is where render.WriteDay puts a day's digest.
func dayDir(outDir, date string) string { return filepath.Join(outDir, date) }

// write renders the digest and rebuilds the history pages.
func (r *Runner) write(d model.Digest) (string, error) {
	dir, err := render.WriteDay(r.Config.Output.Dir, d)
	if err != nil {
		return "", fmt.Errorf("write digest: %w", err)
	}
	if err := render.ClearFailure(r.Config.Output.Dir); err != nil {
		return dir, err
	}
	if err := render.WriteHistory(r.Config.Output.Dir, render.HistoryOptions{BaseURL: r.Config.Output.BaseURL, Written: &d}); err != nil {
		return dir, fmt.Errorf("write history: %w", err)
	}
	return dir, nil
}

// recordFailure notes a fetch that failed on the history page, so that a
// researcher opening it sees why there is no new digest. No digest is
// touched, and an interrupted run is no failure.
func (r *Runner) recordFailure(ctx context.Context, opts Options, fetchErr error) {
	if ctx.Err() != nil {
		return
	}
	expected := opts.Date
	if expected == "" {
		expected = LatestAnnouncement(r.now())
	}
	out := r.Config.Output.Dir
	f := render.Failure{At: r.now(), Expected: expected, Error: fetchErr.Error()}
	err := render.WriteFailure(out, f)
	if err == nil {
		err = render.WriteHistory(out, render.HistoryOptions{BaseURL: r.Config.Output.BaseURL})
	}
	if err != nil {
		r.logger().Error("record the failed fetch on the history page", "err", err)
	}
}

// Rerender rebuilds a stored day's outputs from its stored judgements,
// with no model request. A nil threshold keeps the config's.
func (r *Runner) Rerender(ctx context.Context, date string, threshold *float64) (*Result, error) {
	d, err := r.Digest(ctx, date, threshold)
	if err != nil {
		return nil, err
	}
	dir, err := r.write(d)
	if err != nil {
		return nil, err
	}
	return &Result{Digest: d, Dir: dir}, nil
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func filterAnnounce(papers []model.Paper, keep []model.AnnounceType) []model.Paper {
	out := make([]model.Paper, 0, len(papers))
	for _, p := range papers {
		if slices.Contains(keep, p.AnnounceType) {
			out = append(out, p)
		}
	}
	return out
}
