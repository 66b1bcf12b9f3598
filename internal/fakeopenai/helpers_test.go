package fakeopenai

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/param"
	"github.com/openai/openai-go/v3/shared"
)

const testKey = "sk-test-0123456789abcdef"

// topicSchema is the contract's strict schema for topics.
func topicSchema(topics ...string) map[string]any {
	props := map[string]any{}
	for _, t := range topics {
		props[t] = map[string]any{
			"type": "object", "additionalProperties": false, "required": []string{"relevance", "reason"},
			"properties": map[string]any{
				"relevance": map[string]any{"type": "number", "description": "0 to 1"},
				"reason":    map[string]any{"type": "string", "description": "one sentence"},
			},
		}
	}
	return map[string]any{
		"type": "object", "additionalProperties": false, "required": []string{"topics"},
		"properties": map[string]any{"topics": map[string]any{
			"type": "object", "additionalProperties": false, "required": topics, "properties": props,
		}},
	}
}

// contractParams is a request as classify sends it through openai-go.
func contractParams(model, system, user string, topics ...string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(system), openai.UserMessage(user)},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "paper_relevance", Strict: openai.Bool(true), Schema: topicSchema(topics...)},
		}},
		MaxCompletionTokens: openai.Int(400),
	}
}

// rawBody is the same request as raw JSON, for tests that need to break it.
func rawBody(t testing.TB, model, user string, topics ...string) map[string]any {
	t.Helper()
	return map[string]any{
		"model": model,
		"messages": []map[string]any{
			{"role": "system", "content": "You judge papers against topics."},
			{"role": "user", "content": user},
		},
		"response_format": map[string]any{"type": "json_schema", "json_schema": map[string]any{
			"name": "paper_relevance", "strict": true, "schema": topicSchema(topics...),
		}},
	}
}

func newClient(s *Server, key string) *openai.Client {
	c := openai.NewClient(option.WithBaseURL(s.URL), option.WithAPIKey(key), option.WithMaxRetries(0))
	return &c
}

// post sends body (a value to marshal, or raw []byte) to the chat endpoint.
func post(t testing.TB, s *Server, key string, body any) (*http.Response, []byte) {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/chat/completions", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

type errorBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// decodeError checks an error answer's shape and returns its body.
func decodeError(t testing.TB, resp *http.Response, body []byte) errorBody {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content-type = %q, want application/json", ct)
	}
	if id := resp.Header.Get("x-request-id"); !strings.HasPrefix(id, "req_") {
		t.Errorf("x-request-id = %q, want req_…", id)
	}
	var generic map[string]map[string]any
	if err := json.Unmarshal(body, &generic); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	for _, k := range []string{"message", "type", "param", "code"} {
		if _, ok := generic["error"][k]; !ok {
			t.Errorf("error body %s lacks error.%s", body, k)
		}
	}
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// parseAnswer decodes a completion's content.
func parseAnswer(t testing.TB, content string) map[string]struct {
	Relevance float64 `json:"relevance"`
	Reason    string  `json:"reason"`
} {
	t.Helper()
	var a struct {
		Topics map[string]struct {
			Relevance float64 `json:"relevance"`
			Reason    string  `json:"reason"`
		} `json:"topics"`
	}
	dec := json.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("answer %q: %v", content, err)
	}
	return a.Topics
}

func paramInt(n int64) param.Opt[int64] { return openai.Int(n) }
