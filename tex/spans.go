package tex

import "strings"

// The decoder's prose mode: math spans found and passed over, and the
// ligatures of prose.

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

// dollar applies the $...$ rule (see the top of prose.go) to the $ at s[i].
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
