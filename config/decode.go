package config

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/arxiv-digest/arxiv-digest/internal/redact"
)

// Error is one problem with the configuration: where it is, which key, and
// what is wrong with the value.
type Error struct {
	File string // the config file, if any
	Line int    // 0 when the problem is not at one line (a missing key)
	Key  string // dotted path: llm.concurrency, topics[2].name
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Duration is a time.Duration written in YAML as "60s", "1m30s".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		return fmt.Errorf("not a duration (use a form like 60s, 1m30s)")
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back in its string form.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Parse decodes data (read from file, for messages) over the defaults,
// expands ${VAR} with getenv, and validates the result. Every problem
// found is returned, joined, each as an *Error.
func Parse(file string, data []byte, getenv func(string) string) (*Config, error) {
	cfg := Default()
	cfg.Path = file
	doc, err := parseYAML(data)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "the file is empty"}
		}
		return nil, syntaxError(file, data, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: file, Msg: "the file is empty"}
	}
	d := decoder{file: file, getenv: getenv, lines: map[string]int{}, failed: map[string]bool{},
		noEcho: map[string]bool{}, expanded: map[string]string{}}
	d.decode(doc.Content[0], reflect.ValueOf(&cfg).Elem(), "")
	cfg.lines, cfg.failed, cfg.expanded = d.lines, d.failed, d.expanded
	// Values that failed to decode keep their defaults, and Validate says
	// nothing about them or the keys under them: one mistake, one line.
	// Every problem in the file is reported at once.
	if err := errors.Join(append(d.errs, cfg.Validate())...); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// decoder walks the YAML tree beside the Go struct so that every unknown
// key and bad value is reported with its line and dotted key.
type decoder struct {
	file   string
	getenv func(string) string
	errs   []error
	lines  map[string]int
	failed map[string]bool // key paths whose value could not be decoded
	// noEcho holds the key paths whose value no error may repeat.
	noEcho map[string]bool
	// expanded maps the key paths whose value used ${VAR} to the text
	// written.
	expanded map[string]string
}

// fail reports that the value at path could not be decoded.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.failed[path] = true
	d.report(n, path, format, args...)
}

