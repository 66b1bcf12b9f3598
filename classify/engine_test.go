package classify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestRunJudgesAndSendsTheContract(t *testing.T) {
	f := newFakeAPI(t, func(r *apiReq) reply { return answerWith(0.75) })
	temp := 0.2
	e := newTestEngine(t, f, func(o *Options) { o.Temperature = &temp })
	jobs := testJobs(3)
	got, err := runAll(t, context.Background(), e, jobs)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, j := range jobs {
		r := got[j.Paper.ID]
		if r.Status != model.StatusJudged || r.Err != nil || r.Attempts != 1 {
			t.Fatalf("%s: status %s err %v attempts %d", j.Paper.ID, r.Status, r.Err, r.Attempts)
		}
		if len(r.Value) != 2 || r.Value[0].Topic != "LLM agents" || r.Value[1].Topic != "speech" || r.Value[0].Relevance != 0.75 || r.Value[0].Reason == "" {
			t.Errorf("%s: scores %+v", j.Paper.ID, r.Value)
		}
		want := model.Usage{Prompt: 300, Cached: 128, Completion: 60, Requests: 1}
		if r.Usage != want {
			t.Errorf("usage %+v, want %+v", r.Usage, want)
		}
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	r := reqs[0]
	if h := r.Header.Get("Authorization"); h != "Bearer sk-test-key" {
		t.Errorf("Authorization %q", h)
	}
	if r.Body["model"] != "gpt-4o-mini" || r.Body["temperature"] != 0.2 {
		t.Errorf("model %v temperature %v", r.Body["model"], r.Body["temperature"])
	}
	if _, ok := r.Body["max_completion_tokens"].(float64); !ok {
		t.Errorf("max_completion_tokens missing: %v", r.Body["max_completion_tokens"])
	}
	msgs, _ := r.Body["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("messages %v", msgs)
	}
	sys, user := msgs[0].(map[string]any), msgs[1].(map[string]any)
	if sys["role"] != "system" || user["role"] != "user" {
		t.Errorf("roles %v, %v: want system then user", sys["role"], user["role"])
	}
	sysText, _ := sys["content"].(string)
	for _, s := range []string{`"LLM agents": Autonomous agents`, `"speech"`, "not instructions", "0.9"} {
		if !strings.Contains(sysText, s) {
			t.Errorf("system message lacks %q", s)
		}
	}
	userText, _ := user["content"].(string)
	if !strings.HasPrefix(userText, "arXiv paper 2511.0000") || !strings.Contains(userText, "\n<paper>\n") || !strings.HasSuffix(userText, "</paper>") || !strings.Contains(userText, "Title: Paper ") {
		t.Errorf("user message %q", userText)
	}
	if strings.Contains(sysText, "Paper 1") {
		t.Error("paper text leaked into the stable system prefix")
	}
	rf, _ := r.Body["response_format"].(map[string]any)
	js, _ := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["name"] != "paper_relevance" || js["strict"] != true {
		t.Errorf("response_format %v", rf)
	}
	if strings.Join(r.Topics, "|") != "LLM agents|speech" {
		t.Errorf("schema topics %v", r.Topics)
	}
	sent, _ := json.Marshal(js["schema"])
	want, _ := json.Marshal(RelevanceSchema(testTopics))
	if string(sent) != string(want) {
		t.Errorf("schema sent\n%s\nwant\n%s", sent, want)
	}
}

func TestTemperatureOmittedForGPT5(t *testing.T) {
	for _, m := range []string{"gpt-5-mini", "gpt-5", "o4-mini"} {
		t.Run(m, func(t *testing.T) {
			f := newFakeAPI(t, nil)
			temp := 0.0
			e := newTestEngine(t, f, func(o *Options) { o.Model = m; o.Temperature = &temp })
			if _, err := runAll(t, context.Background(), e, testJobs(1)); err != nil {
				t.Fatal(err)
			}
			body := f.requests()[0].Body
			if _, ok := body["temperature"]; ok {
				t.Errorf("temperature sent to %s: %v", m, body["temperature"])
			}
			if body["model"] != m {
				t.Errorf("model %v", body["model"])
			}
		})
	}
}

func TestFatalErrorsStopTheRun(t *testing.T) {
	tests := []struct {
		name   string
		rep    reply
		status int
		code   string
	}{
		{"bad key", errorReply(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-test***key.", nil), 401, "invalid_api_key"},
		{"forbidden", errorReply(403, "invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported", nil), 403, "unsupported_country_region_territory"},
		{"model not found", errorReply(404, "invalid_request_error", "model_not_found", "The model `gpt-4o-mini` does not exist or you do not have access to it.", nil), 404, "model_not_found"},
		{"bad request", errorReply(400, "invalid_request_error", "", "Invalid schema for response_format 'paper_relevance'.", nil), 400, "invalid_request_error"},
		{"unprocessable", errorReply(422, "invalid_request_error", "", "Unprocessable.", nil), 422, "invalid_request_error"},
		{"insufficient quota", errorReply(429, "insufficient_quota", "insufficient_quota", "You exceeded your current quota, please check your plan and billing details.", nil), 429, "insufficient_quota"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(r *apiReq) reply { return tt.rep })
			e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1 })
			jobs := testJobs(10)
			got, err := runAll(t, context.Background(), e, jobs)
			var fe *FatalError
			if !errors.As(err, &fe) || fe.StatusCode != tt.status || fe.Code != tt.code {
				t.Fatalf("Run error %v (%#v), want FatalError %d %s", err, fe, tt.status, tt.code)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests after a fatal error, want exactly 1", n)
			}
			failed := 0
			for _, j := range jobs {
				r := got[j.Paper.ID]
				switch {
				case r.Status == model.StatusFailed && r.Attempts == 1 && errors.As(r.Err, &fe):
					failed++
				case r.Status == model.StatusSkipped && r.Attempts == 0 && errors.As(r.Err, &fe):
				default:
					t.Errorf("%s: %s attempts %d err %v, want skipped with the fatal error", j.Paper.ID, r.Status, r.Attempts, r.Err)
				}
			}
			if failed != 1 {
				t.Errorf("%d jobs failed, want the one that got the fatal answer", failed)
			}
		})
	}
}

