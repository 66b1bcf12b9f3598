package fakeopenai

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// completion is a chat.completion object as OpenAI sends it.
type completion struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	Choices           []choice `json:"choices"`
	Usage             usage    `json:"usage"`
	ServiceTier       string   `json:"service_tier"`
	SystemFingerprint string   `json:"system_fingerprint"`
}

type choice struct {
	Index        int             `json:"index"`
	Message      message         `json:"message"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason string          `json:"finish_reason"`
}

type message struct {
	Role        string   `json:"role"`
	Content     *string  `json:"content"`
	Refusal     *string  `json:"refusal"`
	Annotations []string `json:"annotations"`
}

type usage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
		AudioTokens  int `json:"audio_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens          int `json:"reasoning_tokens"`
		AudioTokens              int `json:"audio_tokens"`
		AcceptedPredictionTokens int `json:"accepted_prediction_tokens"`
		RejectedPredictionTokens int `json:"rejected_prediction_tokens"`
	} `json:"completion_tokens_details"`
}

// answerKind is how a 200 answer is shaped.
type answerKind int

const (
	answerNormal answerKind = iota
	answerInvalidJSON
	answerTruncated
	answerRefusal
	answerMissingTopic
)

const (
	invalidJSONContent = `{"topics": {oops`
	refusalText        = "I'm sorry, but I can't help with that request."
)

// buildCompletion builds the 200 answer of kind for p. A normal answer
// longer than max_completion_tokens is cut and finishes with "length", as
// the real API does.
func (s *Server) buildCompletion(p prompt, kind answerKind) completion {
	var content, refusal *string
	finish := "stop"
	text := ""
	switch kind {
	case answerRefusal:
		r := refusalText
		refusal, text = &r, r
	case answerInvalidJSON:
		text = invalidJSONContent
	default:
		text = answerContent(p, s.cfg.Score, s.cfg.TLDR, kind == answerMissingTopic && len(p.topics) > 0)
		if kind == answerTruncated {
			text, finish = text[:len(text)/2], "length"
		}
	}
	// A reasoning model thinks first; its reasoning counts against
	// max_completion_tokens and is billed as completion tokens.
	reasoning := reasoningTokens(p)
	if p.maxTokens > 0 {
		reasoning = min(reasoning, p.maxTokens)
	}
	compTok := completionTokens(text)
	if p.maxTokens > 0 && reasoning+compTok > p.maxTokens && kind != answerRefusal {
		keep := p.maxTokens - reasoning
		text, finish, compTok = text[:min(len(text), keep*4)], "length", keep
	}
	if kind != answerRefusal {
		content = &text
	}
	promptTok := promptTokens(p)
	c := completion{
		ID:                fmt.Sprintf("chatcmpl-fake%016x", rand.Uint64()),
		Object:            "chat.completion",
		Created:           time.Now().Unix(),
		Model:             p.model,
		Choices:           []choice{{Message: message{Role: "assistant", Content: content, Refusal: refusal, Annotations: []string{}}, Logprobs: json.RawMessage("null"), FinishReason: finish}},
		ServiceTier:       "default",
		SystemFingerprint: "fp_fake",
	}
	c.Usage.PromptTokens = promptTok
	c.Usage.CompletionTokens = reasoning + compTok
	c.Usage.CompletionTokensDetails.ReasoningTokens = reasoning
	c.Usage.TotalTokens = promptTok + reasoning + compTok
	c.Usage.PromptTokensDetails.CachedTokens = s.cache.cached(p, promptTok)
	return c
}

// writeCompletion writes a 200 answer and bills it.
func (s *Server) writeCompletion(w http.ResponseWriter, p prompt, kind answerKind, took time.Duration) {
	c := s.buildCompletion(p, kind)
	body, err := json.Marshal(c)
	if err != nil { // cannot happen: plain structs
		panic(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("openai-processing-ms", strconv.FormatInt(took.Milliseconds(), 10))
	h.Set("openai-version", "2020-10-01")
	h.Set("openai-organization", "org-fake")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(body, '\n'))
	s.stats.billed(p.task, p.paperKey(), c.Usage)
}
