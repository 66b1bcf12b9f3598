package main

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/pipeline"
)

// newProgress shows judging progress: a bar on a terminal, a log line every
// so often otherwise (cron mail, journald).
func newProgress(e *env, log *slog.Logger) pipeline.Progress {
	if e.stderrTTY {
		return &barProgress{env: e}
	}
	return &logProgress{log: log, every: 15 * time.Second}
}

type barProgress struct {
	env    *env
	bar    *progressbar.ProgressBar
	pass   string
	failed int
}

func (p *barProgress) Start(pass string, total int) {
	p.pass, p.failed = pass, 0
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.env.stderr),
		progressbar.OptionSetDescription(pass),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("papers"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func (p *barProgress) Done(s model.Status) {
	if s == model.StatusFailed {
		p.failed++
		p.bar.Describe(fmt.Sprintf("%s (%d failed)", p.pass, p.failed))
	}
	_ = p.bar.Add(1)
}

func (p *barProgress) Finish() { _ = p.bar.Finish() }

// logProgress logs done/total, rate and ETA at most every `every`.
type logProgress struct {
	log   *slog.Logger
	every time.Duration

	mu                  sync.Mutex
	pass                string
	total, done, failed int
	start, last         time.Time
}

func (p *logProgress) Start(pass string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pass, p.total, p.done, p.failed, p.start, p.last = pass, total, 0, 0, time.Now(), time.Now()
	p.log.Info("pass started", "pass", pass, "total", total)
}

func (p *logProgress) Done(s model.Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if s == model.StatusFailed {
		p.failed++
	}
	if now := time.Now(); now.Sub(p.last) >= p.every && p.done < p.total {
		p.last = now
		rate := float64(p.done) / now.Sub(p.start).Seconds()
		eta := time.Duration(float64(p.total-p.done)/rate) * time.Second
		p.log.Info("progress", "pass", p.pass, "done", p.done, "total", p.total, "failed", p.failed,
			"per_second", float64(int(rate*10))/10, "eta", eta.Round(time.Second).String())
	}
}

func (p *logProgress) Finish() {
	p.log.Info("pass finished", "pass", p.pass, "done", p.done, "total", p.total, "failed", p.failed,
		"elapsed", time.Since(p.start).Round(time.Millisecond).String())
}

// storeProgress shows a long step of opening the store (indexing an older
// store for search) as a pass of the progress newProgress shows.
type storeProgress struct{ p pipeline.Progress }

func (s storeProgress) Start(what string, total int) { s.p.Start(what, total) }

func (s storeProgress) Add(n int) {
	for range n {
		s.p.Done(model.StatusJudged)
	}
}

func (s storeProgress) Finish() { s.p.Finish() }
