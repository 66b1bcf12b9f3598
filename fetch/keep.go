package fetch

import (
	"slices"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// Keep returns the day's papers whose announce type is one of types, in
// feed order (never nil), and how many papers the day announced of each
// type before that filter (an unknown type arXiv may add is counted and
// not kept unless types names it). It is the one announce-type filter:
// what a run judges and what the fetch command lists.
func (d *Day) Keep(types []model.AnnounceType) (papers []model.Paper, announced map[model.AnnounceType]int) {
	papers = make([]model.Paper, 0, len(d.Papers))
	announced = map[model.AnnounceType]int{}
	for _, p := range d.Papers {
		announced[p.AnnounceType]++
		if slices.Contains(types, p.AnnounceType) {
			papers = append(papers, p)
		}
	}
	return papers, announced
}