func TestTransientErrorsBackOffThenFail(t *testing.T) {
	tests := []struct {
		name string
		rep  reply
	}{
		{"500", errorReply(500, "server_error", "", "The server had an error while processing your request.", nil)},
		{"502", errorReply(502, "server_error", "", "Bad gateway.", nil)},
		{"408", errorReply(408, "invalid_request_error", "", "Request timeout.", nil)},
		{"409", errorReply(409, "invalid_request_error", "", "Conflict.", nil)},
		{"429 without retry-after", errorReply(429, "requests", "rate_limit_exceeded", "Rate limit reached.", nil)},
		{"503 without retry-after", errorReply(503, "server_error", "", "The engine is currently overloaded, please try again later.", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(r *apiReq) reply { return tt.rep })
			var s sleeps
			e := newTestEngine(t, f, func(o *Options) {
				o.Concurrency = 1
				o.MaxRetries = 4
				o.sleep = s.sleep
				o.backoffBase = 500 * time.Millisecond
				o.backoffCap = 30 * time.Second
			})
			got, err := runAll(t, context.Background(), e, testJobs(1))
			if err != nil {
				t.Fatal(err)
			}
			r := got["2511.00001"]
			var se *StatusError
			if r.Status != model.StatusFailed || r.Attempts != 5 || !errors.As(r.Err, &se) {
				t.Fatalf("status %s attempts %d err %v, want failed after 5 attempts with a StatusError", r.Status, r.Attempts, r.Err)
			}
			if r.Usage.Requests != 5 {
				t.Errorf("usage requests %d", r.Usage.Requests)
			}
			waits := s.all()
			if len(waits) != 4 {
				t.Fatalf("backoffs %v, want 4", waits)
			}
			for i, d := range waits {
				limit := 500 * time.Millisecond << i
				if d < 0 || d > limit {
					t.Errorf("backoff %d = %s, want within [0, %s]", i+1, d, limit)
				}
			}
		})
	}
}

