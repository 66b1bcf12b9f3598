package render

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/tex"
)

// view is a digest arranged for display; Markdown and HTML both draw it, so
// they always agree on what goes where.
type view struct {
	D        model.Digest
	Health   health
	Announce []announceCount // fetched papers by announce type, display order
	Sections []section       // one per topic with selected papers, topic order
	Empty    []model.Topic   // topics nothing was selected for
	Picks    []*paper        // the day's best papers across topics, each once (a card in Sections)
	Failed   []paper
	Skipped  []reasonCount // skipped papers grouped by why
	Selected int           // distinct papers shown in sections
	// Followed are the papers by followed authors, shown first; Filtered
	// those the filter left out, listed last (filtered.go).
	Followed []followedPaper
	Filtered []paper
	// MaxPerTopic is how many papers a section shows before its fold;
	// NearMargin how far under the threshold a near miss scored at most.
	MaxPerTopic int
	NearMargin  float64
	// Nav links the page to the index and the days before and after it;
	// nil for a page on its own (HTML) and the feed entry.
	Nav *dayNav

	FailedSlug, ContentsSlug, TitleSlug string
}

type healthKind string

const (
	healthNone       healthKind = "none"       // no announcements that day
	healthIncomplete healthKind = "incomplete" // the run stopped early
	healthFailed     healthKind = "failed"     // some papers could not be judged
	healthSkipped    healthKind = "skipped"    // complete, yet some papers were never tried
	healthOK         healthKind = "ok"         // every paper judged
	// healthFetchFailed is a run that could not read the feed; it has no
	// digest, so only the history page shows it.
	healthFetchFailed healthKind = "fetch-failed"
)

// health is the one-line verdict on the run: Title in bold, then Detail.
type health struct {
	Kind   healthKind
	Icon   string
	Title  string
	Detail string
}

type announceCount struct {
	Label string
	N     int
}

type reasonCount struct {
	Reason string
	N      int
}

// slugs hands out GitHub's heading anchors in document order, as GitHub
// numbers repeated headings.
func (v *view) slugs() {
	used := map[string]int{}
	cards := map[*model.Entry]string{} // a paper's card's slug
	v.TitleSlug = githubSlug(pageTitle(v.D), used)
	if len(v.Picks) > 0 {
		githubSlug(topPicksHeading, used) // its anchor is taken
	}
	v.ContentsSlug = githubSlug("Contents", used)
	for i := range v.Sections {
		s := &v.Sections[i]
		s.Slug = githubSlug(s.Topic.Name, used)
		for j := range s.Papers {
			if p := &s.Papers[j]; p.Home {
				p.Slug = githubSlug(tex.Text(p.Title), used) // the heading shows the decoded title
				cards[p.E] = p.Slug
			}
		}
	}
	for i := range v.Sections {
		for j := range v.Sections[i].Papers {
			if p := &v.Sections[i].Papers[j]; !p.Home {
				p.HomeSlug = cards[p.E]
			}
		}
	}
	v.FailedSlug = githubSlug(failedHeading, used)
}

const (
	failedHeading   = "Could not be judged"
	topPicksHeading = "Top picks"
)

func pageTitle(d model.Digest) string { return "arXiv digest " + d.Date }

func verdict(d model.Digest) health {
	h := judgingVerdict(d)
	if n := d.Stats.Filtered; n > 0 && !d.NoAnnouncements {
		h.Detail = strings.TrimSpace(h.Detail + " " + plural(n, "paper was", "papers were") + " left out by the filter (listed at the end).")
	}
	if n := d.Stats.TLDRFailed; n > 0 && !d.NoAnnouncements {
		note := "1 selected paper has no TL;DR: it could not be written, and the next run tries again."
		if n > 1 {
			note = thousands(int64(n)) + " selected papers have no TL;DR: they could not be written, and the next run tries again."
		}
		h.Detail = strings.TrimSpace(h.Detail + " " + note)
	}
	if len(d.Undelivered) > 0 {
		var to []string
		for _, u := range d.Undelivered {
			to = append(to, fmt.Sprintf("%s (%s)", u.Target, cleanText(u.Error)))
		}
		note := "Not delivered to " + strings.Join(to, "; ") + "; the next run tries again."
		h.Detail = strings.TrimSpace(h.Detail + " " + note)
	}
	return h
}

