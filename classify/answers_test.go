package classify

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// badAnswers are the answers a run must never accept.
var badAnswers = []struct {
	name   string
	rep    reply
	reason string
}{
	{"invalid JSON", content(`{"topics": {oops`), "not a JSON object"},
	{"empty content", content(""), "empty content"},
	{"refusal", func(w http.ResponseWriter, r *apiReq) {
		ref := "I'm sorry, but I can't help with that request."
		writeCompletion(w, nil, &ref, "stop", stdUsage, nil)
	}, "refused: I'm sorry"},
	{"truncated", func(w http.ResponseWriter, r *apiReq) {
		c := scoresJSON(r.Topics, 0.5)
		c = c[:len(c)/2]
		writeCompletion(w, &c, nil, "length", stdUsage, nil)
	}, "finish_reason length"},
	{"missing topic", func(w http.ResponseWriter, r *apiReq) {
		c := scoresJSON(r.Topics[:1], 0.5)
		writeCompletion(w, &c, nil, "stop", stdUsage, nil)
	}, `topic "speech" missing`},
	{"extra topic", func(w http.ResponseWriter, r *apiReq) {
		c := scoresJSON(append(r.Topics, "cooking"), 0.5)
		writeCompletion(w, &c, nil, "stop", stdUsage, nil)
	}, `unexpected topic "cooking"`},
	{"relevance 1.5", answerWith(1.5), "outside [0,1]"},
	{"relevance a string", content(`{"topics":{"LLM agents":{"relevance":"high","reason":"x"},"speech":{"relevance":0.1,"reason":"y"}}}`), "not a number"},
	{"no choices", func(w http.ResponseWriter, r *apiReq) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"chatcmpl-x","object":"chat.completion","choices":[],"usage":{"prompt_tokens":300,"completion_tokens":60,"total_tokens":360,"prompt_tokens_details":{"cached_tokens":128}}}`))
	}, "no choices"},
	{"empty body", func(w http.ResponseWriter, r *apiReq) { w.Header().Set("Content-Type", "application/json") }, "empty response body"},
	{"not JSON body", func(w http.ResponseWriter, r *apiReq) { _, _ = w.Write([]byte("<html>Bad gateway</html>")) }, "not a chat completion"},
}

func TestBadAnswerIsRetriedOnceThenJudged(t *testing.T) {
	for _, tt := range badAnswers {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(r *apiReq) reply {
				if r.N == 1 {
					return tt.rep
				}
				return answerWith(0.9)
			})
			e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1 })
			got, err := runAll(t, context.Background(), e, testJobs(1))
			if err != nil {
				t.Fatal(err)
			}
			r := got["2511.00001"]
			if r.Status != model.StatusJudged || r.Attempts != 2 || len(r.Value) != 2 || r.Value[1].Relevance != 0.9 {
				t.Fatalf("status %s attempts %d scores %+v err %v", r.Status, r.Attempts, r.Value, r.Err)
			}
			if r.Usage.Requests != 2 {
				t.Errorf("usage %+v: want both attempts counted", r.Usage)
			}
		})
	}
}

func TestBadAnswerTwiceFails(t *testing.T) {
	for _, tt := range badAnswers {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(r *apiReq) reply { return tt.rep })
			e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1 })
			got, err := runAll(t, context.Background(), e, testJobs(1))
			if err != nil {
				t.Fatal(err)
			}
			r := got["2511.00001"]
			if r.Status != model.StatusFailed || r.Attempts != 2 || r.Value != nil {
				t.Fatalf("status %s attempts %d scores %v, want failed after 2 attempts without scores", r.Status, r.Attempts, r.Value)
			}
			if !errors.Is(r.Err, ErrInvalidAnswer) || !strings.Contains(r.Err.Error(), tt.reason) || !strings.HasPrefix(r.Err.Error(), "invalid answer: ") {
				t.Errorf("err %q, want an invalid answer mentioning %q", r.Err, tt.reason)
			}
			if len(f.requests()) != 2 {
				t.Errorf("%d requests, want 2", len(f.requests()))
			}
		})
	}
}

func TestUsageCountsEveryAttempt(t *testing.T) {
	f := newFakeAPI(t, func(r *apiReq) reply {
		if r.N == 1 {
			return content(`not json`)
		}
		return nil
	})
	e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1 })
	got, err := runAll(t, context.Background(), e, testJobs(1))
	if err != nil {
		t.Fatal(err)
	}
	want := model.Usage{Prompt: 600, Cached: 256, Completion: 120, Requests: 2}
	if u := got["2511.00001"].Usage; u != want {
		t.Errorf("usage %+v, want %+v", u, want)
	}
}
