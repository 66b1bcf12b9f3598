package classify

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tiktoken-go/tokenizer"
)

// Counting a request's input tokens offline, before it is sent, the way
// OpenAI's cookbook counts chat messages ("How to count tokens with
// tiktoken"): each message costs its role's and its content's tokens plus
// 3, and every reply is primed with 3 more. The strict JSON schema of
// response_format costs input tokens too, in a rendering OpenAI does not
// document: it is counted as the tokens of its name and its JSON text, an
// estimate (about 100 tokens of a relevance request's 700 with two topics).

// Per-message and per-reply overheads of the chat format (OpenAI cookbook,
// for gpt-4o and later models).
const (
	tokensPerMessage = 3
	tokensPerReply   = 3
)

// Tokenizer counts a model's tokens: with the model's real tokenizer
// (o200k_base, embedded, for the gpt-4o, gpt-4.1, gpt-5 and o-series
// families) when this package knows it, else as bytes/4, which Exact says.
type Tokenizer struct {
	codec tokenizer.Codec
	name  string
}

// NewTokenizer returns the tokenizer of llmModel ("gpt-5-mini",
// "openai/gpt-4.1-mini-2025-04-14"); other models get the bytes/4 estimate.
func NewTokenizer(llmModel string) Tokenizer {
	m := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(llmModel)), "openai/")
	for _, family := range []string{"gpt-5", "gpt-4.1", "gpt-4o", "chatgpt-4o", "o1", "o3", "o4"} {
		if m == family || strings.HasPrefix(m, family+"-") {
			c, err := tokenizer.Get(tokenizer.O200kBase)
			if err != nil { // the vocabulary is compiled in: cannot happen
				break
			}
			return Tokenizer{codec: c, name: "o200k_base"}
		}
	}
	return Tokenizer{name: "bytes/4 estimate"}
}

// Name is "o200k_base", or "bytes/4 estimate" when the model's tokenizer
// is unknown.
func (t Tokenizer) Name() string { return t.name }

// Exact reports whether counts come from the model's real tokenizer.
func (t Tokenizer) Exact() bool { return t.codec != nil }

// Count is the number of tokens in s.
func (t Tokenizer) Count(s string) int {
	if t.codec == nil {
		return (len(s) + 3) / 4
	}
	n, err := t.codec.Count(s)
	if err != nil { // only in strict mode, which is not set
		return (len(s) + 3) / 4
	}
	return n
}

// Messages counts chat messages (role, content pairs) as the API does,
// the reply's priming included.
func (t Tokenizer) Messages(msgs ...[2]string) int {
	n := tokensPerReply
	for _, m := range msgs {
		n += tokensPerMessage + t.Count(m[0]) + t.Count(m[1])
	}
	return n
}

// RequestTokens counts the input tokens of req as the engine sends it: the
// system and user messages and the response format's schema (see above).
func (t Tokenizer) RequestTokens(req Request) int {
	return t.Messages([2]string{"system", req.Instructions}, [2]string{"user", req.Input}) +
		t.Count(req.SchemaName) + t.Count(string(req.Schema))
}

// BodyTokens counts the input tokens of a Chat Completions request body
// as RequestTokens counts a Request: what a server received, for checking
// an estimate against the prompts a run really sent.
func (t Tokenizer) BodyTokens(body []byte) (int, error) {
	var req struct {
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		ResponseFormat struct {
			JSONSchema struct {
				Name   string          `json:"name"`
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return 0, fmt.Errorf("count tokens of a request body: %w", err)
	}
	msgs := make([][2]string, len(req.Messages))
	for i, m := range req.Messages {
		msgs[i] = [2]string{m.Role, m.Content}
	}
	return t.Messages(msgs...) + t.Count(req.ResponseFormat.JSONSchema.Name) + t.Count(string(req.ResponseFormat.JSONSchema.Schema)), nil
}
