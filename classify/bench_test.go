package classify

import (
	"context"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// Benchmarks run whole classification runs against internal/fakeopenai;
// one iteration is one run, so run them with -benchtime=1x:
//
//	go test -run '^$' -bench . -benchtime=1x ./classify/

// benchRun judges jobs against srv and returns the results by status.
func benchRun(b *testing.B, srv *fakeopenai.Server, jobs []Judgement, change func(*Options)) (map[model.Status][]relResult, *Engine, time.Duration) {
	b.Helper()
	o := testOptions(srv.URL)
	o.APIKey, o.Concurrency, o.Timeout = "sk-bench", 64, 30*time.Second
	if change != nil {
		change(&o)
	}
	e, err := New(o)
	if err != nil {
		b.Fatal(err)
	}
	byStatus := map[model.Status][]relResult{}
	start := time.Now()
	if err := Run(context.Background(), e, Relevance{}, jobs, func(r relResult) { byStatus[r.Status] = append(byStatus[r.Status], r) }); err != nil {
		b.Fatalf("Run: %v", err)
	}
	return byStatus, e, time.Since(start)
}

func countAll(m map[model.Status][]relResult) int {
	n := 0
	for _, rs := range m {
		n += len(rs)
	}
	return n
}

// BenchmarkIdeal: no limits, no faults. x_ideal is the wall time over the
// ideal papers*mean_latency/concurrency.
func BenchmarkIdeal(b *testing.B) {
	const (
		papers      = 2000
		concurrency = 64
		mean        = 200 * time.Millisecond
	)
	for b.Loop() {
		srv := fakeopenai.NewT(b, fakeopenai.Config{Model: "gpt-4o-mini", APIKey: "sk-bench", MeanLatency: mean, Sigma: 0.3, Seed: 1})
		res, e, wall := benchRun(b, srv, testJobs(papers), func(o *Options) { o.Concurrency = concurrency })
		ideal := time.Duration(papers) * mean / concurrency
		st := srv.Stats()
		if got := len(res[model.StatusJudged]); got != papers {
			b.Fatalf("judged %d of %d", got, papers)
		}
		if e.MaxInFlight() != concurrency || st.MaxInFlight > concurrency {
			b.Fatalf("max in flight: engine %d, server %d; want exactly %d", e.MaxInFlight(), st.MaxInFlight, concurrency)
		}
		b.ReportMetric(float64(wall)/float64(ideal), "x_ideal")
		b.ReportMetric(float64(e.MaxInFlight()), "max_inflight")
		b.ReportMetric(float64(st.MaxInFlight), "server_max_inflight")
		b.ReportMetric(wall.Seconds(), "wall_s")
	}
}

// BenchmarkRateLimited: a 3000 RPM server limit that the engine learns
// from the x-ratelimit-* headers only.
func BenchmarkRateLimited(b *testing.B) {
	const (
		papers = 1000
		rpm    = 3000
	)
	for b.Loop() {
		srv := fakeopenai.NewT(b, fakeopenai.Config{Model: "gpt-4o-mini", APIKey: "sk-bench", MeanLatency: 200 * time.Millisecond, Sigma: 0.3, RPM: rpm, Seed: 2})
		res, _, wall := benchRun(b, srv, testJobs(papers), nil)
		st := srv.Stats()
		judged := len(res[model.StatusJudged])
		b.ReportMetric(float64(judged)/wall.Minutes()/rpm*100, "pct_of_limit")
		b.ReportMetric(float64(st.RateLimited)/float64(st.Requests)*100, "pct_429")
		b.ReportMetric(float64(len(res[model.StatusFailed])), "failed")
		b.ReportMetric(wall.Seconds(), "wall_s")
	}
}

// BenchmarkFaults: 5% 500, 2% hangs past the 1s timeout, 2% dropped
// connections, 2% invalid JSON, 1% truncated answers. Nothing may be lost;
// a rerun of the failed jobs with the faults off judges exactly those.
func BenchmarkFaults(b *testing.B) {
	const papers = 1000
	for b.Loop() {
		srv := fakeopenai.NewT(b, fakeopenai.Config{
			Model: "gpt-4o-mini", APIKey: "sk-bench", MeanLatency: 200 * time.Millisecond, Sigma: 0.3, Seed: 3,
			Faults: fakeopenai.Faults{Status500: 0.05, Hang: 0.02, Drop: 0.02, InvalidJSON: 0.02, Truncated: 0.01},
		})
		jobs := testJobs(papers)
		res, _, wall := benchRun(b, srv, jobs, func(o *Options) { o.Timeout = time.Second })
		judged, failed := len(res[model.StatusJudged]), len(res[model.StatusFailed])
		lost := papers - countAll(res) + len(res[model.StatusSkipped])
		if lost != 0 {
			b.Errorf("lost %d jobs", lost)
		}
		// A paper may be paid twice (an invalid answer and its one retry);
		// a third payment happens only when an answer the server wrote
		// arrived after the attempt's timeout (a loaded machine).
		paid3 := 0
		for _, n := range srv.Stats().Papers {
			if n > 2 {
				paid3++
			}
		}
		srv.SetFaults(fakeopenai.Faults{})
		var rerun []Judgement
		for _, r := range res[model.StatusFailed] {
			rerun = append(rerun, r.Input)
		}
		again, _, _ := benchRun(b, srv, rerun, func(o *Options) { o.Timeout = time.Second })
		if len(again[model.StatusJudged]) != len(rerun) {
			b.Errorf("rerun judged %d of %d failed jobs", len(again[model.StatusJudged]), len(rerun))
		}
		b.ReportMetric(float64(judged), "judged")
		b.ReportMetric(float64(failed), "failed")
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(paid3), "paid_3x")
		b.ReportMetric(float64(len(again[model.StatusJudged])), "rerun_judged")
		b.ReportMetric(wall.Seconds(), "wall_s")
	}
}
