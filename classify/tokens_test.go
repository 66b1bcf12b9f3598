package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestTokenizerOffline: o200k_base is embedded (no download: the test
// machine has no network) and gives the counts OpenAI's tiktoken gives.
func TestTokenizerOffline(t *testing.T) {
	tk := NewTokenizer("gpt-5-mini")
	if !tk.Exact() || tk.Name() != "o200k_base" {
		t.Fatalf("gpt-5-mini: %s", tk.Name())
	}
	// tiktoken.get_encoding("o200k_base"): "hello world" is 2 tokens,
	// "Quantum error correction" 3.
	for s, want := range map[string]int{"hello world": 2, "Quantum error correction": 3, "": 0} {
		if got := tk.Count(s); got != want {
			t.Errorf("Count(%q) = %d, want %d", s, got, want)
		}
	}
	for _, m := range []string{"gpt-4o-mini", "gpt-4.1-mini-2025-04-14", "openai/gpt-5-nano", "o3-mini", "GPT-5"} {
		if !NewTokenizer(m).Exact() {
			t.Errorf("%s: not counted with o200k_base", m)
		}
	}
	for _, m := range []string{"qwen2.5:7b-instruct", "gpt-4", "llama-3.1-8b", "gpt-50"} {
		tk := NewTokenizer(m)
		if tk.Exact() || tk.Name() != "bytes/4 estimate" || tk.Count("12345678") != 2 {
			t.Errorf("%s: %s, %d", m, tk.Name(), tk.Count("12345678"))
		}
	}
	// Two messages: 3 + 3 priming, each 3 + role + content.
	if got, want := tk.Messages([2]string{"system", "hello world"}, [2]string{"user", "hello world"}), 3+2*(3+1+2); got != want {
		t.Errorf("Messages = %d, want %d", got, want)
	}
}

func TestBatchPrice(t *testing.T) {
	p, _ := LookupPrice("gpt-5-mini")
	b := BatchPrice(p)
	if b.Input != p.Input/2 || b.CachedInput != p.CachedInput/2 || b.Output != p.Output/2 {
		t.Errorf("batch %+v of %+v", b, p)
	}
	u := model.Usage{Prompt: 1_000_000, Completion: 1_000_000}
	if got, want := b.Cost(u), p.Cost(u)/2; got != want {
		t.Errorf("batch cost %v, want half of %v", got, p.Cost(u))
	}
}

// TestPromptCacheKey: with PromptCacheKey the server gets one
// prompt_cache_key per task and instructions; without it, none. The token
// count of what the server received is what RequestTokens counted from the
// task's requests.
func TestPromptCacheKey(t *testing.T) {
	for _, send := range []bool{true, false} {
		var mu sync.Mutex
		keys := map[string]int{}
		var bodies []string
		srv := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
			body := peekRequest(r)
			var req struct {
				Key *string `json:"prompt_cache_key"`
			}
			json.Unmarshal([]byte(body), &req)
			mu.Lock()
			defer mu.Unlock()
			bodies = append(bodies, body)
			if req.Key != nil {
				keys[*req.Key]++
			}
			return false
		}})
		e := fakeEngine(t, srv, func(o *Options) { o.PromptCacheKey = send })
		jobs := testJobs(12)
		jobs[11].Topics = jobs[11].Topics[:1] // other instructions: another key
		if _, err := runAll(t, context.Background(), e, jobs); err != nil {
			t.Fatal(err)
		}
		if !send {
			if len(keys) != 0 {
				t.Errorf("prompt_cache_key sent when off: %v", keys)
			}
			continue
		}
		if len(keys) != 2 {
			t.Fatalf("keys %v, want one for 11 requests and one for the last", keys)
		}
		for k, n := range keys {
			if !strings.HasPrefix(k, "arxiv-digest-relevance-") || (n != 11 && n != 1) {
				t.Errorf("key %q sent %d times", k, n)
			}
		}
		// What was counted before sending is what was sent.
		tk := NewTokenizer("gpt-5-mini")
		want := 0
		rel := NewRelevance()
		for _, j := range jobs {
			req, err := rel.Request(j)
			if err != nil {
				t.Fatal(err)
			}
			want += tk.RequestTokens(req)
		}
		got := 0
		for _, b := range bodies {
			n, err := tk.BodyTokens([]byte(b))
			if err != nil {
				t.Fatal(err)
			}
			got += n
		}
		if got != want {
			t.Errorf("counted %d input tokens before sending, %d in what the server received", want, got)
		}
	}
}

// peekRequest reads a request's body and puts it back for the server.
func peekRequest(r *http.Request) string {
	data, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(data))
	return string(data)
}
