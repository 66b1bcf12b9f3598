package fakeopenai

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	chatPath     = "/v1/chat/completions"
	maxBodyBytes = 8 << 20
)

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Drop fault).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	n := s.stats.begin(time.Now())
	w := &statusWriter{ResponseWriter: rw}
	defer func() { s.stats.end(time.Now(), w.status) }()
	w.Header().Set("x-request-id", newRequestID())

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()

	if s.cfg.Handler != nil && s.cfg.Handler(w, r, int(n)) {
		return
	}
	if !s.authorized(r) {
		s.writeUnauthorized(w, r)
		return
	}
	if isBatchAPI(r.URL.Path) {
		s.serveBatchAPI(w, r)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != chatPath {
		writeNotFound(w, r)
		return
	}
	s.stats.chat.Add(1)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		if ctx.Err() != nil {
			s.stats.canceled.Add(1)
			return
		}
		writeError(w, http.StatusBadRequest, invalidRequest("", "", "Could not read the request body: %v", err))
		return
	}
	p, apiErr := parseRequest(body)
	if apiErr != nil {
		writeError(w, http.StatusBadRequest, *apiErr)
		return
	}
	if s.cfg.Model != "" && p.model != s.cfg.Model {
		writeError(w, http.StatusNotFound, invalidRequest("", "model_not_found", "The model `%s` does not exist or you do not have access to it.", p.model))
		return
	}

	tokens := estimate(p)
	d := s.limiter.take(s.cfg.now(), tokens)
	for k, v := range d.headers {
		w.Header()[k] = v
	}
	if !d.ok {
		s.writeRateLimited(w, p, d, tokens)
		return
	}
	s.serveAdmitted(ctx, w, p)
}

// writeNotFound answers a path the API does not serve as OpenAI does: a
// path outside /v1 (a base URL without /v1) gets unknown_url, an unknown
// path under /v1 (a base URL that already holds /chat/completions) gets
// "Invalid URL" with a null code.
func writeNotFound(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		writeError(w, http.StatusNotFound, invalidRequest("", "unknown_url",
			"Unknown request URL: %s %s. Please check the URL for typos, or see the docs at https://platform.openai.com/docs/api-reference/.", r.Method, r.URL.Path))
		return
	}
	writeError(w, http.StatusNotFound, invalidRequest("", "", "Invalid URL (%s %s)", r.Method, r.URL.Path))
}

// fault is the fault drawn for one request.
type fault int

const (
	faultNone fault = iota
	fault500
	faultHang
	faultDrop
	faultInvalidJSON
	faultTruncated
	faultRefusal
	faultMissingTopic
	fault503
)

// drawFault draws each fault in Faults field order; the first hit wins.
func (s *Server) drawFault() fault {
	f := s.currentFaults()
	for _, c := range []struct {
		p float64
		f fault
	}{
		{f.Status500, fault500}, {f.Hang, faultHang}, {f.Drop, faultDrop}, {f.InvalidJSON, faultInvalidJSON},
		{f.Truncated, faultTruncated}, {f.Refusal, faultRefusal}, {f.MissingTopic, faultMissingTopic}, {f.Status503, fault503},
	} {
		if c.p > 0 && s.rng.float() < c.p {
			return c.f
		}
	}
	return faultNone
}

// serveAdmitted answers an admitted request after its service time,
// applying at most one fault.
func (s *Server) serveAdmitted(ctx context.Context, w *statusWriter, p prompt) {
	f := s.drawFault()
	if f == faultHang {
		if sleep(ctx, hangLimit) {
			s.drop(w) // a proxy would give up on us too
		} else {
			s.stats.canceled.Add(1)
		}
		return
	}
	took := s.rng.lognormal(s.cfg.MeanLatency, s.cfg.Sigma)
	if !sleep(ctx, took) {
		s.stats.canceled.Add(1)
		return
	}
	switch f {
	case fault500:
		WriteServerError(w)
	case faultDrop:
		s.drop(w)
	case faultInvalidJSON:
		s.writeCompletion(w, p, answerInvalidJSON, took)
	case faultTruncated:
		s.writeCompletion(w, p, answerTruncated, took)
	case faultRefusal:
		s.writeCompletion(w, p, answerRefusal, took)
	case faultMissingTopic:
		s.writeCompletion(w, p, answerMissingTopic, took)
	case fault503:
		WriteOverloaded(w)
	default:
		s.writeCompletion(w, p, answerNormal, took)
	}
}

// drop closes the connection without writing a response.
func (s *Server) drop(w *statusWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil { // not hijackable (HTTP/2): the closest is an aborted handler
		panic(http.ErrAbortHandler)
	}
	s.stats.dropped.Add(1)
	_ = conn.Close()
}

func (s *Server) writeRateLimited(w http.ResponseWriter, p prompt, d decision, tokens int) {
	if d.tooLarge {
		writeError(w, http.StatusTooManyRequests, tooLargeError(p.model, d.limit, tokens))
		return
	}
	requested := 1
	if d.kind == "tokens" {
		requested = tokens
	}
	setRetryAfter(w.Header(), d.wait)
	writeError(w, http.StatusTooManyRequests, rateLimitError(p.model, d.kind, d.limit, d.used, requested, d.wait))
	s.stats.rateLimited.Add(1)
}

func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.APIKey == "" {
		return true
	}
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && key == s.cfg.APIKey
}

func (s *Server) writeUnauthorized(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || key == "" {
		writeError(w, http.StatusUnauthorized, apiError{
			Message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
			Type:    "invalid_request_error",
			Code:    optional("invalid_api_key"),
		})
		return
	}
	writeError(w, http.StatusUnauthorized, apiError{
		Message: fmt.Sprintf("Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.", maskKey(key)),
		Type:    "invalid_request_error",
		Code:    optional("invalid_api_key"),
	})
}

// maskKey shows a key as OpenAI does: its first and last four characters.
func maskKey(k string) string {
	if len(k) <= 8 {
		return strings.Repeat("*", len(k))
	}
	return k[:4] + strings.Repeat("*", min(len(k)-8, 20)) + k[len(k)-4:]
}
