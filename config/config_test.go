package config

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const minimal = `arxiv:
  categories: [cs.CL]
topics:
  - name: Hallucination
    description: Methods that reduce hallucination
`

func noEnv(string) string { return "" }

func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := Load("../config.yaml", noEnv)
	if err != nil {
		t.Fatalf("the example config.yaml must load: %v", err)
	}
	if got := cfg.Arxiv.Categories; len(got) != 2 || got[0] != "cs.CL" || got[1] != "cs.LG" {
		t.Errorf("categories = %v", got)
	}
	if cfg.LLM.Concurrency != 16 || cfg.LLM.Timeout.D() != 60*time.Second || cfg.Threshold != 0.7 {
		t.Errorf("llm = %+v, threshold %v", cfg.LLM, cfg.Threshold)
	}
	if len(cfg.Topics) != 2 || cfg.Topics[0].Name != "Hallucination" {
		t.Errorf("topics = %+v", cfg.Topics)
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(minimal), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Arxiv.AnnounceTypes) != 2 || cfg.Arxiv.AnnounceTypes[0] != "new" || cfg.Arxiv.AnnounceTypes[1] != "cross" {
		t.Errorf("announce_types default = %v", cfg.Arxiv.AnnounceTypes)
	}
	if cfg.Arxiv.RSSURL != "https://rss.arxiv.org/rss/" || cfg.LLM.BaseURL != "https://api.openai.com/v1" {
		t.Errorf("urls = %q %q", cfg.Arxiv.RSSURL, cfg.LLM.BaseURL)
	}
	if cfg.LLM.APIKeyEnv != "OPENAI_API_KEY" || cfg.LLM.MaxRetries != 4 || cfg.LLM.MaxRateLimitWait.D() != 15*time.Minute {
		t.Errorf("llm defaults = %+v", cfg.LLM)
	}
	if cfg.Output.Dir != "digests" || cfg.StorePath() != filepath.Join("digests", "arxiv-digest.db") {
		t.Errorf("output = %+v, store %q", cfg.Output, cfg.StorePath())
	}
	if cfg.Schedule.Cron != "30 20 * * 0-4" || cfg.Schedule.Timezone != "America/New_York" {
		t.Errorf("schedule = %+v", cfg.Schedule)
	}
}

