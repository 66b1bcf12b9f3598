package fakeopenai_test

import (
	"context"
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

func Example() {
	s := fakeopenai.New(fakeopenai.Config{Model: "gpt-4o-mini", APIKey: "sk-test", RPM: 3000, TPM: 1_000_000})
	defer s.Close() // in tests: fakeopenai.NewT(t, cfg)

	client := openai.NewClient(option.WithBaseURL(s.URL), option.WithAPIKey("sk-test"), option.WithMaxRetries(0))
	topic := map[string]any{
		"type": "object", "additionalProperties": false, "required": []string{"relevance", "reason"},
		"properties": map[string]any{
			"relevance": map[string]any{"type": "number", "description": "0 to 1"},
			"reason":    map[string]any{"type": "string", "description": "one sentence"},
		},
	}
	schema := map[string]any{
		"type": "object", "additionalProperties": false, "required": []string{"topics"},
		"properties": map[string]any{"topics": map[string]any{
			"type": "object", "additionalProperties": false, "required": []string{"quantum error correction"},
			"properties": map[string]any{"quantum error correction": topic},
		}},
	}
	resp, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("Judge the paper against each topic."),
			openai.UserMessage("Title: Quantum error correction with surface codes\nCategories: quant-ph\nAbstract: …"),
		},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "paper_relevance", Strict: openai.Bool(true), Schema: schema},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Choices[0].Message.Content)
	st := s.Stats()
	fmt.Println(st.Completed, st.Papers["Title: Quantum error correction with surface codes"])
	// Output:
	// {"topics":{"quantum error correction":{"relevance":0.95,"reason":"Mentions quantum error correction."}}}
	// 1 1
}
