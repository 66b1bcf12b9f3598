package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
