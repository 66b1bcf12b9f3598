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
	"sync"
	"time"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/render"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// Progress is told how a run's passes go (a progress bar or log lines):
// Start begins a pass of total requests ("judging", "tl;dr"), Done ends
// one of them, Finish ends the pass.
type Progress interface {
	Start(pass string, total int)
	Done(status model.Status)
	Finish()
}

// Runner runs digests. Every dependency goes in here.
type Runner struct {
	Config  *config.Config
	Fetcher *fetch.Client
	Store   *store.Store
	// NewEngine builds the model engine; it is called only when there is
	// something to ask, so an empty day needs no API key. One engine
	// serves a run's every task, so the cost budget covers them all.
	NewEngine func() (*classify.Engine, error)
	Progress  Progress
	Logger    *slog.Logger
	Now       func() time.Time
}

// Options are the choices of one run.
type Options struct {
	Date  string // "" = the latest announcement (RSS); else rebuild this day from the arXiv API
	Force bool   // rebuild even when the day already has a complete digest
	// NotBefore, when set, is the oldest announcement date the feed may
	// show; an older one means arXiv has not published yet, and the run
	// fails with ErrNotYetAnnounced, writing nothing.
	NotBefore string
	// NoWait (batch mode): submit the day's batch, or poll an open one
	// once, and return with Result.Pending rather than wait for it.
	NoWait bool
	// CancelBatch (batch mode): cancel the open batches, keep what they
	// answered, and write the digest without asking anything more.
	CancelBatch bool
}

