package model

import (
	"cmp"
	"slices"
)

// Digest is one announcement day's result: what render draws and what
// digest.json holds. The JSON names are a contract for other tools.
type Digest struct {
	Date       string   `json:"date"` // YYYY-MM-DD, the arXiv announcement date (US Eastern)
	Categories []string `json:"categories"`
	Topics     []Topic  `json:"topics"`
	Model      string   `json:"model"`
	// Threshold is the relevance at which this digest selected papers: the
	// config's, or the one `render --threshold` previewed (ThresholdPreview).
	Threshold        float64 `json:"threshold"`
	ThresholdPreview bool    `json:"threshold_preview,omitempty"`
	// MaxPerTopic is how many papers a topic shows before the rest are
	// folded (output.max_per_topic); 0, in a digest written before it
	// existed, means DefaultMaxPerTopic.
	MaxPerTopic int    `json:"max_per_topic,omitempty"`
	Source      string `json:"source"`       // "rss" (the day's feed) or "api" (rebuilt from the arXiv API)
	GeneratedAt string `json:"generated_at"` // RFC 3339, when this digest was built
	// NoAnnouncements is true on a day arXiv announced nothing (weekends, holidays).
	NoAnnouncements bool `json:"no_announcements"`
	// Incomplete is true when the run stopped before every paper was tried
	// (Ctrl-C, a fatal API error, the cost budget); RunError says why.
	Incomplete bool   `json:"incomplete"`
	RunError   string `json:"run_error,omitempty"`
	Stats      Stats  `json:"stats"`
	// Undelivered lists the deliveries of this day (email, webhooks) that
	// failed; the next run tries them again.
	Undelivered []Undelivered `json:"undelivered,omitempty"`
	Papers      []Entry       `json:"papers"`
}

// Undelivered is a delivery of the day that failed: to whom, and why.
type Undelivered struct {
	Target string `json:"target"` // "email:me@example.org", "slack:SLACK_WEBHOOK_URL"
	Error  string `json:"error"`
}

// Stats counts a digest's papers. Fetched is every paper the day announced
// in the categories (ByAnnounce splits it by announce type); Kept is those
// of the announce types the config keeps, which are the digest's papers and
// are judged, failed, skipped or filtered. Selected counts distinct papers
// selected for at least one topic; Followed, the papers by followed authors.
type Stats struct {
	Fetched    int                  `json:"fetched"`
	Kept       int                  `json:"kept"`
	ByAnnounce map[AnnounceType]int `json:"by_announce_type"`
	Judged     int                  `json:"judged"`
	Failed     int                  `json:"failed"`
	Skipped    int                  `json:"skipped"`
	Filtered   int                  `json:"filtered"` // left out by the config's filter: not judged, no cost
	Selected   int                  `json:"selected"`
	Followed   int                  `json:"followed"`
	// TLDRFailed counts the selected papers whose TL;DR could not be
	// written (they are shown without one; the next run tries again).
	TLDRFailed int      `json:"tldr_failed"`
	Tokens     Usage    `json:"tokens"`
	CostUSD    *float64 `json:"cost_usd"` // nil when the model's price is unknown
}

// Entry is one fetched paper in a digest. Every fetched paper has an entry,
// whatever its status.
type Entry struct {
	Paper
	AbsURL  string `json:"abs_url"`
	PDFURL  string `json:"pdf_url"`
	HTMLURL string `json:"html_url"`
	// TLDR is what the paper does and finds, in a sentence or two by the
	// model, for selected papers; "" when there is none.
	TLDR           string   `json:"tldr"`
	Status         Status   `json:"status"`
	Error          string   `json:"error,omitempty"`
	Scores         []Score  `json:"scores"`
	SelectedTopics []string `json:"selected_topics"` // best first
	// Followed names the followed author (filter.authors) the paper is by,
	// as the paper spells the name; "" when none. Such papers are shown
	// first, whatever their relevance.
	Followed string `json:"followed,omitempty"`
}

// Score returns the entry's score for topic, if it has one.
func (e Entry) Score(topic string) (Score, bool) {
	for _, s := range e.Scores {
		if s.Topic == topic {
			return s, true
		}
	}
	return Score{}, false
}

