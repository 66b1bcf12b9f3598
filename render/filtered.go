package render

import (
	"fmt"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// The filter's two lists, drawn as self-contained blocks: papers by
// followed authors at the top of the digest, whatever their relevance,
// and the papers the filter left out, titles only, at the end.

// followedHeading and filteredHeading head the two lists.
const (
	followedHeading = "Followed authors"
	filteredHeading = "Left out by the filter"
)

// followedPaper is a paper by a followed author as its list shows it.
type followedPaper struct {
	paper
	// Note says what became of it: its best relevance and topic, or why
	// it has none.
	Note string
}

// filterLists fills v.Followed and v.Filtered, in the day's order.
func (v *view) filterLists(d model.Digest) {
	for i := range d.Papers {
		e := &d.Papers[i]
		if e.Followed != "" {
			best := bestScore(e.Scores)
			v.Followed = append(v.Followed, followedPaper{paper: newPaper(e, best), Note: followedNote(e, best)})
		}
		if e.Status == model.StatusFiltered {
			v.Filtered = append(v.Filtered, newPaper(e, model.Score{}))
		}
	}
}

// bestScore is the score of highest relevance (the first of equals).
func bestScore(scores []model.Score) model.Score {
	var best model.Score
	for i, s := range scores {
		if i == 0 || s.Relevance > best.Relevance {
			best = s
		}
	}
	return best
}

func followedNote(e *model.Entry, best model.Score) string {
	by := "by " + cleanText(e.Followed)
	switch e.Status {
	case model.StatusJudged:
		if best.Topic == "" {
			return by
		}
		return fmt.Sprintf("%s · relevance %s for %s", by, relText(best.Relevance), cleanText(best.Topic))
	case model.StatusFailed:
		return by + " · could not be judged"
	case model.StatusFiltered:
		return by + " · not judged (filtered when the day was run)"
	}
	return by + " · not judged yet"
}

// Thousands writes n with comma separators (1,234,567), as the pages do.
func Thousands(n int64) string { return thousands(n) }

// filteredNote is the line under the filtered list's heading.
func filteredNote(n int) string {
	return plural(n, "paper was", "papers were") + " left out by the config's filter and never sent to the model."
}

func (w *mdWriter) followed(v *view) {
	if len(v.Followed) == 0 {
		return
	}
	w.line("## ", followedHeading)
	w.line()
	for _, p := range v.Followed {
		title := EscapeMarkdown(p.Title)
		if p.Linkable {
			title = "[" + title + "](" + p.AbsURL + ")"
		}
		w.line("- ", title, " · ", EscapeMarkdown(p.Ref), " · ", EscapeMarkdown(p.Note))
		if t := cleanText(p.E.TLDR); t != "" {
			w.line("  ", EscapeMarkdown(t))
		}
	}
	w.line()
}

func (w *mdWriter) filtered(v *view) {
	if len(v.Filtered) == 0 {
		return
	}
	w.line("## ", filteredHeading)
	w.line()
	w.line(EscapeMarkdown(filteredNote(len(v.Filtered))))
	w.line()
	for _, p := range v.Filtered {
		title := EscapeMarkdown(p.Title)
		if p.Linkable {
			title = "[" + title + "](" + p.AbsURL + ")"
		}
		w.line("- ", title, " · ", EscapeMarkdown(strings.TrimSpace(p.E.Error)))
	}
	w.line()
}
