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

// Job asks to judge Paper against exactly Topics.
type Job struct {
	Paper  model.Paper
	Topics []model.Topic
}

// Result is what became of one Job.
type Result struct {
	Job    Job
	Status model.Status // judged, failed (tried, could not be judged), skipped (never tried)
	// Scores has exactly one score per Job.Topics, in that order, when
	// Status is judged.
	Scores []model.Score
	// Err says why, when failed or skipped: errors.Is(err, ErrBudget),
	// errors.Is(err, ErrInvalidAnswer), errors.Is(err, ErrAnswerTooLarge),
	// a *FatalError, a *StatusError, context.Canceled ...
	Err error
	// Usage counts the tokens of every attempt, invalid answers included
	// (they were paid for).
	Usage    model.Usage
	Attempts int
}

// Engine judges jobs with an OpenAI-compatible Chat Completions API. One
// Engine may run several times, but one Run at a time.
type Engine struct {
	opts   Options
	client openai.Client
	log    *slog.Logger
	// red redacts the key (and anything shaped like a key) from every text
	// the server sends, where it enters the program.
	red *redact.Redactor
	// pace outlives runs: the limits a run learned, and a pause the server
	// ordered, hold for the next one too.
	pace *pacer

	inFlight    atomic.Int64
	maxInFlight atomic.Int64
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
	log := o.Logger // the caller names the component (Logger.With)
	return &Engine{opts: o, client: client, log: log, red: redact.New(o.APIKey),
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

// Run judges every job with at most Concurrency requests in flight and
// calls onResult exactly once per job, never concurrently, as each job
// ends. It returns nil, a *FatalError (the run was stopped: jobs not yet
// tried are reported skipped with it), ctx.Err() when ctx was cancelled
// (untried jobs are reported skipped), an error wrapping ErrBudget when
// the cost budget stopped it, or an error wrapping ErrRateLimitPatience
// when the server asked to wait (429/503 with retry-after) longer than
// what is left of Options.MaxRateLimitWait (in both cases untried jobs are
// reported skipped with it; the job that got that answer fails with it).
// A stop takes effect while the attempt that caused it still holds its
// slot: after it, nothing is sent but the attempts already in flight.
// When ctx is cancelled no new attempt starts; attempts in flight get
// Options.Grace to finish.
//
// A 400 about one request's own text (context_length_exceeded,
// string_above_max_length, invalid_prompt, a param under messages, or a
// message saying the context length was exceeded) fails that job only,
// with a *StatusError, and the run goes on; any other 400 is fatal.
// Abstracts and titles are cut to MaxAbstractChars and MaxTitleChars
// before they are sent. A fatal 404 about the URL (unknown_url) asks "does
// llm.base_url end in /v1?" (FatalError.Hint).
//
// No response body is read past Options.MaxResponseBytes: an answer that
// long fails its job with ErrAnswerTooLarge (not retried: no conforming
// server sends one, and what it cost cannot be read); an error body that
// long is judged by its status alone.
//
// Whatever the server said (error messages, codes, types, request ids,
// refusals, the reasons in scores) is redacted before it is reported or
// logged: the API key, and anything shaped like a key (internal/redact),
// never reaches a Result, an error or a log line.
func (e *Engine) Run(ctx context.Context, jobs []Job, onResult func(Result)) error {
	r := e.newRun(ctx)
	defer r.close()

	start := time.Now()
	results := make(chan Result, len(jobs))
	var reporter sync.WaitGroup
	var sum summary
	reporter.Add(1)
	go func() {
		defer reporter.Done()
		for res := range results {
			sum.add(res)
			onResult(res)
		}
	}()

	// Twice as many workers as slots: a worker whose job sleeps in backoff
	// leaves its slot to another, so the pool stays full while work remains;
	// the slots (r.sem) bound what is in flight.
	var next atomic.Int64
	var workers sync.WaitGroup
	for range min(2*e.opts.Concurrency, len(jobs)) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				results <- r.judge(jobs[i])
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
	ctx   context.Context // the caller's: its end stops new attempts
	reqs  context.Context // detached from ctx; ends Grace after ctx does
	stopR context.CancelFunc
	stopA func() bool
	pace  *pacer
	sem   chan struct{} // one token per attempt being made: at most Concurrency

	gateOnce sync.Once
	probes   atomic.Int64
	gate     chan struct{} // closed when the run's first attempt ends

	mu       sync.Mutex
	stop     error         // a *FatalError, ErrBudget or ErrRateLimitPatience: start nothing more
	waited   time.Duration // server-requested pause paid from MaxRateLimitWait
	spent    float64       // USD of finished attempts
	reserved float64       // USD estimated for attempts in flight
	maxComp  int64         // largest completion seen, for estimates
}

func (e *Engine) newRun(ctx context.Context) *run {
	reqs, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &run{
		e:     e,
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
		r.e.log.Warn("run stopped", slog.String("reason", err.Error()))
	}
}

func (r *run) stopErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stop
}

// reserve books est USD for an attempt about to start; false when that
// would pass the budget (the run is then halted with ErrBudget).
func (r *run) reserve(est float64) bool {
	budget := r.e.opts.MaxCostUSD
	if budget <= 0 {
		return true
	}
	r.mu.Lock()
	over := r.spent+r.reserved+est > budget
	if !over {
		r.reserved += est
	}
	r.mu.Unlock()
	if over {
		r.halt(fmt.Errorf("%w: max_cost_usd %.4f", ErrBudget, budget))
	}
	return !over
}

// settle replaces an attempt's reservation by what it really cost.
func (r *run) settle(est float64, u model.Usage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.e.opts.MaxCostUSD > 0 {
		r.reserved -= est
	}
	if r.e.opts.Price != nil {
		r.spent += r.e.opts.Price.Cost(u)
	}
	r.maxComp = max(r.maxComp, u.Completion)
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

// patience pays d of server-requested waiting from the run's
// MaxRateLimitWait; false when it is used up.
func (r *run) patience(d time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.waited+d > r.e.opts.MaxRateLimitWait {
		return false
	}
	r.waited += d
	return true
}

// patienceErr is why the run stops when the server asked to wait more
// than what is left of MaxRateLimitWait.
func (r *run) patienceErr(asked time.Duration) error {
	r.mu.Lock()
	waited := r.waited
	r.mu.Unlock()
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

func (s *summary) add(r Result) {
	switch r.Status {
	case model.StatusJudged:
		s.judged++
	case model.StatusFailed:
		s.failed++
	default:
		s.skipped++
	}
	s.usage.Add(r.Usage)
}

func (r *run) logSummary(s summary, elapsed time.Duration) {
	r.mu.Lock()
	waited := r.waited
	r.mu.Unlock()
	attrs := []any{
		slog.Int("judged", s.judged), slog.Int("failed", s.failed), slog.Int("skipped", s.skipped),
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
	r.e.log.Info("classification run done", attrs...)
}
