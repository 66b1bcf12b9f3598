package classify

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// MaxAbstractChars and MaxTitleChars cap what a request sends of a
// paper's abstract and title, in characters. arXiv limits abstracts to
// 1,920 characters and titles are far shorter, so only a broken or hostile
// feed passes them; a cut text ends with a note saying so ("[abstract
// truncated at 8,000 of 25,000 characters]"). Text under the caps is sent
// as it is.
const (
	MaxAbstractChars = 8000
	MaxTitleChars    = 1000
)

// paperInput is a paper as a task's user message, clearly delimited: its
// id, then between <paper> and </paper> its title, its categories when
// withCategories, and its abstract. Anything in the paper's text that looks
// like the delimiters is defused, and long texts are capped.
func paperInput(p model.Paper, withCategories bool) string {
	var b strings.Builder
	// The first line names the paper (servers and logs can tell requests
	// apart by it); the text to judge follows between the tags.
	b.WriteString("arXiv paper ")
	b.WriteString(defuse(model.NormalizeSpace(p.ID)))
	b.WriteString("\n<paper>\n")
	b.WriteString("Title: ")
	b.WriteString(defuse(capText(model.NormalizeSpace(p.Title), MaxTitleChars, "title", " ")))
	if withCategories {
		b.WriteString("\nCategories: ")
		b.WriteString(defuse(strings.Join(p.Categories, ", ")))
	}
	b.WriteString("\nAbstract:\n")
	b.WriteString(defuse(capText(strings.TrimSpace(p.Abstract), MaxAbstractChars, "abstract", "\n")))
	b.WriteString("\n</paper>")
	return b.String()
}

// capText returns s when it has at most limit characters; else its first
// limit characters, sep and a note that says what was cut.
func capText(s string, limit int, what, sep string) string {
	n := utf8.RuneCountInString(s)
	if n <= limit {
		return s
	}
	cut := 0
	for range limit {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
	}
	return fmt.Sprintf("%s%s[%s truncated at %s of %s characters]", s[:cut], sep, what, thousands(limit), thousands(n))
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	d := strconv.Itoa(n)
	for i := len(d) - 3; i > 0; i -= 3 {
		d = d[:i] + "," + d[i:]
	}
	return d
}

// paperTags breaks anything that could close or open the paper delimiters.
var paperTags = strings.NewReplacer("<paper>", "<paper >", "</paper>", "</paper >", "<PAPER>", "<PAPER >", "</PAPER>", "</PAPER >")

// defuse breaks anything in s that could close or open the paper
// delimiters; s itself when there is none (nearly always).
func defuse(s string) string {
	if !strings.Contains(s, "paper>") && !strings.Contains(s, "PAPER>") {
		return s
	}
	return paperTags.Replace(s)
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
