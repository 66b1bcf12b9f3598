package classify

import (
	"encoding/json"
	"errors"
	"strings"
)

// decodeStrict decodes exactly one JSON value from s (numbers as
// json.Number); anything else, trailing data included, is an error.
func decodeStrict(s string, v any) error {
	if !json.Valid([]byte(s)) {
		return errors.New("invalid JSON")
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return dec.Decode(v)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
