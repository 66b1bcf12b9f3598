package tex

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Titles and abstracts: prose with inline math.
//
// A math span is one of
//
//	$...$    \(...\)    $$...$$    \[...\]
//
// The display forms are shown inline like the others. For $...$ the rule is
// Pandoc's, so that a dollar sign used as money is left alone, with one
// change: the opening $ must have a non-space character immediately to its
// right, the closing $ (the next unescaped $) a non-space character
// immediately to its left, and, when the span starts with a digit, the
// closing $ must not be followed immediately by a digit. "costs $5 and $10"
// has no math (the second $ has a space on its left), nor has "$5-$10" (a
// span that starts with a digit closed right before one), while "$k$-cubic",
// "SU($N_c$)" and "$\sim$300k" (a real abstract; Pandoc would not read it)
// have. An opening delimiter without its closing one is prose and is kept
// as written. \$ is an escaped dollar, never a delimiter. A span of nothing
// but spaces is prose.

// piece is one stretch of decoded prose or one math span.
type piece struct {
	text  string // prose: decoded text; math: the span as written, delimiters included
	inner string // math: the TeX between the delimiters
	math  bool
	start int // prose, while decoding: where its text starts in the decoder's output
}

// Text decodes the TeX in prose (a title or abstract) into Unicode, in NFC,
// outside math: accents (Schr\"odinger is Schrödinger), escaped characters
// (\& \% \_ \$ \#), -- (en dash), --- (em dash), ~ (no-break space, except
// right after a / as in a home-page URL), TeX's double quotes (two
// backquotes, two apostrophes) as “ and ”, style commands (\emph{x} is x),
// text symbols (\ldots, \S, \LaTeX). Math spans are kept verbatim,
// delimiters included, so Markdown can keep $...$ for its own math
// rendering. Commands the decoder does not know are kept as written.
// Invalid UTF-8 becomes U+FFFD.
func Text(s string) string {
	s = validUTF8(s)
	if plainProse(s) {
		return nfc(s)
	}
	d := decoder{src: s, prose: true}
	d.run()
	return norm.NFC.String(d.out.String())
}

