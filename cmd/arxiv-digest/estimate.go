package main

import (
	"context"
	"fmt"
	"os"

	"github.com/arxiv-digest/arxiv-digest/pipeline"
	"github.com/arxiv-digest/arxiv-digest/render"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// openStoreReadOnly opens the store for a dry run: read-only or, when
// there is none yet, an empty one in a temporary folder that close
// removes. Nothing is written where the config points.
func (a *app) openStoreReadOnly(ctx context.Context) (close func(), err error) {
	stream, err := a.cfg.Stream()
	if err != nil {
		return nil, usageError(err)
	}
	s, err := store.OpenReadOnly(ctx, a.cfg.StorePath(), store.WithStream(stream))
	if err == nil {
		a.store = s
		return a.close, nil
	}
	if !store.IsNotExist(err) {
		return nil, withCode(exitFailed, err)
	}
	tmp, err := os.MkdirTemp("", "arxiv-digest-dry-run-")
	if err != nil {
		return nil, withCode(exitFailed, err)
	}
	if s, err = store.Open(ctx, tmp+"/empty.db", store.WithStream(stream)); err != nil {
		os.RemoveAll(tmp)
		return nil, withCode(exitFailed, err)
	}
	a.store = s
	return func() { a.close(); os.RemoveAll(tmp) }, nil
}

// dryRun prints what a run would ask of the model and cost: the day
// fetched, the filter and the store applied, no model request, nothing
// written.
func (a *app) dryRun(ctx context.Context, opts pipeline.Options) error {
	done, err := a.openStoreReadOnly(ctx)
	if err != nil {
		return err
	}
	defer done()
	est, err := a.runner(nil).Estimate(ctx, opts)
	if err != nil {
		return withCode(exitFailed, err)
	}
	a.printEstimate(est)
	return nil
}

// printEstimate writes an estimate for a person.
func (a *app) printEstimate(est *pipeline.Estimate) {
	w := a.env.stdout
	u := est.Usage()
	fmt.Fprintf(w, "%s: a run would make %s model requests (dry run: none made, nothing written)\n", est.Date, thousands(u.Requests))
	fmt.Fprintf(w, "  papers: %s, %s left out by the filter, %s judged already\n", thousands(int64(est.Papers)), thousands(int64(est.Filtered)), thousands(int64(est.Known)))
	fmt.Fprintf(w, "  judging: %s requests, %s input tokens, %s output tokens\n", thousands(int64(est.Judge.Requests)), thousands(est.Judge.Input), thousands(est.Judge.Output))
	if a.cfg.TLDR.Enabled {
		fmt.Fprintf(w, "  TL;DRs: %s requests, %s input tokens, %s output tokens (for the papers to judge, %.0f%% expected selected: %s)\n",
			thousands(int64(est.TLDR.Requests)), thousands(est.TLDR.Input), thousands(est.TLDR.Output), 100*est.TLDRRate, est.RateSource)
	}
	counted := "counted with the model's tokenizer, " + est.Tokenizer
	if est.Tokenizer != "o200k_base" {
		counted = "a " + est.Tokenizer + " (the tokenizer of " + a.cfg.LLM.Model + " is unknown here)"
	}
	fmt.Fprintf(w, "  input tokens: %s, messages and schema as sent\n", counted)
	fmt.Fprintf(w, "  output tokens: %s\n", est.OutputSource)
	live, batch, ok := est.Cost()
	if !ok {
		fmt.Fprintf(w, "  cost: unknown (no price for %s: set llm.price_per_million)\n", a.cfg.LLM.Model)
		return
	}
	fmt.Fprintf(w, "  cost: about %s live, %s with the Batch API (%s per million tokens: %s input, %s output; batch half that)\n",
		usd(live), usd(batch), a.cfg.LLM.Model, usd(est.Price.Input), usd(est.Price.Output))
}

func usd(x float64) string {
	if x < 1 {
		return fmt.Sprintf("$%.4f", x)
	}
	return fmt.Sprintf("$%.2f", x)
}

var thousands = render.Thousands
