package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/arxiv-digest/arxiv-digest/internal/redact"
)

// ErrNoAPIKey is returned by APIKey when the key is not available.
var ErrNoAPIKey = errors.New("no API key")

// ErrBadAPIKey is returned by APIKey when the key cannot be used: it cannot
// even be sent in an HTTP header.
var ErrBadAPIKey = errors.New("unusable API key")

// APIKey returns the model API key from the file named by llm.api_key_file,
// or else from the environment variable named by llm.api_key_env. The key
// is never part of the Config value, so it cannot be printed with it, and
// no error repeats it. Surrounding whitespace (a Windows line end) and a
// byte-order mark are trimmed; what is left must fit in an HTTP header.
func (c *Config) APIKey(getenv func(string) string) (string, error) {
	if c.LLM.APIKeyFile != "" {
		data, err := os.ReadFile(c.LLM.APIKeyFile)
		if err != nil {
			return "", fmt.Errorf("llm.api_key_file: %w: %w", ErrNoAPIKey, err)
		}
		key := trimKey(string(data))
		if key == "" {
			return "", fmt.Errorf("llm.api_key_file: %w: %s is empty", ErrNoAPIKey, c.LLM.APIKeyFile)
		}
		if err := checkKey(key); err != nil {
			if errors.Is(err, errLineBreak) {
				err = fmt.Errorf("%w (the file must hold the key alone, on one line)", err)
			}
			return "", fmt.Errorf("llm.api_key_file: %w: the key read from %s %w", ErrBadAPIKey, c.LLM.APIKeyFile, err)
		}
		return key, nil
	}
	key := trimKey(getenv(c.LLM.APIKeyEnv))
	if key == "" {
		return "", fmt.Errorf("llm.api_key_env: %w: environment variable %s is not set", ErrNoAPIKey, c.LLM.APIKeyEnv)
	}
	if err := checkKey(key); err != nil {
		return "", fmt.Errorf("llm.api_key_env: %w: the key in $%s %w", ErrBadAPIKey, c.LLM.APIKeyEnv, err)
	}
	return key, nil
}

func trimKey(s string) string {
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\ufeff"))
}

var errLineBreak = errors.New("contains a line break")

// checkKey reports what keeps key from being sent as "Bearer <key>" in an
// Authorization header (which the HTTP client would refuse for every
// request), without repeating the key.
func checkKey(key string) error {
	if httpguts.ValidHeaderFieldValue("Bearer " + key) {
		return nil
	}
	pos := 0
	for _, r := range key {
		pos++
		switch {
		case r == '\n' || r == '\r':
			return errLineBreak
		case r < ' ' && r != '\t' || r == 0x7f:
			return fmt.Errorf("contains a control character at position %d", pos)
		}
	}
	return errors.New("cannot be sent in an HTTP header")
}

// checkKeySource checks llm.api_key_env and llm.api_key_file. No message
// repeats their values: a key pasted there by mistake must not be printed.
func (c *Config) checkKeySource(bad func(key, format string, args ...any)) {
	const (
		key    = "llm.api_key_env"
		pasted = "it looks like a key was pasted here (put the key in that variable, or in a file named by llm.api_key_file)"
	)
	env, file := c.LLM.APIKeyEnv, c.LLM.APIKeyFile
	if env == "" && file == "" {
		bad(key, "is empty: name the environment variable that holds the API key")
		return
	}
	if redact.LooksLikeKey(file) && !strings.ContainsAny(file, `/\`) {
		bad("llm.api_key_file", "must name the file that holds the key; "+
			"it looks like a key was pasted here (put the key in that file, or in a variable named by llm.api_key_env)")
	}
	if env == "" {
		return
	}
	valid := envName.MatchString(env)
	if raw, ok := c.expanded[key]; ok && (!valid || redact.LooksLikeKey(env)) {
		// api_key_env: ${OPENAI_API_KEY} reads the key into the name.
		if m := envRef.FindStringSubmatch(raw); m != nil && m[0] == strings.TrimSpace(raw) && !redact.LooksLikeKey(m[1]) {
			bad(key, "%s reads the key itself; write the variable's name: api_key_env: %s", m[0], m[1])
			return
		}
	}
	switch {
	case redact.LooksLikeKey(env), !valid && (len(env) >= 32 || !strings.Contains(env, "_") && redact.MixesLowerAndDigits(env)):
		bad(key, "must name an environment variable, e.g. OPENAI_API_KEY; %s", pasted)
	case !valid && strings.HasPrefix(env, "$"):
		bad(key, "is not a valid variable name (write the name alone, without $ or ${...}), e.g. OPENAI_API_KEY")
	case !valid:
		bad(key, "is not a valid variable name (letters, digits and _, not starting with a digit), e.g. OPENAI_API_KEY")
	}
}

// Mask shows enough of a secret to recognise it and no more.
func Mask(secret string) string {
	if len(secret) <= 8 {
		return strings.Repeat("*", len(secret))
	}
	return secret[:3] + "..." + secret[len(secret)-2:]
}