// TestScalarAsList: one value where a list of values belongs is a list of
// one.
func TestScalarAsList(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(strings.Replace(minimal, "[cs.CL]", "cs.CL\n  announce_types: new", 1)), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Arxiv.Categories; len(got) != 1 || got[0] != "cs.CL" {
		t.Errorf("categories = %q", got)
	}
	if got := cfg.Arxiv.AnnounceTypes; len(got) != 1 || got[0] != "new" {
		t.Errorf("announce_types = %q", got)
	}
	_, err = Parse("c.yaml", []byte(strings.Replace(minimal, "[cs.CL]", "cs CL", 1)), noEnv)
	if want := `c.yaml: line 2: arxiv.categories[0]: malformed category "cs CL" (want a form like cs.CL or quant-ph)`; err == nil || err.Error() != want {
		t.Errorf("a malformed category alone: %v, want %s", err, want)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // every line of the error, exactly
	}{
		{"unknown key with suggestion", minimal + "llm:\n  concurency: 4\n",
			[]string{"c.yaml: line 7: unknown key `concurency` in llm; did you mean `concurrency`?"}},
		{"unknown top-level key", minimal + "colour: red\n",
			[]string{"c.yaml: line 6: unknown key `colour` at the top level"}},
		{"negative concurrency", minimal + "llm:\n  concurrency: -2\n",
			[]string{"c.yaml: line 7: llm.concurrency: invalid value -2: must be between 1 and 1024"}},
		{"threshold outside 0..1", minimal + "threshold: 1.2\n",
			[]string{"c.yaml: line 6: threshold: invalid value 1.2: must be between 0 and 1"}},
		{"unparsable duration", minimal + "llm:\n  timeout: soon\n",
			[]string{`c.yaml: line 7: llm.timeout: invalid value "soon": not a duration (use a form like 60s, 1m30s)`}},
		{"unknown announce type", strings.Replace(minimal, "[cs.CL]", "[cs.CL]\n  announce_types: [new, crosslist]", 1),
			[]string{`c.yaml: line 3: arxiv.announce_types[1]: unknown announce type "crosslist" (want one of new, cross, replace, replace-cross)`}},
		{"malformed category", strings.Replace(minimal, "[cs.CL]", "[cs.CL, cs CL]", 1),
			[]string{`c.yaml: line 2: arxiv.categories[1]: malformed category "cs CL" (want a form like cs.CL or quant-ph)`}},
		{"missing categories", "topics:\n  - name: A\n    description: B\n",
			[]string{"c.yaml: arxiv.categories: is required: list at least one arXiv category, e.g. [cs.CL, cs.LG]"}},
		{"missing topics", "arxiv:\n  categories: [cs.CL]\n",
			[]string{"c.yaml: topics: is required: list at least one topic with a name and a description"}},
		{"duplicate topic", minimal + "  - name: hallucination\n    description: again\n",
			[]string{`c.yaml: line 6: topics[1].name: topic name "hallucination" is used twice (names must be unique)`}},
		{"wrong type", minimal + "llm:\n  concurrency: many\n",
			[]string{`c.yaml: line 7: llm.concurrency: invalid value "many": want a whole number`}},
		{"list where a mapping belongs", minimal + "llm: [1, 2]\n",
			[]string{"c.yaml: line 6: llm must be a mapping of keys, not a list"}},
		{"unset variable", minimal + "llm:\n  base_url: ${ARXIV_DIGEST_TEST_UNSET}/v1\n",
			[]string{"c.yaml: line 7: llm.base_url: environment variable ARXIV_DIGEST_TEST_UNSET is not set (used as ${ARXIV_DIGEST_TEST_UNSET})"}},
		{"bad timezone", minimal + "schedule:\n  timezone: Mars/Olympus\n",
			[]string{`c.yaml: line 7: schedule.timezone: unknown time zone "Mars/Olympus" (want an IANA name like America/New_York)`}},
		{"NaN threshold", minimal + "threshold: .nan\n",
			[]string{"c.yaml: line 6: threshold: invalid value .nan: want a finite number"}},
		{"infinite budget", minimal + "llm:\n  max_cost_usd: .inf\n",
			[]string{"c.yaml: line 7: llm.max_cost_usd: invalid value .inf: want a finite number"}},
		{"infinite temperature", minimal + "llm:\n  temperature: -.Inf\n",
			[]string{"c.yaml: line 7: llm.temperature: invalid value -.Inf: want a finite number"}},
		{"NaN price", minimal + "llm:\n  price_per_million: {input: 1, output: .NaN}\n",
			[]string{"c.yaml: line 7: llm.price_per_million.output: invalid value .NaN: want a finite number"}},
		{"negative price", minimal + "llm:\n  price_per_million:\n    input: 1\n    cached_input: -0.1\n",
			[]string{"c.yaml: line 9: llm.price_per_million.cached_input: invalid value -0.1: must not be negative"}},
		{"topic written as a string", strings.Replace(minimal, "  - name: Hallucination\n    description: Methods that reduce hallucination\n", "  - Hallucination\n", 1),
			[]string{`c.yaml: line 4: topics[0]: a topic needs a name and a description (name: ..., description: ...), not just "Hallucination"`}},
		{"topic written as a string in a flow list", "arxiv:\n  categories: [cs.CL]\ntopics: [Hallucination]\n",
			[]string{`c.yaml: line 3: topics[0]: a topic needs a name and a description (name: ..., description: ...), not just "Hallucination"`}},
		{"topic written as a list", minimal + "  - [Efficiency, Fast inference]\n",
			[]string{`c.yaml: line 6: topics[1]: a topic needs a name and a description (name: ..., description: ...), not a list`}},
		{"topics written as a string", "arxiv:\n  categories: [cs.CL]\ntopics: Hallucination\n",
			[]string{`c.yaml: line 3: topics must be a list, not the value "Hallucination"`}},
		{"arxiv written as a string", "arxiv: cs.CL\ntopics:\n  - name: A\n    description: B\n",
			[]string{`c.yaml: line 1: arxiv must be a mapping of keys, not the value "cs.CL"`}},
		{"mapping in a list of categories", strings.Replace(minimal, "[cs.CL]", "[cs.CL, {cs: LG}]", 1),
			[]string{`c.yaml: line 2: arxiv.categories[1] must be a single value, not a mapping`}},
		{"timeout under a second", minimal + "llm:\n  timeout: 500ms\n",
			[]string{"c.yaml: line 7: llm.timeout: invalid value 500ms: must be at least 1s, a model answer takes longer"}},
		{"timeout of zero", minimal + "llm:\n  timeout: 0s\n",
			[]string{"c.yaml: line 7: llm.timeout: invalid value 0s: must be at least 1s, a model answer takes longer"}},
		{"retry backoff under a second", minimal + "schedule:\n  retry_backoff: 10ms\n",
			[]string{"c.yaml: line 7: schedule.retry_backoff: invalid value 10ms: must be at least 1s, each retry fetches the feed again"}},
		{"not YAML", "arxiv: [\n", []string{"c.yaml: line 1: not valid YAML: did not find expected node content"}},
		{"empty file", "", []string{"c.yaml: the file is empty"}},
		{"several at once", minimal + "threshold: -1\nllm:\n  concurrency: 0\n  timeot: 5s\n", []string{
			"c.yaml: line 9: unknown key `timeot` in llm; did you mean `timeout`?",
			"c.yaml: line 8: llm.concurrency: invalid value 0: must be between 1 and 1024",
			"c.yaml: line 6: threshold: invalid value -1: must be between 0 and 1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tt.yaml), noEnv)
			if err == nil {
				t.Fatal("no error")
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("error =\n%s\nwant\n%s", err, strings.Join(tt.want, "\n"))
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not a *config.Error", err)
			}
		})
	}
}