// report reports a problem with a key (unknown, repeated) rather than with
// its value.
func (d *decoder) report(n *yaml.Node, key, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: n.Line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// shaped is a struct that says, for a value of the wrong kind written in
// its place, how it is written instead.
type shaped interface{ shape() string }

func (*Topic) shape() string {
	return "a topic needs a name and a description (name: ..., description: ...)"
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if path != "" {
		d.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty key keeps its default
	}
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		d.leaf(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if s, ok := v.Addr().Interface().(shaped); ok {
				what := kindName(n)
				if n.Kind == yaml.ScalarNode && !redact.LooksLikeKey(n.Value) {
					what = fmt.Sprintf("just %q", n.Value)
				}
				d.fail(n, path, "%s: %s, not %s", path, s.shape(), what)
				return
			}
			d.fail(n, path, "%s must be a mapping of keys, not %s", describe(path), kindName(n))
			return
		}
		d.mapping(n, v, path)
	case reflect.Slice:
		items := n.Content
		switch {
		case n.Kind == yaml.ScalarNode && isScalar(v.Type().Elem()):
			// categories: cs.CL is a list of one.
			items = []*yaml.Node{n}
		case n.Kind != yaml.SequenceNode:
			d.fail(n, path, "%s must be a list, not %s", describe(path), kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		errs := len(d.errs)
		d.decode(n, p.Elem(), path)
		if len(d.errs) == errs {
			v.Set(p)
		}
	default:
		d.leaf(n, v, path)
	}
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	fields := map[string]int{}
	var names []string
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
		if f.Tag.Get("echo") == "never" {
			d.noEcho[join(path, tag)] = true
		}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := join(path, k.Value)
		idx, ok := fields[k.Value]
		if !ok {
			if redact.LooksLikeKey(k.Value) {
				d.report(k, key, "unknown key (not shown, it looks like an API key) %s", where(path))
				continue
			}
			msg := fmt.Sprintf("unknown key `%s` %s", k.Value, where(path))
			if s := suggest(k.Value, names); s != "" {
				msg += fmt.Sprintf("; did you mean `%s`?", s)
			}
			d.report(k, key, "%s", msg)
			continue
		}
		if seen[k.Value] {
			d.report(k, key, "key `%s` appears twice %s", k.Value, where(path))
			continue
		}
		seen[k.Value] = true
		d.decode(val, v.Field(idx), key)
	}
}

// envNamePattern is what an environment variable's name may be.
const envNamePattern = `[A-Za-z_][A-Za-z0-9_]*`

var (
	envRef  = regexp.MustCompile(`\$\{(` + envNamePattern + `)\}`)
	envName = regexp.MustCompile(`^` + envNamePattern + `$`)
)

// leaf decodes one scalar after expanding ${VAR} references in it.
func (d *decoder) leaf(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "%s must be a single value, not %s", describe(path), kindName(n))
		return
	}
	value := n.Value
	var missing []string
	expanded := envRef.ReplaceAllStringFunc(value, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		val := d.getenv(name)
		if val == "" {
			missing = append(missing, name)
		}
		return val
	})
	if len(missing) > 0 {
		if redact.LooksLikeKey(missing[0]) {
			d.fail(n, path, "%s: ${...} names an environment variable that is not set, and the name looks like a key; keep keys out of this file", path)
			return
		}
		d.fail(n, path, "%s: environment variable %s is not set (used as ${%s})", path, missing[0], missing[0])
		return
	}
	node := *n
	if expanded != value {
		d.expanded[path] = value
		node.Value = expanded
		node.Tag = "" // let the target type decide how to read the expanded text
		node.Style = 0
	}
	shown := strconv.Quote(value)
	if d.noEcho[path] || redact.LooksLikeKey(value) {
		shown = "(not shown, it may be a secret)"
	}
	// Decode into a fresh value, so that a value rejected here leaves the
	// default in place.
	out := reflect.New(v.Type())
	if err := node.Decode(out.Interface()); err != nil {
		d.fail(n, path, "%s: invalid value %s: %s", path, shown, cleanYAMLError(err, v.Type()))
		return
	}
	// YAML spells NaN and the infinities .nan and .inf. No setting has a
	// use for them, and NaN compares false with every bound, so this one
	// rule covers every float key, present and future.
	if k := v.Kind(); k == reflect.Float32 || k == reflect.Float64 {
		if f := out.Elem().Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			d.fail(n, path, "%s: invalid value %s: want a finite number", path, value)
			return
		}
	}
	v.Set(out.Elem())
}

// isScalar reports whether values of type t are written as one YAML scalar.
func isScalar(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
		return true
	}
	return false
}

// cleanYAMLError says why a scalar did not decode as type t, without
// repeating the value (as the library's own messages do).
func cleanYAMLError(err error, t reflect.Type) string {
	var te *yaml.TypeError
	if errors.As(err, &te) || strings.Contains(err.Error(), "cannot decode") {
		return "want " + typeName(t)
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "text"
	}
	return t.String()
}

func kindName(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case redact.LooksLikeKey(n.Value):
		return "a value that looks like an API key (not shown)"
	}
	return fmt.Sprintf("the value %q", n.Value)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func where(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}

func describe(path string) string {
	if path == "" {
		return "the config"
	}
	return path
}

// suggest returns the known name closest to s, if it is close enough to be
// a likely typo.
func suggest(s string, names []string) string {
	best, bestDist := "", max(2, len(s)/3+1)
	for _, name := range names {
		if dist := levenshtein(strings.ToLower(s), name); dist < bestDist {
			best, bestDist = name, dist
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Load reads and parses the config file at path.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data, getenv)
}
