package classify

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// Task is one kind of model work: relevance judging (Relevance), a TL;DR
// (TLDR), ... A task turns one input into a request and reads the answer
// to it; the Engine does everything else, the same for every task: the
// bound on requests in flight, pacing, retries, the budget, the grace
// period, redaction. A new task is one file: its instructions, its schema,
// how it reads an answer, and the cache key its caller stores answers by.
type Task[In, Out any] interface {
	// Name names the task in logs ("relevance", "tldr").
	Name() string
	// Request builds the request for in. An error fails in's job without
	// a request (the input cannot be asked about).
	Request(in In) (Request, error)
	// Parse validates the content of an answer to in's request (JSON
	// matching the request's schema) and returns what it means. An error
	// makes the answer invalid: it is retried once, then the job fails.
	// The content is redacted before Parse sees it.
	Parse(in In, content string) (Out, error)
}

// Request is what one job asks of the model: one Chat Completions request
// with a system and a user message and a strict JSON-schema answer.
type Request struct {
	// ID names the request in logs and errors (a paper's id).
	ID string
	// Instructions is the system message. It should be the same for every
	// input of a run of the task, so that providers' prompt caching applies.
	Instructions string
	// Input is the user message: the data to work on.
	Input string
	// SchemaName and Schema are response_format.json_schema: the answer's
	// strict schema (every object closed, every property required), as
	// JSON. A task makes it once (schemaJSON), not once per request.
	SchemaName string
	Schema     json.RawMessage
	// MaxTokens caps the answer. Reasoning models get
	// ReasoningAllowance more, since their reasoning counts here.
	MaxTokens int
}

// ReasoningAllowance is added to a request's MaxTokens for reasoning
// models (gpt-5*, o-series), whose reasoning tokens count as completion
// tokens.
const ReasoningAllowance = 4000

// Result is what became of one input.
type Result[In, Out any] struct {
	Input In
	// Status is judged (answered: Value holds the answer), failed (tried,
	// could not be answered) or skipped (never tried).
	Status model.Status
	Value  Out
	// Err says why, when failed or skipped: errors.Is(err, ErrBudget),
	// errors.Is(err, ErrInvalidAnswer), errors.Is(err, ErrAnswerTooLarge),
	// errors.Is(err, ErrRateLimitPatience), a *FatalError, a *StatusError,
	// context.Canceled ...
	Err error
	// Usage counts the tokens of every attempt, invalid answers included
	// (they were paid for).
	Usage    model.Usage
	Attempts int
}

// Run runs task on every input through e with at most Concurrency requests
// in flight, and calls onResult exactly once per input, never
// concurrently, as each one ends. It returns nil, a *FatalError (the run
// was stopped: inputs not yet tried are reported skipped with it),
// ctx.Err() when ctx was cancelled (untried inputs are reported skipped),
// an error wrapping ErrBudget when the engine's cost budget stopped it, or
// an error wrapping ErrRateLimitPatience when the server asked to wait
// (429/503 with retry-after) longer than what is left of the engine's
// Options.MaxRateLimitWait (in both cases untried inputs are reported
// skipped with it; the input whose attempt got that answer fails with it).
// The budget and the patience are the engine's: a second Run on the same
// engine starts with what the first left. A stop takes effect while the
// attempt that caused it still holds its slot: after it, nothing is sent
// but the attempts already in flight. When ctx is cancelled no new attempt
// starts; attempts in flight get Options.Grace to finish.
//
// A 400 about one request's own text (context_length_exceeded,
// string_above_max_length, invalid_prompt, a param under messages, or a
// message saying the context length was exceeded) fails that input only,
// with a *StatusError, and the run goes on; any other 400 is fatal. A
// fatal 404 about the URL (unknown_url) asks "does llm.base_url end in
// /v1?" (FatalError.Hint). An invalid answer (not JSON, not matching the
// task's Parse, refused, truncated) is retried once; a transient error
// (408, 409, 429 and 5xx without a wait, a timeout, a dropped connection)
// is retried up to Options.MaxRetries times with jittered backoff; a wait
// the server asks for is honoured and is not a retry.
//
// No response body is read past Options.MaxResponseBytes: an answer that
// long fails its input with ErrAnswerTooLarge (not retried: no conforming
// server sends one, and what it cost cannot be read); an error body that
// long is judged by its status alone.
//
// Whatever the server said (error messages, codes, types, request ids,
// refusals, the content of answers) is redacted before it is reported,
// parsed or logged: the API key, and anything shaped like a key
// (internal/redact), never reaches a Result, an error or a log line.
func Run[In, Out any](ctx context.Context, e *Engine, task Task[In, Out], inputs []In, onResult func(Result[In, Out])) error {
	jobs := make([]job, len(inputs))
	for i, in := range inputs {
		jobs[i] = job{
			request: func() (Request, error) { return task.Request(in) },
			parse:   func(content string) (any, error) { return task.Parse(in, content) },
		}
	}
	return e.run(ctx, task.Name(), jobs, func(i int, end jobEnd) {
		res := Result[In, Out]{Input: inputs[i], Status: end.status, Err: end.err, Usage: end.usage, Attempts: end.attempts}
		if end.status == model.StatusJudged {
			res.Value = end.value.(Out)
		}
		onResult(res)
	})
}

// job is one input's work as the engine sees it, whatever the task.
type job struct {
	request func() (Request, error)
	parse   func(content string) (any, error)
}

// jobEnd is how a job ended.
type jobEnd struct {
	status   model.Status
	value    any
	err      error
	usage    model.Usage
	attempts int
}

// schemaJSON is a schema built of maps, slices and strings, as JSON.
func schemaJSON(schema map[string]any) json.RawMessage {
	b, err := json.Marshal(schema)
	if err != nil {
		panic(fmt.Sprintf("classify: a schema that is not JSON: %v", err)) // built by code, never by input
	}
	return b
}
