// Package filter decides, before any model request, which of a day's
// papers are judged: papers by followed authors always are, papers matching
// an exclude pattern are not, and when include patterns are set only papers
// matching one of them are.
//
// Matching is on whole words and phrases, case-insensitively, with accents
// folded away ("muller" matches "Müller"): titles and abstracts with their
// TeX decoded, author names as the feed gives them (decoded by fetch). A
// pattern word also matches its plural ("LLM" matches "LLMs", "survey"
// matches "surveys"), and a word ending in * matches every word it begins
// ("quantiz*" matches "quantized" and "quantization"). Punctuation between
// words does not count: "in-context" matches "in context". A followed
// author matches an author whose name holds the same words in the same
// order, without plurals: "Yoshua Bengio" matches "Yoshua Bengio (Mila)"
// and "Yoshua Bengío", not "Samy Bengio".
package filter

import (
	"errors"
	"fmt"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// Pattern is one compiled include or exclude phrase, or followed author.
type Pattern struct {
	text  string   // as written
	words []string // folded
}

// String is the pattern as written.
func (p Pattern) String() string { return p.text }

// Compile reads one phrase. It fails when the phrase has no letter or
// digit to match, or puts a * anywhere but at the end of a word.
func Compile(phrase string) (Pattern, error) {
	text := model.NormalizeSpace(phrase)
	var ws []string
	for _, field := range strings.Fields(fold(text)) {
		body, star := strings.CutSuffix(field, "*")
		fw := words(body)
		if strings.Contains(body, "*") || star && (len(fw) == 0 || !strings.HasSuffix(body, fw[len(fw)-1])) {
			return Pattern{}, fmt.Errorf("%q: a * may only end a word (quantiz* matches quantized and quantization)", phrase)
		}
		if star {
			fw[len(fw)-1] += "*"
		}
		ws = append(ws, fw...)
	}
	if len(ws) == 0 {
		return Pattern{}, fmt.Errorf("%q has no letter or digit to match", phrase)
	}
	return Pattern{text: text, words: ws}, nil
}

// matches reports whether the pattern's words occur, in order and next to
// each other, in text (folded words); plural says whether a word matches
// its plural too.
func (p Pattern) matches(text []string, plural bool) bool {
	n := len(p.words)
	for i := 0; i+n <= len(text); i++ {
		ok := true
		for j, w := range p.words {
			if !wordMatches(w, text[i+j], plural) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// wordMatches reports whether pattern word w matches text word t: the same
// word, its plural (s, es) when plural, or any word it begins when it ends
// in *.
func wordMatches(w, t string, plural bool) bool {
	if prefix, ok := strings.CutSuffix(w, "*"); ok {
		return strings.HasPrefix(t, prefix)
	}
	if !plural || !strings.HasPrefix(t, w) {
		return w == t
	}
	rest := t[len(w):]
	return rest == "" || rest == "s" || rest == "es"
}

// Filter holds the compiled patterns of the config's filter section. The
// zero value (and nil) keeps every paper.
type Filter struct {
	include, exclude, authors []Pattern
}

// New compiles the config's include and exclude phrases and followed
// authors; its error names every phrase that does not compile.
func New(include, exclude, authors []string) (*Filter, error) {
	f := &Filter{}
	var errs []error
	for _, set := range []struct {
		name string
		in   []string
		out  *[]Pattern
	}{{"include", include, &f.include}, {"exclude", exclude, &f.exclude}, {"authors", authors, &f.authors}} {
		for i, s := range set.in {
			p, err := Compile(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("filter.%s[%d]: %w", set.name, i, err))
				continue
			}
			*set.out = append(*set.out, p)
		}
	}
	return f, errors.Join(errs...)
}

// Empty reports whether the filter keeps every paper and follows no one.
func (f *Filter) Empty() bool {
	return f == nil || len(f.include)+len(f.exclude)+len(f.authors) == 0
}

// Decision is what the filter makes of one paper.
type Decision struct {
	// Filtered is true when the paper is not judged; Reason says which
	// rule left it out ("exclude \"survey\"", "no include matches").
	Filtered bool
	Reason   string
	// Followed names the followed author the paper is by ("" when none):
	// such a paper is always judged and always shown.
	Followed string
	// Kept names the include pattern that kept the paper, when include
	// patterns are set.
	Kept string
}

// Decide applies the filter to p: a followed author first, then the
// exclude patterns, then the include patterns.
func (f *Filter) Decide(p model.Paper) Decision {
	if f.Empty() {
		return Decision{}
	}
	if a := f.followed(p); a != "" {
		return Decision{Followed: a}
	}
	if len(f.include)+len(f.exclude) == 0 {
		return Decision{}
	}
	text := append(words(fold(plainText(p.Title))), "") // "" keeps a phrase from spanning title and abstract
	text = append(text, words(fold(plainText(p.Abstract)))...)
	for _, x := range f.exclude {
		if x.matches(text, true) {
			return Decision{Filtered: true, Reason: fmt.Sprintf("exclude %q", x.text)}
		}
	}
	if len(f.include) == 0 {
		return Decision{}
	}
	for _, in := range f.include {
		if in.matches(text, true) {
			return Decision{Kept: in.text}
		}
	}
	return Decision{Filtered: true, Reason: "no include matches"}
}

// Followed returns the name, as the paper gives it, of p's first author
// who is followed; "" when there is none.
func (f *Filter) Followed(p model.Paper) string {
	if f == nil || len(f.authors) == 0 {
		return ""
	}
	return f.followed(p)
}

func (f *Filter) followed(p model.Paper) string {
	for _, name := range p.Authors {
		ws := words(fold(name))
		for _, a := range f.authors {
			if a.matches(ws, false) {
				return name
			}
		}
	}
	return ""
}
