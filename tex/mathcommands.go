package tex

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The commands of the math subset: how each reads its arguments.

// command reads the command whose backslash is at p.pos.
func (p *mathParser) command() *node {
	// Commands nest through their arguments (\frac\frac\frac...) as
	// groups do through rows: the same bound applies.
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		p.fail = true
		return nil
	}
	name := p.name()
	if name == "" {
		p.fail = true
		return nil
	}
	if r, ok := greek[name]; ok {
		return &node{kind: kIdent, text: string(r), normal: unicode.IsUpper(r)}
	}
	if s, ok := mathSymbols[name]; ok {
		return &node{kind: s.kind, text: s.text}
	}
	if s, ok := mathSpaces[name]; ok {
		if s.width == "" {
			return nil // \! and the like
		}
		return &node{kind: kSpace, width: s.width, text: s.text}
	}
	if mathFunctions[name] {
		return &node{kind: kIdent, text: name, fn: true}
	}
	if a, ok := mathAccents[name]; ok {
		base := p.arg()
		if base == nil {
			return nil
		}
		k := kOver
		if a.under {
			k = kUnder
		}
		return &node{kind: k, text: a.text, mark: a.mark, kids: []*node{base}}
	}
	if _, ok := bigSizes[name]; ok {
		d, ok := p.delimiter()
		if !ok || d == "" {
			p.fail = true
			return nil
		}
		return &node{kind: kOp, text: d}
	}
	if a, ok := alphabets[name]; ok {
		arg := p.arg()
		if arg == nil {
			return nil
		}
		return restyle(arg, a)
	}
	switch name {
	case "frac", "tfrac", "dfrac", "cfrac":
		num := p.arg()
		den := p.arg()
		if p.fail {
			return nil
		}
		return &node{kind: kFrac, kids: []*node{num, den}}
	case "sqrt":
		p.skipSpaces()
		var index *node
		if p.pos < len(p.src) && p.src[p.pos] == '[' {
			p.pos++
			index = p.row(stopBracket)
		}
		body := p.arg()
		if p.fail {
			return nil
		}
		if index != nil {
			return &node{kind: kRoot, kids: []*node{body, index}}
		}
		return &node{kind: kSqrt, kids: []*node{body}}
	case "left":
		return p.fence()
	case "middle":
		d, ok := p.delimiter()
		if !ok || d == "" {
			p.fail = true
			return nil
		}
		return &node{kind: kOp, text: d}
	case "text", "textrm", "textup", "textnormal", "textit", "textbf", "textsf", "texttt", "mbox", "hbox", "emph":
		text, ok := p.rawGroup()
		if !ok {
			return nil
		}
		return &node{kind: kText, text: text}
	case "operatorname":
		if p.pos < len(p.src) && p.src[p.pos] == '*' {
			p.pos++
		}
		text, ok := p.rawGroup()
		if !ok || text == "" || strings.ContainsAny(text, " \u00a0") {
			p.fail = true
			return nil
		}
		return &node{kind: kIdent, text: text, fn: true, normal: true}
	case "not":
		n := p.arg()
		if n == nil || n.kind != kOp || utf8.RuneCountInString(n.text) != 1 {
			p.fail = true
			return nil
		}
		n.text = norm.NFC.String(n.text + "\u0338")
		return n
	case "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle", "limits", "nolimits", "nonumber", "notag":
		return nil
	}
	p.fail = true
	return nil
}

// fence reads \left<delim> ... \right<delim>, the \left already read.
func (p *mathParser) fence() *node {
	open, ok := p.delimiter()
	if !ok {
		p.fail = true
		return nil
	}
	body := p.row(stopRight)
	if p.fail || !p.atCommand("right") {
		p.fail = true
		return nil
	}
	p.pos += len(`\right`)
	closing, ok := p.delimiter()
	if !ok {
		p.fail = true
		return nil
	}
	return &node{kind: kFence, open: open, close: closing, kids: []*node{body}}
}

// delimiter reads the delimiter after \left, \right, \middle or \big: ""
// for the empty delimiter ".".
func (p *mathParser) delimiter() (string, bool) {
	p.skipSpaces()
	if p.pos >= len(p.src) {
		return "", false
	}
	c := p.src[p.pos]
	if c == '\\' {
		d, ok := mathDelims[p.name()]
		return d, ok
	}
	p.pos++
	switch c {
	case '.':
		return "", true
	case '(', ')', '[', ']', '|', '/':
		return string(c), true
	case '<':
		return "⟨", true
	case '>':
		return "⟩", true
	}
	return "", false
}

// rawGroup reads the braced argument of a text command as prose: its TeX
// decoded (accents, \&), its braces balanced. Math inside it is not
// supported.
func (p *mathParser) rawGroup() (string, bool) {
	p.skipSpaces()
	if p.pos >= len(p.src) || p.src[p.pos] != '{' {
		p.fail = true
		return "", false
	}
	depth := 0
	start := p.pos + 1
	for ; p.pos < len(p.src); p.pos++ {
		switch p.src[p.pos] {
		case '\\':
			p.pos++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				raw := p.src[start:p.pos]
				p.pos++
				if strings.Contains(raw, "$") {
					p.fail = true
					return "", false
				}
				text := ToUnicode(raw)
				if strings.ContainsAny(text, `\{}`) {
					p.fail = true // a command the decoder does not know
					return "", false
				}
				return text, true
			}
		}
	}
	p.fail = true
	return "", false
}

// restyle writes the letters (and digits) of n in the alphabet a.
func restyle(n *node, a alphabet) *node {
	if a.upright {
		return upright(n)
	}
	switch n.kind {
	case kIdent, kNumber:
		if !n.fn {
			var b strings.Builder
			for _, r := range n.text {
				b.WriteRune(a.letter(r))
			}
			if b.String() != n.text {
				n.text = b.String()
				n.normal = false
			}
		}
	case kText, kOp, kSpace:
	default:
		for _, k := range n.kids {
			if k != nil {
				restyle(k, a)
			}
		}
	}
	return n
}

// upright is \mathrm: letters upright, and a row of nothing but letters one
// identifier (\mathrm{max}, \mathrm{d}).
func upright(n *node) *node {
	if n.kind == kRow {
		word := len(n.kids) > 0
		for _, k := range n.kids {
			if k.kind != kIdent || k.space {
				word = false
			}
		}
		if word {
			var b strings.Builder
			for _, k := range n.kids {
				b.WriteString(k.text)
			}
			return &node{kind: kIdent, text: b.String(), normal: true}
		}
	}
	if n.kind == kIdent {
		n.normal = true
	}
	for _, k := range n.kids {
		if k != nil {
			upright(k)
		}
	}
	return n
}
