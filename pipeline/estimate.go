package pipeline

import (
	"context"
	"fmt"
	"math"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// Estimate is what a run of a day would ask of the model and cost, worked
// out without a model request and without writing anything.
type Estimate struct {
	Date     string
	Papers   int // the day's papers of the kept announce types
	Filtered int // left out by the filter
	Known    int // of the others, judged already (the store holds every score)
	Judge    TaskEstimate
	// TLDR is the TL;DRs of the papers already selected that have none
	// (exact), plus those of the papers this run would judge, expected at
	// the store's selection rate (TLDRRate) of them.
	TLDR     TaskEstimate
	TLDRRate float64
	// RateSource says where TLDRRate comes from.
	RateSource string
	// Tokenizer names how input tokens are counted ("o200k_base", or a
	// bytes/4 estimate for models whose tokenizer is unknown).
	Tokenizer string
	// OutputSource says where the output tokens per request come from:
	// this store's history for the model, or the stated default.
	OutputSource string
	Price        *model.Price // nil when unknown
}

// TaskEstimate counts one task's requests and tokens.
type TaskEstimate struct {
	Requests      int
	Input, Output int64
}

// Usage is the estimate as tokens, every input token counted uncached.
func (e *Estimate) Usage() model.Usage {
	return model.Usage{Prompt: e.Judge.Input + e.TLDR.Input, Completion: e.Judge.Output + e.TLDR.Output,
		Requests: int64(e.Judge.Requests + e.TLDR.Requests)}
}

// Cost is the estimate's cost in USD with live requests and with
// OpenAI's Batch API (classify.BatchPrice); ok is false when the price is
// unknown.
func (e *Estimate) Cost() (live, batch float64, ok bool) {
	if e.Price == nil {
		return 0, 0, false
	}
	u := e.Usage()
	return e.Price.Cost(u), classify.BatchPrice(*e.Price).Cost(u), true
}

// Estimate fetches the day as Run would (opts), applies the filter and
// the store, and counts what a run would ask. It makes no model request
// and writes nothing: the store may be opened read-only.
func (r *Runner) Estimate(ctx context.Context, opts Options) (*Estimate, error) {
	l, err := r.list(ctx, opts)
	if err != nil {
		return nil, err
	}
	return r.EstimateDay(ctx, l.day.Date, l.papers)
}

// EstimateDay is Estimate of a day's papers already fetched (those of the
// kept announce types).
func (r *Runner) EstimateDay(ctx context.Context, date string, papers []model.Paper) (*Estimate, error) {
	cfg := r.Config
	llm := cfg.LLM.Model
	tk := classify.NewTokenizer(llm)
	est := &Estimate{Date: date, Papers: len(papers), Tokenizer: tk.Name()}
	if p, ok := classify.LookupPrice(llm); ok {
		est.Price = &p
	}
	if pp := cfg.LLM.PricePerMillion; pp != nil {
		p := *pp
		est.Price = &p
	}
	toJudge, filtered, err := r.filterDay(papers)
	if err != nil {
		return nil, err
	}
	est.Filtered = len(filtered)
	topics := cfg.ModelTopics()
	known, err := r.known(ctx, toJudge, topics)
	if err != nil {
		return nil, err
	}
	jobs := judgeJobs(toJudge, topics, known)
	est.Known = len(toJudge) - len(jobs)

	outJudge, outTLDR, source, err := r.outputPerRequest(ctx, len(topics))
	if err != nil {
		return nil, err
	}
	est.OutputSource = source
	rel := classify.NewRelevance()
	for _, j := range jobs {
		req, err := rel.Request(j)
		if err != nil {
			continue // the run fails it without a request
		}
		est.Judge.Requests++
		est.Judge.Input += int64(tk.RequestTokens(req))
		est.Judge.Output += outJudge
	}

	if cfg.TLDR.Enabled {
		task := classify.TLDR{Language: cfg.TLDR.Language, MaxWords: cfg.TLDR.MaxWords, Topics: topics}
		st, err := r.tldrs(ctx, date, llm, toJudge)
		if err != nil {
			return nil, err
		}
		// Papers selected already: one TL;DR each, exactly.
		for _, p := range r.needsTLDR(st, toJudge, known, false) {
			if req, err := task.Request(p); err == nil {
				est.TLDR.Requests++
				est.TLDR.Input += int64(tk.RequestTokens(req))
				est.TLDR.Output += outTLDR
			}
		}
		// Papers to judge: a TL;DR for the share the store's history selects.
		rate, n, err := r.Store.SelectionRate(ctx, llm, cfg.Threshold)
		if err != nil {
			return nil, err
		}
		est.TLDRRate, est.RateSource = rate, fmt.Sprintf("%d papers judged by %s in this store", n, llm)
		if n == 0 {
			est.TLDRRate, est.RateSource = defaultSelectionRate, "a default: no paper judged by "+llm+" in this store yet"
		}
		var input int64
		for _, j := range jobs {
			if _, ok := st.text[j.Paper.ID]; ok {
				continue
			}
			if req, err := task.Request(j.Paper); err == nil {
				input += int64(tk.RequestTokens(req))
			}
		}
		expected := int(math.Round(est.TLDRRate * float64(len(jobs))))
		est.TLDR.Requests += expected
		if len(jobs) > 0 {
			est.TLDR.Input += int64(math.Round(est.TLDRRate * float64(input)))
		}
		est.TLDR.Output += int64(expected) * outTLDR
	}
	return est, nil
}

// defaultSelectionRate is the share of judged papers expected to be
// selected (and so to get a TL;DR) when the store has no history: a
// day's digest typically selects a few papers in ten.
const defaultSelectionRate = 0.1

// Output tokens per request when the store has no history for the model:
// a relevance answer is a score and a one-sentence reason per topic
// (about 40 tokens each), a TL;DR about twice its word limit. Reasoning
// models think first, which counts as output: reasoningDefault by
// reasoning effort.
const (
	relevanceTokensPerTopic = 40
	answerOverhead          = 15
)

var reasoningDefault = map[string]int64{"minimal": 0, "low": 300, "medium": 1200, "high": 4000, "": 1200}

// outputPerRequest is the expected output tokens of one judgement and of
// one TL;DR: the average completion of this store's requests by the model
// (both tasks together) when it has made some, else the defaults above;
// source says which.
func (r *Runner) outputPerRequest(ctx context.Context, topics int) (judge, tldr int64, source string, err error) {
	llm := r.Config.LLM.Model
	u, err := r.Store.ModelUsage(ctx, llm)
	if err != nil {
		return 0, 0, "", err
	}
	if u.Requests > 0 {
		avg := int64(math.Round(float64(u.Completion) / float64(u.Requests)))
		return avg, avg, fmt.Sprintf("this store's history: %d output tokens per request over %d requests by %s", avg, u.Requests, llm), nil
	}
	judge = int64(answerOverhead + relevanceTokensPerTopic*topics)
	tldr = int64(answerOverhead + 2*r.Config.TLDR.MaxWords)
	source = fmt.Sprintf("a default (no request by %s in this store yet): %d per judgement, %d per TL;DR", llm, judge, tldr)
	if classify.IsReasoningModel(llm) {
		extra := reasoningDefault[r.Config.LLM.ReasoningEffort]
		judge, tldr = judge+extra, tldr+extra
		source = fmt.Sprintf("a default (no request by %s in this store yet): %d per judgement, %d per TL;DR, of which %d of reasoning at effort %s",
			llm, judge, tldr, extra, effortName(r.Config.LLM.ReasoningEffort))
	}
	return judge, tldr, source, nil
}

func effortName(e string) string {
	if e == "" {
		return "medium (the model's default)"
	}
	return e
}
