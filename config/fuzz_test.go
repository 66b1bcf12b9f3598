package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: any file either loads into a config that validates, or fails
// with *Error values, each a single line; it never panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(minimal + "llm:\n  concurency: 4\n  timeout: 5x\n"))
	f.Add([]byte("arxiv: [\n"))
	f.Add([]byte("a: &x {b: *x}\n"))
	f.Add([]byte("topics:\n  - name: ${X}\n    description: ${Y}\n"))
	f.Add([]byte("llm:\n  price_per_million: {input: -1}\n  temperature: 9\n"))
	f.Add([]byte("topics:\n  - name: A\n\tdescription: B\nllm:\n  model gpt\n  timeout: .nan\n"))
	f.Add([]byte("arxiv:\n  categories: \"[cs.CL]\ntopics: [x]\nschedule:\n  cron: \"1 2 3\"\n"))
	f.Add([]byte("llm:\n  api_key_env: ${sk_abcdefghij0123456789}\n  description: >\n    it's\n   - x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("c.yaml", data, func(k string) string {
			if k == "X" {
				return "value"
			}
			return ""
		})
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("Parse accepted a config that does not validate: %v", verr)
			}
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "c.yaml: ") {
				t.Fatalf("error line %q does not name the file", line)
			}
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("error %T is not a *config.Error: %v", err, err)
		}
	})
}