// Result is what a run did.
type Result struct {
	Digest      model.Digest
	Dir         string // the folder the digest was written to
	AlreadyDone bool   // the day was already complete in the store: no model request
	Rewritten   bool   // AlreadyDone, and its files were rewritten from the store
	Requests    int64  // model requests made by this run
	Usage       model.Usage
	// Pending (batch mode) is the batch the run left open: no digest was
	// written (Digest holds only its Date); a later run collects it.
	Pending *PendingBatch
	// Earlier (batch mode) are the runs of earlier days whose open batches
	// this run collected (or polled) first.
	Earlier []*Result
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
	phase := newPhases(log)
	l, err := r.list(ctx, opts)
	phase.done("fetch")
	if err != nil {
		r.recordFailure(ctx, opts, err)
		return nil, err
	}
	// The feed was read: earlier failures to read it are over.
	if err := r.Store.ForgetFailedRuns(ctx); err != nil {
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
		res, done, err := r.upToDate(ctx, day.Date)
		phase.done("check")
		if err != nil || done {
			return res, err
		}
	}

	run := store.Run{
		Date: day.Date, Source: day.Source, Categories: cfg.Arxiv.Categories, AnnounceTypes: cfg.Arxiv.AnnounceTypes,
		Announced: l.announced, Topics: topics, Model: cfg.LLM.Model, PromptVersion: classify.RelevanceVersion,
		Threshold: cfg.Threshold, Status: store.RunRunning, NoAnnouncements: day.NoAnnouncements,
		StartedAt: r.now(), PID: os.Getpid(),
		FeedURL: day.URL, ETag: day.Validators.ETag, LastModified: day.Validators.LastModified,
	}
	if day.Source != fetch.SourceRSS {
		run.FeedURL = "" // only the RSS feed is fetched conditionally
	}
	toJudge, filtered, err := r.filterDay(l.papers)
	if err != nil {
		return nil, err
	}
	run.Filtered = filtered
	if len(filtered) > 0 {
		log.Info("filtered", "filtered", len(filtered), "to_judge", len(toJudge))
	}
	known, err := r.known(ctx, toJudge, topics)
	if err != nil {
		return nil, err
	}
	// The day's papers are recorded while the first requests are out: no
	// answer is saved before they are, and none is lost waiting (a kill
	// loses, as ever, only what is in flight or waiting for its commit).
	recording := make(chan error, 1)
	go func() {
		start := time.Now()
		recording <- r.Store.BeginRun(context.WithoutCancel(ctx), run, l.papers, known)
		log.Debug("phase", "phase", "record", "seconds", time.Since(start).Seconds(), "overlapped", true)
	}()
	recorded := sync.OnceValue(func() error { return <-recording })
	phase.done("known")

	res := &Result{}
	engine := r.lazyEngine()
	var judgeErr error
	if cfg.LLM.Mode == config.ModeBatch {
		if err := r.earlierBatches(ctx, day.Date, opts, res); err != nil {
			return nil, errors.Join(err, recorded())
		}
		if err := recorded(); err != nil {
			return nil, err
		}
		var pending *PendingBatch
		pending, judgeErr = r.batchPasses(ctx, engine, day.Date, toJudge, topics, opts, res)
		phase.done("batch")
		if pending != nil {
			res.Pending, res.Digest.Date = pending, day.Date
			return res, judgeErr
		}
	} else {
		judgeErr = r.judge(ctx, engine, recorded, day.Date, toJudge, topics, known, res)
		if err := recorded(); err != nil {
			// Without the day's list nothing could be saved: no digest.
			return nil, errors.Join(err, judgeErr)
		}
		phase.done("judge")
		if judgeErr == nil {
			// The TL;DR pass needs the day judged; a run stopped while
			// judging leaves it to the next one.
			judgeErr = r.writeTLDRs(ctx, engine, day.Date, toJudge, opts.Force, res)
			phase.done("tldr")
		}
	}

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
	phase.done("digest")
	// The digest was built while the run was still "running"; FinishRun
	// changed only what these fields show.
	d.Incomplete, d.RunError = runErr != "", runErr
	res.Digest = d
	if res.Dir, err = r.write(saveCtx, d); err != nil {
		return nil, errors.Join(judgeErr, err)
	}
	phase.done("write")
	log.Info("digest written", "dir", res.Dir, "judged", d.Stats.Judged, "failed", d.Stats.Failed,
		"skipped", d.Stats.Skipped, "filtered", d.Stats.Filtered, "selected", d.Stats.Selected, "requests", res.Requests)
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
	run, dayPapers, err := r.Store.Run(ctx, date)
	if errors.Is(err, store.ErrNoRun) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	if !r.current(run) {
		return nil, false, nil
	}
	log := r.logger().With("date", date)
	if same, err := r.sameFilter(dayPapers); err != nil {
		return nil, false, err
	} else if !same {
		log.Info("the filter decides otherwise than when the day was run; running it again")
		return nil, false, nil
	}
	if missing, err := r.missingTLDRs(ctx, date, run.Model, dayPapers); err != nil {
		return nil, false, err
	} else if missing > 0 {
		log.Info("day judged, but TL;DRs are missing", "missing", missing)
		return nil, false, nil
	}
	out := r.Config.Output.Dir
	written, err := render.Written(out, date)
	if err == nil && written.Threshold == r.Config.Threshold && !written.ThresholdPreview {
		log.Info("digest already complete; nothing to do (use --force to rebuild)")
		if err := r.writeHistory(ctx); err != nil {
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
	dir, err := r.write(ctx, d)
	if err != nil {
		return nil, false, err
	}
	return &Result{Digest: d, Dir: dir, AlreadyDone: true, Rewritten: true}, true, nil
}

// missingTLDRs counts the day's selected papers that have no TL;DR yet and
// may still be asked for one.
func (r *Runner) missingTLDRs(ctx context.Context, date, llm string, dayPapers []store.DayPaper) (int, error) {
	if !r.Config.TLDR.Enabled {
		return 0, nil
	}
	papers := unfiltered(dayPapers)
	known, err := r.Store.Known(ctx, papers, r.Config.ModelTopics(), relevanceKeys(llm))
	if err != nil {
		return 0, err
	}
	st, err := r.tldrs(ctx, date, llm, papers)
	if err != nil {
		return 0, err
	}
	return len(r.needsTLDR(st, papers, known, false)), nil
}

// current reports whether run is complete for this config: the same
// categories, announce types, topics, model and prompt version.
func (r *Runner) current(run store.Run) bool {
	cfg := r.Config
	return run.Status == store.RunComplete && run.Model == cfg.LLM.Model &&
		run.PromptVersion == classify.RelevanceVersion && slices.Equal(run.Topics, cfg.ModelTopics()) &&
		r.sameFeed(run)
}

// lazyEngine returns a getter of one engine for a run's every pass (so
// that the cost budget covers them all), built the first time a pass has
// something to ask: a day with nothing to ask needs no engine.
func (r *Runner) lazyEngine() func() (*classify.Engine, error) {
	var eng *classify.Engine
	return func() (*classify.Engine, error) {
		if eng == nil {
			e, err := r.NewEngine()
			if err != nil {
				return nil, err
			}
			eng = e
		}
		return eng, nil
	}
}

func sum(m map[model.AnnounceType]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// dayDir is where render.Write puts a day's digest.
func dayDir(outDir, date string) string { return filepath.Join(outDir, date) }

// write renders the digest and rebuilds the history pages with it.
func (r *Runner) write(ctx context.Context, d model.Digest) (string, error) {
	opts, err := r.historyOptions(ctx)
	if err != nil {
		return "", err
	}
	dir, err := render.Write(r.Config.Output.Dir, d, opts)
	if err != nil {
		return "", fmt.Errorf("write digest: %w", err)
	}
	return dir, nil
}

// writeHistory rebuilds index.html and feed.xml.
func (r *Runner) writeHistory(ctx context.Context) error {
	opts, err := r.historyOptions(ctx)
	if err != nil {
		return err
	}
	if err := render.WriteHistory(r.Config.Output.Dir, opts); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}

// historyOptions shows the history as the store says: with a notice when
// the stream's newest run is one that failed before it could write a
// digest.
func (r *Runner) historyOptions(ctx context.Context) (render.HistoryOptions, error) {
	opts := render.HistoryOptions{BaseURL: r.Config.Output.BaseURL, Logger: r.logger()}
	runs, err := r.Store.Runs(ctx)
	if err != nil {
		return opts, err
	}
	if len(runs) > 0 && runs[0].Status == store.RunFailed {
		opts.Failure = &render.Failure{At: runs[0].StartedAt.In(time.Local), Expected: runs[0].Date, Error: runs[0].Error}
	}
	return opts, nil
}

// recordFailure records a fetch that failed in the store (a failed run of
// the day it expected) and on the history page, so that a researcher
// opening it sees why there is no new digest. No digest is touched, a day
// already done keeps its run, and an interrupted run is no failure.
func (r *Runner) recordFailure(ctx context.Context, opts Options, fetchErr error) {
	if ctx.Err() != nil {
		return
	}
	expected := opts.Date
	if expected == "" {
		expected = fetch.LatestAnnouncement(r.now())
	}
	cfg := r.Config
	err := r.Store.FailRun(ctx, store.Run{
		Date: expected, Categories: cfg.Arxiv.Categories, Topics: cfg.ModelTopics(), Model: cfg.LLM.Model,
		PromptVersion: classify.RelevanceVersion, Threshold: cfg.Threshold, Error: fetchErr.Error(), StartedAt: r.now(),
	})
	if err == nil {
		err = r.writeHistory(ctx)
	}
	if err != nil {
		r.logger().Error("record the failed fetch", "err", err)
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
	dir, err := r.write(ctx, d)
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
