package config

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseYAML parses the first YAML document in data into a node tree.
func parseYAML(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	return &doc, err
}

var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError reports a YAML syntax error in data at the line a person must
// fix, in one line. go.yaml.in/yaml/v3 reports the line where the enclosing
// construct began (a block mapping, a plain scalar) rather than where it
// stopped, and for parser errors one line above even that (it prints a
// 0-based mark): a bad indent deep in a topic is reported at the top of the
// list, a stray "- " at a blank line above it. Its position of the problem
// is not exported, so the line is found as the shortest prefix of the
// document, in whole lines, that fails with the very same error. Two
// mistakes show up only lines after they were made, and are traced back:
// a key without its ':' (it runs on into the next line) and an unclosed
// quote (it runs on to the next quote in the file).
func syntaxError(file string, data []byte, err error) *Error {
	m := yamlErrorLine.FindStringSubmatch(err.Error())
	if m == nil {
		return &Error{File: file, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	reported, _ := strconv.Atoi(m[1])
	msg := m[2]
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) {
		// UTF-16: the text cannot be cut into lines as bytes.
		return &Error{File: file, Line: reported, Msg: "not valid YAML: " + msg}
	}
	lines := splitLines(data)
	line := failingPrefix(lines, err.Error(), reported)
	switch q := quoteEndingAt(lines, line); {
	case q.from > 0:
		// An unclosed quote runs on to the next quote in the file, often
		// many lines down, and the error comes where that one closes it.
		line, msg = q.from, fmt.Sprintf("the quote opened on this line is closed only on line %d (is a closing quote missing?)", q.to)
	case msg == "mapping values are not allowed in this context" || msg == "did not find expected key":
		// A key written without its ':' runs on into the next line as a
		// plain scalar, so the parser objects only at the next line.
		if prev := keyWithoutColon(lines, line); prev > 0 {
			line, msg = prev, "could not find expected ':'"
		}
	}
	return &Error{File: file, Line: line, Msg: "not valid YAML: " + msg + syntaxHint(msg, lines, line)}
}

// failingPrefix returns the number of the first line at which the
// document, cut after it, fails to parse with the error want. Cut before
// the problem, the document parses or fails otherwise (at its end, on
// another line); cut after it, it fails the same way, whatever follows.
// So the line is found by bisection, from the line the parser reported:
// the problem cannot come before it. If no prefix fails as the whole
// document does (it always should), the reported line is returned.
func failingPrefix(lines []string, want string, reported int) int {
	ends := make([]int, len(lines)) // byte offset after each line
	var doc strings.Builder
	for i, l := range lines {
		doc.WriteString(l)
		ends[i] = doc.Len()
	}
	text := doc.String()
	lo := max(reported-1, 1)
	if lo > len(lines) {
		return reported
	}
	n := lo + sort.Search(len(lines)-lo+1, func(k int) bool {
		_, err := parseYAML([]byte(text[:ends[lo+k-1]]))
		return err != nil && err.Error() == want
	})
	if n > len(lines) {
		return reported
	}
	return n
}

// keyWithoutColon returns the number of the content line above line if it
// looks like a key whose ':' is missing: a plain word or two with no ':'
// indicator, at the same indentation as line (into which it then runs
// on). It returns 0 if not.
func keyWithoutColon(lines []string, line int) int {
	if line < 2 || line > len(lines) {
		return 0
	}
	prev := previousContent(lines, line)
	if prev == 0 {
		return 0
	}
	col, content := itemContent(lines[prev-1])
	if col != indent(lines[line-1]) || content == "" || strings.ContainsAny(content[:1], "-[{\"'|>&*!?%@`") {
		return 0
	}
	if i := strings.Index(content, " #"); i >= 0 {
		content = content[:i]
	}
	content = strings.TrimRight(content, " \t")
	if strings.Contains(content, ": ") || strings.HasSuffix(content, ":") {
		return 0
	}
	return prev
}

// previousContent returns the number of the last line above line that is
// neither blank nor a comment, or 0.
func previousContent(lines []string, line int) int {
	for i := line - 2; i >= 0; i-- {
		if c := strings.TrimSpace(lines[i]); c != "" && c[0] != '#' {
			return i + 1
		}
	}
	return 0
}

// itemContent returns the column where a line's content starts, past any
// "- " list indicators, and the content without its line break.
func itemContent(l string) (int, string) {
	l = strings.TrimRight(l, "\r\n")
	col := indent(l)
	content := l[col:]
	for strings.HasPrefix(content, "- ") {
		trimmed := strings.TrimLeft(content[2:], " ")
		col += len(content) - len(trimmed)
		content = trimmed
	}
	return col, content
}

// blockBegin returns the first line of the block of keys that line is
// in: the first content line after the nearest line indented less. It
// returns line itself if the block begins there.
func blockBegin(lines []string, line int) int {
	cur, start := indent(lines[line-1]), line
	for i := line - 2; i >= 0; i-- {
		c := strings.TrimSpace(lines[i])
		if c == "" || c[0] == '#' {
			continue
		}
		if indent(lines[i]) < cur {
			break
		}
		start = i + 1
	}
	return start
}

// indentHint compares the indentation of line's key with the line that
// says where it should be: the line above if line is indented more, else
// the first line of its block. It returns "" if they agree.
func indentHint(lines []string, line int) string {
	prev := previousContent(lines, line)
	if prev == 0 {
		return ""
	}
	cur := indent(lines[line-1])
	ref := prev
	if col, _ := itemContent(lines[prev-1]); cur < col {
		if b := blockBegin(lines, line); b != line {
			ref = b
		}
	}
	col, _ := itemContent(lines[ref-1])
	if col == cur {
		return ""
	}
	return fmt.Sprintf(" (this line's key is indented by %s, line %d's by %s)", spaces(cur), ref, spaces(col))
}

// syntaxHint says in plain words what usually causes msg on the line.
func syntaxHint(msg string, lines []string, line int) string {
	if line < 1 || line > len(lines) {
		return ""
	}
	text := lines[line-1]
	content := strings.TrimLeft(text, " ")
	switch {
	case strings.HasPrefix(content, "\t"):
		return " (indent with spaces, not tabs)"
	case msg == "found unexpected end of stream":
		return " (is a quote not closed?)"
	case msg == "did not find expected key" && strings.HasPrefix(content, "- "):
		return " (a list item where a key belongs?)"
	case msg == "did not find expected key", msg == "did not find expected '-' indicator",
		msg == "mapping values are not allowed in this context":
		if h := indentHint(lines, line); h != "" {
			return h
		}
		if msg == "mapping values are not allowed in this context" {
			return " (quote a value that holds ': ')"
		}
		return " (check this line's indentation)"
	}
	return ""
}

func spaces(n int) string {
	if n == 1 {
		return "1 space"
	}
	return fmt.Sprintf("%d spaces", n)
}

// quoted is a quoted scalar that spans lines from to to (1-based).
type quoted struct{ from, to int }

// quoteEndingAt returns the quoted scalar that began on an earlier line and
// was closed on line, or on the last content line before it; the zero
// value if there is none. It reads the lines with a small lexer that knows
// comments, quotes and block scalars, enough to follow where a quote ends.
func quoteEndingAt(lines []string, line int) quoted {
	var (
		found       quoted
		quote       byte // the open quote, or 0
		from        int
		blockIndent = -1 // inside a block scalar (| or >) indented more than this
	)
	for i, raw := range lines {
		l := strings.TrimRight(raw, "\r\n\u0085\u2028\u2029")
		if quote == 0 && blockIndent >= 0 {
			if strings.TrimSpace(l) == "" || indent(l) > blockIndent {
				continue
			}
			blockIndent = -1
		}
		tokenStart := true // a quote here would begin a quoted scalar
		for j := 0; j < len(l); j++ {
			c := l[j]
			switch {
			case quote == '"' && c == '\\':
				j++
			case quote != 0 && c == quote && quote == '\'' && j+1 < len(l) && l[j+1] == '\'':
				j++
			case quote != 0 && c == quote:
				if from < i+1 && (i+1 == line || (i+1 < line && previousContent(lines, line) == i+1)) {
					found = quoted{from, i + 1}
				}
				quote, tokenStart = 0, false
			case quote != 0:
			case c == '#' && (j == 0 || l[j-1] == ' ' || l[j-1] == '\t'):
				j = len(l)
			case c == '"' || c == '\'':
				if tokenStart {
					quote, from = c, i+1
				}
				tokenStart = false
			case c == ' ' || c == '\t':
			case c == '[' || c == '{' || c == ',':
				tokenStart = true
			case (c == ':' || c == '-' || c == '?') && (j+1 == len(l) || l[j+1] == ' '):
				tokenStart = true
			default:
				tokenStart = false
			}
		}
		if quote == 0 && blockScalar.MatchString(l) {
			blockIndent = indent(l)
		}
	}
	return found
}

var blockScalar = regexp.MustCompile(`(^|[:-][ \t])[ \t]*[|>][0-9+-]*[ \t]*(#.*)?$`)

// splitLines splits data after each line break as YAML counts them: CR LF,
// CR, LF, NEL, LS and PS.
func splitLines(data []byte) []string {
	var lines []string
	s := string(data)
	start := 0
	for i := 0; i < len(s); {
		n := lineBreak(s[i:])
		if n == 0 {
			i++
			continue
		}
		i += n
		lines = append(lines, s[start:i])
		start = i
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

func lineBreak(s string) int {
	for _, br := range []string{"\r\n", "\r", "\n", "\u0085", "\u2028", "\u2029"} {
		if strings.HasPrefix(s, br) {
			return len(br)
		}
	}
	return 0
}

// indent is the number of spaces a line starts with.
func indent(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
