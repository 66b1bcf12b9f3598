package fakeopenai

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
)

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	return ctx, cancel
}

// waitInFlight waits until the server is serving n requests.
func waitInFlight(t *testing.T, s *Server, n int64) {
	t.Helper()
	for s.Stats().InFlight < n {
		select {
		case <-t.Context().Done():
			t.Fatal("test ended before requests arrived")
		case <-time.After(time.Millisecond):
		}
	}
}

type completionBody struct {
	Choices []struct {
		Message struct {
			Content *string `json:"content"`
			Refusal *string `json:"refusal"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

func decodeCompletion(t *testing.T, b []byte) completionBody {
	t.Helper()
	var c completionBody
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("completion %s: %v", b, err)
	}
	if len(c.Choices) != 1 {
		t.Fatalf("choices in %s", b)
	}
	return c
}

func TestFaults(t *testing.T) {
	topics := []string{"alpha", "beta", "gamma"}
	body := rawBody(t, "m", paperText, topics...)
	full := answerContent(prompt{user: paperText, topics: topics}, DefaultScore, DefaultTLDR, false)
	tests := []struct {
		name   string
		faults Faults
		check  func(t *testing.T, resp *http.Response, b []byte)
	}{
		{"Status500", Faults{Status500: 1}, func(t *testing.T, resp *http.Response, b []byte) {
			if e := decodeError(t, resp, b); resp.StatusCode != 500 || e.Error.Type != "server_error" {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
		}},
		{"Status503", Faults{Status503: 1}, func(t *testing.T, resp *http.Response, b []byte) {
			e := decodeError(t, resp, b)
			if resp.StatusCode != 503 || resp.Header.Get("retry-after") != "1" || e.Error.Message != "The engine is currently overloaded, please try again later." {
				t.Errorf("%d %v %s", resp.StatusCode, resp.Header, b)
			}
		}},
		{"InvalidJSON", Faults{InvalidJSON: 1}, func(t *testing.T, resp *http.Response, b []byte) {
			c := decodeCompletion(t, b)
			if resp.StatusCode != 200 || c.Choices[0].Message.Content == nil || *c.Choices[0].Message.Content != `{"topics": {oops` {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
		}},
		{"Truncated", Faults{Truncated: 1}, func(t *testing.T, resp *http.Response, b []byte) {
			c := decodeCompletion(t, b)
			content := c.Choices[0].Message.Content
			if resp.StatusCode != 200 || c.Choices[0].FinishReason != "length" || content == nil {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			if json.Valid([]byte(*content)) || !strings.HasPrefix(full, *content) || len(*content) == 0 {
				t.Errorf("content %q is not a cut of %q", *content, full)
			}
		}},
		{"Refusal", Faults{Refusal: 1}, func(t *testing.T, resp *http.Response, b []byte) {
			c := decodeCompletion(t, b)
			m := c.Choices[0].Message
			if resp.StatusCode != 200 || m.Content != nil || m.Refusal == nil || !strings.HasPrefix(*m.Refusal, "I'm sorry") {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
		}},
		{"MissingTopic", Faults{MissingTopic: 1}, func(t *testing.T, resp *http.Response, b []byte) {
			c := decodeCompletion(t, b)
			got := parseAnswer(t, *c.Choices[0].Message.Content)
			if _, ok := got["gamma"]; ok || len(got) != 2 || c.Choices[0].FinishReason != "stop" {
				t.Errorf("answer %v, want alpha and beta only", got)
			}
		}},
		{"first in field order wins", Faults{Status500: 1, Hang: 1, Drop: 1, Status503: 1}, func(t *testing.T, resp *http.Response, b []byte) {
			if resp.StatusCode != 500 {
				t.Errorf("%d %s, want the 500 fault", resp.StatusCode, b)
			}
		}},
		{"none", Faults{}, func(t *testing.T, resp *http.Response, b []byte) {
			c := decodeCompletion(t, b)
			if *c.Choices[0].Message.Content != full {
				t.Errorf("content %q, want %q", *c.Choices[0].Message.Content, full)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewT(t, Config{Faults: tt.faults})
			resp, b := post(t, s, "k", body)
			tt.check(t, resp, b)
			st := s.Stats()
			if st.Requests != 1 || st.ByStatus[resp.StatusCode] != 1 {
				t.Errorf("stats = %+v", st)
			}
			if billed := resp.StatusCode == 200; billed != (st.Papers["Title: Error correction for quantum memories"] == 1) || billed != (st.PromptTokens > 0) {
				t.Errorf("billing: status %d, stats %+v", resp.StatusCode, st)
			}
		})
	}
}

func TestFaultDrop(t *testing.T) {
	s := NewT(t, Config{Faults: Faults{Drop: 1}})
	_, err := newClient(s, "k").Chat.Completions.New(t.Context(), contractParams("m", "sys", paperText, "x"))
	var apiErr *openai.Error
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want a transport error", err)
	}
	s.Close() // wait for the handler to finish
	st := s.Stats()
	if st.Dropped < 1 || st.Completed != 0 || len(st.ByStatus) != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestFaultHang(t *testing.T) {
	s := New(Config{Faults: Faults{Hang: 1}})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond) // the client's timeout, not an assertion
	defer cancel()
	_, err := newClient(s, "k").Chat.Completions.New(ctx, contractParams("m", "sys", paperText, "x"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client's deadline", err)
	}
	s.Close() // returns once the hanging handler saw the client leave
	if st := s.Stats(); st.Canceled != 1 || st.InFlight != 0 || len(st.ByStatus) != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestCloseEndsHang(t *testing.T) {
	s := New(Config{Faults: Faults{Hang: 1}})
	errc := make(chan error, 1)
	go func() {
		_, err := newClient(s, "k").Chat.Completions.New(t.Context(), contractParams("m", "sys", paperText, "x"))
		errc <- err
	}()
	waitInFlight(t, s, 1)
	s.Close() // must not wait for the 5-minute hang
	if err := <-errc; err == nil {
		t.Error("hung request succeeded")
	}
}

func TestSetFaults(t *testing.T) {
	s := NewT(t, Config{Faults: Faults{Status500: 1}})
	body := rawBody(t, "m", paperText, "x")
	if resp, _ := post(t, s, "k", body); resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	s.SetFaults(Faults{})
	if resp, _ := post(t, s, "k", body); resp.StatusCode != 200 {
		t.Fatalf("status %d after SetFaults, want 200", resp.StatusCode)
	}
	defer func() {
		if recover() == nil {
			t.Error("SetFaults accepted a probability of 2")
		}
	}()
	s.SetFaults(Faults{Drop: 2})
}

func TestFaultRates(t *testing.T) {
	// Half the requests fail with 500: the seeded draw gives about half.
	s := NewT(t, Config{Faults: Faults{Status500: 0.5}, Seed: 3})
	body := rawBody(t, "m", paperText, "x")
	for range 200 {
		post(t, s, "k", body)
	}
	if n := s.Stats().ByStatus[500]; n < 70 || n > 130 {
		t.Errorf("%d of 200 failed with p=0.5", n)
	}
}

func TestHandlerHook(t *testing.T) {
	var seen []int
	s := NewT(t, Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		seen = append(seen, n) // sequential requests: no race
		switch n {
		case 1:
			WriteInsufficientQuota(w)
			return true
		case 2:
			WriteRateLimited(w, "m", 1500*time.Millisecond)
			return true
		}
		return false
	}})
	c := newClient(s, "k")
	params := contractParams("m", "sys", paperText, "x")
	_, err := c.Chat.Completions.New(t.Context(), params)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Code != "insufficient_quota" || apiErr.Type != "insufficient_quota" {
		t.Fatalf("1: err = %v", err)
	}
	if apiErr.Response.Header.Get("retry-after") != "" || apiErr.Response.Header.Get("retry-after-ms") != "" {
		t.Error("insufficient_quota carries retry-after")
	}
	_, err = c.Chat.Completions.New(t.Context(), params)
	if !errors.As(err, &apiErr) || apiErr.Code != "rate_limit_exceeded" || apiErr.Response.Header.Get("retry-after-ms") != "1500" || apiErr.Response.Header.Get("retry-after") != "2" {
		t.Fatalf("2: err = %v", err)
	}
	if _, err := c.Chat.Completions.New(t.Context(), params); err != nil {
		t.Fatalf("3: %v", err)
	}
	if len(seen) != 3 || seen[0] != 1 || seen[2] != 3 {
		t.Errorf("hook saw %v", seen)
	}
	if st := s.Stats(); st.ByStatus[429] != 2 || st.Completed != 1 || st.RateLimited != 0 {
		t.Errorf("stats = %+v (scripted 429s are not the limiter's)", st)
	}
}
