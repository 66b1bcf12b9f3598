package fakeopenai

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

const paperText = "Title: Error correction for quantum memories\nCategories: quant-ph\nAbstract: We study surface codes."

func TestClientRoundTrip(t *testing.T) {
	s := NewT(t, Config{Model: "gpt-4o-mini", APIKey: testKey, Seed: 1})
	c := newClient(s, testKey)
	topics := []string{"Quantum", "graph neural networks"}
	resp, err := c.Chat.Completions.New(t.Context(), contractParams("gpt-4o-mini", "You judge papers.", paperText, topics...))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if len(resp.Choices) != 1 || resp.Choices[0].FinishReason != "stop" {
		t.Fatalf("choices = %+v", resp.Choices)
	}
	got := parseAnswer(t, resp.Choices[0].Message.Content)
	if len(got) != len(topics) {
		t.Fatalf("answer has %d topics, want %d: %v", len(got), len(topics), got)
	}
	if q := got["Quantum"]; q.Relevance != 0.95 || q.Reason != "Mentions Quantum." {
		t.Errorf("Quantum = %+v, want 0.95 Mentions Quantum.", q)
	}
	g := got["graph neural networks"]
	if want := DefaultScore(paperText, "graph neural networks"); g.Relevance != want {
		t.Errorf("gnn relevance = %v, want DefaultScore %v", g.Relevance, want)
	}
	if g.Reason != reason("graph neural networks", g.Relevance) {
		t.Errorf("gnn reason = %q", g.Reason)
	}
	if resp.Usage.PromptTokens <= 0 || resp.Usage.CompletionTokens <= 0 || resp.Usage.TotalTokens != resp.Usage.PromptTokens+resp.Usage.CompletionTokens {
		t.Errorf("usage = %+v", resp.Usage)
	}
	if resp.Model != "gpt-4o-mini" || resp.Object != "chat.completion" {
		t.Errorf("model/object = %q/%q", resp.Model, resp.Object)
	}
	st := s.Stats()
	if st.Requests != 1 || st.Completed != 1 || st.ByStatus[200] != 1 || st.InFlight != 0 {
		t.Errorf("stats = %+v", st)
	}
	if st.Papers["Title: Error correction for quantum memories"] != 1 {
		t.Errorf("papers = %v", st.Papers)
	}
	if st.PromptTokens != resp.Usage.PromptTokens || st.CompletionTokens != resp.Usage.CompletionTokens {
		t.Errorf("stats tokens %d/%d, usage %d/%d", st.PromptTokens, st.CompletionTokens, resp.Usage.PromptTokens, resp.Usage.CompletionTokens)
	}
}

