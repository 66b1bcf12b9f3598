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
	kindReject         // this job cannot succeed: a 4xx about this request, an answer over the size cap
	kindCanceled       // the run's requests were cancelled (grace over)
)

type outcome struct {
	kind   kind
	value  any // kindOK: what the task's Parse made of the answer
	usage  model.Usage
	err    error
	wait   time.Duration // kindWait: what the server asked
	unpaid bool          // kindWait: the run's patience could not pay for it (the run was stopped)
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
func (r *run) attempt(params openai.ChatCompletionNewParams, parse func(string) (any, error), tokens int) outcome {
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
		return r.e.answer(out, raw, parse)
	}
	out = r.failure(out, err, resp, timedOut)
	// Halt or pause while the caller still holds the slot, so that no
	// other attempt starts in between.
	switch out.kind {
	case kindFatal:
		r.halt(out.err)
	case kindWait:
		if _, paid := r.pace.pause(out.wait+jitter(out.wait), r.patience); !paid {
			// Not waiting as asked and sending on would only earn more
			// refusals: stop the run, as the budget does.
			stop := r.patienceErr(out.wait)
			r.halt(stop)
			out.unpaid, out.err = true, fmt.Errorf("%w: %w", stop, out.err)
		}
	}
	return out
}

// failure classifies an attempt that returned an error.
func (r *run) failure(out outcome, err error, resp *http.Response, timedOut bool) outcome {
	var apiErr *openai.Error
	switch {
	case errors.As(err, &apiErr):
		f := apiFailure{status: apiErr.StatusCode, code: apiErr.Code, typ: apiErr.Type, param: apiErr.Param, msg: apiErr.Message}
		if apiErr.Response != nil {
			f.header = apiErr.Response.Header
			if f.msg == "" {
				f = otherErrorBody(f, apiErr.Response.Body)
			}
		}
		return classifyStatus(out, f, r.e.red)
	case errors.Is(err, ErrAnswerTooLarge) && resp != nil && resp.StatusCode >= 400:
		// An error body too large to read: the status and headers decide.
		msg := fmt.Sprintf("%s (error body not read: it passed the %s cap)", http.StatusText(resp.StatusCode), sizeText(r.e.opts.MaxResponseBytes))
		return classifyStatus(out, apiFailure{status: resp.StatusCode, msg: msg, header: resp.Header}, r.e.red)
	case errors.Is(err, ErrAnswerTooLarge):
		// No conforming server sends it (max_completion_tokens bounds an
		// answer), so a retry would only fetch another; and its usage
		// could not be read, so a retry might pay twice. The job fails.
		out.kind, out.err = kindReject, errTooLarge(r.e.opts.MaxResponseBytes)
	case resp != nil && resp.StatusCode >= 400:
		// An error body not in OpenAI's shape (a proxy's HTML page): the
		// status and headers still decide.
		f := apiFailure{status: resp.StatusCode, msg: http.StatusText(resp.StatusCode), header: resp.Header}
		return classifyStatus(out, otherErrorBody(f, resp.Body), r.e.red)
	case r.reqs.Err() != nil:
		why := r.ctx.Err()
		if why == nil {
			why = context.Canceled
		}
		out.kind, out.err = kindCanceled, fmt.Errorf("attempt abandoned after the grace period: %w", why)
	case timedOut:
		out.kind, out.err = kindTransient, fmt.Errorf("attempt timed out after %s", r.e.opts.Timeout)
	default:
		// Transport errors may quote what the server sent ("malformed
		// HTTP response ..."): only their redacted text is kept.
		out.kind, out.err = kindTransient, errors.New("request: "+r.e.red.String(err.Error()))
	}
	return out
}

// answer reads a 2xx body: usage first (it was paid for), then the answer.
// The answer's text is the server's: it is redacted before the task's
// Parse sees it, and so are the reasons it was rejected. A live answer and
// a batch output line's response body are read here alike.
func (e *Engine) answer(out outcome, raw []byte, parse func(string) (any, error)) outcome {
	out = e.readAnswer(out, raw, parse)
	if out.err != nil {
		out.err = &redactedError{msg: truncate(e.red.String(out.err.Error()), 300), is: ErrInvalidAnswer}
	}
	return out
}

// readAnswer parses a 2xx body into usage and the task's value, or says
// why it is not a valid answer.
func (e *Engine) readAnswer(out outcome, raw []byte, parse func(string) (any, error)) outcome {
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
		refusal := e.red.String(model.NormalizeSpace(*ch.Message.Refusal)) // before it is cut
		out.err = fmt.Errorf("%w: refused: %s", ErrInvalidAnswer, truncate(refusal, 200))
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
	v, err := parse(e.red.String(*ch.Message.Content))
	if err != nil {
		if !errors.Is(err, ErrInvalidAnswer) {
			err = fmt.Errorf("%w: %w", ErrInvalidAnswer, err)
		}
		out.err = err
		return out
	}
	out.kind, out.value, out.err = kindOK, v, nil
	return out
}

// redactedError is an error rebuilt from redacted text; errors.Is still
// finds the sentinel it was made from. The original text is not kept.
type redactedError struct {
	msg string
	is  error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.is }
