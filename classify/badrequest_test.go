package classify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// A 400 fails only its paper when it is about that request's own text;
// about what every request sends, or unexplained, it stops the run.
func TestBadRequestScope(t *testing.T) {
	tests := []struct {
		name                  string
		code, typ, param, msg string
		paperOnly             bool
	}{
		// This paper's text.
		{"OpenAI context length", "context_length_exceeded", "invalid_request_error", "messages",
			"This model's maximum context length is 128000 tokens. However, your messages resulted in 135000 tokens. Please reduce the length of the messages.", true},
		{"string above max length", "string_above_max_length", "invalid_request_error", "messages[1].content",
			"Invalid 'messages[1].content': string too long. Expected a string with maximum length 10485760, but got a string with length 12000000 instead.", true},
		{"flagged prompt", "invalid_prompt", "invalid_request_error", "",
			"Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a different prompt.", true},
		{"a param under messages", "invalid_value", "invalid_request_error", "messages[1].content",
			"Invalid 'messages[1].content': contains a null character.", true},
		{"vLLM, no code", "", "BadRequestError", "",
			"This model's maximum context length is 4096 tokens. However, you requested 5120 tokens (4608 in the messages, 512 in the completion). Please reduce the length of the messages or completion.", true},
		{"vLLM, numeric code", "400", "BadRequestError", "",
			"This model's maximum context length is 4096 tokens. However, you requested 5120 tokens.", true},
		{"llama.cpp", "", "exceed_context_size_error", "",
			"the request exceeds the available context size, try increasing it", true},
		{"TGI", "", "validation", "",
			"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 5000 `inputs` tokens and 500 `max_new_tokens`", true},
		{"prompt too long", "", "invalid_request_error", "", "prompt is too long: 210000 tokens > 200000 maximum", true},

		// What every request sends: the schema, the model, a parameter.
		{"invalid schema", "invalid_json_schema", "invalid_request_error", "response_format",
			"Invalid schema for response_format 'paper_relevance': In context=(), 'additionalProperties' is required to be supplied and to be false.", false},
		{"json_schema unsupported", "", "invalid_request_error", "response_format",
			"Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", false},
		{"temperature", "unsupported_value", "invalid_request_error", "temperature",
			"Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", false},
		{"reasoning_effort", "unsupported_parameter", "invalid_request_error", "reasoning_effort",
			"Unsupported parameter: 'reasoning_effort' is not supported with this model.", false},
		{"max_completion_tokens", "invalid_value", "invalid_request_error", "max_completion_tokens",
			"max_completion_tokens is too large: 200000. This model supports at most 128000 completion tokens, whereas you provided 200000.", false},
		{"unsupported_parameter without param", "unsupported_parameter", "invalid_request_error", "",
			"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", false},
		{"model", "invalid_value", "invalid_request_error", "model", "Invalid value for 'model': 'gpt-4o-mini '.", false},
		// Unexplained.
		{"unexplained", "", "invalid_request_error", "", "Bad request.", false},
		{"no body", "", "", "", "Bad Request", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := perRequest400(tt.code, tt.typ, tt.param, tt.msg); got != tt.paperOnly {
				t.Errorf("perRequest400 = %v, want %v", got, tt.paperOnly)
			}
			out := classifyStatus(outcome{}, apiFailure{status: 400, code: tt.code, typ: tt.typ, param: tt.param, msg: tt.msg}, nil)
			var fe *FatalError
			var se *StatusError
			switch {
			case tt.paperOnly && (out.kind != kindReject || !errors.As(out.err, &se) || se.StatusCode != 400):
				t.Errorf("kind %v err %v, want this job rejected with a StatusError", out.kind, out.err)
			case !tt.paperOnly && (out.kind != kindFatal || !errors.As(out.err, &fe) || fe.StatusCode != 400):
				t.Errorf("kind %v err %v, want fatal", out.kind, out.err)
			}
		})
	}
}