func TestClientCustomScore(t *testing.T) {
	var gotPaper string
	s := NewT(t, Config{Score: func(paper, topic string) float64 {
		gotPaper = paper // one request at a time: no race
		if topic == "a" {
			return 0.125
		}
		return 0.9
	}})
	resp, err := newClient(s, "any").Chat.Completions.New(t.Context(), contractParams("m", "sys", paperText, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	got := parseAnswer(t, resp.Choices[0].Message.Content)
	if got["a"].Relevance != 0.125 || got["a"].Reason != "Unrelated to a." || got["b"].Relevance != 0.9 || got["b"].Reason != "Mentions b." {
		t.Errorf("answer = %+v", got)
	}
	if gotPaper != paperText {
		t.Errorf("Score saw paper %q, want the user message", gotPaper)
	}
}

func TestClientErrors(t *testing.T) {
	s := NewT(t, Config{Model: "gpt-4o-mini", APIKey: testKey})
	notStrict := contractParams("gpt-4o-mini", "sys", paperText, "x")
	notStrict.ResponseFormat.OfJSONSchema.JSONSchema.Schema = map[string]any{"type": "object", "properties": map[string]any{"topics": map[string]any{"type": "object"}}}
	gpt5 := NewT(t, Config{})
	withTemp := contractParams("gpt-5-mini", "sys", paperText, "x")
	withTemp.Temperature = openai.Float(0.2)
	tests := []struct {
		name   string
		srv    *Server
		key    string
		params openai.ChatCompletionNewParams
		status int
		typ    string
		code   string
	}{
		{"wrong key", s, "sk-wrong-key-000000", contractParams("gpt-4o-mini", "sys", paperText, "x"), 401, "invalid_request_error", "invalid_api_key"},
		{"unknown model", s, testKey, contractParams("gpt-9", "sys", paperText, "x"), 404, "invalid_request_error", "model_not_found"},
		{"schema not strict", s, testKey, notStrict, 400, "invalid_request_error", "invalid_json_schema"},
		{"temperature on gpt-5", gpt5, testKey, withTemp, 400, "invalid_request_error", "unsupported_value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newClient(tt.srv, tt.key).Chat.Completions.New(t.Context(), tt.params)
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want *openai.Error", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Type != tt.typ || apiErr.Code != tt.code {
				t.Errorf("got %d %q %q (%s), want %d %q %q", apiErr.StatusCode, apiErr.Type, apiErr.Code, apiErr.Message, tt.status, tt.typ, tt.code)
			}
			if apiErr.Message == "" {
				t.Error("empty message")
			}
		})
	}
	if st := s.Stats(); st.ByStatus[401] != 1 || st.ByStatus[404] != 1 || st.ByStatus[400] != 1 || st.Completed != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestRawErrors(t *testing.T) {
	s := NewT(t, Config{Model: "gpt-4o-mini", APIKey: testKey})
	without := func(key string) map[string]any {
		b := rawBody(t, "gpt-4o-mini", paperText, "x")
		delete(b, key)
		return b
	}
	tests := []struct {
		name   string
		key    string
		body   any
		status int
		param  string
		code   string
		msg    string
	}{
		{"not json", testKey, []byte("model=gpt"), 400, "<null>", "<null>", "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)"},
		{"missing messages", testKey, without("messages"), 400, "messages", "missing_required_parameter", "Missing required parameter: 'messages'."},
		{"missing response_format", testKey, without("response_format"), 400, "response_format", "missing_required_parameter", ""},
		{"missing key", "", rawBody(t, "gpt-4o-mini", paperText, "x"), 401, "<null>", "invalid_api_key", ""},
		{"model not found", testKey, rawBody(t, "gpt-x", paperText, "x"), 404, "<null>", "model_not_found", "The model `gpt-x` does not exist or you do not have access to it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(t, s, tt.key, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			e := decodeError(t, resp, body)
			if deref(e.Error.Param) != tt.param || deref(e.Error.Code) != tt.code {
				t.Errorf("param/code = %s/%s, want %s/%s", deref(e.Error.Param), deref(e.Error.Code), tt.param, tt.code)
			}
			if tt.msg != "" && e.Error.Message != tt.msg {
				t.Errorf("message = %q, want %q", e.Error.Message, tt.msg)
			}
		})
	}
	t.Run("unknown path", func(t *testing.T) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+"/models", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("status = %d, want 404", resp.StatusCode)
		}
	})
	// A base URL without /v1, as OpenAI answers it.
	t.Run("without /v1", func(t *testing.T) {
		root := strings.TrimSuffix(s.URL, "/v1")
		c := openai.NewClient(option.WithBaseURL(root+"/"), option.WithAPIKey(testKey), option.WithMaxRetries(0))
		_, err := c.Chat.Completions.New(t.Context(), contractParams("gpt-4o-mini", "sys", paperText, "x"))
		var e *openai.Error
		if !errors.As(err, &e) || e.StatusCode != 404 || e.Code != "unknown_url" ||
			e.Message != "Unknown request URL: POST /chat/completions. Please check the URL for typos, or see the docs at https://platform.openai.com/docs/api-reference/." {
			t.Errorf("err %v: code %q message %q", err, e.Code, e.Message)
		}
	})
}
