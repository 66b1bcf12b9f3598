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

// HTML returns s as safe HTML, ready to be inserted into an HTML page as
// template.HTML (element content, not an attribute value). Prose is decoded
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

// flush ends the current prose piece: the output written since the last
// piece.
func (d *decoder) flush() {
	if d.out.Len() > d.written {
		d.pieces = append(d.pieces, piece{start: d.written})
		d.written = d.out.Len()
	}
}

// mathSpan handles the math span that starts at d.pos, if one does, and
// reports whether it did.
func (d *decoder) mathSpan() bool {
	end, innerStart, innerEnd, ok := d.spans.at(d.src, d.pos)
	if !ok {
		return false
	}
	if d.split {
		d.flush()
		d.pieces = append(d.pieces, piece{
			text:  d.src[d.pos:end],
			inner: d.src[innerStart:innerEnd],
			math:  true,
		})
	} else {
		d.out.WriteString(d.src[d.pos:end])
	}
	d.pos = end
	return true
}

// ligature handles the dashes, quotes and ~ of prose at d.pos and reports
// whether it did.
func (d *decoder) ligature() bool {
	rest := d.src[d.pos:]
	switch {
	case strings.HasPrefix(rest, "---"):
		d.out.WriteString("—")
		d.pos += 3
	case strings.HasPrefix(rest, "--"):
		d.out.WriteString("–")
		d.pos += 2
	case strings.HasPrefix(rest, "``"):
		d.out.WriteString("“")
		d.pos += 2
	case strings.HasPrefix(rest, "''"):
		d.out.WriteString("”")
		d.pos += 2
	case rest[0] == '~' && (d.pos == 0 || d.src[d.pos-1] != '/'):
		d.out.WriteString("\u00a0")
		d.pos++
	default:
		return false
	}
	return true
}

// spanScanner finds math spans. It remembers which closing delimiters do
// not occur again, so that a long text of unclosed openers is still read in
// linear time.
type spanScanner struct {
	noDollar, noDouble, noParen, noBracket bool
}

// at reports the math span starting at s[i], if any: where it ends and
// where the TeX between its delimiters starts and ends.
func (sc *spanScanner) at(s string, i int) (end, innerStart, innerEnd int, ok bool) {
	switch {
	case strings.HasPrefix(s[i:], "$$"):
		return closeAt(s, i+2, "$$", &sc.noDouble)
	case s[i] == '$':
		return sc.dollar(s, i)
	case strings.HasPrefix(s[i:], `\(`):
		return closeAt(s, i+2, `\)`, &sc.noParen)
	case strings.HasPrefix(s[i:], `\[`):
		return closeAt(s, i+2, `\]`, &sc.noBracket)
	}
	return 0, 0, 0, false
}

// closeAt finds the closing delimiter of a span whose TeX starts at from.
func closeAt(s string, from int, delim string, none *bool) (end, innerStart, innerEnd int, ok bool) {
	if *none {
		return 0, 0, 0, false
	}
	j := strings.Index(s[from:], delim)
	if j < 0 {
		*none = true
		return 0, 0, 0, false
	}
	if strings.TrimSpace(s[from:from+j]) == "" {
		return 0, 0, 0, false
	}
	return from + j + len(delim), from, from + j, true
}

// dollar applies the $...$ rule (see the top of this file) to the $ at s[i].
func (sc *spanScanner) dollar(s string, i int) (end, innerStart, innerEnd int, ok bool) {
	if sc.noDollar || i+1 >= len(s) || isSpaceByte(s[i+1]) {
		return 0, 0, 0, false
	}
	j := i + 1
	for j < len(s) && s[j] != '$' {
		if s[j] == '\\' {
			j++ // \$ and \\ are not delimiters
		}
		j++
	}
	if j >= len(s) {
		sc.noDollar = true
		return 0, 0, 0, false
	}
	if isSpaceByte(s[j-1]) || isDigit(s[i+1]) && j+1 < len(s) && isDigit(s[j+1]) {
		return 0, 0, 0, false
	}
	return j + 1, i + 1, j, true
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

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
