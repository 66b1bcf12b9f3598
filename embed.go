// Package arxivdigest holds what the whole repository shares with the
// binary: the commented example configuration, which `arxiv-digest init`
// writes as a starter config.
package arxivdigest

import _ "embed"

// ExampleConfig is config.yaml at the repository root.
//
//go:embed config.yaml
var ExampleConfig []byte
