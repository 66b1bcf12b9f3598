package classify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/redact"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Engine does model work (any Task) with an OpenAI-compatible Chat
// Completions API. One Engine may run several tasks, one Run at a time; the
// cost budget and the patience for server-requested waits are the
// Engine's, shared by its runs, so that one engine per digest run keeps one
// budget across judging and TL;DRs.
type Engine struct {
	opts   Options
	client openai.Client
	// files reads batch output files, whose size only the number of their
	// lines bounds (each line is read under MaxResponseBytes).
	files openai.Client
	log   *slog.Logger
	// red redacts the key (and anything shaped like a key) from every text
	// the server sends, where it enters the program.
	red *redact.Redactor
	// pace outlives runs: the limits a run learned, and a pause the server
	// ordered, hold for the next one too.
	pace *pacer

	inFlight    atomic.Int64
	maxInFlight atomic.Int64

	mu       sync.Mutex
	waited   time.Duration // server-requested pause paid from MaxRateLimitWait
	spent    float64       // USD of finished attempts
	reserved float64       // USD estimated for attempts in flight
}

// New validates opts and builds the engine and its API client. The client
// never retries by itself: the engine owns the attempt loop. Its transport
// (Options.HTTPClient's, left as it is) is wrapped to cap response bodies
// at Options.MaxResponseBytes.
func New(opts Options) (*Engine, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	client := openai.NewClient(
		option.WithBaseURL(o.BaseURL+"/"),
		option.WithAPIKey(o.APIKey),
		option.WithHTTPClient(withBodyCap(o.HTTPClient, o.MaxResponseBytes)),
		option.WithMaxRetries(0),
	)
	files := openai.NewClient(
		option.WithBaseURL(o.BaseURL+"/"),
		option.WithAPIKey(o.APIKey),
		option.WithHTTPClient(withBodyCap(o.HTTPClient, batchFileCap)),
		option.WithMaxRetries(0),
	)
	log := o.Logger // the caller names the component (Logger.With)
	return &Engine{opts: o, client: client, files: files, log: log, red: redact.New(o.APIKey),
		pace: newPacer(o.RequestsPerMinute, o.TokensPerMinute, o.sleep, log)}, nil
}

// MaxInFlight is the most requests the engine ever had in flight at once.
func (e *Engine) MaxInFlight() int { return int(e.maxInFlight.Load()) }

// Cost prices u with the engine's price; known is false when the model's
// price is unknown.
func (e *Engine) Cost(u model.Usage) (usd float64, known bool) {
	if e.opts.Price == nil {
		return 0, false
	}
	return e.opts.Price.Cost(u), true
}

// run does every job of one task; see Run.
func (e *Engine) run(ctx context.Context, task string, jobs []job, report func(i int, end jobEnd)) error {
	r := e.newRun(ctx, task)
	defer r.close()

	start := time.Now()
	type ended struct {
		i   int
		end jobEnd
	}
	results := make(chan ended, len(jobs))
	var reporter sync.WaitGroup
	var sum summary
	reporter.Add(1)
	go func() {
		defer reporter.Done()
		for res := range results {
			sum.add(res.end)
			report(res.i, res.end)
		}
	}()

	// A quarter more workers than slots: a worker whose job sleeps in
	// backoff leaves its slot to another, so the pool stays full while up
	// to a quarter of the jobs back off; the slots (r.sem) bound what is in
	// flight. More spare workers would keep more of the pool busy in a
	// storm of errors, at the price of a deep stack each the rest of the
	// time (twice as many workers cost 4-5 MB more at concurrency 128).
	var next atomic.Int64
	var workers sync.WaitGroup
	for range min(e.opts.Concurrency+max(1, e.opts.Concurrency/4), len(jobs)) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				results <- ended{i, r.do(jobs[i])}
			}
		}()
	}
	workers.Wait()
	close(results)
	reporter.Wait()
	r.logSummary(sum, time.Since(start))

	stop := r.stopErr()
	var fe *FatalError
	if errors.As(stop, &fe) {
		return fe
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The budget stopped the run: say so, for the digest's run_error.
	return stop
}

// run is the state of one Run.
type run struct {
	e     *Engine
	task  string          // for logs
	ctx   context.Context // the caller's: its end stops new attempts
	reqs  context.Context // detached from ctx; ends Grace after ctx does
	stopR context.CancelFunc
	stopA func() bool
	pace  *pacer
	sem   chan struct{} // one token per attempt being made: at most Concurrency

	gateOnce sync.Once
	probes   atomic.Int64
	gate     chan struct{} // closed when the run's first attempt ends

	mu      sync.Mutex
	stop    error // a *FatalError, ErrBudget or ErrRateLimitPatience: start nothing more
	maxComp int64 // largest completion of this task seen, for estimates
}

