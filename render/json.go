package render

import (
	"encoding/json"
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// JSON renders d as the indented digest.json: json.MarshalIndent with two
// spaces, and a final newline. Its lists are always arrays,
// never null, so other tools can iterate them without checks.
func JSON(d model.Digest) ([]byte, error) {
	d.Categories = nonNil(d.Categories)
	d.Topics = nonNil(d.Topics)
	d.Papers = nonNil(d.Papers)
	if d.Stats.ByAnnounce == nil {
		d.Stats.ByAnnounce = map[model.AnnounceType]int{}
	}
	papers := make([]model.Entry, len(d.Papers))
	for i, e := range d.Papers {
		e.Authors = nonNil(e.Authors)
		e.Categories = nonNil(e.Categories)
		e.Scores = nonNil(e.Scores)
		e.SelectedTopics = nonNil(e.SelectedTopics)
		papers[i] = e
	}
	d.Papers = papers
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render: json %s: %w", d.Date, err)
	}
	return append(b, '\n'), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
