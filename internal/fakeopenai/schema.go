package fakeopenai

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Tasks the fake answers, by the shape of their schema.
const (
	taskRelevance = "relevance" // properties.topics: one {relevance, reason} per topic
	taskTLDR      = "tldr"      // properties.tldr: a string
)

// parseResponseFormat checks the response format the contract requires
// (type json_schema, strict, a schema valid under OpenAI's strict rules)
// and which task it is: relevance (one object per topic under
// properties.topics with relevance and reason; the topic names are
// returned in the order of topics.required) or a TL;DR (a string
// property tldr).
func parseResponseFormat(rf *responseFormat) (task string, topics []string, e *apiError) {
	fail := func(e apiError) (string, []string, *apiError) { return "", nil, &e }
	if rf == nil {
		return fail(invalidRequest("response_format", "missing_required_parameter", "Missing required parameter: 'response_format'. (This fake OpenAI server only answers requests with a json_schema response format.)"))
	}
	if rf.Type != "json_schema" {
		return fail(invalidRequest("response_format.type", "invalid_value", "Invalid value: '%s'. This fake OpenAI server only answers response_format type 'json_schema'.", rf.Type))
	}
	js := rf.JSONSchema
	if js == nil {
		return fail(invalidRequest("response_format.json_schema", "missing_required_parameter", "Missing required parameter: 'response_format.json_schema'."))
	}
	if js.Name == "" {
		return fail(invalidRequest("response_format.json_schema.name", "missing_required_parameter", "Missing required parameter: 'response_format.json_schema.name'."))
	}
	if js.Strict == nil || !*js.Strict {
		return fail(invalidRequest("response_format.json_schema.strict", "invalid_value", "This fake OpenAI server requires response_format.json_schema.strict = true (the classify contract)."))
	}
	schemaErr := func(format string, args ...any) (string, []string, *apiError) {
		return fail(invalidRequest("response_format", "invalid_json_schema", "Invalid schema for response_format '%s': %s", js.Name, fmt.Sprintf(format, args...)))
	}
	var schema map[string]any
	if err := json.Unmarshal(js.Schema, &schema); err != nil || schema == nil {
		return schemaErr("schema must be a JSON Schema of 'type: \"object\"', got %s.", jsonKind(js.Schema))
	}
	if schema["type"] != "object" {
		return schemaErr("schema must be a JSON Schema of 'type: \"object\"', got 'type: \"%v\"'.", schema["type"])
	}
	if msg := checkStrict(schema, nil); msg != "" {
		return schemaErr("%s", msg)
	}
	if isType(dig(schema, "properties", "tldr"), "string") {
		return taskTLDR, nil, nil
	}
	topicsNode, _ := dig(schema, "properties", "topics").(map[string]any)
	if topicsNode == nil {
		return schemaErr("this fake OpenAI server expects a 'topics' object property or a string 'tldr' property (the classify contract).")
	}
	req, _ := topicsNode["required"].([]any)
	topics = make([]string, 0, len(req))
	for _, r := range req {
		name, _ := r.(string)
		if name == "" {
			return schemaErr("In context=('properties', 'topics'), 'required' must be an array of non-empty strings.")
		}
		if !isType(dig(topicsNode, "properties", name, "properties", "relevance"), "number") ||
			!isType(dig(topicsNode, "properties", name, "properties", "reason"), "string") {
			return schemaErr("topic %q must be an object with a number 'relevance' and a string 'reason' (the classify contract).", name)
		}
		topics = append(topics, name)
	}
	if len(topics) == 0 {
		return schemaErr("In context=('properties', 'topics'), no topics: 'required' is empty.")
	}
	return taskRelevance, topics, nil
}

// checkStrict applies OpenAI's strict structured-output rules: every
// object has additionalProperties false and lists all its properties in
// required. It returns OpenAI's message for the first violation, or "".
func checkStrict(node map[string]any, path []any) string {
	_, hasProps := node["properties"]
	if node["type"] == "object" || hasProps {
		if ap, ok := node["additionalProperties"]; !ok || ap != false {
			return fmt.Sprintf("In context=%s, 'additionalProperties' is required to be supplied and to be false.", pyTuple(path))
		}
		props, _ := node["properties"].(map[string]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		reqList, isList := node["required"].([]any)
		required := map[string]bool{}
		for _, r := range reqList {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
		for _, k := range keys {
			if !isList || !required[k] {
				return fmt.Sprintf("In context=%s, 'required' is required to be supplied and to be an array including every key in properties. Missing '%s'.", pyTuple(path), k)
			}
		}
		for _, r := range reqList {
			if s, _ := r.(string); props[s] == nil {
				return fmt.Sprintf("In context=%s, Extra required key '%v' supplied.", pyTuple(path), r)
			}
		}
		for _, k := range keys {
			if child, ok := props[k].(map[string]any); ok {
				if msg := checkStrict(child, append(slices.Clip(path), "properties", k)); msg != "" {
					return msg
				}
			}
		}
	}
	if items, ok := node["items"].(map[string]any); ok {
		if msg := checkStrict(items, append(slices.Clip(path), "items")); msg != "" {
			return msg
		}
	}
	for _, key := range []string{"anyOf", "allOf"} {
		list, _ := node[key].([]any)
		for i, v := range list {
			if child, ok := v.(map[string]any); ok {
				if msg := checkStrict(child, append(slices.Clip(path), key, i)); msg != "" {
					return msg
				}
			}
		}
	}
	for _, key := range []string{"$defs", "definitions"} {
		defs, _ := node[key].(map[string]any)
		names := make([]string, 0, len(defs))
		for k := range defs {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, name := range names {
			if child, ok := defs[name].(map[string]any); ok {
				if msg := checkStrict(child, append(slices.Clip(path), key, name)); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}

// pyTuple renders a schema path as OpenAI's messages do (a Python tuple).
func pyTuple(path []any) string {
	parts := make([]string, len(path))
	for i, p := range path {
		switch v := p.(type) {
		case int:
			parts[i] = strconv.Itoa(v)
		default:
			parts[i] = "'" + fmt.Sprint(v) + "'"
		}
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// dig follows object keys through a decoded JSON value.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func isType(v any, typ string) bool {
	m, ok := v.(map[string]any)
	return ok && m["type"] == typ
}
