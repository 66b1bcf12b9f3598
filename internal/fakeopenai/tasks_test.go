package fakeopenai

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"
)

// tldrParams is a TL;DR request as classify's TLDR task sends it.
func tldrParams(model, user string) openai.ChatCompletionNewParams {
	schema := map[string]any{
		"type": "object", "additionalProperties": false, "required": []string{"tldr"},
		"properties": map[string]any{"tldr": map[string]any{"type": "string"}},
	}
	return openai.ChatCompletionNewParams{
		Model:    model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Write a TL;DR."), openai.UserMessage(user)},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "paper_tldr", Strict: openai.Bool(true), Schema: schema},
		}},
		MaxCompletionTokens: openai.Int(200),
	}
}

func TestTLDRContract(t *testing.T) {
	s := NewT(t, Config{})
	c := newClient(s, testKey)
	user := "arXiv paper 2504.00001\n<paper>\nTitle: Error correction for quantum memories\nAbstract:\nWe study surface codes.\n</paper>"
	resp, err := c.Chat.Completions.New(t.Context(), tldrParams("gpt-4o-mini", user))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		TLDR string `json:"tldr"`
	}
	if err := json.Unmarshal([]byte(resp.Choices[0].Message.Content), &got); err != nil || got.TLDR != "This paper studies Error correction for quantum memories." {
		t.Errorf("answer %q (%v)", resp.Choices[0].Message.Content, err)
	}
	st := s.Stats()
	if st.TLDRs["arXiv paper 2504.00001"] != 1 || len(st.Papers) != 0 {
		t.Errorf("TLDRs %v, Papers %v: a TL;DR is counted apart from relevance answers", st.TLDRs, st.Papers)
	}
	// A custom TL;DR, and a schema that is neither contract.
	s = NewT(t, Config{TLDR: func(paper string) string { return "custom" }})
	resp, err = newClient(s, testKey).Chat.Completions.New(t.Context(), tldrParams("gpt-4o-mini", user))
	if err != nil || resp.Choices[0].Message.Content != `{"tldr":"custom"}` {
		t.Errorf("custom TL;DR: %v %v", resp, err)
	}
}

// TestReasoning: like the real API, reasoning_effort is refused for a model
// that does not reason, and a reasoning model bills its reasoning tokens
// as completion tokens.
func TestReasoning(t *testing.T) {
	s := NewT(t, Config{})
	c := newClient(s, testKey)
	params := contractParams("gpt-4o-mini", "You judge papers.", paperText, "Quantum")
	params.ReasoningEffort = shared.ReasoningEffortLow
	_, err := c.Chat.Completions.New(t.Context(), params)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "reasoning_effort" || apiErr.Code != "unsupported_parameter" {
		t.Fatalf("reasoning_effort for gpt-4o-mini: %v", err)
	}

	plain, err := c.Chat.Completions.New(t.Context(), contractParams("gpt-4o-mini", "You judge papers.", paperText, "Quantum"))
	if err != nil || plain.Usage.CompletionTokensDetails.ReasoningTokens != 0 {
		t.Fatalf("gpt-4o-mini: %v, usage %+v", err, plain.Usage)
	}
	for effort, want := range map[shared.ReasoningEffort]int64{"": 256, shared.ReasoningEffortMinimal: 0, shared.ReasoningEffortLow: 64, shared.ReasoningEffortHigh: 768} {
		params := contractParams("gpt-5-mini", "You judge papers.", paperText, "Quantum")
		params.MaxCompletionTokens = openai.Int(4000)
		params.ReasoningEffort = effort
		resp, err := c.Chat.Completions.New(t.Context(), params)
		if err != nil {
			t.Fatalf("gpt-5-mini %q: %v", effort, err)
		}
		u := resp.Usage
		if u.CompletionTokensDetails.ReasoningTokens != want || u.CompletionTokens != plain.Usage.CompletionTokens+want ||
			u.TotalTokens != u.PromptTokens+u.CompletionTokens {
			t.Errorf("gpt-5-mini %q: usage %+v, want %d reasoning tokens on top of %d", effort, u, want, plain.Usage.CompletionTokens)
		}
	}
	// Reasoning counts against max_completion_tokens: a small cap leaves no
	// room for the answer.
	params = contractParams("gpt-5-mini", "You judge papers.", paperText, "Quantum")
	params.MaxCompletionTokens = openai.Int(100)
	resp, err := c.Chat.Completions.New(t.Context(), params)
	if err != nil || resp.Choices[0].FinishReason != "length" {
		t.Errorf("gpt-5-mini with max_completion_tokens 100: %v, finish %q", err, resp.Choices[0].FinishReason)
	}
}
