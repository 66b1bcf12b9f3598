package redact

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	const key = "sk-test-RECOGNISABLE-9f8e7d6c5b4a"
	r := New(key, "", "x", "local-secret-without-shape")
	tests := []struct {
		name, in, want string
	}{
		{"the key", "Incorrect API key provided: " + key + ". You can find your API key at https://platform.openai.com/account/api-keys.",
			"Incorrect API key provided: [REDACTED]. You can find your API key at https://platform.openai.com/account/api-keys."},
		{"bearer echo", "Authorization: Bearer " + key, "Authorization: Bearer [REDACTED]"},
		{"a secret of no known shape", "token local-secret-without-shape rejected", "token [REDACTED] rejected"},
		{"another OpenAI key", "key sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12 is revoked", "key [REDACTED] is revoked"},
		{"an Anthropic-style key", "x-api-key sk-ant-api03-AbCdEf0123456789xyz", "x-api-key [REDACTED]"},
		{"another bearer token", "upstream said: bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.abc123", "upstream said: bearer [REDACTED]"},
		{"key in JSON", `{"key":"` + key + `"}`, `{"key":"[REDACTED]"}`},
		{"twice", key + " " + key, "[REDACTED] [REDACTED]"},
		// OpenAI's own masked form is safe and says which key was used.
		{"masked key kept", "Incorrect API key provided: sk-test***********5b4a.", "Incorrect API key provided: sk-test***********5b4a."},
		{"prose kept", "Bearer certificates and sk-learn-compatible-estimators in a task-oriented dialogue", "Bearer certificates and sk-learn-compatible-estimators in a task-oriented dialogue"},
		{"short token kept", "Authorization: Bearer YOUR_KEY", "Authorization: Bearer YOUR_KEY"},
		{"short secret ignored", "max 3 tokens", "max 3 tokens"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNilRedactorRedactsKeyShapes(t *testing.T) {
	var r *Redactor
	if got := r.String("Bearer abc123def456ghi789"); got != "Bearer [REDACTED]" {
		t.Errorf("nil Redactor: %q", got)
	}
	if got := (&Redactor{}).String("sk-0123456789abcdefghij"); got != Mask {
		t.Errorf("zero Redactor: %q", got)
	}
}

func FuzzString(f *testing.F) {
	const key = "sk-test-RECOGNISABLE-9f8e7d6c5b4a"
	f.Add("Incorrect API key provided: " + key)
	f.Add("Bearer " + key + "Bearer " + key)
	f.Add("sk-sk-sk-" + key[3:])
	r := New(key)
	f.Fuzz(func(t *testing.T, s string) {
		if got := r.String(s); strings.Contains(got, key) {
			t.Fatalf("String(%q) = %q still holds the key", s, got)
		}
	})
}

func TestLooksLikeKey(t *testing.T) {
	for s, want := range map[string]bool{
		"OPENAI_API_KEY":                      false,
		"OPENROUTER_API_KEY":                  false,
		"MY_KEY_2":                            false,
		"/etc/arxiv-digest/key":               false,
		"sk-proj-abc123":                      true,
		"sk_live_x":                           true,
		"gsk_a1b2c3d4e5f6g7h8i9j0k1l2":        true,
		"hf_abcdefghij0123456789":             true,
		"0123456789abcdef0123456789abcdef":    true,
		"averyveryverylongvariablenamewithno": false,
	} {
		if got := LooksLikeKey(s); got != want {
			t.Errorf("LooksLikeKey(%q) = %v, want %v", s, got, want)
		}
	}
}
