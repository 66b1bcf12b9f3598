package fakeopenai

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestParseRequestSchema(t *testing.T) {
	mutate := func(f func(schema map[string]any)) map[string]any {
		b := rawBody(t, "m", paperText, "alpha", "beta")
		f(b["response_format"].(map[string]any)["json_schema"].(map[string]any)["schema"].(map[string]any))
		return b
	}
	topicsNode := func(s map[string]any) map[string]any {
		return s["properties"].(map[string]any)["topics"].(map[string]any)
	}
	tests := []struct {
		name    string
		body    any
		topics  []string // when valid
		wantMsg string   // substring of the 400 message
	}{
		{"contract", rawBody(t, "m", paperText, "beta", "alpha"), []string{"beta", "alpha"}, ""},
		{"root without additionalProperties", mutate(func(s map[string]any) { delete(s, "additionalProperties") }), nil,
			"Invalid schema for response_format 'paper_relevance': In context=(), 'additionalProperties' is required to be supplied and to be false."},
		{"topic missing from required", mutate(func(s map[string]any) { topicsNode(s)["required"] = []string{"alpha"} }), nil,
			"In context=('properties', 'topics'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'beta'."},
		{"extra required", mutate(func(s map[string]any) { topicsNode(s)["required"] = []string{"alpha", "beta", "gamma"} }), nil,
			"Extra required key 'gamma' supplied."},
		{"nested additionalProperties true", mutate(func(s map[string]any) {
			topicsNode(s)["properties"].(map[string]any)["alpha"].(map[string]any)["additionalProperties"] = true
		}), nil, "In context=('properties', 'topics', 'properties', 'alpha'), 'additionalProperties'"},
		{"topic without reason", mutate(func(s map[string]any) {
			a := topicsNode(s)["properties"].(map[string]any)["alpha"].(map[string]any)
			delete(a["properties"].(map[string]any), "reason")
			a["required"] = []string{"relevance"}
		}), nil, `topic "alpha" must be an object with a number 'relevance' and a string 'reason'`},
		{"no topics", rawBody(t, "m", paperText), nil, "no topics"},
		{"not strict", func() map[string]any {
			b := rawBody(t, "m", paperText, "x")
			b["response_format"].(map[string]any)["json_schema"].(map[string]any)["strict"] = false
			return b
		}(), nil, "strict = true"},
		{"json_object", func() map[string]any {
			b := rawBody(t, "m", paperText, "x")
			b["response_format"] = map[string]any{"type": "json_object"}
			return b
		}(), nil, "Invalid value: 'json_object'."},
		{"bad role", func() map[string]any {
			b := rawBody(t, "m", paperText, "x")
			b["messages"] = []map[string]any{{"role": "bot", "content": "hi"}}
			return b
		}(), nil, "Invalid value: 'bot'."},
		{"content parts", func() map[string]any {
			b := rawBody(t, "m", paperText, "x")
			b["messages"] = []map[string]any{{"role": "user", "content": []map[string]any{{"type": "text", "text": "Title: T"}, {"type": "text", "text": "\nmore"}}}}
			return b
		}(), []string{"x"}, ""},
		{"max_tokens on gpt-5", func() map[string]any {
			b := rawBody(t, "gpt-5-nano", paperText, "x")
			b["max_tokens"] = 100
			return b
		}(), nil, "Unsupported parameter: 'max_tokens'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			p, apiErr := parseRequest(raw)
			if tt.wantMsg == "" {
				if apiErr != nil {
					t.Fatalf("rejected: %s", apiErr.Message)
				}
				if !slices.Equal(p.topics, tt.topics) {
					t.Errorf("topics = %v, want %v", p.topics, tt.topics)
				}
				return
			}
			if apiErr == nil {
				t.Fatalf("accepted, want %q", tt.wantMsg)
			}
			if !strings.Contains(apiErr.Message, tt.wantMsg) || apiErr.Type != "invalid_request_error" {
				t.Errorf("message = %q (%s), want it to contain %q", apiErr.Message, apiErr.Type, tt.wantMsg)
			}
		})
	}
}

func TestPaperKey(t *testing.T) {
	raw, _ := json.Marshal(rawBody(t, "m", "  Title: X  \nCategories: cs.CL", "x"))
	p, apiErr := parseRequest(raw)
	if apiErr != nil {
		t.Fatal(apiErr.Message)
	}
	if p.paperKey() != "Title: X" {
		t.Errorf("key = %q", p.paperKey())
	}
}

// FuzzParseRequest feeds outside input to the request parser: it must not
// panic, and whatever it accepts must get an answer that is valid JSON with
// exactly the requested topics.
func FuzzParseRequest(f *testing.F) {
	good, _ := json.Marshal(rawBody(f, "m", paperText, "alpha", "be\"ta"))
	f.Add(good)
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":null}],"response_format":{"type":"json_schema","json_schema":{"name":"n","strict":true,"schema":{"type":"object","additionalProperties":false,"required":["topics"],"properties":{"topics":{"type":"object","additionalProperties":false,"required":[],"properties":{}}}}}}}`))
	f.Add([]byte(`{"messages":[]}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, apiErr := parseRequest(body)
		if apiErr != nil {
			if apiErr.Message == "" || apiErr.Type != "invalid_request_error" {
				t.Fatalf("bad error %+v", apiErr)
			}
			return
		}
		content := answerContent(p, DefaultScore, DefaultTLDR, false)
		var a struct {
			Topics map[string]json.RawMessage `json:"topics"`
		}
		if err := json.Unmarshal([]byte(content), &a); err != nil {
			t.Fatalf("answer %q: %v", content, err)
		}
		want := map[string]bool{}
		for _, tp := range p.topics {
			want[tp] = true
		}
		if len(a.Topics) != len(want) {
			t.Fatalf("answer has %d topics, want %d", len(a.Topics), len(want))
		}
	})
}
