package classify

import (
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"
)

// chatParams turns a task's request into the Chat Completions request the
// engine sends, live or as a batch line's body (one builder for both), and
// returns the prompt's length in characters (for token estimates). task
// names the task, for the prompt cache key.
func (e *Engine) chatParams(task string, req Request) (openai.ChatCompletionNewParams, int) {
	o := e.opts
	maxComp := req.MaxTokens
	if reasoningModel(o.Model) {
		maxComp += ReasoningAllowance
	}
	p := openai.ChatCompletionNewParams{
		Model: shared.ChatModel(o.Model),
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(req.Instructions),
			openai.UserMessage(req.Input),
		},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
					Name:   req.SchemaName,
					Strict: openai.Bool(true),
					Schema: req.Schema,
				},
			},
		},
		MaxCompletionTokens: openai.Int(int64(maxComp)),
	}
	if o.Temperature != nil && !reasoningModel(o.Model) {
		p.Temperature = openai.Float(*o.Temperature)
	}
	if o.ReasoningEffort != "" {
		p.ReasoningEffort = shared.ReasoningEffort(o.ReasoningEffort)
	}
	if o.PromptCacheKey {
		p.PromptCacheKey = openai.String(cacheKey(task, req))
	}
	return p, len(req.Instructions) + len(req.Input)
}

// cacheKey is a request's prompt_cache_key: the task and a hash of what
// every request of the task with these instructions begins with (the
// instructions and the schema), so that a day's requests share one key.
func cacheKey(task string, req Request) string {
	return "arxiv-digest-" + task + "-" + hashKey(req.Instructions, req.SchemaName, string(req.Schema))[:16]
}
