package config

import (
	"strings"
	"testing"
)

// TestYAMLSyntaxLines: a syntax error names the line a person must fix.
// The parser itself often names the line where the enclosing block began,
// or the line above.
func TestYAMLSyntaxLines(t *testing.T) {
	const head = "arxiv:\n  categories: [cs.CL]\n"
	tests := []struct{ name, yaml, want string }{
		{"tab used for indentation", head + "topics:\n  - name: A\n\tdescription: B\n",
			"c.yaml: line 5: not valid YAML: found a tab character that violates indentation (indent with spaces, not tabs)"},
		{"tab before a key", head + "\tannounce_types: [new]\n",
			"c.yaml: line 3: not valid YAML: found character that cannot start any token (indent with spaces, not tabs)"},
		{"missing colon, next key at the same indent", head + "topics:\n  - name: A\n    description: B\nllm:\n  model gpt-5\n  concurrency: 4\n",
			"c.yaml: line 7: not valid YAML: could not find expected ':'"},
		{"missing colon after a comment", head + "llm:\n  # the model\n  model gpt-5\n  timeout: 5s\n",
			"c.yaml: line 5: not valid YAML: could not find expected ':'"},
		{"missing colon at the top", "threshold 0.5\nllm:\n  model: x\n",
			"c.yaml: line 1: not valid YAML: could not find expected ':'"},
		{"missing colon, next item", head + "\ntopics:\n  - name: A\n    description B\n  - name: C\n    description: D\n",
			"c.yaml: line 6: not valid YAML: could not find expected ':'"},
		{"unclosed quote", head + "topics:\n  - name: \"A\n    description: B\nllm:\n  model: x\n",
			"c.yaml: line 4: not valid YAML: found unexpected end of stream (is a quote not closed?)"},
		{"unclosed quote after a multi-line one", "topics:\n  - name: \"A\n      B\"\n    description: B\nllm:\n  model: 'x\n  timeout: 5s\n",
			"c.yaml: line 6: not valid YAML: found unexpected end of stream (is a quote not closed?)"},
		{"topic key indented too far", head + "topics:\n  - name: A\n     description: B\nllm:\n  model: x\n",
			"c.yaml: line 5: not valid YAML: mapping values are not allowed in this context (this line's key is indented by 5 spaces, line 4's by 4 spaces)"},
		{"topic key indented too little", head + "topics:\n  - name: A\n   description: B\nllm:\n  model: x\n",
			"c.yaml: line 5: not valid YAML: did not find expected '-' indicator (this line's key is indented by 3 spaces, line 4's by 4 spaces)"},
		{"colon in a value", "topics:\n  - name: A\n    description: Methods: good ones\n",
			"c.yaml: line 3: not valid YAML: mapping values are not allowed in this context (quote a value that holds ': ')"},
		{"stray list item in a mapping", head + "\nllm:\n  model: x\n  - concurrency: 4\n  timeout: 5s\n",
			"c.yaml: line 6: not valid YAML: did not find expected key (a list item where a key belongs?)"},
		{"stray list item after a blank line", head + "topics:\n  - name: A\n    description: B\n\n- name: C\n",
			"c.yaml: line 7: not valid YAML: did not find expected key (a list item where a key belongs?)"},
		{"key indented too little", head + "  rss_url: https://rss.arxiv.org/rss/\n announce_types: [new]\n",
			"c.yaml: line 4: not valid YAML: did not find expected key (this line's key is indented by 1 space, line 2's by 2 spaces)"},
		{"first key of a block indented too far", "arxiv:\n   categories: [cs.CL]\n  # comment\n  announce_types: [new]\n",
			"c.yaml: line 4: not valid YAML: did not find expected key (this line's key is indented by 2 spaces, line 2's by 3 spaces)"},
		{"missing colon before a comment", head + "llm:\n  base_url https://api.openai.com/v1\n  # the key\n  api_key_env: OPENAI_API_KEY\n",
			"c.yaml: line 4: not valid YAML: could not find expected ':'"},
		{"missing colon in a list item", head + "topics:\n  - name Hallucination\n    description: Methods\n",
			"c.yaml: line 4: not valid YAML: could not find expected ':'"},
		{"unclosed quote closed by a later one", head + "  announce_types: \"[new]\nllm:\n  model: x\n  # the \"model\" to use\n  timeout: 5s\n",
			"c.yaml: line 3: not valid YAML: the quote opened on this line is closed only on line 6 (is a closing quote missing?)"},
		{"unclosed quote closed at the end of a later line", head + "  announce_types: '[new]\nschedule:\n  cron: '30 20 * * 0-4'\n  timezone: UTC\n",
			"c.yaml: line 3: not valid YAML: the quote opened on this line is closed only on line 5 (is a closing quote missing?)"},
		{"quotes in block scalars do not count", "topics:\n  - name: A\n    description: >\n      'tis the \"season\n      y\n   bad: 'x'\n",
			"c.yaml: line 6: not valid YAML: did not find expected '-' indicator (this line's key is indented by 3 spaces, line 3's by 4 spaces)"},
		{"unclosed flow list", "arxiv:\n  categories: [cs.CL, cs.LG\n  announce_types: [new]\ntopics:\n  - name: A\n",
			"c.yaml: line 2: not valid YAML: did not find expected ',' or ']'"},
		{"unclosed flow list after a multi-line one", "arxiv:\n  categories: [cs.CL,\n    cs.LG]\n  announce_types: [new\ntopics:\n  - name: A\n",
			"c.yaml: line 4: not valid YAML: did not find expected ',' or ']'"},
		{"Windows line endings", strings.ReplaceAll(head+"topics:\n  - name: A\n   description: B\n", "\n", "\r\n"),
			"c.yaml: line 5: not valid YAML: did not find expected '-' indicator (this line's key is indented by 3 spaces, line 4's by 4 spaces)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tt.yaml), noEnv)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error =\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}
