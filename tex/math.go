package tex

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The math parser reads the TeX of one math span into a small tree, which
// mathml.go writes as MathML and plain.go as Unicode text. It knows a fixed
// subset of TeX (see HTML); anything else makes the whole span fail, and the
// caller shows the span as written.

type kind uint8

const (
	kIdent  kind = iota // <mi>: a letter, a symbol, a function name
	kNumber             // <mn>
	kOp                 // <mo>
	kText               // <mtext>
	kSpace              // <mspace>
	kRow                // <mrow>: kids
	kScript             // <msub> <msup> <msubsup>: kids base, sub, sup (sub or sup nil)
	kFrac               // <mfrac>: kids numerator, denominator
	kSqrt               // <msqrt>: kids[0] the radicand
	kRoot               // <mroot>: kids radicand, index
	kOver               // <mover accent>: kids[0] the base, text the accent, mark its combining mark
	kUnder              // <munder accentunder>: the same, below
	kFence              // \left ... \right: kids[0] the body, open and close the delimiters
)

type node struct {
	kind  kind
	text  string
	kids  []*node
	space bool // white space before it in the source (Plain keeps it)

	normal bool   // kIdent: upright (a capital Greek letter, \mathrm)
	fn     bool   // kIdent: a function name (log, sin): Plain puts a space after it before a letter
	width  string // kSpace: the MathML width, one of spaceWidths
	mark   rune   // kOver, kUnder: the combining mark Plain uses
	open   string // kFence
	close  string // kFence
}

// maxDepth bounds the nesting of groups, so no input can exhaust the stack.
const maxDepth = 40

type stop uint8

const (
	stopEnd     stop = iota // the end of the span
	stopBrace               // a }
	stopBracket             // a ] (the index of \sqrt)
	stopRight               // a \right
)

type mathParser struct {
	src   string
	pos   int
	depth int
	fail  bool
}

// parseMath parses the TeX of one math span; ok is false when the span is
// outside the supported subset.
func parseMath(src string) (root *node, ok bool) {
	p := mathParser{src: src}
	root = p.row(stopEnd)
	if p.fail || len(root.kids) == 0 {
		return nil, false
	}
	return root, true
}

// row reads atoms up to the given stop, which it consumes (except \right).
func (p *mathParser) row(until stop) *node {
	r := &node{kind: kRow}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		p.fail = true
		return r
	}
	space := false
	for !p.fail {
		if p.pos >= len(p.src) {
			if until != stopEnd {
				p.fail = true
			}
			return r
		}
		c := p.src[p.pos]
		switch {
		case isSpaceByte(c):
			p.pos++
			space = true
			continue
		case c == '}':
			if until != stopBrace {
				p.fail = true
				return r
			}
			p.pos++
			return r
		case c == ']' && until == stopBracket:
			p.pos++
			return r
		case c == '\\' && until == stopRight && p.atCommand("right"):
			return r
		case c == '^' || c == '_':
			p.pos++
			p.script(r, c == '^', p.arg())
		case c == '\'':
			n := 0
			for p.pos < len(p.src) && p.src[p.pos] == '\'' {
				p.pos++
				n++
			}
			p.script(r, true, &node{kind: kOp, text: primes(n)})
		default:
			if n := p.atom(); n != nil {
				n.space = space
				r.kids = append(r.kids, n)
			}
		}
		space = false
	}
	return r
}

func primes(n int) string {
	switch n {
	case 1:
		return "′"
	case 2:
		return "″"
	case 3:
		return "‴"
	}
	return strings.Repeat("′", n)
}

