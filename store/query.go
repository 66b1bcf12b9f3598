package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrBadQuery is wrapped by the error of a search query that cannot be
// read (an unbalanced quote, a bare *); the error says what and where.
var ErrBadQuery = errors.New("malformed search query")

// queryFields are the field names a query term may start with.
var queryFields = map[string]string{
	"title": "title", "abstract": "abstract", "author": "authors", "authors": "authors",
}

// ParseQuery turns a search query into an FTS5 match expression. The query
// language is small, and every query in it is valid FTS5 once translated:
//
//   - words are all looked for (sparse attention), in any case and with
//     or without accents; a word is looked for as arXiv text splits it
//     (retrieval-augmented is the phrase "retrieval augmented");
//   - "a phrase" in double quotes is looked for as written;
//   - a word or phrase ending in * is a prefix (transform*, "sparse atten"*);
//   - OR between two terms looks for either (llm OR "language model");
//   - title:, abstract: or author: before a term looks in that field only.
//
// TeX in the query is decoded as in the stored text (Schr\"odinger). An
// unbalanced quote, a * that ends no word, an OR without a term on both
// sides, or a query with no word at all is an error wrapping ErrBadQuery.
func ParseQuery(q string) (string, error) {
	match, _, err := parseQuery(q)
	return match, err
}

// parseQuery is ParseQuery, also saying the expression's terms: each one
// an FTS5 phrase (a column filter and a prefix included), as often as the
// expression has it.
func parseQuery(q string) (match string, terms []string, err error) {
	var (
		out    []string
		pendOR bool // the last token was OR
	)
	// Control characters (a NUL would end the expression early for
	// SQLite) separate words like spaces.
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, q)
	bad := func(format string, args ...any) (string, []string, error) {
		return "", nil, fmt.Errorf("%w: %s", ErrBadQuery, fmt.Sprintf(format, args...))
	}
	i := 0
	for i < len(q) {
		if q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r' {
			i++
			continue
		}
		start := i
		// A field prefix: a known name and a colon, right before the term.
		column := ""
		// Any other word with a colon (arXiv:2504.01234) is a word.
		if j := strings.IndexByte(q[i:], ':'); j > 0 && queryFields[strings.ToLower(q[i:i+j])] != "" {
			column, i = queryFields[strings.ToLower(q[i:i+j])], i+j+1
			if i >= len(q) || strings.ContainsRune(" \t\r\n", rune(q[i])) {
				return bad("%s: at column %d needs a word or phrase right after it", q[start:i], start+1)
			}
		}
		var text string
		phrase := false
		if q[i] == '"' {
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				return bad("unbalanced quote at column %d: close the phrase with \"", i+1)
			}
			text, i, phrase = q[i+1:i+1+end], i+end+2, true
		} else {
			end := wordEnd(q, i)
			text, i = q[i:end], end
		}
		prefix := false
		if phrase && i < len(q) && q[i] == '*' {
			prefix, i = true, i+1
		} else if !phrase && strings.HasSuffix(text, "*") {
			prefix, text = true, strings.TrimSuffix(text, "*")
		}
		if strings.Contains(text, "*") && !phrase {
			return bad("* at column %d inside a word: a * may only end one (transform*)", start+1+strings.IndexByte(text, '*'))
		}
		if !phrase && column == "" && text == "OR" {
			if len(out) == 0 || pendOR {
				return bad("OR at column %d needs a term on each side", start+1)
			}
			pendOR = true
			continue
		}
		text = searchText(text)
		if !hasWord(text) {
			if prefix {
				return bad("a bare * at column %d: put it right after a word (transform*)", start+1)
			}
			continue // only punctuation: nothing the index holds
		}
		term := `"` + strings.ReplaceAll(text, `"`, `""`) + `"`
		if prefix {
			term += "*"
		}
		if column != "" {
			term = column + ":" + term
		}
		terms = append(terms, term)
		if pendOR {
			out[len(out)-1] += " OR " + term
			pendOR = false
		} else {
			out = append(out, term)
		}
	}
	if pendOR {
		return bad("OR at the end needs a term after it")
	}
	if len(out) == 0 {
		return bad("no word to look for in %q", q)
	}
	// Each term, or each OR of terms, in parentheses: AND binds tighter
	// than OR in FTS5, and a OR b c must mean (a OR b) AND c.
	for i, t := range out {
		if strings.Contains(t, " OR ") {
			out[i] = "(" + t + ")"
		}
	}
	return strings.Join(out, " AND "), terms, nil
}

// hasWord reports whether s has a letter or digit: something the index's
// tokenizer keeps.
func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

// wordEnd is where the word starting at q[i] ends: at white space or a
// quote, except a quote after a backslash (TeX: Schr\"odinger).
func wordEnd(q string, i int) int {
	for ; i < len(q); i++ {
		switch q[i] {
		case ' ', '\t', '\r', '\n', '"':
			return i
		case '\\':
			if i+1 < len(q) {
				i++
			}
		}
	}
	return i
}