// judgingVerdict is the health of d's judging.
func judgingVerdict(d model.Digest) health {
	st := d.Stats
	kept := keptCount(st)
	cats := strings.Join(d.Categories, ", ")
	if cats == "" {
		cats = "your categories"
	}
	switch {
	case d.NoAnnouncements:
		// Worded for any day: the index shows it for past days too.
		return health{healthNone, "📭", "No announcements.",
			fmt.Sprintf("arXiv announced nothing in %s for %s (weekends and holidays have no mailing).", cats, d.Date)}
	case d.Incomplete:
		why := cleanText(d.RunError)
		if why == "" {
			why = "no reason was recorded"
		}
		detail := fmt.Sprintf("The run stopped early: %s. %s not tried", why, plural(st.Skipped, "paper was", "papers were"))
		if st.Failed > 0 {
			detail += fmt.Sprintf(" and %s", plural(st.Failed, "could not be judged", "could not be judged"))
		}
		return health{healthIncomplete, "⛔", "Run incomplete.", detail + "."}
	case st.Failed > 0:
		detail := fmt.Sprintf("%d of %d judged; see “%s” below.", st.Judged, kept, failedHeading)
		return health{healthFailed, "⚠️", plural(st.Failed, "paper could not be judged.", "papers could not be judged."), detail}
	case st.Skipped > 0:
		return health{healthSkipped, "⚠️", plural(st.Skipped, "paper was skipped.", "papers were skipped."),
			fmt.Sprintf("%d of %d judged.", st.Judged, kept)}
	case kept == 0:
		return health{healthOK, "✅", "No papers in this digest.", ""}
	case st.Filtered == kept:
		return health{healthOK, "✅", "No paper passed the filter.", ""}
	}
	return health{healthOK, "✅", fmt.Sprintf("All %d papers judged.", st.Judged), ""}
}

// keptCount is the digest's papers: every kept paper is judged, failed,
// skipped or filtered (a digest written before "kept" was counted has no
// Kept).
func keptCount(st model.Stats) int { return st.Judged + st.Failed + st.Skipped + st.Filtered }

// Plural writes n with the singular or plural rest: "1 paper was",
// "3 papers were", "1,500 papers were". Mail and messages use it too.
func Plural(n int, one, many string) string { return plural(n, one, many) }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%s %s", thousands(int64(n)), many)
}

func announceCounts(m map[model.AnnounceType]int) []announceCount {
	var out []announceCount
	for _, t := range model.AnnounceTypes {
		out = append(out, announceCount{t.Label(), m[t]})
	}
	var odd []model.AnnounceType
	for t := range m {
		if !t.Valid() {
			odd = append(odd, t)
		}
	}
	slices.Sort(odd)
	for _, t := range odd {
		label := cleanText(string(t))
		if label == "" {
			label = "unknown"
		}
		out = append(out, announceCount{label, m[t]})
	}
	return out
}

func skippedReasons(d model.Digest) []reasonCount {
	n := map[string]int{}
	var order []string
	for _, e := range d.Papers {
		if e.Status == model.StatusJudged || e.Status == model.StatusFailed || e.Status == model.StatusFiltered {
			continue
		}
		r := cleanText(e.Error)
		if r == "" {
			r = "not tried"
		}
		if n[r] == 0 {
			order = append(order, r)
		}
		n[r]++
	}
	out := make([]reasonCount, 0, len(order))
	for _, r := range order {
		out = append(out, reasonCount{r, n[r]})
	}
	slices.SortStableFunc(out, func(a, b reasonCount) int { return cmp.Compare(b.N, a.N) })
	return out
}

// thousands formats n with comma separators: 1234567 -> "1,234,567".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// costText is the run's cost, or why it is unknown.
func costText(st model.Stats) string {
	if st.CostUSD == nil {
		return "cost unknown"
	}
	c := *st.CostUSD
	text := fmt.Sprintf("cost $%.2f", c)
	if c < 1 {
		text = fmt.Sprintf("cost $%.4f", c)
	}
	// Which rate was paid: the Batch API's is half of live's.
	if m := st.Tokens.Mode(); m != "" && m != "live" {
		text += " (" + m + ")"
	}
	return text
}

// tokensText describes the tokens spent, or "" when no request was made.
func tokensText(u model.Usage) string {
	if u.Requests == 0 && u.Prompt == 0 && u.Completion == 0 {
		return ""
	}
	s := thousands(u.Prompt) + " prompt tokens"
	if u.Cached > 0 {
		s += " (" + thousands(u.Cached) + " cached)"
	}
	s += " + " + thousands(u.Completion) + " completion in " + plural(int(u.Requests), "request", "requests")
	return s
}

// runText is the model line of the header: model, threshold, tokens, cost.
func runText(d model.Digest) string {
	var parts []string
	if m := cleanText(d.Model); m != "" {
		parts = append(parts, "model "+m)
	}
	if d.ThresholdPreview {
		parts = append(parts, fmt.Sprintf("threshold %.2f (a preview from render --threshold; the next run or render uses the config's)", d.Threshold))
	} else if !d.NoAnnouncements {
		parts = append(parts, fmt.Sprintf("threshold %.2f", d.Threshold))
	}
	if t := tokensText(d.Stats.Tokens); t != "" {
		parts = append(parts, t, costText(d.Stats))
	} else if d.Stats.CostUSD != nil {
		parts = append(parts, costText(d.Stats))
	}
	return strings.Join(parts, " · ")
}

// sourceName names where the papers came from.
// sourceNote says how a digest from s can differ from the day's RSS feed.
func sourceNote(s string) string {
	if cleanText(s) != "api" {
		return ""
	}
	return "This day was rebuilt from the arXiv API, which knows when papers were submitted, not when they " +
		"were announced: papers announced late or held back may be missing or belong to another day, " +
		"announce types are inferred, and new versions appear only as far as the API lists them."
}

func sourceName(s string) string {
	switch s = cleanText(s); s {
	case "rss":
		return "the arXiv RSS feed"
	case "api":
		return "the arXiv API"
	}
	return s
}