// TestOversizedPaperFailsAlone: the model's context cannot hold one paper;
// that paper fails with the server's reason, the others are judged, and
// the run goes on to the end.
func TestOversizedPaperFailsAlone(t *testing.T) {
	tests := []struct {
		name  string
		write func(w http.ResponseWriter)
	}{
		{"OpenAI", func(w http.ResponseWriter) {
			writeOpenAIError(w, 400, "This model's maximum context length is 128000 tokens. However, your messages resulted in 135000 tokens. Please reduce the length of the messages.",
				"invalid_request_error", "messages", "context_length_exceeded")
		}},
		// vLLM before 0.9 answered at the top level, with a numeric code.
		{"vLLM", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"object":"error","message":"This model's maximum context length is 4096 tokens. However, you requested 5120 tokens (4608 in the messages, 512 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
				if !aboutPaper(r, "2511.00003") {
					return false
				}
				tt.write(w)
				return true
			}})
			e := fakeEngine(t, srv, func(o *Options) { o.Concurrency = 2 })
			got, err := runAll(t, context.Background(), e, testJobs(12))
			if err != nil {
				t.Fatalf("Run: %v, want nil: one paper too long must not stop the run", err)
			}
			for id, r := range got {
				if id != "2511.00003" && r.Status != model.StatusJudged {
					t.Errorf("%s: %s %v", id, r.Status, r.Err)
				}
			}
			r := got["2511.00003"]
			var se *StatusError
			if r.Status != model.StatusFailed || r.Attempts != 1 || !errors.As(r.Err, &se) || se.StatusCode != 400 ||
				!strings.Contains(se.Message, "maximum context length is") {
				t.Errorf("too long: %s attempts %d err %v, want failed at once with the server's message", r.Status, r.Attempts, r.Err)
			}
			if st := srv.Stats(); st.Requests != 12 {
				t.Errorf("%d requests, want 12: a context-length 400 is not retried", st.Requests)
			}
		})
	}
}

// writeOpenAIError writes an error with a param (fakeopenai.WriteError has none).
func writeOpenAIError(w http.ResponseWriter, status int, msg, typ, param, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":%q,"param":%q,"code":%q}}`, msg, typ, param, code)
}

func TestPromptCapsLongText(t *testing.T) {
	p := model.Paper{ID: "2511.00001", Title: "Short title", Abstract: "Short abstract.", Categories: []string{"cs.CL"}}
	// Papers under the caps: the prompt is exactly what it always was
	// (stored judgements stay valid under PromptVersion "1").
	if got, want := paperInput(p, true), "arXiv paper 2511.00001\n<paper>\nTitle: Short title\nCategories: cs.CL\nAbstract:\nShort abstract.\n</paper>"; got != want {
		t.Errorf("prompt under the caps changed:\n got %q\nwant %q", got, want)
	}
	atCap := p
	atCap.Abstract = strings.Repeat("é", MaxAbstractChars)
	if u := paperInput(atCap, true); strings.Contains(u, "truncated") || !strings.Contains(u, atCap.Abstract+"\n</paper>") {
		t.Errorf("an abstract of exactly %d characters was cut", MaxAbstractChars)
	}

	long := p
	long.Abstract = strings.Repeat("ab", 10_000) + "END OF ABSTRACT" // 20,015 characters
	long.Title = strings.Repeat("Τ", 1500)
	u := paperInput(long, true)
	if !strings.Contains(u, "\nAbstract:\n"+long.Abstract[:MaxAbstractChars]+"\n[abstract truncated at 8,000 of 20,015 characters]\n</paper>") {
		t.Errorf("abstract not cut at 8,000 characters with a note:\n%.300s…%s", u, u[len(u)-200:])
	}
	if strings.Contains(u, "END OF ABSTRACT") {
		t.Error("the end of an over-long abstract was sent")
	}
	if !strings.Contains(u, "Title: "+strings.Repeat("Τ", MaxTitleChars)+" [title truncated at 1,000 of 1,500 characters]\n") {
		t.Errorf("title not cut at 1,000 characters with a note:\n%.3000s", u)
	}
	if !utf8.ValidString(u) {
		t.Error("cut inside a character")
	}
	if n := utf8.RuneCountInString(u); n > MaxAbstractChars+MaxTitleChars+200 {
		t.Errorf("prompt of %d characters", n)
	}
}
