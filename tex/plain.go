package tex

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// plainMath writes a parsed math span as Unicode text (see Plain); ok is
// false when some part of it has no Unicode form.
func plainMath(root *node) (string, bool) {
	var w plainWriter
	w.kids(root.kids)
	return strings.TrimSpace(w.b.String()), !w.fail
}

type plainWriter struct {
	b    strings.Builder
	fail bool
}

func (w *plainWriter) kids(kids []*node) {
	for i, k := range kids {
		if i > 0 && spaceBefore(kids, i) {
			w.b.WriteByte(' ')
		}
		w.node(k)
	}
}

// spaceBefore reports whether Plain writes a space before kids[i]. TeX
// ignores spaces in math, but how the author spaced the source is the best
// guide to a readable line: a space is kept where the source has one,
// except just inside brackets; a relation or binary operator gets spaces on
// both sides or on neither (n ≥ 4, n≥4, never n≥ 4), a sign none (−1);
// and a function name is set off from its neighbours (n log n).
func spaceBefore(kids []*node, i int) bool {
	if infix(kids, i-1) {
		return spacedOp(kids, i-1)
	}
	if infix(kids, i) {
		return spacedOp(kids, i)
	}
	prev, next := trail(kids[i-1]), lead(kids[i])
	if prev.fn && next.kind != kOp || next.fn && prev.kind != kOp {
		return true
	}
	if !kids[i].space || prev.kind == kOp && strings.ContainsAny(prev.text, "+−±∓") {
		return false // a sign: −δ
	}
	if prev.kind == kOp && strings.ContainsAny(prev.text, "([{⟨⌊⌈|") && len(prev.text) <= 3 {
		return false
	}
	if next.kind == kOp && strings.ContainsAny(next.text, ")]}⟩⌋⌉|") && len(next.text) <= 3 {
		return false
	}
	return true
}

// infix reports whether kids[j] is a relation or binary operator between
// two operands (not a sign, not punctuation or a bracket).
func infix(kids []*node, j int) bool {
	k := kids[j]
	if k.kind != kOp || j == 0 || j == len(kids)-1 && !k.space || strings.ContainsAny(k.text, "()[]{}|/,;:.!?'′″‴⟨⟩⌊⌋⌈⌉‖…⋯") {
		return false
	}
	prev := trail(kids[j-1])
	return prev.kind != kOp || strings.ContainsAny(prev.text, ")]}⟩⌋⌉|‖")
}

func spacedOp(kids []*node, j int) bool {
	return kids[j].space || j+1 < len(kids) && kids[j+1].space
}

// text is n written alone.
func (w *plainWriter) text(n *node) string {
	var sub plainWriter
	if n != nil {
		sub.node(n)
	}
	if sub.fail {
		w.fail = true
	}
	return sub.b.String()
}

func (w *plainWriter) node(n *node) {
	switch n.kind {
	case kIdent, kNumber, kOp, kText, kSpace:
		w.b.WriteString(n.text)
	case kRow:
		w.kids(n.kids)
	case kScript:
		w.node(n.kids[0])
		if n.kids[1] != nil {
			w.b.WriteString(script(w.text(n.kids[1]), subscripts, "_"))
		}
		if n.kids[2] != nil {
			w.b.WriteString(script(w.text(n.kids[2]), superscripts, "^"))
		}
	case kFrac:
		w.b.WriteString(operand(w.text(n.kids[0])))
		w.b.WriteByte('/')
		w.b.WriteString(operand(w.text(n.kids[1])))
	case kSqrt:
		w.b.WriteString("√")
		w.b.WriteString(operand(w.text(n.kids[0])))
	case kRoot:
		switch index := w.text(n.kids[1]); index {
		case "3":
			w.b.WriteString("∛")
		case "4":
			w.b.WriteString("∜")
		default:
			sup, ok := mapScript(index, superscripts)
			if !ok {
				w.fail = true
				return
			}
			w.b.WriteString(sup + "√")
		}
		w.b.WriteString(operand(w.text(n.kids[0])))
	case kOver, kUnder:
		base := w.text(n.kids[0])
		wide := n.text == "‾" || n.kind == kUnder
		if base == "" || !wide && utf8.RuneCountInString(base) != 1 {
			w.fail = true // \hat{xy} has no Unicode form
			return
		}
		for _, r := range base {
			w.b.WriteRune(r)
			w.b.WriteRune(n.mark)
		}
	case kFence:
		w.b.WriteString(n.open)
		w.kids(n.kids[0].kids)
		w.b.WriteString(n.close)
	}
}

