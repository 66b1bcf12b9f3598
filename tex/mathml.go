package tex

import (
	"strings"
	"unicode/utf8"
)

// writeMathML writes the MathML Core element for a parsed math span whose
// TeX is src. Every element name and attribute value below is a constant
// of this file or a width from mathSpaces; every text from the span is
// escaped.
func writeMathML(b *strings.Builder, root *node, src string) {
	b.WriteString("<math><semantics>")
	writeArg(b, root)
	b.WriteString(`<annotation encoding="application/x-tex">`)
	writeEscaped(b, strings.TrimSpace(src))
	b.WriteString("</annotation></semantics></math>")
}

// writeArg writes n as exactly one element, as the arguments of <msub>,
// <mfrac> and the like must be.
func writeArg(b *strings.Builder, n *node) {
	if n == nil || n.kind == kRow && len(n.kids) != 1 {
		b.WriteString("<mrow>")
		if n != nil {
			writeKids(b, n.kids)
		}
		b.WriteString("</mrow>")
		return
	}
	if n.kind == kRow {
		n = n.kids[0]
	}
	writeNode(b, n)
}

func writeKids(b *strings.Builder, kids []*node) {
	for _, k := range kids {
		writeNode(b, k)
	}
}

func writeLeaf(b *strings.Builder, open, text, close string) {
	b.WriteString(open)
	writeEscaped(b, text)
	b.WriteString(close)
}

func writeNode(b *strings.Builder, n *node) {
	switch n.kind {
	case kIdent:
		if n.normal && utf8.RuneCountInString(n.text) == 1 {
			writeLeaf(b, `<mi mathvariant="normal">`, n.text, "</mi>")
		} else {
			writeLeaf(b, "<mi>", n.text, "</mi>")
		}
	case kNumber:
		writeLeaf(b, "<mn>", n.text, "</mn>")
	case kOp:
		writeLeaf(b, "<mo>", n.text, "</mo>")
	case kText:
		writeLeaf(b, "<mtext>", n.text, "</mtext>")
	case kSpace:
		b.WriteString(`<mspace width="`)
		b.WriteString(n.width) // from mathSpaces, never from the input
		b.WriteString(`"></mspace>`)
	case kRow:
		writeArg(b, n)
	case kScript:
		sub, sup := n.kids[1], n.kids[2]
		tag := "msubsup"
		switch {
		case sup == nil:
			tag = "msub"
		case sub == nil:
			tag = "msup"
		}
		b.WriteString("<" + tag + ">")
		writeArg(b, n.kids[0])
		if sub != nil {
			writeArg(b, sub)
		}
		if sup != nil {
			writeArg(b, sup)
		}
		b.WriteString("</" + tag + ">")
	case kFrac:
		b.WriteString("<mfrac>")
		writeArg(b, n.kids[0])
		writeArg(b, n.kids[1])
		b.WriteString("</mfrac>")
	case kSqrt:
		b.WriteString("<msqrt>")
		writeArg(b, n.kids[0])
		b.WriteString("</msqrt>")
	case kRoot:
		b.WriteString("<mroot>")
		writeArg(b, n.kids[0])
		writeArg(b, n.kids[1])
		b.WriteString("</mroot>")
	case kOver:
		b.WriteString(`<mover accent="true">`)
		writeArg(b, n.kids[0])
		writeLeaf(b, "<mo>", n.text, "</mo>")
		b.WriteString("</mover>")
	case kUnder:
		b.WriteString(`<munder accentunder="true">`)
		writeArg(b, n.kids[0])
		writeLeaf(b, "<mo>", n.text, "</mo>")
		b.WriteString("</munder>")
	case kFence:
		b.WriteString("<mrow>")
		if n.open != "" {
			writeLeaf(b, "<mo>", n.open, "</mo>")
		}
		writeKids(b, n.kids[0].kids)
		if n.close != "" {
			writeLeaf(b, "<mo>", n.close, "</mo>")
		}
		b.WriteString("</mrow>")
	}
}
