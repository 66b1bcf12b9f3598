package classify

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/redact"
	"github.com/arxiv-digest/arxiv-digest/internal/wait"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// apiFailure is an error answer as the server gave it: its status, the
// fields of its OpenAI-shaped body (empty when it had none) and headers.
type apiFailure struct {
	status                int
	code, typ, param, msg string
	header                http.Header
}

// classifyStatus sorts an HTTP error: fatal, wait as asked, back off, or
// give up on this job. Everything the server said is redacted here, where
// it enters the program, before it is cut.
func classifyStatus(out outcome, f apiFailure, red *redact.Redactor) outcome {
	code, typ, param := red.String(f.code), red.String(f.typ), red.String(f.param)
	if _, err := strconv.Atoi(code); err == nil {
		code = "" // vLLM repeats the HTTP status as the code
	}
	full := model.NormalizeSpace(red.String(f.msg))
	msg := truncate(full, 300)
	asked, hasWait := wait.RetryAfter(f.header, time.Now())
	status := f.status
	switch {
	case status == http.StatusTooManyRequests && (code == "insufficient_quota" || typ == "insufficient_quota"),
		status == http.StatusBadRequest && !perRequest400(code, typ, param, full),
		status == http.StatusUnauthorized,
		status == http.StatusForbidden, status == http.StatusNotFound,
		status == http.StatusUnprocessableEntity:
		fe := &FatalError{StatusCode: status, Code: code, Param: param, Message: msg}
		if status == http.StatusNotFound && wrongURL(code, full) {
			fe.Hint = "does llm.base_url end in /v1?"
		}
		if fe.Code == "" {
			fe.Code = typ
		}
		out.kind, out.err = kindFatal, fe
		return out
	}
	se := &StatusError{StatusCode: status, Code: code, Type: typ, Param: param, Message: msg, RetryAfter: asked}
	if f.header != nil {
		se.RequestID = red.String(f.header.Get("x-request-id"))
	}
	out.err = se
	switch {
	case (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && hasWait:
		out.kind, out.wait = kindWait, asked
	case status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooManyRequests, status >= 500:
		out.kind = kindTransient
	default:
		out.kind = kindReject
	}
	return out
}

// wrongURL reports whether a 404 is about the URL rather than the model:
// OpenAI's unknown_url (a base URL without /v1), its "Invalid URL (POST
// /v1/chat/completions/chat/completions)" (a base URL with the path in it),
// or a router's bare "Not Found" (vLLM and others without /v1).
func wrongURL(code, msg string) bool {
	return code == "unknown_url" || strings.HasPrefix(msg, "Invalid URL (") ||
		strings.HasPrefix(msg, "Unknown request URL") || msg == "Not Found"
}

// perRequest400 reports whether a 400 is about this request's own text (a
// paper too long for the model's context, a flagged text): then only its
// job fails. Any other 400 is about what every request sends (the schema,
// the model, a parameter) or unexplained, and stops the run: a server
// without strict JSON schema support stops it at the first answer instead
// of failing thousands of papers one by one.
func perRequest400(code, typ, param, msg string) bool {
	switch code {
	case "context_length_exceeded", "string_above_max_length", "invalid_prompt":
		return true
	case "invalid_json_schema", "unsupported_parameter", "unsupported_value", "model_not_found":
		return false
	}
	if typ == "exceed_context_size_error" { // llama.cpp
		return true
	}
	switch p := strings.ToLower(param); {
	case p == "messages", strings.HasPrefix(p, "messages["), strings.HasPrefix(p, "messages."):
		return true
	case p != "":
		return false // a parameter every request sends
	}
	// Servers that give no code (vLLM, TGI, llama.cpp) still say it.
	return contextExceeded.MatchString(msg)
}

// contextExceeded matches the messages of OpenAI-compatible servers that
// say a request does not fit the model's context.
var contextExceeded = regexp.MustCompile(`(?i)` + strings.Join([]string{
	`maximum context length`,                     // OpenAI, vLLM
	`context[ _-]?(length|window|size)`,          // "exceeds the available context size" (llama.cpp)
	`(prompt|input|messages?) (is|are) too long`, // Anthropic-compatible gateways
	`maximum (number of )?tokens`,
	`too many (input |prompt )?tokens`,
	"`?inputs`? tokens \\+", // TGI: "`inputs` tokens + `max_new_tokens` must be <= 4096"
}, "|"))

// otherErrorBody reads the fields of an error body that is not in OpenAI's
// {"error":{...}} shape: the top-level object of older vLLM versions,
// {"error":"text"} or FastAPI's {"detail":"text"}. It returns f unchanged
// when the body says nothing it can read. The body was read whole (under
// the cap) by the client, which put it back.
func otherErrorBody(f apiFailure, body io.Reader) apiFailure {
	if body == nil {
		return f
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return f
	}
	var b struct {
		Message json.RawMessage `json:"message"`
		Type    json.RawMessage `json:"type"`
		Param   json.RawMessage `json:"param"`
		Code    json.RawMessage `json:"code"`
		Error   json.RawMessage `json:"error"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(data, &b) != nil {
		return f
	}
	for _, m := range []json.RawMessage{b.Message, b.Error, b.Detail} {
		if s := jsonString(m); s != "" {
			f.msg = s
			f.code, f.typ, f.param = jsonString(b.Code), jsonString(b.Type), jsonString(b.Param)
			return f
		}
	}
	return f
}

// jsonString is a JSON string's value, or "" for anything else.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