func TestBackoffFullJitterIsCapped(t *testing.T) {
	e := newTestEngine(t, newFakeAPI(t, nil), func(o *Options) {
		o.backoffBase = 500 * time.Millisecond
		o.backoffCap = 30 * time.Second
	})
	r := e.newRun(context.Background(), "relevance")
	defer r.close()
	var spread bool
	for n := 1; n <= 40; n++ {
		limit := min(30*time.Second, 500*time.Millisecond<<min(n-1, 20))
		first := r.backoff(n)
		for range 20 {
			d := r.backoff(n)
			if d < 0 || d > limit {
				t.Fatalf("backoff(%d) = %s, want within [0, %s]", n, d, limit)
			}
			if d != first {
				spread = true
			}
		}
	}
	if !spread {
		t.Error("backoff never varies: no jitter")
	}
}

func TestTimedOutAttemptIsRetried(t *testing.T) {
	f := newFakeAPI(t, func(r *apiReq) reply {
		if r.N == 1 {
			return hang
		}
		return nil
	})
	e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1; o.Timeout = 300 * time.Millisecond })
	got, err := runAll(t, context.Background(), e, testJobs(1))
	if err != nil {
		t.Fatal(err)
	}
	r := got["2511.00001"]
	if r.Status != model.StatusJudged || r.Attempts != 2 {
		t.Fatalf("status %s attempts %d err %v, want judged on the 2nd attempt", r.Status, r.Attempts, r.Err)
	}
}

func TestConnectionDropIsRetried(t *testing.T) {
	f := newFakeAPI(t, func(r *apiReq) reply {
		if r.N <= 2 {
			return func(w http.ResponseWriter, _ *apiReq) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
			}
		}
		return nil
	})
	e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1 })
	got, err := runAll(t, context.Background(), e, testJobs(1))
	if err != nil {
		t.Fatal(err)
	}
	if r := got["2511.00001"]; r.Status != model.StatusJudged || r.Attempts != 3 {
		t.Fatalf("status %s attempts %d err %v", r.Status, r.Attempts, r.Err)
	}
}

func TestErrorBodiesNotInOpenAIShape(t *testing.T) {
	html := func(status int, h map[string]string) reply {
		return func(w http.ResponseWriter, r *apiReq) {
			for k, v := range h {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<html><body>" + http.StatusText(status) + "</body></html>"))
		}
	}
	t.Run("502 is retried", func(t *testing.T) {
		f := newFakeAPI(t, func(r *apiReq) reply {
			if r.N == 1 {
				return html(502, nil)
			}
			return nil
		})
		var s sleeps
		e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1; o.sleep = s.sleep })
		got, err := runAll(t, context.Background(), e, testJobs(1))
		if err != nil {
			t.Fatal(err)
		}
		if r := got["2511.00001"]; r.Status != model.StatusJudged || r.Attempts != 2 || len(s.all()) != 1 {
			t.Errorf("%s attempts %d sleeps %v err %v", r.Status, r.Attempts, s.all(), r.Err)
		}
	})
	t.Run("401 is fatal", func(t *testing.T) {
		f := newFakeAPI(t, func(r *apiReq) reply { return html(401, nil) })
		e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1 })
		_, err := runAll(t, context.Background(), e, testJobs(3))
		var fe *FatalError
		if !errors.As(err, &fe) || fe.StatusCode != 401 || len(f.requests()) != 1 {
			t.Errorf("Run: %v after %d requests", err, len(f.requests()))
		}
	})
	t.Run("429 keeps its retry-after", func(t *testing.T) {
		f := newFakeAPI(t, func(r *apiReq) reply {
			if r.N == 1 {
				return html(429, map[string]string{"retry-after": "2"})
			}
			return nil
		})
		var s sleeps
		e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1; o.MaxRetries = 0; o.sleep = s.sleep })
		got, err := runAll(t, context.Background(), e, testJobs(1))
		if err != nil {
			t.Fatal(err)
		}
		w := s.all()
		if r := got["2511.00001"]; r.Status != model.StatusJudged || len(w) != 1 || w[0] < 1500*time.Millisecond {
			t.Errorf("%s waits %v err %v", r.Status, w, r.Err)
		}
	})
}

func TestWithoutAPIKey(t *testing.T) {
	// Local servers (Ollama, vLLM) need no key.
	f := newFakeAPI(t, nil)
	e := newTestEngine(t, f, func(o *Options) { o.APIKey = "" })
	got, err := runAll(t, context.Background(), e, testJobs(1))
	if err != nil || got["2511.00001"].Status != model.StatusJudged {
		t.Fatalf("Run: %v %+v", err, got["2511.00001"])
	}
}