// lead is the first atom Plain writes for n: the } of \{x\}_n, the n of {n}.
func lead(n *node) *node {
	for {
		switch {
		case n.kind == kScript && n.kids[0] != nil:
			n = n.kids[0]
		case n.kind == kRow && len(n.kids) > 0:
			n = n.kids[0]
		default:
			return n
		}
	}
}

// trail is the last atom written for n, when n has no scripts.
func trail(n *node) *node {
	for n.kind == kRow && len(n.kids) > 0 {
		n = n.kids[len(n.kids)-1]
	}
	return n
}

// script writes a sub- or superscript in Unicode script characters if all
// of it has them, else after the ASCII marker (_ or ^), in parentheses when
// longer than one character.
func script(s string, table map[rune]rune, marker string) string {
	if mapped, ok := mapScript(s, table); ok {
		return mapped
	}
	s = strings.ReplaceAll(s, " ", "")
	if utf8.RuneCountInString(s) == 1 {
		return marker + s
	}
	return marker + "(" + s + ")"
}

func mapScript(s string, table map[rune]rune) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		if r == ' ' || r == '\u2009' {
			continue
		}
		m, ok := table[r]
		if !ok {
			return "", false
		}
		b.WriteRune(m)
	}
	return b.String(), b.Len() > 0
}

// operand puts parentheses around s if it is more than one name or number
// (n−1, but not dx or 10).
func operand(s string) string {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) && r != '.' && r != '′' {
			return "(" + s + ")"
		}
	}
	return s
}

var superscripts = map[rune]rune{
	'0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
	'+': '⁺', '−': '⁻', '-': '⁻', '=': '⁼', '(': '⁽', ')': '⁾',
	'a': 'ᵃ', 'b': 'ᵇ', 'c': 'ᶜ', 'd': 'ᵈ', 'e': 'ᵉ', 'f': 'ᶠ', 'g': 'ᵍ', 'h': 'ʰ', 'i': 'ⁱ',
	'j': 'ʲ', 'k': 'ᵏ', 'l': 'ˡ', 'm': 'ᵐ', 'n': 'ⁿ', 'o': 'ᵒ', 'p': 'ᵖ', 'r': 'ʳ', 's': 'ˢ',
	't': 'ᵗ', 'u': 'ᵘ', 'v': 'ᵛ', 'w': 'ʷ', 'x': 'ˣ', 'y': 'ʸ', 'z': 'ᶻ',
	'A': 'ᴬ', 'B': 'ᴮ', 'D': 'ᴰ', 'E': 'ᴱ', 'G': 'ᴳ', 'H': 'ᴴ', 'I': 'ᴵ', 'J': 'ᴶ', 'K': 'ᴷ',
	'L': 'ᴸ', 'M': 'ᴹ', 'N': 'ᴺ', 'O': 'ᴼ', 'P': 'ᴾ', 'R': 'ᴿ', 'T': 'ᵀ', 'U': 'ᵁ', 'V': 'ⱽ',
	'W': 'ᵂ',
	'α': 'ᵅ', 'β': 'ᵝ', 'γ': 'ᵞ', 'δ': 'ᵟ', 'ε': 'ᵋ', 'ϵ': 'ᵋ', 'θ': 'ᶿ', 'ι': 'ᶥ', 'φ': 'ᵠ',
	'ϕ': 'ᵠ', 'χ': 'ᵡ',
	// Not superscript letters, but what a superscript of them means.
	'′': '′', '″': '″', '‴': '‴', '*': '*', '∗': '*', '†': '†', '‡': '‡', '∘': '°', '⊤': 'ᵀ',
}

var subscripts = map[rune]rune{
	'0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉',
	'+': '₊', '−': '₋', '-': '₋', '=': '₌', '(': '₍', ')': '₎',
	'a': 'ₐ', 'e': 'ₑ', 'h': 'ₕ', 'i': 'ᵢ', 'j': 'ⱼ', 'k': 'ₖ', 'l': 'ₗ', 'm': 'ₘ', 'n': 'ₙ',
	'o': 'ₒ', 'p': 'ₚ', 'r': 'ᵣ', 's': 'ₛ', 't': 'ₜ', 'u': 'ᵤ', 'v': 'ᵥ', 'x': 'ₓ',
	'β': 'ᵦ', 'γ': 'ᵧ', 'ρ': 'ᵨ', 'φ': 'ᵩ', 'ϕ': 'ᵩ', 'χ': 'ᵪ',
}