// TestEnvExpandedNaN: a float read from ${VAR} is held to the same rule.
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

func TestEnvExpandedNaN(t *testing.T) {
	_, err := Parse("c.yaml", []byte(minimal+"threshold: ${TH}\n"), func(k string) string { return map[string]string{"TH": ".nan"}[k] })
	if err == nil || err.Error() != "c.yaml: line 6: threshold: invalid value ${TH}: want a finite number" {
		t.Errorf("threshold from ${TH}=.nan: %v", err)
	}
}

// TestValidateRejectsNaN: Validate holds a Config built in code, not read
// from a file, to the same ranges; NaN compares false with everything, so a
// check written as "x < 0 || x > 1" lets it through.
func TestValidateRejectsNaN(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(minimal), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	nan, inf := math.NaN(), math.Inf(1)
	cfg.Threshold = nan
	cfg.LLM.MaxCostUSD = nan
	cfg.LLM.Temperature = &inf
	cfg.LLM.PricePerMillion = &Price{Input: nan}
	want := []string{
		"c.yaml: llm.max_cost_usd: invalid value NaN: must not be negative",
		"c.yaml: llm.temperature: invalid value +Inf: must be between 0 and 2",
		"c.yaml: llm.price_per_million.input: invalid value NaN: must not be negative",
		"c.yaml: threshold: invalid value NaN: must be between 0 and 1",
	}
	if err := cfg.Validate(); err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("Validate =\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
}

func TestCheckThreshold(t *testing.T) {
	for _, x := range []float64{0, 0.7, 1} {
		if err := CheckThreshold(x); err != nil {
			t.Errorf("CheckThreshold(%g) = %v", x, err)
		}
	}
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -0.1, 1.01} {
		if err := CheckThreshold(x); err == nil {
			t.Errorf("CheckThreshold(%g) accepted it", x)
		}
	}
	if err := CheckThreshold(math.NaN()); err == nil || err.Error() != "invalid value NaN: must be between 0 and 1" {
		t.Errorf("CheckThreshold(NaN) = %v", err)
	}
}

