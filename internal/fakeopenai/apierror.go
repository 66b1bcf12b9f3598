package fakeopenai

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// apiError is the body of every error answer, in OpenAI's shape:
// {"error":{"message":…,"type":…,"param":…,"code":…}} with null param and
// code when they are empty.
type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// WriteError writes an error answer in OpenAI's shape with the given
// status, type, code and message (empty code -> null), a JSON content type
// and an x-request-id. Handler hooks use it for scripted failures.
func WriteError(w http.ResponseWriter, status int, typ, code, message string) {
	writeError(w, status, apiError{Message: message, Type: typ, Code: optional(code)})
}

func writeError(w http.ResponseWriter, status int, e apiError) {
	body, err := json.Marshal(struct {
		Error apiError `json:"error"`
	}{e})
	if err != nil { // cannot happen: strings only
		panic(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if h.Get("x-request-id") == "" {
		h.Set("x-request-id", newRequestID())
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// newRequestID returns an id like OpenAI's "req_" + 32 hex digits.
func newRequestID() string {
	return fmt.Sprintf("req_%016x%016x", rand.Uint64(), rand.Uint64())
}

// WriteRateLimited writes a 429 rate_limit_exceeded answer on requests per
// minute for model, asking the client to retry after after (retry-after-ms
// and retry-after headers).
func WriteRateLimited(w http.ResponseWriter, model string, after time.Duration) {
	setRetryAfter(w.Header(), after)
	writeError(w, http.StatusTooManyRequests, rateLimitError(model, "requests", 3000, 3000, 1, after))
}

// WriteInsufficientQuota writes OpenAI's 429 insufficient_quota answer,
// which carries no retry-after: retrying does not help.
func WriteInsufficientQuota(w http.ResponseWriter) {
	writeError(w, http.StatusTooManyRequests, apiError{
		Message: "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
		Type:    "insufficient_quota",
		Code:    optional("insufficient_quota"),
	})
}

// WriteServerError writes OpenAI's 500 server_error answer.
func WriteServerError(w http.ResponseWriter) {
	writeError(w, http.StatusInternalServerError, apiError{
		Message: "The server had an error while processing your request. Sorry about that!",
		Type:    "server_error",
	})
}

// WriteOverloaded writes OpenAI's 503 answer with retry-after: 1.
func WriteOverloaded(w http.ResponseWriter) {
	w.Header().Set("retry-after", "1")
	writeError(w, http.StatusServiceUnavailable, apiError{
		Message: "The engine is currently overloaded, please try again later.",
		Type:    "server_error",
	})
}

func setRetryAfter(h http.Header, after time.Duration) {
	ms := ceilMS(after).Milliseconds()
	if ms < 1 {
		ms = 1
	}
	h.Set("retry-after-ms", strconv.FormatInt(ms, 10))
	h.Set("retry-after", strconv.FormatInt((ms+999)/1000, 10))
}

func rateLimitError(model, kind string, limit, used, requested int, after time.Duration) apiError {
	abbr := "RPM"
	if kind == "tokens" {
		abbr = "TPM"
	}
	return apiError{
		Message: fmt.Sprintf("Rate limit reached for %s in organization org-fake on %s per min (%s): Limit %d, Used %d, Requested %d. Please try again in %s. Visit https://platform.openai.com/account/rate-limits to learn more.",
			model, kind, abbr, limit, used, requested, formatReset(after)),
		Type: kind,
		Code: optional("rate_limit_exceeded"),
	}
}

func tooLargeError(model string, limit, requested int) apiError {
	return apiError{
		Message: fmt.Sprintf("Request too large for %s in organization org-fake on tokens per min (TPM): Limit %d, Requested %d. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.",
			model, limit, requested),
		Type: "tokens",
		Code: optional("rate_limit_exceeded"),
	}
}

// invalidRequest is a 400 invalid_request_error.
func invalidRequest(param, code, format string, args ...any) apiError {
	return apiError{Message: fmt.Sprintf(format, args...), Type: "invalid_request_error", Param: optional(param), Code: optional(code)}
}
