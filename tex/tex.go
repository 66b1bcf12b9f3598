// Package tex turns the TeX that arXiv leaves in its feeds into text a
// reader can read.
//
// ToUnicode decodes author names (accents such as R\'emy or Hajdu\v{s}ek,
// letters such as {\l} or \ss, escaped characters such as \&) into plain
// Unicode text. Text, HTML and Plain do the same for titles and abstracts,
// which also hold prose ligatures (dashes, quotes, ~) and inline math
// ($...$, \(...\)): Text keeps the math as written (for Markdown), HTML
// writes it as MathML Core, Plain as a Unicode approximation (α, n², x₁).
// There is one decoder; the prose rules are a mode of it.
//
// Accents become a base letter plus a Unicode combining mark and the result
// is put in NFC, so every accented letter that Unicode has precomposed comes
// out as one code point. Grouping braces are dropped. Commands the decoder
// does not know are kept as written (with the group that follows them), so
// nothing a reader might need disappears.
package tex

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ToUnicode decodes the TeX in s into Unicode, in NFC. Invalid UTF-8 in s
// becomes U+FFFD. Text without TeX comes back unchanged apart from NFC.
func ToUnicode(s string) string {
	s = validUTF8(s)
	if !strings.ContainsAny(s, `\{}`) {
		if norm.NFC.IsNormalString(s) {
			return s // most names: no copy
		}
		return norm.NFC.String(s)
	}
	d := decoder{src: s}
	d.run()
	return norm.NFC.String(d.out.String())
}

// decoder walks the source once. Braces are tracked on a stack: a group
// opened right after an unknown command is kept (with its braces), every
// other group only groups and its braces are dropped.
type decoder struct {
	src  string
	pos  int
	out  strings.Builder
	keep []bool // one entry per open brace: whether its braces are written

	// prose turns on what only titles and abstracts get (see Text): dashes,
	// quotes, ~, the text symbols, and math spans passed over untouched.
	prose bool
	// split collects the output as pieces (prose, math, prose, ...) instead
	// of writing math spans verbatim into out.
	split   bool
	pieces  []piece
	written int // the length of out when the last piece ended
	spans   spanScanner
}

func (d *decoder) run() {
	d.out.Grow(len(d.src))
	for d.pos < len(d.src) {
		r, n := utf8.DecodeRuneInString(d.src[d.pos:])
		switch r {
		case '{':
			d.pos += n
			d.keep = append(d.keep, false)
		case '}':
			d.pos += n
			d.closeGroup()
		case '\\':
			if d.prose && d.mathSpan() {
				continue
			}
			d.command()
		case '$':
			if d.prose && d.mathSpan() {
				continue
			}
			d.pos += n
			d.out.WriteByte('$')
		case '-', '`', '\'', '~':
			if d.prose && d.ligature() {
				continue
			}
			d.pos += n
			d.out.WriteRune(r)
		default:
			// Copy the run of bytes up to the next one that means
			// something; most of a title or abstract is such a run.
			end := d.pos + n
			for end < len(d.src) && !special[d.src[end]] {
				end++
			}
			d.out.WriteString(d.src[d.pos:end])
			d.pos = end
		}
	}
}

// special are the bytes run stops at.
var special = [256]bool{'{': true, '}': true, '\\': true, '$': true, '-': true, '`': true, '\'': true, '~': true}

// closeGroup ends the innermost open group; an unmatched '}' is dropped.
func (d *decoder) closeGroup() {
	if len(d.keep) == 0 {
		return
	}
	if d.keep[len(d.keep)-1] {
		d.out.WriteByte('}')
	}
	d.keep = d.keep[:len(d.keep)-1]
}

// command handles a backslash at d.pos.
func (d *decoder) command() {
	start := d.pos
	d.pos++ // the backslash
	if d.pos >= len(d.src) {
		d.out.WriteByte('\\')
		return
	}
	r, n := utf8.DecodeRuneInString(d.src[d.pos:])
	if !isLetter(r) {
		// A control symbol: \' \" \& \\ ...
		d.pos += n
		if mark, ok := symbolAccents[r]; ok {
			d.accent(mark, string(r))
			return
		}
		if lit, ok := controlSymbols[r]; ok {
			d.out.WriteString(lit)
			return
		}
		d.out.WriteString(d.src[start:d.pos]) // unknown: keep as written
		return
	}
	name := d.word()
	if mark, ok := letterAccents[name]; ok {
		d.skipSpaces()
		d.accent(mark, `\`+name)
		return
	}
	if lit, ok := letters[name]; ok {
		d.skipSpaces() // TeX eats the spaces after a control word
		d.out.WriteString(lit)
		return
	}
	if lit, ok := textSymbols[name]; ok && d.prose {
		// Unlike TeX, the space after the command is kept: abstracts
		// write "\ldots and" and "\LaTeX is" and mean the space.
		d.out.WriteString(lit)
		if d.pos+1 < len(d.src) && d.src[d.pos] == '{' && d.src[d.pos+1] == '}' {
			d.pos += 2 // \LaTeX{}
		}
		return
	}
	if _, ok := styleCommands[name]; ok {
		d.skipSpaces()
		return // the group that follows is an ordinary group
	}
	// Unknown: keep the command and, if one follows at once, its group.
	d.out.WriteString(d.src[start:d.pos])
	if d.pos < len(d.src) && d.src[d.pos] == '{' {
		d.pos++
		d.out.WriteByte('{')
		d.keep = append(d.keep, true)
	}
}

// word reads the letters of a control word.
func (d *decoder) word() string {
	start := d.pos
	for d.pos < len(d.src) {
		r, n := utf8.DecodeRuneInString(d.src[d.pos:])
		if !isLetter(r) {
			break
		}
		d.pos += n
	}
	return d.src[start:d.pos]
}

func (d *decoder) skipSpaces() {
	for d.pos < len(d.src) && (d.src[d.pos] == ' ' || d.src[d.pos] == '\t' || d.src[d.pos] == '\n') {
		d.pos++
	}
}

// accent reads the accent's argument (a letter, a braced letter, \i, {\o},
// optionally after spaces) and writes it followed by the combining mark. With
// no argument it writes literal instead, so the text stays readable.
func (d *decoder) accent(mark rune, literal string) {
	d.skipSpaces()
	braced := d.pos < len(d.src) && d.src[d.pos] == '{'
	if braced {
		// The group's braces are dropped by run when it reaches the '}'.
		d.pos++
		d.keep = append(d.keep, false)
		d.skipSpaces()
	}
	base, ok := d.accentBase()
	if !ok {
		d.out.WriteString(literal)
		return
	}
	d.out.WriteString(base)
	d.out.WriteRune(mark)
	if braced {
		// \'{ e } : spaces before the closing brace belong to the group.
		save := d.pos
		d.skipSpaces()
		if d.pos >= len(d.src) || d.src[d.pos] != '}' {
			d.pos = save
		}
	}
}

// accentBase reads the letter an accent sits on.
func (d *decoder) accentBase() (string, bool) {
	if d.pos >= len(d.src) {
		return "", false
	}
	r, n := utf8.DecodeRuneInString(d.src[d.pos:])
	switch r {
	case '}', '{':
		return "", false
	case '\\':
		save := d.pos
		d.pos++
		name := d.word()
		if base, ok := accentableLetters[name]; ok {
			d.skipSpaces()
			return base, true
		}
		d.pos = save
		return "", false
	}
	d.pos += n
	return string(r), true
}

// validUTF8 returns s with each run of invalid UTF-8 replaced by U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func isLetter(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) }
