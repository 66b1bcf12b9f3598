package classify

import (
	"net/http"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/redact"
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
	msg := truncate(model.NormalizeSpace(red.String(f.msg)), 300)
	wait, hasWait := parseRetryAfter(f.header, time.Now())
	status := f.status
	switch {
	case status == http.StatusTooManyRequests && (code == "insufficient_quota" || typ == "insufficient_quota"),
		status == http.StatusBadRequest, status == http.StatusUnauthorized,
		status == http.StatusForbidden, status == http.StatusNotFound,
		status == http.StatusUnprocessableEntity:
		if code == "" {
			code = typ
		}
		out.kind, out.err = kindFatal, &FatalError{StatusCode: status, Code: code, Param: param, Message: msg}
		return out
	}
	se := &StatusError{StatusCode: status, Code: code, Type: typ, Param: param, Message: msg, RetryAfter: wait}
	if f.header != nil {
		se.RequestID = red.String(f.header.Get("x-request-id"))
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