// HTML returns s as safe HTML: the caller may convert it to template.HTML
// and insert it as the content of an ordinary element (a <p>, <h2>, <a>,
// <div>), never into an attribute value or into <title>, <textarea>,
// <script> or <style>, where markup is not parsed; use Plain there. The
// result is well-formed on its own (every element it opens it closes) and
// holds no element but those listed below, so it cannot break the page
// around it. Prose is decoded
// as by Text and escaped: every character that came from s and could mean
// markup (& < > " ') is written as an entity. Each math span in the
// supported subset becomes one MathML Core element,
//
//	<math><semantics>…<annotation encoding="application/x-tex">TeX</annotation></semantics></math>
//
// built only from elements and attribute values this package writes itself
// (the TeX inside annotation is escaped, so copy and assistive tools keep
// the source). A span outside the subset (an unknown command, unbalanced
// braces, \frac with one argument, an environment) is shown as written,
// delimiters included, escaped, as <span class="tex">$…$</span>.
//
// The subset: letters, numbers, operators and relations, Greek letters,
// sub- and superscripts, primes, \frac, \sqrt, \left…\right and \big
// delimiters, accents (\hat \bar \tilde \vec \dot \ddot …), the math
// alphabets (\mathcal \mathbb \mathbf \mathfrak \mathsf \mathtt \mathrm
// \boldsymbol, written as Unicode mathematical letters since MathML Core
// has no mathvariant but "normal"), \text and \operatorname, function names
// (\log \sin \exp …), and spacing commands.
func HTML(s string) string {
	s = validUTF8(s)
	if plain, ascii, noMarkup := scanProse(s); plain {
		if ascii && noMarkup {
			return s // most titles: no copy
		}
		return escapeHTML(nfc(s))
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for _, p := range splitProse(s) {
		if !p.math {
			writeEscaped(&b, p.text)
			continue
		}
		if root, ok := parseMath(p.inner); ok {
			writeMathML(&b, root, p.inner)
			continue
		}
		b.WriteString(`<span class="tex">`)
		writeEscaped(&b, p.text)
		b.WriteString(`</span>`)
	}
	return b.String()
}

// Plain returns a Unicode approximation of s for places that show only text
// (an Atom feed title, a plain-text mail): prose as Text, and each math span
// without its delimiters, approximated: Greek letters and symbols as
// Unicode (α, ×, ≤, ∞, →), the math alphabets as Unicode mathematical
// letters (𝒪, ℝ), sub- and superscripts as Unicode sub- and superscript
// characters where every character has one (n², Tₘₐₓ, x₁), else as _ or ^
// followed by the script, in parentheses if longer than one character
// (x_(n≥4)); \frac{a}{b} as a/b (parenthesised when needed), \sqrt{x} as
// √x, accents as combining marks (x̂). A span outside the supported subset
// (see HTML) is kept as its TeX source without the delimiters.
func Plain(s string) string {
	s = validUTF8(s)
	if plainProse(s) {
		return nfc(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, p := range splitProse(s) {
		if !p.math {
			b.WriteString(p.text)
			continue
		}
		if root, ok := parseMath(p.inner); ok {
			if text, ok := plainMath(root); ok {
				b.WriteString(text)
				continue
			}
		}
		b.WriteString(strings.TrimSpace(p.inner))
	}
	return norm.NFC.String(b.String())
}

// Markdown returns s for a Markdown document (GitHub's flavour): prose
// decoded as by Text and passed through escape, the caller's escaper for
// Markdown text; each math span written as $TeX$, the form GitHub renders
// ($$...$$, \(...\) and \[...\] included), its TeX unchanged and not
// escaped, trimmed of the spaces GitHub does not allow inside the dollars
// (a span with a $ of its own is escaped as text instead).
// White space at either end of a prose piece is kept as one space even if
// escape trims it, so "half $\pi$ pulse" keeps its spaces.
func Markdown(s string, escape func(string) string) string {
	s = validUTF8(s)
	if plainProse(s) {
		return escape(nfc(s))
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, p := range splitProse(s) {
		if p.math && strings.Contains(p.inner, "$") {
			b.WriteString(escape(p.text)) // \(a$b\) cannot be written with dollars
			continue
		}
		if p.math {
			b.WriteByte('$')
			b.WriteString(strings.TrimSpace(p.inner))
			b.WriteByte('$')
			continue
		}
		trimmed := strings.TrimSpace(p.text)
		if trimmed == "" {
			b.WriteByte(' ')
			continue
		}
		if trimmed != p.text && isSpaceByte(p.text[0]) {
			b.WriteByte(' ')
		}
		b.WriteString(escape(trimmed))
		if trimmed != p.text && isSpaceByte(p.text[len(p.text)-1]) {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// HasMath reports whether s holds at least one math span (by the rules
// above, so "costs $5 and $10" has none).
func HasMath(s string) bool {
	if !strings.ContainsAny(s, `$\`) {
		return false
	}
	for _, p := range splitProse(validUTF8(s)) {
		if p.math {
			return true
		}
	}
	return false
}

// splitProse decodes s in prose mode into its pieces; math pieces are left
// as written.
func splitProse(s string) []piece {
	d := decoder{src: s, prose: true, split: true}
	d.run()
	d.flush()
	// The prose pieces were written one after another into d.out: one
	// string holds them all.
	out := d.out.String()
	for i := range d.pieces {
		if p := &d.pieces[i]; !p.math {
			end := len(out)
			for _, q := range d.pieces[i+1:] {
				if !q.math {
					end = q.start
					break
				}
			}
			p.text = nfc(out[p.start:end])
		}
	}
	return d.pieces
}

// plainProse reports whether s has nothing for the prose decoder to do: no
// command, brace, math delimiter, ~, -- or quote ligature. Most titles are
// like that, and Text, HTML and Plain return them at the cost of one scan.
func plainProse(s string) bool {
	ok, _, _ := scanProse(s)
	return ok
}

// scanProse looks at s once for the fast paths: whether it is plain prose
// (see plainProse), all ASCII (so already in NFC), and free of the
// characters HTML escapes.
func scanProse(s string) (plain, ascii, noMarkup bool) {
	var seen byte
	for i := 0; i < len(s); i++ {
		c := proseClass[s[i]]
		if c == 0 {
			continue
		}
		if c&classTeX != 0 {
			return false, false, false
		}
		if c&classPair != 0 && i+1 < len(s) && s[i+1] == s[i] {
			return false, false, false
		}
		seen |= c
	}
	return true, seen&classNonASCII == 0, seen&classMarkup == 0
}

// The classes of bytes scanProse looks for.
const (
	classTeX      = 1 << iota // always means TeX: \ { } $ ~
	classPair                 // means TeX when doubled: -- `` ''
	classMarkup               // escaped by HTML: & < > " '
	classNonASCII             // part of a multi-byte character
)

var proseClass = func() (t [256]byte) {
	for _, c := range "\\{}$~" {
		t[c] |= classTeX
	}
	for _, c := range "-`'" {
		t[c] |= classPair
	}
	for _, c := range "&<>\"'" {
		t[c] |= classMarkup
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] |= classNonASCII
	}
	return t
}()

func nfc(s string) string {
	if isASCII(s) || norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// escapeHTML escapes s for HTML element content and attribute values.
func escapeHTML(s string) string {
	if !strings.ContainsAny(s, `&<>"'`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	writeEscaped(&b, s)
	return b.String()
}

func writeEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}
