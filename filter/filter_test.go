package filter

import (
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestPatternMatches(t *testing.T) {
	tests := []struct {
		pattern, text string
		want          bool
	}{
		{"LLM", "We study LLM alignment.", true},
		{"LLM", "Large language models (LLMs) hallucinate.", true}, // plural
		{"llm", "LLMOps in practice", false},                       // a whole word, not a prefix
		{"LLM", "SmallLLM", false},                                 // not a suffix either
		{"language model", "Large Language  Models are few-shot learners", true},
		{"language model", "a model of language", false}, // words in order, next to each other
		{"language model", "language, model", true},      // punctuation between words does not count
		{"in-context learning", "in context learning works", true},
		{"in context learning", "In-Context Learning", true},
		{"survey", "A Survey of Quantum Error Correction", true},
		{"survey", "surveys of the field", true},
		{"survey", "surveillance of qubits", false},
		{"art", "state-of-the-art article", true}, // "art" as its own word
		{"art", "an article on the matter", false},
		{"quantiz*", "post-training quantization", true},
		{"quantiz*", "quantized weights", true},
		{"quantiz*", "quantum weights", false},
		{"Schrödinger", `the Schr\"odinger equation`, true},   // TeX decoded
		{"Schrodinger", `the Schr\"{o}dinger equation`, true}, // and accents folded
		{"schrödinger", "SCHRODINGER cats", true},
		{"Muller", "Müller's theorem", true},
		{"Müller", "Muller's theorem", true},
		{"Przemyslaw", `Przemys{\l}aw's bound`, true},
		{"strasse", "Straße", true},
		{"GPT-4", "we evaluate gpt 4 and GPT-4o", true},
		{"GPT-4", "we evaluate GPT-4o", false},
		{"3D", "3D Gaussian splatting", true},
		{"3D", "a 3Dprinted part", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"/"+tt.text, func(t *testing.T) {
			p, err := Compile(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.matches(words(fold(plainText(tt.text))), true); got != tt.want {
				t.Errorf("%q in %q: got %v, want %v (words %q)", tt.pattern, tt.text, got, tt.want, p.words)
			}
		})
	}
}

func TestCompileRejects(t *testing.T) {
	for _, s := range []string{"", "   ", "!!", "-", "*", "foo*bar", "*foo", "a **", "LLM *"} {
		if _, err := Compile(s); err == nil {
			t.Errorf("Compile(%q) = nil error, want one", s)
		}
	}
	for _, s := range []string{"quantiz*", "in-context*", "LLM", "état de l'art"} {
		if _, err := Compile(s); err != nil {
			t.Errorf("Compile(%q): %v", s, err)
		}
	}
}

func TestDecide(t *testing.T) {
	f, err := New([]string{"language model", "LLM"}, []string{"survey"}, []string{"Yoshua Bengio", "Müller"})
	if err != nil {
		t.Fatal(err)
	}
	paper := func(title, abstract string, authors ...string) model.Paper {
		return model.Paper{ID: "2501.00001", Title: title, Abstract: abstract, Authors: authors}
	}
	tests := []struct {
		name     string
		p        model.Paper
		filtered bool
		reason   string
		followed string
		kept     string
	}{
		{"include in title", paper("LLMs as judges", "We study judges.", "A. Author"), false, "", "", "LLM"},
		{"include in abstract", paper("Judges", "Large language models judge.", "A. Author"), false, "", "", "language model"},
		{"no include", paper("Qubits", "A superconducting qubit.", "A. Author"), true, "no include matches", "", ""},
		{"excluded", paper("A survey of LLMs", "We survey LLMs.", "A. Author"), true, `exclude "survey"`, "", ""},
		{"followed beats exclude", paper("A survey of qubits", "Qubits.", "Yoshua Bengio (Mila)"), false, "", "Yoshua Bengio (Mila)", ""},
		{"followed, no accent written", paper("Qubits", "Qubits.", "Jan Muller"), false, "", "Jan Muller", ""},
		{"other Bengio is not followed", paper("Qubits", "Qubits.", "Samy Bengio"), true, "no include matches", "", ""},
		{"a phrase does not span title and abstract", paper("A language", "Model checking.", "A. Author"), true, "no include matches", "", ""},
		{"author plural is no match", paper("Qubits", "Qubits.", "Hans Müllers"), true, "no include matches", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := f.Decide(tt.p)
			if d.Filtered != tt.filtered || d.Reason != tt.reason || d.Followed != tt.followed || d.Kept != tt.kept {
				t.Errorf("got %+v, want filtered %v reason %q followed %q kept %q", d, tt.filtered, tt.reason, tt.followed, tt.kept)
			}
		})
	}
}

func TestEmptyFilterKeepsEverything(t *testing.T) {
	var nilFilter *Filter
	for _, f := range []*Filter{nilFilter, {}} {
		if d := f.Decide(model.Paper{Title: "A survey"}); d != (Decision{}) {
			t.Errorf("empty filter decided %+v", d)
		}
		if !f.Empty() || f.Followed(model.Paper{Authors: []string{"X"}}) != "" {
			t.Error("empty filter follows someone")
		}
	}
	f, err := New(nil, []string{"survey"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := f.Decide(model.Paper{Title: "Qubits"}); d.Filtered {
		t.Errorf("exclude-only filter dropped a paper it does not match: %+v", d)
	}
}

func TestNewNamesEveryBadPhrase(t *testing.T) {
	_, err := New([]string{"ok", "!!"}, []string{"*x"}, []string{""})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"filter.include[1]", "filter.exclude[0]", "filter.authors[0]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
