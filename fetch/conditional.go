package fetch

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Validators are what a response said about its version, to be sent back.
// Each is at most maxValidatorLen bytes of printable text: control and
// format characters and invalid UTF-8 are stripped, and a longer value is
// dropped (cut short, it could never match again).
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// IsZero reports whether v holds no validator.
func (v Validators) IsZero() bool { return v.ETag == "" && v.LastModified == "" }

// ErrNotModified: the server answered 304 to a conditional request.
var ErrNotModified = errors.New("not modified")

// maxValidatorLen is the longest ETag or Last-Modified value kept. Real
// ones are tens of bytes.
const maxValidatorLen = 256

// cleanValidator strips s of control characters (tabs, newlines, C1),
// format characters (bidi overrides, zero-width spaces), invalid UTF-8
// and surrounding spaces. It reports false when the result is longer than
// maxValidatorLen, and then returns "".
func cleanValidator(s string) (string, bool) {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s))
	if len(s) > maxValidatorLen {
		return "", false
	}
	return s, true
}

// clean is v with each value cleaned; an over-long one is dropped with a
// warning naming url.
func (v Validators) clean(url string, log *slog.Logger) Validators {
	var out Validators
	for _, f := range []struct {
		name    string
		in      string
		cleaned *string
	}{{"etag", v.ETag, &out.ETag}, {"last_modified", v.LastModified, &out.LastModified}} {
		var ok bool
		if *f.cleaned, ok = cleanValidator(f.in); !ok {
			log.Warn("dropping an over-long validator", "url", url, "validator", f.name, "bytes", len(f.in), "max", maxValidatorLen)
		}
	}
	return out
}

// set adds v to a request's headers as If-None-Match and If-Modified-Since.
func (v Validators) set(h http.Header) {
	if v.ETag != "" {
		h.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		h.Set("If-Modified-Since", v.LastModified)
	}
}