// Outcome is what became of one paper: its status, the reason when it was
// not judged, and its scores when it was.
type Outcome struct {
	Status Status
	Error  string
	Scores []Score
	// Followed names the followed author the paper is by ("" when none).
	Followed string
}

// Build assembles a digest from a day's kept papers and their outcomes.
// Papers without an outcome are skipped. Scores are ordered as topics are; a
// paper is selected for a topic when its relevance is at least threshold,
// and its SelectedTopics are ordered best first. Fetched and ByAnnounce
// count the papers given; a caller that knows what the day announced before
// filtering sets them after.
func Build(d Digest, papers []Paper, outcomes map[string]Outcome) Digest {
	d.Papers = make([]Entry, 0, len(papers))
	d.Stats.Fetched, d.Stats.Kept = len(papers), len(papers)
	d.Stats.ByAnnounce = map[AnnounceType]int{}
	d.Stats.Judged, d.Stats.Failed, d.Stats.Skipped, d.Stats.Filtered, d.Stats.Selected, d.Stats.Followed = 0, 0, 0, 0, 0, 0
	order := map[string]int{}
	for i, t := range d.Topics {
		order[t.Name] = i
	}
	for _, p := range papers {
		o, ok := outcomes[p.ID]
		if !ok {
			o = Outcome{Status: StatusSkipped, Error: "not tried"}
		}
		e := Entry{Paper: p, AbsURL: p.AbsURL(), PDFURL: p.PDFURL(), HTMLURL: p.HTMLURL(), Status: o.Status, Error: o.Error, Scores: []Score{}, SelectedTopics: []string{}, Followed: o.Followed}
		if o.Status == StatusJudged {
			e.Error = ""
			for _, s := range o.Scores {
				if _, known := order[s.Topic]; known {
					e.Scores = append(e.Scores, s)
				}
			}
			slices.SortFunc(e.Scores, func(a, b Score) int { return cmp.Compare(order[a.Topic], order[b.Topic]) })
			sel := slices.Clone(e.Scores)
			sel = slices.DeleteFunc(sel, func(s Score) bool { return s.Relevance < d.Threshold })
			slices.SortStableFunc(sel, func(a, b Score) int { return cmp.Compare(b.Relevance, a.Relevance) })
			for _, s := range sel {
				e.SelectedTopics = append(e.SelectedTopics, s.Topic)
			}
		}
		d.Stats.ByAnnounce[p.AnnounceType]++
		switch e.Status {
		case StatusJudged:
			d.Stats.Judged++
		case StatusFailed:
			d.Stats.Failed++
		case StatusFiltered:
			d.Stats.Filtered++
		default:
			d.Stats.Skipped++
		}
		if len(e.SelectedTopics) > 0 {
			d.Stats.Selected++
		}
		if e.Followed != "" {
			d.Stats.Followed++
		}
		d.Papers = append(d.Papers, e)
	}
	return d
}

// FollowedPapers returns the digest's papers by followed authors, in the
// day's order, whatever their relevance or status.
func (d Digest) FollowedPapers() []Entry {
	var out []Entry
	for _, e := range d.Papers {
		if e.Followed != "" {
			out = append(out, e)
		}
	}
	return out
}

// FilteredPapers returns the papers the config's filter left out, in the
// day's order.
func (d Digest) FilteredPapers() []Entry {
	var out []Entry
	for _, e := range d.Papers {
		if e.Status == StatusFiltered {
			out = append(out, e)
		}
	}
	return out
}

// Pick is a selected paper with the score of its best topic.
type Pick struct {
	Entry
	Best Score // the score of SelectedTopics[0]
}

// Ranked returns the digest's selected papers, each once, best first (by
// the relevance of its best topic; ties keep the day's order).
func (d Digest) Ranked() []Pick {
	var picks []Pick
	for _, e := range d.Papers {
		if len(e.SelectedTopics) == 0 {
			continue
		}
		best, _ := e.Score(e.SelectedTopics[0])
		picks = append(picks, Pick{Entry: e, Best: best})
	}
	slices.SortStableFunc(picks, func(a, b Pick) int { return cmp.Compare(b.Best.Relevance, a.Best.Relevance) })
	return picks
}
