package fakeopenai

import (
	"encoding/json"
	"fmt"
	"strings"
)

// chatRequest is the part of a Chat Completions request the fake reads.
type chatRequest struct {
	Model               *string         `json:"model"`
	Messages            []chatMessage   `json:"messages"`
	ResponseFormat      *responseFormat `json:"response_format"`
	Temperature         *float64        `json:"temperature"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	ReasoningEffort     *string         `json:"reasoning_effort"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type responseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Strict *bool           `json:"strict"`
		Schema json.RawMessage `json:"schema"`
	} `json:"json_schema"`
}

// prompt is a validated request, reduced to what the answer needs.
type prompt struct {
	model     string
	system    string   // the system (or developer) messages' text
	user      string   // the first user message's text
	texts     []string // every message's text, for token counting
	task      string   // taskRelevance or taskTLDR, from the schema
	topics    []string // relevance: from the schema, in its required order
	maxTokens int      // max_completion_tokens (or max_tokens); 0 = none
	effort    string   // reasoning_effort of a reasoning model ("" = the model's default)
}

// paperKey is the key of Stats.Papers: the user message's first line.
func (p prompt) paperKey() string {
	first, _, _ := strings.Cut(p.user, "\n")
	return strings.TrimSpace(first)
}

var validRoles = map[string]bool{"system": true, "developer": true, "user": true, "assistant": true, "tool": true, "function": true}

// parseRequest decodes and validates a request body the way the real API
// would, plus the contract's own requirements (a strict json_schema
// response format whose topics carry relevance and reason). It returns a
// 400 error body when the request is invalid.
func parseRequest(body []byte) (prompt, *apiError) {
	fail := func(e apiError) (prompt, *apiError) { return prompt{}, &e }
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return fail(invalidRequest("", "", "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)"))
	}
	if req.Model == nil || *req.Model == "" {
		return fail(invalidRequest("model", "missing_required_parameter", "Missing required parameter: 'model'."))
	}
	p := prompt{model: *req.Model}
	if req.Messages == nil {
		return fail(invalidRequest("messages", "missing_required_parameter", "Missing required parameter: 'messages'."))
	}
	if len(req.Messages) == 0 {
		return fail(invalidRequest("messages", "empty_array", "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."))
	}
	sawUser := false
	for i, m := range req.Messages {
		if !validRoles[m.Role] {
			return fail(invalidRequest(fmt.Sprintf("messages[%d].role", i), "invalid_value", "Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", m.Role))
		}
		text, ok := contentText(m.Content)
		if !ok {
			return fail(invalidRequest(fmt.Sprintf("messages[%d].content", i), "invalid_type", "Invalid type for 'messages[%d].content': expected one of a string or array of objects, but got %s instead.", i, jsonKind(m.Content)))
		}
		p.texts = append(p.texts, text)
		switch {
		case m.Role == "system" || m.Role == "developer":
			if p.system != "" {
				p.system += "\n"
			}
			p.system += text
		case m.Role == "user" && !sawUser:
			p.user, sawUser = text, true
		}
	}
	if req.ReasoningEffort != nil {
		if !reasoningModel(p.model) {
			return fail(invalidRequest("reasoning_effort", "unsupported_parameter", "Unsupported parameter: 'reasoning_effort' is not supported with this model."))
		}
		switch *req.ReasoningEffort {
		case "minimal", "low", "medium", "high":
			p.effort = *req.ReasoningEffort
		default:
			return fail(invalidRequest("reasoning_effort", "invalid_value", "Invalid value: '%s'. Supported values are: 'minimal', 'low', 'medium', and 'high'.", *req.ReasoningEffort))
		}
	}
	if strings.HasPrefix(p.model, "gpt-5") {
		if req.Temperature != nil && *req.Temperature != 1 {
			return fail(invalidRequest("temperature", "unsupported_value", "Unsupported value: 'temperature' does not support %v with this model. Only the default (1) value is supported.", *req.Temperature))
		}
		if req.MaxTokens != nil {
			return fail(invalidRequest("max_tokens", "unsupported_parameter", "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."))
		}
	}
	switch {
	case req.MaxCompletionTokens != nil:
		p.maxTokens = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		p.maxTokens = *req.MaxTokens
	}
	if p.maxTokens < 0 {
		return fail(invalidRequest("max_completion_tokens", "integer_below_min_value", "Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 1, but got %d instead.", p.maxTokens))
	}
	task, topics, e := parseResponseFormat(req.ResponseFormat)
	if e != nil {
		return prompt{}, e
	}
	p.task, p.topics = task, topics
	return p, nil
}

// reasoningModel reports whether m reasons before it answers (gpt-5*,
// o1/o3/o4*): such models accept reasoning_effort and bill reasoning
// tokens as completion tokens; others reject reasoning_effort.
func reasoningModel(m string) bool {
	m = strings.TrimPrefix(strings.ToLower(m), "openai/")
	return strings.HasPrefix(m, "gpt-5") || len(m) >= 2 && m[0] == 'o' && m[1] >= '1' && m[1] <= '9'
}

// reasoningTokens is what a reasoning model thinks for, in tokens, at an
// effort; 0 for other models.
func reasoningTokens(p prompt) int {
	if !reasoningModel(p.model) {
		return 0
	}
	switch p.effort {
	case "minimal":
		return 0
	case "low":
		return 64
	case "high":
		return 768
	}
	return 256 // medium, the default
}

// contentText returns a message content's text: a string, or the text of
// an array of content parts. null is empty.
func contentText(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", false
	}
	var b strings.Builder
	for _, part := range parts {
		if part.Type == "text" {
			b.WriteString(part.Text)
		}
	}
	return b.String(), true
}

func jsonKind(raw json.RawMessage) string {
	switch s := strings.TrimSpace(string(raw)); {
	case s == "":
		return "nothing"
	case s[0] == '{':
		return "an object"
	case s == "true" || s == "false":
		return "a boolean"
	default:
		return "a number"
	}
}
