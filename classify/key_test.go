package classify

import (
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestRelevanceKey: what changes a judgement changes its key, and nothing
// else does.
func TestRelevanceKey(t *testing.T) {
	paper := model.Paper{ID: "2504.16424", Version: 1, Title: "Sparse Attention", Abstract: "We study sparse attention.",
		Authors: []string{"A. Author"}, Categories: []string{"cs.CL"}, AnnounceType: model.New}
	topic := model.Topic{Name: "efficiency", Description: "Making transformers cheaper."}
	other := model.Topic{Name: "safety", Description: "Alignment and safety."}
	const llm = "gpt-4.1-mini"
	base := RelevanceKey(paper, topic, llm)
	baseOther := RelevanceKey(paper, other, llm)

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
		same      bool // key of topic unchanged
		otherSame bool // key of other unchanged
	}{
		{"identical", paper, topic, other, llm, true, true},
		{"v2 with same text", with(func(p *model.Paper) { p.Version = 2; p.AnnounceType = model.Replace }), topic, other, llm, true, true},
		{"re-wrapped white space", with(func(p *model.Paper) { p.Abstract = "We study\n  sparse attention. " }), topic, other, llm, true, true},
		{"authors and categories", with(func(p *model.Paper) { p.Authors = nil; p.Categories = []string{"cs.LG"} }), topic, other, llm, true, true},
		{"different abstract", with(func(p *model.Paper) { p.Abstract = "We study dense attention." }), topic, other, llm, false, false},
		{"different title", with(func(p *model.Paper) { p.Title = "Dense Attention" }), topic, other, llm, false, false},
		{"different id", with(func(p *model.Paper) { p.ID = "2504.16425" }), topic, other, llm, false, false},
		{"topic description changed", paper, model.Topic{Name: topic.Name, Description: "Cheaper inference."}, other, llm, false, true},
		{"topic renamed", paper, model.Topic{Name: "speed", Description: topic.Description}, other, llm, false, true},
		{"model changed", paper, topic, other, "gpt-5", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RelevanceKey(tt.paper, tt.topic, tt.llm)
			if (got == base) != tt.same {
				t.Errorf("key of %q: got %s, base %s, want same=%v", tt.topic.Name, got, base, tt.same)
			}
			gotOther := RelevanceKey(tt.paper, tt.other, tt.llm)
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
	a := RelevanceKey(model.Paper{ID: "1", Title: "ab", Abstract: "c"}, model.Topic{Name: "t"}, "m")
	b := RelevanceKey(model.Paper{ID: "1", Title: "a", Abstract: "bc"}, model.Topic{Name: "t"}, "m")
	if a == b {
		t.Fatal("keys equal when text moved from title to abstract")
	}
	c := RelevanceKey(model.Paper{ID: "1"}, model.Topic{Name: "t", Description: "m"}, "")
	d := RelevanceKey(model.Paper{ID: "1"}, model.Topic{Name: "t"}, "m")
	if c == d {
		t.Fatal("keys equal when text moved from description to model")
	}
}

// TestRelevanceKeyIsStable pins the key of one judgement, computed apart
// (Python's hashlib over the fields joined by NUL, white space collapsed)
// as every version since the first has stored it: changing how keys are
// made would make every stored judgement be paid again.
func TestRelevanceKeyIsStable(t *testing.T) {
	p := model.Paper{ID: "2504.16424", Title: "Sparse  Attention", Abstract: "We study\nsparse attention."}
	topic := model.Topic{Name: "efficiency", Description: "Making transformers cheaper."}
	const want = "a04283c4e9da8804af1e572f807d33e13cc655c73cf78ed18f575343ee7f1899"
	if got := RelevanceKey(p, topic, "gpt-5-mini"); got != want {
		t.Errorf("RelevanceKey = %s, want %s: stored judgements would be paid again", got, want)
	}
}

// TestRelevanceKeys: the keys of a paper against several topics are each
// topic's RelevanceKey, and an empty field still counts as one.
func TestRelevanceKeys(t *testing.T) {
	p := model.Paper{ID: "2504.16424", Title: "Sparse  Attention", Abstract: "We study\nsparse attention."}
	topics := []model.Topic{{Name: "efficiency", Description: "Making transformers cheaper."}, {Name: "b"}, {Name: ""}}
	keys := RelevanceKeys(p, topics, "gpt-5-mini")
	if len(keys) != len(topics) {
		t.Fatalf("%d keys for %d topics", len(keys), len(topics))
	}
	for i, topic := range topics {
		if want := RelevanceKey(p, topic, "gpt-5-mini"); keys[i] != want {
			t.Errorf("key %d = %s, want %s", i, keys[i], want)
		}
	}
	if keys[0] != "a04283c4e9da8804af1e572f807d33e13cc655c73cf78ed18f575343ee7f1899" {
		t.Errorf("first key %s: not the pinned one", keys[0])
	}
	if hashKey("", "x") == hashKey("x") {
		t.Error("an empty first field is dropped")
	}
}
