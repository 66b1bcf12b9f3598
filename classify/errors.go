package classify

import (
	"errors"
	"fmt"
	"time"
)

// ErrBudget is the reason of jobs skipped (or retries refused) because the
// cost budget (Options.MaxCostUSD) would be passed.
var ErrBudget = errors.New("cost budget reached")

// ErrInvalidAnswer wraps every reason a model answer was rejected
// ("invalid answer: topic \"X\" missing").
var ErrInvalidAnswer = errors.New("invalid answer")

// ErrAnswerTooLarge is the reason of a job whose answer was longer than
// Options.MaxResponseBytes ("answer too large: the response body passed
// the 4 MiB cap"). The job is not retried.
var ErrAnswerTooLarge = errors.New("answer too large")

// ErrRateLimitPatience is why a run stopped when the server asked to wait
// (429/503 with retry-after) longer than what was left of the run's total
// patience (Options.MaxRateLimitWait): "rate limit wait over the run's
// patience: server asked to wait 1h0m0s; llm.max_rate_limit_wait is 15m0s".
// Run returns it; the job that got the answer fails with it, the jobs not
// yet tried are skipped with it. Waiting may help: run again later.
var ErrRateLimitPatience = errors.New("rate limit wait over the run's patience")

// FatalError is an API error that no retry can fix and that every other
// request would get too (401/403 bad key, 404 unknown model or URL, 422,
// 429 insufficient_quota, and a 400 about the schema, the model or a
// parameter, or unexplained). It stops the whole run. A 400 about one
// request's own text (context_length_exceeded ...) is a *StatusError that
// fails that job only.
//
// Its fields are the server's, redacted: an API key the server echoed is
// not in them.
type FatalError struct {
	StatusCode int
	Code       string
	Param      string // the request parameter the server blamed, if it said
	Message    string
	// Hint is this program's guess at the cause, when it has one ("does
	// llm.base_url end in /v1?").
	Hint string
}

func (e *FatalError) Error() string {
	msg := fmt.Sprintf("fatal api error: status %d", e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// StatusError is a non-fatal API error (5xx, 408, 409, 429 ...): the
// reason of a job that failed after its retries. Its fields are the
// server's, redacted.
type StatusError struct {
	StatusCode int
	Code       string
	Type       string
	Param      string
	Message    string
	RequestID  string
	// RetryAfter is what the server asked to wait (retry-after-ms or
	// retry-after), zero when it did not say.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("api error: status %d", e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	} else if e.Type != "" {
		msg += " " + e.Type
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}