func TestEnvExpansion(t *testing.T) {
	env := map[string]string{"LLM_HOST": "http://127.0.0.1:11434", "OUT": "/srv/digests"}
	cfg, err := Parse("c.yaml", []byte(minimal+"llm:\n  base_url: ${LLM_HOST}/v1\n  concurrency: 4\noutput:\n  dir: ${OUT}\n"),
		func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LLM.BaseURL != "http://127.0.0.1:11434/v1" || cfg.Output.Dir != "/srv/digests" {
		t.Errorf("expanded: %q %q", cfg.LLM.BaseURL, cfg.Output.Dir)
	}
}

func TestAPIKey(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(minimal+"llm:\n  api_key_env: MY_KEY\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.APIKey(noEnv); !errors.Is(err, ErrNoAPIKey) || err.Error() != "llm.api_key_env: no API key: environment variable MY_KEY is not set" {
		t.Errorf("unset key: %v", err)
	}
	key, err := cfg.APIKey(func(k string) string { return map[string]string{"MY_KEY": " sk-123 "}[k] })
	if err != nil || key != "sk-123" {
		t.Errorf("key = %q, %v", key, err)
	}
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte("sk-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.LLM.APIKeyFile = file
	if key, err := cfg.APIKey(noEnv); err != nil || key != "sk-from-file" {
		t.Errorf("file key = %q, %v", key, err)
	}
	if got := Mask("sk-proj-abcdefghijklmnop"); strings.Contains(got, "abcdefgh") || got != "sk-...op" {
		t.Errorf("Mask = %q", got)
	}
}

// TestKeyWhereANameBelongs: a key written where the name of a variable or
// a file belongs is an error that never repeats it, whichever way it fails.
func TestKeyWhereANameBelongs(t *testing.T) {
	const (
		openai = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv"
		groq   = "gsk_8fJ2kL9mN3pQ7rS1tU5vW0xY4zA6bC" // a valid variable name
		pasted = "it looks like a key was pasted here (put the key in that variable, or in a file named by llm.api_key_file)"
	)
	env := map[string]string{"OPENAI_API_KEY": openai}
	tests := []struct{ name, llm, want string }{
		{"OpenAI key", "api_key_env: " + openai,
			"c.yaml: line 7: llm.api_key_env: must name an environment variable, e.g. OPENAI_API_KEY; " + pasted},
		{"key that is a valid name", "api_key_env: " + groq,
			"c.yaml: line 7: llm.api_key_env: must name an environment variable, e.g. OPENAI_API_KEY; " + pasted},
		{"quoted key with a line break", `api_key_env: "` + openai + `\n"`,
			"c.yaml: line 7: llm.api_key_env: must name an environment variable, e.g. OPENAI_API_KEY; " + pasted},
		{"the variable's value read with ${}", "api_key_env: ${OPENAI_API_KEY}",
			"c.yaml: line 7: llm.api_key_env: ${OPENAI_API_KEY} reads the key itself; write the variable's name: api_key_env: OPENAI_API_KEY"},
		{"key in an unset ${}", "api_key_env: ${" + groq + "}",
			"c.yaml: line 7: llm.api_key_env: ${...} names an environment variable that is not set, and the name looks like a key; keep keys out of this file"},
		{"key with a tag", "api_key_env: !!float " + openai,
			"c.yaml: line 7: llm.api_key_env: invalid value (not shown, it may be a secret): want text"},
		{"key as the llm section", "", "c.yaml: line 6: llm must be a mapping of keys, not a value that looks like an API key (not shown)"},
		{"key as a key", openai + ": 1",
			"c.yaml: line 7: unknown key (not shown, it looks like an API key) in llm"},
		{"key as a number", "concurrency: " + openai,
			"c.yaml: line 7: llm.concurrency: invalid value (not shown, it may be a secret): want a whole number"},
		{"key as the file", "api_key_file: " + openai,
			"c.yaml: line 7: llm.api_key_file: must name the file that holds the key; " + strings.Replace(pasted, "in that variable, or in a file named by llm.api_key_file", "in that file, or in a variable named by llm.api_key_env", 1)},
		{"not a name", "api_key_env: OPENAI-API-KEY",
			"c.yaml: line 7: llm.api_key_env: is not a valid variable name (letters, digits and _, not starting with a digit), e.g. OPENAI_API_KEY"},
		{"a name with $", "api_key_env: $OPENAI_API_KEY",
			"c.yaml: line 7: llm.api_key_env: is not a valid variable name (write the name alone, without $ or ${...}), e.g. OPENAI_API_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := minimal + "llm:\n  " + tt.llm + "\n"
			if tt.llm == "" {
				text = minimal + "llm: " + openai + "\n"
			}
			_, err := Parse("c.yaml", []byte(text), func(k string) string { return env[k] })
			if err == nil || err.Error() != tt.want {
				t.Errorf("error =\n%v\nwant\n%s", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "Ab3dEf6hIj9k") || strings.Contains(err.Error(), "8fJ2kL9mN3p")) {
				t.Errorf("the error repeats the key: %v", err)
			}
		})
	}
	for _, name := range []string{"OPENAI_API_KEY", "openai_api_key", "_KEY", "MY_KEY_2", "ARXIV_DIGEST_OPENROUTER_API_KEY_FOR_WORK"} {
		if _, err := Parse("c.yaml", []byte(minimal+"llm:\n  api_key_env: "+name+"\n"), noEnv); err != nil {
			t.Errorf("api_key_env: %s: %v", name, err)
		}
	}
}

// TestAPIKeyUnusable: a key that cannot be sent in an HTTP header (a
// second line, a control character) is an error that says where it came
// from and what is wrong, without the key; surrounding whitespace, a
// Windows line end and a byte-order mark are trimmed.
func TestAPIKeyUnusable(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Parse("c.yaml", []byte(minimal+"llm:\n  api_key_env: MY_KEY\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"sk-abc123\r\n", "\ufeffsk-abc123\r\n", "  sk-abc123\n\n"} {
		cfg.LLM.APIKeyFile = filepath.Join(dir, "key")
		os.WriteFile(cfg.LLM.APIKeyFile, []byte(content), 0o600)
		if key, err := cfg.APIKey(noEnv); err != nil || key != "sk-abc123" {
			t.Errorf("file %q: key %q, %v", content, key, err)
		}
	}
	tests := []struct{ name, file, env, want string }{
		{"two lines in the file", "sk-abc123\r\nsk-def456\r\n", "",
			"llm.api_key_file: unusable API key: the key read from " + filepath.Join(dir, "key") + " contains a line break (the file must hold the key alone, on one line)"},
		{"a control character in the file", "sk-abc\x1b[0m123", "",
			"llm.api_key_file: unusable API key: the key read from " + filepath.Join(dir, "key") + " contains a control character at position 7"},
		{"a line break in the variable", "", "sk-abc123\nexport X=1",
			"llm.api_key_env: unusable API key: the key in $MY_KEY contains a line break"},
		{"a NUL in the variable", "", "sk-abc\x00123",
			"llm.api_key_env: unusable API key: the key in $MY_KEY contains a control character at position 7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg.LLM.APIKeyFile = ""
			if tt.file != "" {
				cfg.LLM.APIKeyFile = filepath.Join(dir, "key")
				os.WriteFile(cfg.LLM.APIKeyFile, []byte(tt.file), 0o600)
			}
			_, err := cfg.APIKey(func(k string) string { return map[string]string{"MY_KEY": tt.env}[k] })
			if err == nil || err.Error() != tt.want {
				t.Errorf("error =\n%v\nwant\n%s", err, tt.want)
			}
			if !errors.Is(err, ErrBadAPIKey) || errors.Is(err, ErrNoAPIKey) {
				t.Errorf("error %v is not ErrBadAPIKey", err)
			}
			if err != nil && strings.Contains(err.Error(), "abc") {
				t.Errorf("the error repeats the key: %v", err)
			}
		})
	}
}

// TestPathsOnDisk: output.dir must be a folder (or not exist yet), and
// store.path a file; a mistake is a config error at its line rather than
// a failure once the run has begun.
func TestPathsOnDisk(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, yaml, want string }{
		{"output.dir is a file", "output:\n  dir: " + file + "\n",
			"c.yaml: line 7: output.dir: " + file + " is a file, not a folder"},
		{"output.dir is inside a file", "output:\n  dir: " + file + "/digests\n",
			"c.yaml: line 7: output.dir: " + file + "/digests is inside " + file + ", which is a file, not a folder"},
		{"store.path is a folder", "store:\n  path: " + dir + "\n",
			"c.yaml: line 7: store.path: " + dir + " is a folder; name the database file, e.g. " + filepath.Join(dir, "arxiv-digest.db")},
		{"store.path is inside a file", "store:\n  path: " + file + "/a.db\n",
			"c.yaml: line 7: store.path: " + file + "/a.db is inside " + file + ", which is a file, not a folder"},
		{"the default store.path is a folder", "output:\n  dir: " + filepath.Join(dir, "out") + "\n",
			"c.yaml: store.path: " + filepath.Join(dir, "out", "arxiv-digest.db") + " (the default, in output.dir) is a folder; set store.path to the database file"},
	}
	if err := os.MkdirAll(filepath.Join(dir, "out", "arxiv-digest.db"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(minimal+tt.yaml), noEnv)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error =\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
	for _, ok := range []string{"output:\n  dir: " + dir + "\n", "output:\n  dir: " + dir + "/new/digests\n", "store:\n  path: " + dir + "/new.db\n"} {
		if _, err := Parse("c.yaml", []byte(minimal+ok), noEnv); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if _, err := Find("", getenv); !errors.Is(err, ErrNotFound) {
		t.Errorf("nothing anywhere: %v", err)
	}
	xdg := filepath.Join(dir, "xdg")
	env["XDG_CONFIG_HOME"] = xdg
	if err := os.MkdirAll(filepath.Join(xdg, "arxiv-digest"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(xdg, "arxiv-digest", "config.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find("", getenv); p != filepath.Join(xdg, "arxiv-digest", "config.yaml") {
		t.Errorf("xdg: %q", p)
	}
	if err := os.WriteFile("config.yaml", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, _ := Find("", getenv); p != "config.yaml" {
		t.Errorf("cwd before xdg: %q", p)
	}
	env["ARXIV_DIGEST_CONFIG"] = "/from/env.yaml"
	if p, _ := Find("", getenv); p != "/from/env.yaml" {
		t.Errorf("env before cwd: %q", p)
	}
	if p, _ := Find("flag.yaml", getenv); p != "flag.yaml" {
		t.Errorf("flag first: %q", p)
	}
}
