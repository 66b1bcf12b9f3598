package classify

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestCountWords(t *testing.T) {
	for s, want := range map[string]int{
		"":                                  0,
		"Sparse attention halves the cost.": 5,
		"A state-of-the-art O(n log n) method, 2x faster": 9, // O, n, log, n count
		"It's the model's choice":                         4,
		"本文提出一种新方法":                                       9,
		"Diese Arbeit zeigt, dass es geht.":               6,
		"LLM 幻觉 检测":                                       5,
		"  \n\t ":                                         0,
	} {
		if got := CountWords(s); got != want {
			t.Errorf("CountWords(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestTLDRParse(t *testing.T) {
	task := TLDR{Language: "English", MaxWords: 10}
	p := model.Paper{ID: "2511.00001"}
	long := strings.Repeat("word ", 16)
	for _, tt := range []struct {
		content, want string
		ok            bool
	}{
		{`{"tldr": "Sparse attention halves\n the cost."}`, "Sparse attention halves the cost.", true},
		{`{"tldr": "` + strings.Repeat("word ", 15) + `"}`, strings.TrimSpace(strings.Repeat("word ", 15)), true}, // within the slack
		{`{"tldr": "` + long + `"}`, "", false},
		{`{"tldr": "  "}`, "", false},
		{`{"tldr": 3}`, "", false},
		{`{"tldr": "x", "extra": 1}`, "", false},
		{`{"summary": "x"}`, "", false},
		{`not json`, "", false},
		{`{"tldr": "x"} trailing`, "", false},
	} {
		got, err := task.Parse(p, tt.content)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v", tt.content, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidAnswer) {
			t.Errorf("Parse(%q): %v is not an ErrInvalidAnswer", tt.content, err)
		}
	}
}

func TestTLDRRequest(t *testing.T) {
	task := TLDR{Language: "German", MaxWords: 40, Topics: testTopics[:2]}
	p := model.Paper{ID: "2511.00001", Title: "Agents", Abstract: "We study agents.", Categories: []string{"cs.CL"}}
	req, err := task.Request(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(req.Instructions, "at most 40 words, in German") || !strings.Contains(req.Instructions, `"LLM agents"`) {
		t.Errorf("instructions:\n%s", req.Instructions)
	}
	// Title and abstract only; the system message holds no paper text, so
	// it is the same for every paper (prompt caching).
	if req.Input != "arXiv paper 2511.00001\n<paper>\nTitle: Agents\nAbstract:\nWe study agents.\n</paper>" || strings.Contains(req.Instructions, "We study agents") {
		t.Errorf("input %q", req.Input)
	}
	if _, err := (TLDR{Language: "", MaxWords: 40}).Request(p); err == nil {
		t.Error("a TL;DR without a language was asked for")
	}
}

func TestTLDRKey(t *testing.T) {
	p := model.Paper{ID: "2511.00001", Title: "Agents", Abstract: "We study agents."}
	base := TLDRKey(p, "gpt-5-mini", "English", 40)
	same := p
	same.Version, same.Abstract = 2, "We study\n agents."
	if TLDRKey(same, "gpt-5-mini", "English", 40) != base {
		t.Error("a new version with the same text changed the key")
	}
	for name, k := range map[string]string{
		"abstract": TLDRKey(model.Paper{ID: p.ID, Title: p.Title, Abstract: "Other."}, "gpt-5-mini", "English", 40),
		"model":    TLDRKey(p, "gpt-5", "English", 40),
		"language": TLDRKey(p, "gpt-5-mini", "Chinese", 40),
		"words":    TLDRKey(p, "gpt-5-mini", "English", 30),
	} {
		if k == base {
			t.Errorf("changing the %s kept the key", name)
		}
	}
	if RelevanceKey(p, model.Topic{Name: "tldr"}, "gpt-5-mini") == base {
		t.Error("a TL;DR key equals a judgement key")
	}
}

// TestTLDRThroughTheEngine runs the task against the fake server: the
// same engine, a different schema, the answer read back.
func TestTLDRThroughTheEngine(t *testing.T) {
	srv := fakeopenai.NewT(t, fakeopenai.Config{TLDR: func(paper string) string {
		if strings.Contains(paper, "2511.00002") {
			return strings.Repeat("far too long ", 40) // refused twice: fails
		}
		return "Agents plan better with sparse memory."
	}})
	e, err := New(testOptions(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	papers := []model.Paper{{ID: "2511.00001", Title: "A"}, {ID: "2511.00002", Title: "B"}}
	got := map[string]Result[model.Paper, string]{}
	err = Run(context.Background(), e, TLDR{Language: "English", MaxWords: 40}, papers, func(r Result[model.Paper, string]) {
		got[r.Input.ID] = r
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := got["2511.00001"]; r.Status != model.StatusJudged || r.Value != "Agents plan better with sparse memory." || r.Attempts != 1 {
		t.Errorf("TL;DR: %+v", r)
	}
	if r := got["2511.00002"]; r.Status != model.StatusFailed || !errors.Is(r.Err, ErrInvalidAnswer) || r.Attempts != 2 || r.Usage.Requests != 2 {
		t.Errorf("too long a TL;DR: %+v", r)
	}
}