func (e *Engine) newRun(ctx context.Context, task string) *run {
	reqs, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &run{
		e:     e,
		task:  task,
		ctx:   ctx,
		reqs:  reqs,
		stopR: cancel,
		pace:  e.pace,
		sem:   make(chan struct{}, e.opts.Concurrency),
		gate:  make(chan struct{}),
	}
	var grace *time.Timer
	var graceMu sync.Mutex
	stop := context.AfterFunc(ctx, func() {
		graceMu.Lock()
		defer graceMu.Unlock()
		grace = time.AfterFunc(e.opts.Grace, cancel)
	})
	r.stopA = func() bool {
		ok := stop()
		graceMu.Lock()
		if grace != nil {
			grace.Stop()
		}
		graceMu.Unlock()
		return ok
	}
	return r
}

// close releases the run's timers and contexts.
func (r *run) close() {
	r.stopA()
	r.stopR()
}

// halt stops the run from starting anything more, keeping the first reason.
func (r *run) halt(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop == nil {
		r.stop = err
		r.e.log.Warn("run stopped", slog.String("task", r.task), slog.String("reason", err.Error()))
	}
}

func (r *run) stopErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stop
}

// reserve books est USD for an attempt about to start against the
// engine's budget; false when that would pass it (the run is then halted
// with ErrBudget).
func (r *run) reserve(est float64) bool {
	e := r.e
	budget := e.opts.MaxCostUSD
	if budget <= 0 {
		return true
	}
	e.mu.Lock()
	over := e.spent+e.reserved+est > budget
	if !over {
		e.reserved += est
	}
	e.mu.Unlock()
	if over {
		r.halt(fmt.Errorf("%w: max_cost_usd %.4f", ErrBudget, budget))
	}
	return !over
}

// settle replaces an attempt's reservation by what it really cost.
func (r *run) settle(est float64, u model.Usage) {
	e := r.e
	e.mu.Lock()
	if e.opts.MaxCostUSD > 0 {
		e.reserved -= est
	}
	if e.opts.Price != nil {
		e.spent += e.opts.Price.Cost(u)
	}
	e.mu.Unlock()
	r.mu.Lock()
	r.maxComp = max(r.maxComp, u.Completion)
	r.mu.Unlock()
}

// estimate is the cost of one attempt before it is made: its prompt at
// the full input price and the largest completion seen so far (or the
// completion cap before any was seen).
func (r *run) estimate(promptTokens, maxCompletion int) float64 {
	p := r.e.opts.Price
	if p == nil {
		return 0
	}
	r.mu.Lock()
	comp := r.maxComp
	r.mu.Unlock()
	if comp == 0 {
		comp = int64(maxCompletion)
	}
	return (float64(promptTokens)*p.Input + float64(comp)*p.Output) / 1e6
}

// patience pays d of server-requested waiting from the engine's
// MaxRateLimitWait; false when it is used up.
func (r *run) patience(d time.Duration) bool {
	e := r.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.waited+d > e.opts.MaxRateLimitWait {
		return false
	}
	e.waited += d
	return true
}

// patienceErr is why the run stops when the server asked to wait more
// than what is left of MaxRateLimitWait.
func (r *run) patienceErr(asked time.Duration) error {
	r.e.mu.Lock()
	waited := r.e.waited
	r.e.mu.Unlock()
	limit := r.e.opts.MaxRateLimitWait
	if waited == 0 {
		return fmt.Errorf("%w: server asked to wait %s; llm.max_rate_limit_wait is %s", ErrRateLimitPatience, asked, limit)
	}
	left := limit - waited
	if left >= time.Minute {
		left = left.Round(time.Second)
	} else {
		left = left.Round(time.Millisecond)
	}
	return fmt.Errorf("%w: server asked to wait %s; only %s of llm.max_rate_limit_wait %s is left", ErrRateLimitPatience, asked, left, limit)
}

// summary counts a run's results for its closing log line.
type summary struct {
	judged, failed, skipped int
	usage                   model.Usage
}

func (s *summary) add(r jobEnd) {
	switch r.status {
	case model.StatusJudged:
		s.judged++
	case model.StatusFailed:
		s.failed++
	default:
		s.skipped++
	}
	s.usage.Add(r.usage)
}

func (r *run) logSummary(s summary, elapsed time.Duration) {
	r.e.mu.Lock()
	waited := r.e.waited
	r.e.mu.Unlock()
	attrs := []any{
		slog.String("task", r.task), slog.Int("done", s.judged), slog.Int("failed", s.failed), slog.Int("skipped", s.skipped),
		slog.Int64("requests", s.usage.Requests), slog.Int64("prompt_tokens", s.usage.Prompt),
		slog.Int64("cached_tokens", s.usage.Cached), slog.Int64("completion_tokens", s.usage.Completion),
		slog.Duration("elapsed", elapsed), slog.Duration("rate_limit_wait", waited),
		slog.Int("max_in_flight", r.e.MaxInFlight()),
	}
	if usd, ok := r.e.Cost(s.usage); ok {
		attrs = append(attrs, slog.Float64("cost_usd", usd))
	}
	if err := r.stopErr(); err != nil {
		attrs = append(attrs, slog.String("stopped", err.Error()))
	}
	r.e.log.Info("model run done", attrs...)
}
