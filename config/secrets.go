package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrNoAPIKey is returned by APIKey when the key is not available.
var ErrNoAPIKey = errors.New("no API key")

// APIKey returns the model API key from the file named by llm.api_key_file,
// or else from the environment variable named by llm.api_key_env. The key
// is never part of the Config value, so it cannot be printed with it.
func (c *Config) APIKey(getenv func(string) string) (string, error) {
	if c.LLM.APIKeyFile != "" {
		data, err := os.ReadFile(c.LLM.APIKeyFile)
		if err != nil {
			return "", fmt.Errorf("llm.api_key_file: %w: %w", ErrNoAPIKey, err)
		}
		key := strings.TrimSpace(string(data))
		if key == "" {
			return "", fmt.Errorf("llm.api_key_file: %w: %s is empty", ErrNoAPIKey, c.LLM.APIKeyFile)
		}
		return key, nil
	}
	key := strings.TrimSpace(getenv(c.LLM.APIKeyEnv))
	if key == "" {
		return "", fmt.Errorf("llm.api_key_env: %w: environment variable %s is not set", ErrNoAPIKey, c.LLM.APIKeyEnv)
	}
	return key, nil
}

// Mask shows enough of a secret to recognise it and no more.
func Mask(secret string) string {
	if len(secret) <= 8 {
		return strings.Repeat("*", len(secret))
	}
	return secret[:3] + "..." + secret[len(secret)-2:]
}
