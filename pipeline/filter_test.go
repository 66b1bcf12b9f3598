package pipeline

import (
	"context"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/filter"
	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestRunFilters: on the quant-ph day, papers the filter leaves out are
// never sent, cost nothing and leave the run complete; a followed author's
// paper is judged though no include matches; a rerun with the same filter
// has nothing to do, and one with another filter judges only what it newly
// lets through; render keeps what the run recorded.
func TestRunFilters(t *testing.T) {
	ctx := context.Background()
	feed := newFeedServer(t)
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	r := testRunner(t, feed, llm, func(c *config.Config) {
		c.Filter = config.Filter{Include: []string{"entanglement", "entangled"}, Exclude: []string{"error correction"},
			Authors: []string{"Jakob Gunther"}} // written without the umlaut: G\"unther in the feed
	})
	res, err := r.Run(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Digest
	s := d.Stats
	if s.Filtered == 0 || s.Judged == 0 || s.Judged+s.Filtered != 81 || s.Failed+s.Skipped != 0 || d.Incomplete {
		t.Fatalf("stats %+v, incomplete %v", s, d.Incomplete)
	}
	st := llm.Stats()
	if len(st.Papers) != s.Judged || st.Requests != int64(s.Judged+len(st.TLDRs)) || res.Requests != st.Requests {
		t.Errorf("the fake judged %d papers in %d requests (%d TL;DRs); the digest judged %d, the run counts %d requests",
			len(st.Papers), st.Requests, len(st.TLDRs), s.Judged, res.Requests)
	}
	var followed *model.Entry
	for i, e := range d.Papers {
		switch {
		case e.Followed != "":
			followed = &d.Papers[i]
		case e.Status == model.StatusFiltered:
			if e.Error == "" || len(e.Scores) != 0 || e.TLDR != "" {
				t.Errorf("%s: filtered with reason %q, %d scores, TL;DR %q", e.ID, e.Error, len(e.Scores), e.TLDR)
			}
			if _, asked := st.Papers["arXiv paper "+e.ID]; asked {
				t.Errorf("%s was filtered and still sent", e.ID)
			}
		}
	}
	if followed == nil || followed.Followed != "Jakob Günther" || followed.Status != model.StatusJudged || s.Followed != 1 {
		t.Fatalf("followed paper %+v, stats.followed %d", followed, s.Followed)
	}
	// The papers the exclude phrase left out, and of them those the
	// include phrases let through without it.
	includeOnly, err := filter.New(r.Config.Filter.Include, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	excluded, released := 0, 0
	for _, e := range d.FilteredPapers() {
		if e.Error == `exclude "error correction"` {
			excluded++
			if !includeOnly.Decide(e.Paper).Filtered {
				released++
			}
		}
	}
	if excluded == 0 || released == 0 {
		t.Errorf("%d papers left out by the exclude phrase, %d of them matching an include phrase: the test needs some", excluded, released)
	}

	// The same filter: nothing to do.
	res2, err := r.Run(ctx, Options{})
	if err != nil || !res2.AlreadyDone || llm.Stats().Requests != st.Requests {
		t.Fatalf("rerun: err %v, already done %v, %d requests", err, res2 != nil && res2.AlreadyDone, llm.Stats().Requests-st.Requests)
	}

	// render with the exclude phrase gone from the config shows the day as
	// it was run, asking nothing.
	r.Config.Filter.Exclude = nil
	re, err := r.Rerender(ctx, d.Date, nil)
	if err != nil || re.Digest.Stats.Filtered != s.Filtered || llm.Stats().Requests != st.Requests {
		t.Fatalf("render: err %v, %d filtered, want %d", err, re.Digest.Stats.Filtered, s.Filtered)
	}

	// run with it gone judges exactly the papers it had left out.
	res3, err := r.Run(ctx, Options{})
	if err != nil || res3.AlreadyDone {
		t.Fatalf("run with another filter: err %v, already done %v", err, res3.AlreadyDone)
	}
	if got := len(llm.Stats().Papers) - len(st.Papers); got != released || res3.Digest.Stats.Filtered != s.Filtered-released {
		t.Errorf("newly judged %d, want %d; filtered %d, want %d", got, released, res3.Digest.Stats.Filtered, s.Filtered-released)
	}
}
