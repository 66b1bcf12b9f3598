package fakeopenai

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestDefaultScore(t *testing.T) {
	paper := "Title: Graph Neural Networks for molecules\nAbstract: …"
	tests := []struct {
		topic string
		want  float64 // -1: any hash value
	}{
		{"graph neural networks", 0.95},
		{"MOLECULES", 0.95},
		{"reinforcement learning", -1},
		{"", -1},
	}
	for _, tt := range tests {
		t.Run(tt.topic, func(t *testing.T) {
			got := DefaultScore(paper, tt.topic)
			if got != DefaultScore(paper, tt.topic) {
				t.Fatal("not deterministic")
			}
			if tt.want >= 0 && got != tt.want {
				t.Errorf("score = %v, want %v", got, tt.want)
			}
			if got < 0 || got > 1 {
				t.Errorf("score %v outside [0,1]", got)
			}
		})
	}
	// The hash spreads: over many papers both halves of [0,1] occur.
	low, high := 0, 0
	for i := range 200 {
		if DefaultScore(fmt.Sprintf("paper %d", i), "robotics") < 0.5 {
			low++
		} else {
			high++
		}
	}
	if low < 50 || high < 50 {
		t.Errorf("hash scores: %d below 0.5, %d above", low, high)
	}
}

// longSystem is a system message of about 1280 tokens (1280 cached).
var longSystem = strings.Repeat("Judge the paper against each topic carefully. ", 111)

func TestCachedTokens(t *testing.T) {
	s := NewT(t, Config{})
	c := newClient(s, "k")
	ask := func(system, user string) (prompt, cached int64) {
		t.Helper()
		resp, err := c.Chat.Completions.New(t.Context(), contractParams("m", system, user, "x"))
		if err != nil {
			t.Fatal(err)
		}
		return resp.Usage.PromptTokens, resp.Usage.PromptTokensDetails.CachedTokens
	}
	sysTokens := len(longSystem)/4 + tokensPerMessage
	wantCached := int64(sysTokens / 128 * 128)
	if wantCached == 0 || sysTokens < 1024 {
		t.Fatalf("test system message too short: %d tokens", sysTokens)
	}
	if p, cached := ask(longSystem, "paper one"); cached != 0 || p < 1024 {
		t.Errorf("first request: prompt %d cached %d, want cached 0", p, cached)
	}
	if _, cached := ask(longSystem, "paper two"); cached != wantCached {
		t.Errorf("second request: cached %d, want %d", cached, wantCached)
	}
	if _, cached := ask(longSystem+" Other.", "paper three"); cached != 0 {
		t.Errorf("different system message: cached %d, want 0", cached)
	}
	if _, cached := ask("short", "p"); cached != 0 {
		t.Errorf("small prompt first: cached %d", cached)
	}
	if _, cached := ask("short", "p"); cached != 0 {
		t.Errorf("small prompt repeated: cached %d, want 0 (< 1024 tokens)", cached)
	}
	if st := s.Stats(); st.CachedTokens != wantCached {
		t.Errorf("stats cached = %d, want %d", st.CachedTokens, wantCached)
	}
}

func TestPromptTokens(t *testing.T) {
	s := NewT(t, Config{})
	user := strings.Repeat("abcd", 250) // 250 tokens
	resp, err := newClient(s, "k").Chat.Completions.New(t.Context(), contractParams("m", "12345678", user, "x"))
	if err != nil {
		t.Fatal(err)
	}
	want := int64(tokensPerPrompt + 2 + tokensPerMessage + 250 + tokensPerMessage)
	if resp.Usage.PromptTokens != want {
		t.Errorf("prompt tokens = %d, want %d", resp.Usage.PromptTokens, want)
	}
	if want := int64(len(resp.Choices[0].Message.Content)+3) / 4; resp.Usage.CompletionTokens != want {
		t.Errorf("completion tokens = %d, want %d", resp.Usage.CompletionTokens, want)
	}
}

func TestPapersCounted(t *testing.T) {
	s := NewT(t, Config{})
	c := newClient(s, "k")
	for _, user := range []string{"Title: A\nabstract", "Title: B\nabstract", "Title: A\nother abstract"} {
		if _, err := c.Chat.Completions.New(t.Context(), contractParams("m", "sys", user, "x")); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if len(st.Papers) != 2 || st.Papers["Title: A"] != 2 || st.Papers["Title: B"] != 1 {
		t.Errorf("papers = %v", st.Papers)
	}
}

func TestMaxCompletionTokensCuts(t *testing.T) {
	s := NewT(t, Config{})
	params := contractParams("m", "sys", paperText, "alpha", "beta")
	params.MaxCompletionTokens = paramInt(5)
	resp, err := newClient(s, "k").Chat.Completions.New(t.Context(), params)
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if ch.FinishReason != "length" || json.Valid([]byte(ch.Message.Content)) || resp.Usage.CompletionTokens != 5 {
		t.Errorf("finish %q content %q usage %+v; want a cut answer of 5 tokens", ch.FinishReason, ch.Message.Content, resp.Usage)
	}
}
