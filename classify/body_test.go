package classify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// aboutPaper reports whether a request asks about paper id, leaving its
// body for the fake's own handler.
func aboutPaper(r *http.Request, id string) bool {
	data, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(data))
	return bytes.Contains(data, []byte("arXiv paper "+id+`\n`))
}

// giantServer answers every request about paper victim with write (which
// returns the bytes it wrote), and the others normally. The bytes written
// for the victim arrive on the returned channel, one value per request.
func giantServer(t *testing.T, victim string, write func(w http.ResponseWriter) int64) (*fakeopenai.Server, chan int64) {
	written := make(chan int64, 10)
	srv := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		if !aboutPaper(r, victim) {
			return false
		}
		written <- write(w)
		return true
	}})
	return srv, written
}

// streamed waits for the victim's handler to end and returns what it wrote.
func streamed(t *testing.T, written chan int64) int64 {
	t.Helper()
	select {
	case n := <-written:
		return n
	case <-time.After(30 * time.Second):
		t.Fatal("the server is still streaming: the client never hung up")
		return 0
	}
}

func TestAnswerOverTheCapFailsThatJob(t *testing.T) {
	const giant = 64 << 20 // 16 times the default cap, streamed
	tests := []struct {
		name     string
		length   bool // announce the size in Content-Length
		change   func(*Options)
		size     int64
		capText  string
		readMost int64 // what the engine may have let the server write
	}{
		{"chunked", false, nil, giant, "4 MiB", giant / 2},
		{"content-length", true, nil, giant, "4 MiB", giant / 2},
		// The cap is in the transport: a caller's client gets it too.
		{"caller's HTTP client", false, func(o *Options) { o.HTTPClient = &http.Client{} }, giant, "4 MiB", giant / 2},
		{"a smaller cap", false, func(o *Options) { o.MaxResponseBytes = 256 << 10 }, 8 << 20, "256 KiB", 8<<20 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, written := giantServer(t, "2511.00002", func(w http.ResponseWriter) int64 {
				if tt.length {
					fakeopenai.SetContentLength(w, tt.size)
				}
				return fakeopenai.WriteLargeCompletion(w, tt.size)
			})
			e := fakeEngine(t, srv, func(o *Options) {
				o.Concurrency = 2
				o.Timeout = 30 * time.Second
				if tt.change != nil {
					tt.change(o)
				}
			})
			got, err := runAll(t, context.Background(), e, testJobs(4))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			for id, r := range got {
				if id == "2511.00002" {
					continue
				}
				if r.Status != model.StatusJudged {
					t.Errorf("%s: %s %v", id, r.Status, r.Err)
				}
			}
			r := got["2511.00002"]
			// Too large is not retried: no conforming server sends it, and
			// its usage could not be read to know what it cost.
			if r.Status != model.StatusFailed || r.Value != nil || r.Attempts != 1 || r.Usage.Requests != 1 {
				t.Fatalf("giant answer: status %s attempts %d usage %+v scores %v err %v", r.Status, r.Attempts, r.Usage, r.Value, r.Err)
			}
			if !errors.Is(r.Err, ErrAnswerTooLarge) || !strings.Contains(r.Err.Error(), tt.capText) {
				t.Errorf("err %v, want ErrAnswerTooLarge naming the %s cap", r.Err, tt.capText)
			}
			if n := streamed(t, written); n > tt.readMost {
				t.Errorf("the server wrote %d of %d bytes: the engine kept reading past the cap", n, tt.size)
			}
		})
	}
}

// TestErrorBodyOverTheCap: an error answer too large to read is still
// decided by its status (a 502 is retried), and says why it has no message.
func TestErrorBodyOverTheCap(t *testing.T) {
	const giant = 64 << 20
	srv, written := giantServer(t, "2511.00001", func(w http.ResponseWriter) int64 {
		return fakeopenai.WriteLargeError(w, http.StatusBadGateway, giant)
	})
	e := fakeEngine(t, srv, func(o *Options) { o.Concurrency = 1; o.MaxRetries = 1; o.Timeout = 30 * time.Second })
	got, err := runAll(t, context.Background(), e, testJobs(2))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if r := got["2511.00002"]; r.Status != model.StatusJudged {
		t.Errorf("other paper: %s %v", r.Status, r.Err)
	}
	r := got["2511.00001"]
	var se *StatusError
	if r.Status != model.StatusFailed || r.Attempts != 2 || !errors.As(r.Err, &se) || se.StatusCode != 502 {
		t.Fatalf("status %s attempts %d err %v, want failed after a retry with the 502", r.Status, r.Attempts, r.Err)
	}
	if !strings.Contains(se.Message, "4 MiB") {
		t.Errorf("message %q does not say the body passed the cap", se.Message)
	}
	for range 2 {
		if n := streamed(t, written); n > giant/2 {
			t.Errorf("the server wrote %d of %d bytes of an error body", n, giant)
		}
	}
}
