package store

import (
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestKey(t *testing.T) {
	paper := model.Paper{ID: "2504.16424", Version: 1, Title: "Sparse Attention", Abstract: "We study sparse attention.",
		Authors: []string{"A. Author"}, Categories: []string{"cs.CL"}, AnnounceType: model.New}
	topic := model.Topic{Name: "efficiency", Description: "Making transformers cheaper."}
	other := model.Topic{Name: "safety", Description: "Alignment and safety."}
	const llm, prompt = "gpt-4.1-mini", "v1"
	base := Key(paper, topic, llm, prompt)
	baseOther := Key(paper, other, llm, prompt)

	with := func(f func(p *model.Paper)) model.Paper {
		p := paper
		f(&p)
		return p
	}
	tests := []struct {
		name      string
		paper     model.Paper
		topic     model.Topic
		other     model.Topic // a second topic whose key must stay the same unless same is false
		llm       string
		prompt    string
		same      bool // key of topic unchanged
		otherSame bool // key of other unchanged
	}{
		{"identical", paper, topic, other, llm, prompt, true, true},
		{"v2 with same text", with(func(p *model.Paper) { p.Version = 2; p.AnnounceType = model.Replace }), topic, other, llm, prompt, true, true},
		{"re-wrapped white space", with(func(p *model.Paper) { p.Abstract = "We study\n  sparse attention. " }), topic, other, llm, prompt, true, true},
		{"authors and categories", with(func(p *model.Paper) { p.Authors = nil; p.Categories = []string{"cs.LG"} }), topic, other, llm, prompt, true, true},
		{"different abstract", with(func(p *model.Paper) { p.Abstract = "We study dense attention." }), topic, other, llm, prompt, false, false},
		{"different title", with(func(p *model.Paper) { p.Title = "Dense Attention" }), topic, other, llm, prompt, false, false},
		{"different id", with(func(p *model.Paper) { p.ID = "2504.16425" }), topic, other, llm, prompt, false, false},
		{"topic description changed", paper, model.Topic{Name: topic.Name, Description: "Cheaper inference."}, other, llm, prompt, false, true},
		{"topic renamed", paper, model.Topic{Name: "speed", Description: topic.Description}, other, llm, prompt, false, true},
		{"model changed", paper, topic, other, "gpt-5", prompt, false, false},
		{"prompt version changed", paper, topic, other, llm, "v2", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Key(tt.paper, tt.topic, tt.llm, tt.prompt)
			if (got == base) != tt.same {
				t.Errorf("key of %q: got %s, base %s, want same=%v", tt.topic.Name, got, base, tt.same)
			}
			gotOther := Key(tt.paper, tt.other, tt.llm, tt.prompt)
			if (gotOther == baseOther) != tt.otherSame {
				t.Errorf("key of %q: got %s, base %s, want same=%v", tt.other.Name, gotOther, baseOther, tt.otherSame)
			}
			if len(got) != 64 {
				t.Errorf("key %q is not hex SHA-256", got)
			}
		})
	}
}

// TestKeySeparator checks that moving text across a field boundary changes
// the key: the fields are separated, not merely concatenated.
func TestKeySeparator(t *testing.T) {
	a := Key(model.Paper{ID: "1", Title: "ab", Abstract: "c"}, model.Topic{Name: "t"}, "m", "v")
	b := Key(model.Paper{ID: "1", Title: "a", Abstract: "bc"}, model.Topic{Name: "t"}, "m", "v")
	if a == b {
		t.Fatal("keys equal when text moved from title to abstract")
	}
	c := Key(model.Paper{ID: "1"}, model.Topic{Name: "t", Description: "m"}, "", "v")
	d := Key(model.Paper{ID: "1"}, model.Topic{Name: "t"}, "m", "v")
	if c == d {
		t.Fatal("keys equal when text moved from description to model")
	}
}