// script attaches a sub- or superscript to the last atom of r.
func (p *mathParser) script(r *node, sup bool, arg *node) {
	if p.fail || arg == nil {
		p.fail = true
		return
	}
	var s *node
	if last := len(r.kids) - 1; last >= 0 && r.kids[last].kind == kScript {
		s = r.kids[last]
	} else {
		base := &node{kind: kRow}
		if last >= 0 {
			base = r.kids[last]
			r.kids = r.kids[:last]
		}
		s = &node{kind: kScript, kids: []*node{base, nil, nil}, space: base.space}
		r.kids = append(r.kids, s)
	}
	slot := 1
	if sup {
		slot = 2
	}
	if s.kids[slot] != nil {
		p.fail = true // a double superscript is an error in TeX too
		return
	}
	s.kids[slot] = arg
}

// arg reads the argument of a command or script: a group, a command, or
// one character.
func (p *mathParser) arg() *node {
	p.skipSpaces()
	if p.pos >= len(p.src) {
		p.fail = true
		return nil
	}
	switch c := p.src[p.pos]; c {
	case '{':
		p.pos++
		return p.row(stopBrace)
	case '\\':
		n := p.command()
		if n == nil {
			p.fail = true
		}
		return n
	case '}', '^', '_', '\'', '&', '#', '%', '$':
		p.fail = true
		return nil
	}
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	p.pos += size
	return charAtom(r, &p.fail)
}

// atom reads one atom at p.pos; it returns nil for commands that produce
// nothing (\displaystyle, \!).
func (p *mathParser) atom() *node {
	c := p.src[p.pos]
	switch {
	case c == '{':
		p.pos++
		return p.row(stopBrace)
	case c == '\\':
		return p.command()
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.src) && (isDigit(p.src[p.pos]) ||
			p.src[p.pos] == '.' && p.pos+1 < len(p.src) && isDigit(p.src[p.pos+1])) {
			p.pos++
		}
		return &node{kind: kNumber, text: p.src[start:p.pos]}
	case c == '~':
		p.pos++
		return &node{kind: kSpace, width: "0.25em", text: " "}
	}
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	p.pos += size
	return charAtom(r, &p.fail)
}

// charAtom is the atom of one character of math.
func charAtom(r rune, fail *bool) *node {
	switch {
	case r < utf8.RuneSelf && unicode.IsLetter(r):
		return &node{kind: kIdent, text: string(r)}
	case r >= '0' && r <= '9':
		return &node{kind: kNumber, text: string(r)}
	case r == '-':
		return &node{kind: kOp, text: "−"}
	case strings.ContainsRune("+=<>()[]|/,;:!?.*", r):
		return &node{kind: kOp, text: string(r)}
	case r < utf8.RuneSelf:
		*fail = true // & # % " @ and the like mean something else in TeX
		return nil
	case unicode.IsLetter(r):
		return &node{kind: kIdent, text: string(r)}
	case unicode.IsDigit(r):
		return &node{kind: kNumber, text: string(r)}
	case unicode.IsSymbol(r) || unicode.IsPunct(r):
		return &node{kind: kOp, text: string(r)}
	}
	*fail = true
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *mathParser) skipSpaces() {
	for p.pos < len(p.src) && isSpaceByte(p.src[p.pos]) {
		p.pos++
	}
}

// atCommand reports whether the control word name starts at p.pos.
func (p *mathParser) atCommand(name string) bool {
	rest := p.src[p.pos:]
	if !strings.HasPrefix(rest, `\`+name) {
		return false
	}
	after := 1 + len(name)
	return after >= len(rest) || !isLetter(rune(rest[after]))
}

// name reads the name of the command whose backslash is at p.pos: a word
// of letters, or one character.
func (p *mathParser) name() string {
	p.pos++
	start := p.pos
	for p.pos < len(p.src) && isLetter(rune(p.src[p.pos])) {
		p.pos++
	}
	if p.pos == start && p.pos < len(p.src) {
		_, size := utf8.DecodeRuneInString(p.src[p.pos:])
		p.pos += size
		return p.src[start:p.pos]
	}
	name := p.src[start:p.pos]
	p.skipSpaces() // as TeX does after a control word
	return name
}
