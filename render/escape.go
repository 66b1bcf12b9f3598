package render

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EscapeMarkdown makes s safe as CommonMark (and GFM) inline text: rendered,
// it shows exactly the text of s and nothing else, wherever it stands, even
// at the start of a line. Runs of white space including newlines fold to
// one space, and the text is trimmed, so it can never start a block of its
// own. Control characters and Unicode bidirectional overrides, which could
// garble the surrounding layout, are dropped; invalid UTF-8 becomes U+FFFD.
//
// Only what could mean something is escaped, so that the Markdown stays
// pleasant to read in an editor ("Self-Adjoint", "e.g.", "a -> b" are left
// alone): the characters that open inline syntax anywhere (\ ` * _ [ ] < |
// ~ $ @), an & that could start an entity, the ":" of a URL scheme and the
// "." of "www." that GFM would turn into links, and the one character at
// the start that could open a block (#, >, -, +, =, or the "." or ")" of
// "1.").
func EscapeMarkdown(s string) string {
	s = cleanText(s)
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(s, i) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// needsEscape reports whether s[i] must be backslash-escaped.
func needsEscape(s string, i int) bool {
	c := s[i]
	switch c {
	case '\\', '`', '*', '_', '[', ']', '<', '|', '~', '$', '@':
		return true
	case '&':
		return i+1 < len(s) && (s[i+1] == '#' || isASCIIAlnum(s[i+1]))
	case ':':
		// http://, https://, ftp://, mailto: and the like: GFM autolinks.
		return i+1 < len(s) && s[i+1] == '/' || i >= 6 && strings.EqualFold(s[i-6:i], "mailto")
	case '.':
		if i >= 3 && strings.EqualFold(s[i-3:i], "www") {
			return true // www.example.com
		}
		return isOrderedMarker(s, i)
	case ')':
		return isOrderedMarker(s, i)
	case '#', '>', '-', '+', '=', '!':
		return i == 0
	}
	return false
}

// isOrderedMarker reports whether s[i] ends a leading run of digits, as the
// "." of "1." that would open an ordered list at the start of a line.
func isOrderedMarker(s string, i int) bool {
	if i == 0 || i > 9 {
		return false
	}
	for j := 0; j < i; j++ {
		if s[j] < '0' || s[j] > '9' {
			return false
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// cleanText is the text EscapeMarkdown shows: white space folded and
// trimmed, control and bidi characters dropped, invalid UTF-8 replaced.
func cleanText(s string) string {
	if isCleanASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				r = unicode.ReplacementChar
			}
		}
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == 0 || unicode.IsControl(r) || isBidiControl(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isCleanASCII reports whether s is printable ASCII without runs of spaces
// or spaces at either end, the common case that needs no cleaning.
func isCleanASCII(s string) bool {
	prev := byte(' ')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || (c == ' ' && prev == ' ') {
			return false
		}
		prev = c
	}
	return prev != ' ' || s == ""
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// isBidiControl reports the invisible characters that reorder text around
// them (embeddings, overrides, isolates) and marks.
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// githubSlug is the anchor GitHub gives a heading with text s: lower case,
// punctuation dropped except '-' and '_', spaces to '-'. used counts the
// slugs handed out so far, so repeated headings get "-1", "-2", as GitHub
// does.
func githubSlug(s string, used map[string]int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(cleanText(s)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	slug := b.String()
	n := used[slug]
	used[slug] = n + 1
	if n > 0 {
		slug += "-" + strconv.Itoa(n)
	}
	return slug
}
