package fakeopenai

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestLargeBodies(t *testing.T) {
	const size = 300 << 10
	var written atomic.Int64
	srv := NewT(t, Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		switch r.URL.Query().Get("kind") {
		case "error":
			written.Store(WriteLargeError(w, http.StatusBadGateway, size))
		case "length":
			SetContentLength(w, size)
			written.Store(WriteLargeCompletion(w, size))
		default:
			written.Store(WriteLargeCompletion(w, size))
		}
		return true
	}})
	for _, kind := range []string{"completion", "error", "length"} {
		t.Run(kind, func(t *testing.T) {
			resp, err := http.Post(srv.URL+"/chat/completions?kind="+kind, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != size || written.Load() != size {
				t.Errorf("body %d bytes, %d written, want %d", len(b), written.Load(), size)
			}
			if kind == "length" && resp.ContentLength != size {
				t.Errorf("Content-Length %d", resp.ContentLength)
			}
			if kind == "error" {
				if e := decodeError(t, resp, b); resp.StatusCode != 502 || e.Error.Type != "server_error" || len(e.Error.Message) < size-100 {
					t.Errorf("%d %q", resp.StatusCode, e.Error.Type)
				}
				return
			}
			var c completionBody
			if err := json.Unmarshal(b, &c); err != nil || len(c.Choices) != 1 || c.Choices[0].Message.Content == nil || len(*c.Choices[0].Message.Content) < size-400 {
				t.Errorf("not a chat.completion: %v", err)
			}
		})
	}
}

// TestLargeBodyStopsWithTheClient: a client that gives up after a little
// stops the stream; the server never writes the whole body.
func TestLargeBodyStopsWithTheClient(t *testing.T) {
	const size = 1 << 30
	done := make(chan int64, 1)
	srv := NewT(t, Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		done <- WriteLargeCompletion(w, size)
		return true
	}})
	resp, err := http.Post(srv.URL+"/chat/completions", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(io.Discard, resp.Body, 1<<20); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := <-done; n >= size {
		t.Errorf("wrote all %d bytes to a client that left", n)
	}
}
