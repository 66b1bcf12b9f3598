package filter

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/arxiv-digest/arxiv-digest/tex"
)

// plainText is a title or abstract as a reader sees it: the TeX arXiv
// leaves in it decoded (Schr\"odinger is Schrödinger). It is the one place
// this package decodes TeX.
func plainText(s string) string { return tex.Text(s) }

// letterFolds are letters that NFD does not split into a base letter and a
// mark, written as their base letters, so that "Przemyslaw" matches
// "Przemysław" as "Muller" matches "Müller".
var letterFolds = map[rune]string{
	'ł': "l", 'ø': "o", 'đ': "d", 'ð': "d", 'ħ': "h", 'ı': "i", 'ŀ': "l",
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th",
}

// fold is s as it is compared: decomposed (NFD), without combining marks,
// lower-case, with letterFolds applied.
func fold(s string) string {
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if f, ok := letterFolds[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// words splits folded text into its words: runs of letters and digits.
// Everything else (spaces, hyphens, punctuation, TeX's $ and \) only
// separates them.
func words(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
