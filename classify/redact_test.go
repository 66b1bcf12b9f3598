package classify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/redact"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// syncBuffer is a log sink for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServerTextIsRedacted: a server that echoes the bearer key it received
// (some proxies and older servers do) in an error message, a code, a
// request id, a refusal, a reason or a topic name gets it into no error,
// result or log line.
func TestServerTextIsRedacted(t *testing.T) {
	const key = "sk-test-ECHOED-0a1b2c3d4e5f6a7b"
	echo := func(r *apiReq) string { return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") }
	tests := []struct {
		name   string
		rep    reply
		status model.Status
		fatal  bool
	}{
		{"401 message", func(w http.ResponseWriter, r *apiReq) {
			writeError(w, 401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided: "+echo(r)+".", nil)
		}, model.StatusFailed, true},
		{"400 Bearer echo", func(w http.ResponseWriter, r *apiReq) {
			writeError(w, 400, "invalid_request_error", "", "Bad header Authorization: "+r.Header.Get("Authorization"), nil)
		}, model.StatusFailed, true},
		{"500 code, type and request id", func(w http.ResponseWriter, r *apiReq) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("x-request-id", "req_"+echo(r))
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"error":{"message":"upstream refused Bearer %s","type":"proxy_%s","param":null,"code":"key_%s"}}`, echo(r), echo(r), echo(r))
		}, model.StatusFailed, false},
		{"refusal", func(w http.ResponseWriter, r *apiReq) {
			ref := "I cannot use the key " + echo(r)
			writeCompletion(w, nil, &ref, "stop", stdUsage, nil)
		}, model.StatusFailed, false},
		{"unexpected topic", func(w http.ResponseWriter, r *apiReq) {
			c := scoresJSON(append(r.Topics, echo(r)), 0.5)
			writeCompletion(w, &c, nil, "stop", stdUsage, nil)
		}, model.StatusFailed, false},
		{"relevance", func(w http.ResponseWriter, r *apiReq) {
			c := `{"topics":{"LLM agents":{"relevance":"` + r.Header.Get("Authorization") + `","reason":"x"},"speech":{"relevance":0.1,"reason":"y"}}}`
			writeCompletion(w, &c, nil, "stop", stdUsage, nil)
		}, model.StatusFailed, false},
		{"reason", func(w http.ResponseWriter, r *apiReq) {
			c := strings.ReplaceAll(scoresJSON(r.Topics, 0.5), "Because", "Because of "+echo(r)+" and")
			writeCompletion(w, &c, nil, "stop", stdUsage, nil)
		}, model.StatusJudged, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeAPI(t, func(r *apiReq) reply {
				if echo(r) != key {
					t.Errorf("the fake got the key %q", echo(r))
				}
				return tt.rep
			})
			var logs syncBuffer
			e := newTestEngine(t, f, func(o *Options) {
				o.APIKey = key
				o.Concurrency = 1
				o.MaxRetries = 1
				o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			})
			got, err := runAll(t, context.Background(), e, testJobs(2))
			var fe *FatalError
			if tt.fatal != errors.As(err, &fe) {
				t.Fatalf("Run: %v, want fatal %v", err, tt.fatal)
			}
			text := logs.String()
			if err != nil {
				text += err.Error() + fmt.Sprintf("%+v %#v", err, fe)
			}
			for id, r := range got {
				if r.Attempts > 0 && r.Status != tt.status {
					t.Errorf("%s: status %s (%v), want %s", id, r.Status, r.Err, tt.status)
				}
			}
			for _, r := range got {
				if r.Err != nil {
					text += r.Err.Error() + "\n"
					var se *StatusError
					if errors.As(r.Err, &se) {
						text += fmt.Sprintf("%+v\n", *se)
					}
				}
				for _, s := range r.Value {
					text += s.Reason + "\n"
				}
			}
			if strings.Contains(text, key) || strings.Contains(text, key[8:]) {
				t.Errorf("the key got through:\n%s", text)
			}
			if !strings.Contains(text, redact.Mask) {
				t.Errorf("nothing was redacted (did the server text get through at all?):\n%s", text)
			}
		})
	}
}
