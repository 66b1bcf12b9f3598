package classify

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// parseAnswer validates a model's JSON answer strictly against topics and
// returns one score per topic, in the topics' order. Every problem is an
// ErrInvalidAnswer; nothing is ever scored by default.
func parseAnswer(content string, topics []model.Topic) ([]model.Score, error) {
	if strings.TrimSpace(content) == "" {
		return nil, fmt.Errorf("%w: empty content", ErrInvalidAnswer)
	}
	var root map[string]json.RawMessage
	if err := decodeStrict(content, &root); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %v", ErrInvalidAnswer, err)
	}
	rawTopics, ok := root["topics"]
	if !ok {
		return nil, fmt.Errorf("%w: no \"topics\" object", ErrInvalidAnswer)
	}
	for k := range root {
		if k != "topics" {
			return nil, fmt.Errorf("%w: unexpected field %q", ErrInvalidAnswer, k)
		}
	}
	var got map[string]json.RawMessage
	if err := decodeStrict(string(rawTopics), &got); err != nil || got == nil {
		return nil, fmt.Errorf("%w: \"topics\" is not an object", ErrInvalidAnswer)
	}
	want := make(map[string]bool, len(topics))
	for _, t := range topics {
		want[t.Name] = true
	}
	var extra []string
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return nil, fmt.Errorf("%w: unexpected topic %q", ErrInvalidAnswer, extra[0])
	}
	scores := make([]model.Score, 0, len(topics))
	for _, t := range topics {
		raw, ok := got[t.Name]
		if !ok {
			return nil, fmt.Errorf("%w: topic %q missing", ErrInvalidAnswer, t.Name)
		}
		s, err := parseScore(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: topic %q: %s", ErrInvalidAnswer, t.Name, err)
		}
		s.Topic = t.Name
		scores = append(scores, s)
	}
	return scores, nil
}

func parseScore(raw json.RawMessage) (model.Score, error) {
	var fields map[string]json.RawMessage
	if err := decodeStrict(string(raw), &fields); err != nil || fields == nil {
		return model.Score{}, fmt.Errorf("not an object")
	}
	for k := range fields {
		if k != "relevance" && k != "reason" {
			return model.Score{}, fmt.Errorf("unexpected field %q", k)
		}
	}
	rel, ok := fields["relevance"]
	if !ok {
		return model.Score{}, fmt.Errorf("relevance missing")
	}
	var val any
	n, isNum := json.Number(""), false
	if err := decodeStrict(string(rel), &val); err == nil {
		n, isNum = val.(json.Number)
	}
	v, err := n.Float64()
	if !isNum || err != nil {
		// Not cut here: the caller redacts the message, then cuts it.
		return model.Score{}, fmt.Errorf("relevance %s is not a number", rel)
	}
	if v < 0 || v > 1 {
		return model.Score{}, fmt.Errorf("relevance %g outside [0,1]", v)
	}
	rr, ok := fields["reason"]
	if !ok {
		return model.Score{}, fmt.Errorf("reason missing")
	}
	var reason string
	if err := decodeStrict(string(rr), &reason); err != nil {
		return model.Score{}, fmt.Errorf("reason is not a string")
	}
	return model.Score{Relevance: v, Reason: model.NormalizeSpace(reason)}, nil
}

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
