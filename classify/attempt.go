package classify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// kind is how one attempt ended, which decides what happens next.
type kind int

const (
	kindOK        kind = iota
	kindInvalid        // a bad answer: retried once
	kindWait           // the server asked to wait (429/503 + retry-after): not a retry
	kindTransient      // 408/409/429/5xx, timeout, connection error: backoff, counted
	kindFatal          // stops the run
	kindReject         // another 4xx: this job cannot succeed
	kindCanceled       // the run's requests were cancelled (grace over)
)

type outcome struct {
	kind   kind
	scores []model.Score
	usage  model.Usage
	err    error
	wait   time.Duration // kindWait: what the server asked
	unpaid bool          // kindWait: the run's patience could not pay for it
}

// wireCompletion is the part of a chat.completion this package reads.
// Pointers tell "absent or null" from empty.
type wireCompletion struct {
	Choices []struct {
		FinishReason string `json:"finish_reason"`
		Message      struct {
			Content *string `json:"content"`
			Refusal *string `json:"refusal"`
		} `json:"message"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens        int64 `json:"prompt_tokens"`
		CompletionTokens    int64 `json:"completion_tokens"`
		PromptTokensDetails *struct {
			CachedTokens int64 `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
	} `json:"usage"`
}

// attempt makes one request (the caller holds a concurrency slot) and
// classifies how it ended.
func (r *run) attempt(params openai.ChatCompletionNewParams, topics []model.Topic, tokens int) outcome {
	n := r.e.inFlight.Add(1)
	for {
		m := r.e.maxInFlight.Load()
		if n <= m || r.e.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	actx, cancel := context.WithTimeout(r.reqs, r.e.opts.Timeout)
	var raw []byte
	var resp *http.Response
	_, err := r.e.client.Chat.Completions.New(actx, params, option.WithResponseInto(&resp), option.WithResponseBodyInto(&raw))
	timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
	cancel()
	r.e.inFlight.Add(-1)

	out := outcome{usage: model.Usage{Requests: 1}}
	if resp != nil {
		r.pace.observe(resp.Header, tokens)
	}
	if err == nil {
		return r.answer(out, raw, topics)
	}
	out = r.failure(out, err, resp, timedOut)
	// Halt or pause while the caller still holds the slot, so that no
	// other attempt starts in between.
	switch out.kind {
	case kindFatal:
		r.halt(out.err)
	case kindWait:
		_, paid := r.pace.pause(out.wait+jitter(out.wait), r.patience)
		out.unpaid = !paid
	}
	return out
}

// failure classifies an attempt that returned an error.
func (r *run) failure(out outcome, err error, resp *http.Response, timedOut bool) outcome {
	var apiErr *openai.Error
	switch {
	case errors.As(err, &apiErr):
		var h http.Header
		if apiErr.Response != nil {
			h = apiErr.Response.Header
		}
		return classifyStatus(out, apiErr.StatusCode, apiErr.Code, apiErr.Type, apiErr.Message, h)
	case resp != nil && resp.StatusCode >= 400:
		// An error body not in OpenAI's shape (a proxy's HTML page): the
		// status and headers still decide.
		return classifyStatus(out, resp.StatusCode, "", "", http.StatusText(resp.StatusCode), resp.Header)
	case r.reqs.Err() != nil:
		why := r.ctx.Err()
		if why == nil {
			why = context.Canceled
		}
		out.kind, out.err = kindCanceled, fmt.Errorf("attempt abandoned after the grace period: %w", why)
	case timedOut:
		out.kind, out.err = kindTransient, fmt.Errorf("attempt timed out after %s", r.e.opts.Timeout)
	default:
		out.kind, out.err = kindTransient, fmt.Errorf("request: %w", err)
	}
	return out
}

// answer reads a 2xx body: usage first (it was paid for), then the answer.
func (r *run) answer(out outcome, raw []byte, topics []model.Topic) outcome {
	out.kind = kindInvalid
	if len(strings.TrimSpace(string(raw))) == 0 {
		out.err = fmt.Errorf("%w: empty response body", ErrInvalidAnswer)
		return out
	}
	var c wireCompletion
	if err := json.Unmarshal(raw, &c); err != nil {
		out.err = fmt.Errorf("%w: response is not a chat completion: %v", ErrInvalidAnswer, err)
		return out
	}
	if u := c.Usage; u != nil {
		out.usage.Prompt, out.usage.Completion = u.PromptTokens, u.CompletionTokens
		if u.PromptTokensDetails != nil {
			out.usage.Cached = u.PromptTokensDetails.CachedTokens
		}
	}
	if len(c.Choices) == 0 {
		out.err = fmt.Errorf("%w: no choices", ErrInvalidAnswer)
		return out
	}
	ch := c.Choices[0]
	switch {
	case ch.Message.Refusal != nil && strings.TrimSpace(*ch.Message.Refusal) != "":
		out.err = fmt.Errorf("%w: refused: %s", ErrInvalidAnswer, truncate(model.NormalizeSpace(*ch.Message.Refusal), 200))
		return out
	case ch.FinishReason == "length":
		out.err = fmt.Errorf("%w: truncated (finish_reason length)", ErrInvalidAnswer)
		return out
	case ch.FinishReason == "content_filter":
		out.err = fmt.Errorf("%w: withheld by the content filter", ErrInvalidAnswer)
		return out
	case ch.Message.Content == nil || strings.TrimSpace(*ch.Message.Content) == "":
		out.err = fmt.Errorf("%w: empty content", ErrInvalidAnswer)
		return out
	}
	scores, err := parseAnswer(*ch.Message.Content, topics)
	if err != nil {
		out.err = err
		return out
	}
	out.kind, out.scores, out.err = kindOK, scores, nil
	return out
}

// classifyStatus sorts an HTTP error: fatal, wait as asked, back off, or
// give up on this job.
func classifyStatus(out outcome, status int, code, typ, msg string, h http.Header) outcome {
	msg = truncate(model.NormalizeSpace(msg), 300)
	wait, hasWait := parseRetryAfter(h, time.Now())
	switch {
	case status == http.StatusTooManyRequests && (code == "insufficient_quota" || typ == "insufficient_quota"),
		status == http.StatusBadRequest, status == http.StatusUnauthorized,
		status == http.StatusForbidden, status == http.StatusNotFound,
		status == http.StatusUnprocessableEntity:
		if code == "" {
			code = typ
		}
		out.kind, out.err = kindFatal, &FatalError{StatusCode: status, Code: code, Message: msg}
		return out
	}
	se := &StatusError{StatusCode: status, Code: code, Type: typ, Message: msg, RetryAfter: wait}
	if h != nil {
		se.RequestID = h.Get("x-request-id")
	}
	out.err = se
	switch {
	case (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && hasWait:
		out.kind, out.wait = kindWait, wait
	case status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooManyRequests, status >= 500:
		out.kind = kindTransient
	default:
		out.kind = kindReject
	}
	return out
}
