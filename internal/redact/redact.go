// Package redact removes secrets from text that came from outside the
// program (an API server's error message, a proxy's error page, a model's
// answer) before it is logged, stored or rendered. Some proxies and older
// servers echo the bearer key they received; the key must not travel on
// from there into logs, digests or the database.
//
// This is the one home of the rule: what counts as a secret, and what
// replaces it.
package redact

import (
	"regexp"
	"strings"
	"unicode"
)

// Mask replaces every secret.
const Mask = "[REDACTED]"

// MinSecret is the length under which a secret given to New is not
// redacted verbatim: such "keys" are placeholders of local servers ("x",
// "ollama"), and replacing them everywhere would garble ordinary words.
const MinSecret = 8

// keyShaped matches what looks like an API key or a bearer token whatever
// key the program holds: OpenAI-style keys (sk-..., sk-proj-...,
// sk-ant-...) and the token after "Bearer". Group 1 is kept. A match is
// redacted only when it holds a digit (see looksRandom), so that prose
// ("bearer certificates") stays as it is.
var keyShaped = []*regexp.Regexp{
	regexp.MustCompile(`()\bsk-[A-Za-z0-9_\-]{16,}`),
	regexp.MustCompile(`(\b[Bb]earer\s+)[A-Za-z0-9._~+/=\-]{12,}`),
}

// Redactor redacts a set of secrets and anything shaped like an API key.
// The zero value and a nil *Redactor redact key shapes only.
type Redactor struct {
	secrets []string
}

// New returns a Redactor for secrets. Empty secrets and secrets shorter
// than MinSecret are ignored (the key shapes still apply).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if s = strings.TrimSpace(s); len(s) >= MinSecret {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// String returns s with every secret and every key-shaped token replaced
// by Mask. Cut text only after redacting it: a cut key is no longer the
// key, and may be too short to look like one.
func (r *Redactor) String(s string) string {
	if r != nil {
		for _, secret := range r.secrets {
			s = strings.ReplaceAll(s, secret, Mask)
		}
	}
	for _, re := range keyShaped {
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			sub := re.FindStringSubmatch(m)
			token := m[len(sub[1]):]
			if !looksRandom(token) {
				return m
			}
			return sub[1] + Mask
		})
	}
	return s
}

// looksRandom reports whether a token holds a digit, as generated keys
// and tokens do and words do not.
func looksRandom(token string) bool {
	return strings.ContainsAny(token, "0123456789")
}

// LooksLikeKey reports whether s, written where a name belongs (of an
// environment variable, of a file), looks like an API key pasted there by
// mistake: sk-..., or a run of 20 or more characters mixing lower-case
// letters and digits (gsk_..., hf_..., a 32-character Mistral key, a hex
// token). Names are made of words, so they rarely look like that. Such a
// value must never be printed back.
func LooksLikeKey(s string) bool {
	if strings.Contains(s, "sk-") || strings.HasPrefix(s, "sk_") {
		return true
	}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		if len(part) >= 20 && MixesLowerAndDigits(part) {
			return true
		}
	}
	return false
}

// MixesLowerAndDigits reports whether s holds both lower-case letters and
// digits, as generated tokens do.
func MixesLowerAndDigits(s string) bool {
	return strings.ContainsFunc(s, unicode.IsLower) && strings.ContainsFunc(s, unicode.IsDigit)
}
