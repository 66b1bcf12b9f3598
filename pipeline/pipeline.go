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
	AlreadyDone bool   // the day was already complete in the store: no model request
	Rewritten   bool   // AlreadyDone, and its files were rewritten from the store
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
// A fetch failure writes nothing and returns the error. A day whose stored
// run is already complete for this config asks nothing of the model, but
// its files and the history are made to reflect the store (a killed run or
// a threshold preview may have left them behind). A fatal model API error
// (bad key, unknown model, no quota) or an interruption still writes the
// digest, marked incomplete, and returns the error along with the Result.
// Papers that failed are in the Result's stats, not in the error.
func (r *Runner) Run(ctx context.Context, opts Options) (*Result, error) {
	cfg := r.Config
	log := r.logger()
	l, err := r.list(ctx, opts)
	if err != nil {
		r.recordFailure(ctx, opts, err)
		return nil, err
	}
	day := l.day
	if opts.NotBefore != "" && day.Date < opts.NotBefore {
		return nil, fmt.Errorf("%w: expected %s, the feed still shows %s", ErrNotYetAnnounced, opts.NotBefore, day.Date)
	}
	log = log.With("date", day.Date)
	log.Info("announcements", "source", day.Source, "fetched", sum(l.announced), "kept", len(l.papers),
		"from_store", l.stored, "no_announcements", day.NoAnnouncements)

	topics := cfg.ModelTopics()
	if !opts.Force {
		if res, done, err := r.upToDate(ctx, day.Date); err != nil || done {
			return res, err
		}
	}

	run := store.Run{
		Date: day.Date, Source: day.Source, Categories: cfg.Arxiv.Categories, AnnounceTypes: cfg.Arxiv.AnnounceTypes,
		Announced: l.announced, Topics: topics, Model: cfg.LLM.Model, PromptVersion: classify.PromptVersion,
		Threshold: cfg.Threshold, Status: store.RunRunning, NoAnnouncements: day.NoAnnouncements,
		StartedAt: r.now(), PID: os.Getpid(),
		FeedURL: day.URL, ETag: day.Validators.ETag, LastModified: day.Validators.LastModified,
	}
	if day.Source != fetch.SourceRSS {
		run.FeedURL = "" // only the RSS feed is fetched conditionally
	}
	if err := r.Store.BeginRun(ctx, run, l.papers); err != nil {
		return nil, err
	}

	res := &Result{}
	judgeErr := r.judge(ctx, day.Date, l.papers, topics, res)

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

// upToDate handles a day whose stored run is already complete for this
// config (same categories, announce types, topics, model and prompt): it
// asks nothing of the model, rewrites the day's files from the store when
// they are missing (a run killed while writing) or were written at another
// threshold (a preview, or a changed config), and rebuilds the history,
// which a run killed after the day's files were written never did. done is
// false when the day needs a run.
func (r *Runner) upToDate(ctx context.Context, date string) (res *Result, done bool, err error) {
	run, _, err := r.Store.Run(ctx, date)
	if errors.Is(err, store.ErrNoRun) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	if !r.current(run) {
		return nil, false, nil
	}
	log := r.logger().With("date", date)
	out := r.Config.Output.Dir
	written, err := render.Written(out, date)
	if err == nil && written.Threshold == r.Config.Threshold && !written.ThresholdPreview {
		log.Info("digest already complete; nothing to do (use --force to rebuild)")
		if err := r.writeHistory(nil); err != nil {
			return nil, false, err
		}
		return &Result{Digest: written, Dir: dayDir(out, date), AlreadyDone: true}, true, nil
	}
	why := "its files are missing or unfinished"
	if err == nil {
		why = fmt.Sprintf("its files were written at threshold %g; the config says %g", written.Threshold, r.Config.Threshold)
	}
	log.Info("digest already complete in the store; rewriting its files from stored judgements", "why", why)
	d, err := r.Digest(ctx, date, nil)
	if err != nil {
		return nil, false, err
	}
	dir, err := r.write(d)
	if err != nil {
		return nil, false, err
	}
	return &Result{Digest: d, Dir: dir, AlreadyDone: true, Rewritten: true}, true, nil
}

// current reports whether run is complete for this config: the same
// categories, announce types, topics, model and prompt version.
func (r *Runner) current(run store.Run) bool {
	cfg := r.Config
	return run.Status == store.RunComplete && run.Model == cfg.LLM.Model &&
		run.PromptVersion == classify.PromptVersion && slices.Equal(run.Topics, cfg.ModelTopics()) &&
		r.sameFeed(run)
}

func sum(m map[model.AnnounceType]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// dayDir is where render.WriteDay puts a day's digest.
func dayDir(outDir, date string) string { return filepath.Join(outDir, date) }

// write renders the digest and rebuilds the history pages.
func (r *Runner) write(d model.Digest) (string, error) {
	dir, err := render.WriteDay(r.Config.Output.Dir, d)
	if err != nil {
		return "", fmt.Errorf("write digest: %w", err)
	}
	return dir, r.writeHistory(&d)
}

// writeHistory clears a recorded fetch failure (the day is there) and
// rebuilds index.html and feed.xml; written is a digest just written, or
// nil.
func (r *Runner) writeHistory(written *model.Digest) error {
	out := r.Config.Output.Dir
	if err := render.ClearFailure(out); err != nil {
		return err
	}
	if err := render.WriteHistory(out, render.HistoryOptions{BaseURL: r.Config.Output.BaseURL, Written: written, Logger: r.logger()}); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
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
		expected = fetch.LatestAnnouncement(r.now())
	}
	out := r.Config.Output.Dir
	f := render.Failure{At: r.now(), Expected: expected, Error: fetchErr.Error()}
	err := render.WriteFailure(out, f)
	if err == nil {
		err = render.WriteHistory(out, render.HistoryOptions{BaseURL: r.Config.Output.BaseURL, Logger: r.logger()})
	}
	if err != nil {
		r.logger().Error("record the failed fetch on the history page", "err", err)
	}
}

// Rerender rebuilds a stored day's outputs from its stored judgements,
// with no model request, at the config's threshold or, when threshold is
// set, at that one as a preview: the files say so, and the next run or
// render of the day goes back to the config's.
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
