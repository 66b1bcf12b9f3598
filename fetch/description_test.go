package fetch

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseDescription(t *testing.T) {
	tests := []struct {
		name, in string
		want     descInfo
	}{
		{"real", "arXiv:2504.16424v2 Announce Type: replace-cross \nAbstract: Quantum  resonances\n are  found.",
			descInfo{ID: "2504.16424", Version: 2, AnnounceType: "replace-cross", Abstract: "Quantum resonances are found."}},
		{"old style id", "arXiv:cs/9909009v3 Announce Type: new \nAbstract: x", descInfo{ID: "cs/9909009", Version: 3, AnnounceType: "new", Abstract: "x"}},
		{"subject class id", "arXiv:math.GT/0309136v1 Announce Type: cross\nAbstract: y", descInfo{ID: "math.GT/0309136", Version: 1, AnnounceType: "cross", Abstract: "y"}},
		{"no version", "arXiv:2504.00001 Announce Type: new Abstract: z", descInfo{ID: "2504.00001", AnnounceType: "new", Abstract: "z"}},
		{"capital type", "arXiv:2504.00001v1 Announce Type: Replace\nAbstract: z", descInfo{ID: "2504.00001", Version: 1, AnnounceType: "replace", Abstract: "z"}},
		{"abstract mentions Abstract:", "arXiv:2504.00001v1 Announce Type: new\nAbstract: See Abstract: here.", descInfo{ID: "2504.00001", Version: 1, AnnounceType: "new", Abstract: "See Abstract: here."}},
		{"no abstract marker", "arXiv:2504.00001v1 Announce Type: new Some text.", descInfo{ID: "2504.00001", Version: 1, AnnounceType: "new", Abstract: "Some text."}},
		{"plain text only", "Just an abstract.", descInfo{Abstract: "Just an abstract."}},
		{"id not at start is not the header", "We cite arXiv:2504.00001v1 Abstract: x", descInfo{Abstract: "x"}},
		{"empty", "", descInfo{}},
		{"entities decoded upstream", "arXiv:2504.00001v1 Announce Type: new\nAbstract: A -> B & C < D", descInfo{ID: "2504.00001", Version: 1, AnnounceType: "new", Abstract: "A -> B & C < D"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseDescription(tt.in); got != tt.want {
				t.Errorf("parseDescription(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseGUID(t *testing.T) {
	tests := []struct {
		in      string
		id      string
		version int
		ok      bool
	}{
		{"oai:arXiv.org:2504.16424v2", "2504.16424", 2, true},
		{"oai:arXiv.org:0704.0001v1", "0704.0001", 1, true},
		{"oai:arXiv.org:cs/9909009v1", "cs/9909009", 1, true},
		{"oai:arXiv.org:hep-th/9901001v12", "hep-th/9901001", 12, true},
		{"oai:arXiv.org:2504.16424", "2504.16424", 0, true},
		{"http://arxiv.org/abs/cs/9909009v1", "cs/9909009", 1, true},
		{"http://arxiv.org/abs/cond-mat/0408190v2", "cond-mat/0408190", 2, true},
		{"https://arxiv.org/abs/2504.17830", "2504.17830", 0, true},
		{"https://arxiv.org/abs/2504.17830v0", "2504.17830", 0, true},
		{"http://arxiv.org/api/errors#malformed", "", 0, false},
		{"oai:arXiv.org:garbage", "", 0, false},
		{"oai:arXiv.org:x2504.16424v2", "", 0, false},
		{"", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, v, ok := parseGUID(tt.in)
			if id != tt.id || v != tt.version || ok != tt.ok {
				t.Errorf("parseGUID(%q) = %q, %d, %v; want %q, %d, %v", tt.in, id, v, ok, tt.id, tt.version, tt.ok)
			}
		})
	}
}

func TestSplitAuthors(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"A, B, C", []string{"A", " B", " C"}},
		{"A (U1, U2), B", []string{"A (U1, U2)", " B"}},
		{"A (unclosed, B", []string{"A (unclosed, B"}},
		{"A), B", []string{"A)", " B"}},
		{"", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := splitAuthors(tt.in)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("splitAuthors(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseDescription(f *testing.F) {
	for _, s := range []string{
		"arXiv:2504.16424v2 Announce Type: replace-cross \nAbstract: Quantum resonances",
		"arXiv:cs/9909009v1 Announce Type: new Abstract:",
		"arXiv: Announce Type: Abstract:",
		"arXiv:2504.00001v99999999999999999999 Announce Type: new",
		"Abstract:", "", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info := parseDescription(s)
		if info.Version < 0 {
			t.Fatalf("negative version %d", info.Version)
		}
		if info.ID == "" && info.Version != 0 {
			t.Fatalf("version %d without an id", info.Version)
		}
		if info.Abstract != strings.TrimSpace(info.Abstract) || strings.Contains(info.Abstract, "  ") {
			t.Fatalf("abstract not normalised: %q", info.Abstract)
		}
		if utf8.ValidString(s) && !utf8.ValidString(info.Abstract) {
			t.Fatalf("abstract of valid input is invalid UTF-8")
		}
		if _, _, ok := parseGUID("oai:arXiv.org:" + s); ok && s == "" {
			t.Fatalf("empty guid accepted")
		}
		splitAuthors(s)
	})
}
