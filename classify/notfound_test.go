package classify

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
)

const baseURLHint = "does llm.base_url end in /v1?"

// TestBaseURLWithoutV1: OpenAI answers a base URL without /v1 with 404
// unknown_url; the fatal error asks whether the base URL ends in /v1.
func TestBaseURLWithoutV1(t *testing.T) {
	t.Run("scripted", func(t *testing.T) {
		f := newFakeAPI(t, nil) // answers unknown paths with 404 unknown_url
		e := newTestEngine(t, f, func(o *Options) { o.BaseURL = strings.TrimSuffix(f.URL, "/v1") })
		checkBaseURLHint(t, e, func() int { return len(f.requests()) })
	})
	t.Run("fakeopenai", func(t *testing.T) {
		srv := fakeopenai.NewT(t, fakeopenai.Config{})
		e := fakeEngine(t, srv, func(o *Options) { o.BaseURL = strings.TrimSuffix(srv.URL, "/v1") })
		checkBaseURLHint(t, e, func() int { return int(srv.Stats().Requests) })
	})
}

func checkBaseURLHint(t *testing.T, e *Engine, requests func() int) {
	t.Helper()
	_, err := runAll(t, context.Background(), e, testJobs(20))
	var fe *FatalError
	if !errors.As(err, &fe) || fe.StatusCode != 404 || fe.Code != "unknown_url" {
		t.Fatalf("Run: %v, want a fatal 404 unknown_url", err)
	}
	if !strings.Contains(err.Error(), baseURLHint) {
		t.Errorf("error %q does not ask %q", err, baseURLHint)
	}
	if n := requests(); n > defaultSlowStart {
		t.Errorf("%d requests: the 404 did not stop the run", n)
	}
}

func TestNotFoundHint(t *testing.T) {
	tests := []struct {
		name, code, msg string
		hint            bool
	}{
		{"unknown_url", "unknown_url", "Unknown request URL: POST /chat/completions. Please check the URL for typos, or see the docs at https://platform.openai.com/docs/api-reference/.", true},
		{"path doubled", "", "Invalid URL (POST /v1/chat/completions/chat/completions)", true},
		{"a bare router 404", "", "Not Found", true},
		{"unknown model", "model_not_found", "The model `gpt-5-mini` does not exist or you do not have access to it.", false},
		{"Ollama's unknown model", "", `model "llama3" not found, try pulling it first`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := classifyStatus(outcome{}, apiFailure{status: 404, code: tt.code, typ: "invalid_request_error", msg: tt.msg}, nil)
			var fe *FatalError
			if out.kind != kindFatal || !errors.As(out.err, &fe) {
				t.Fatalf("kind %v err %v, want fatal", out.kind, out.err)
			}
			if got := strings.Contains(out.err.Error(), baseURLHint); got != tt.hint {
				t.Errorf("%q: hint %v, want %v", out.err, got, tt.hint)
			}
		})
	}
}
