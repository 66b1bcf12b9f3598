package render

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// view is a digest arranged for display; Markdown and HTML both draw it, so
// they always agree on what goes where.
type view struct {
	D        model.Digest
	Health   health
	Announce []announceCount // fetched papers by announce type, display order
	Sections []section       // one per topic with selected papers, topic order
	Empty    []model.Topic   // topics nothing was selected for
	Failed   []paper
	Skipped  []reasonCount // skipped papers grouped by why
	Selected int           // distinct papers shown in sections
	// Followed are the papers by followed authors, shown first; Filtered
	// those the filter left out, listed last (filtered.go).
	Followed []followedPaper
	Filtered []paper

	FailedSlug, ContentsSlug, TitleSlug string
}

type healthKind string

const (
	healthNone       healthKind = "none"       // no announcements today
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

// section is one topic and the papers shown under it.
type section struct {
	Topic  model.Topic
	Slug   string
	Papers []paper
}

// paper is one entry as shown: under its best topic with that score, tagged
// with the other topics it was selected for. What the pages show of it is
// worked out once, by newPaper, into fields: templates read a field far
// faster than they call a method.
type paper struct {
	E     *model.Entry
	Score model.Score
	Also  []string
	Slug  string // GitHub's anchor of the paper's heading

	// Links are built from the id by the model's methods, and only for
	// ids that look like arXiv ids; an odd id gets no links at all.
	Linkable                bool
	AbsURL, PDFURL, HTMLURL string
	// Ref is how the paper is cited in text: arXiv:2504.16424v2.
	Ref string
	// Title is the paper's title, or a stand-in when the feed had none.
	Title string
	// Shown is the byline's first authors; More how many it leaves out.
	Shown string
	More  int
	// AnnounceLabel is "new", "cross-list", "replaced" or "replaced
	// cross-list".
	AnnounceLabel string
}

// shownAuthors is how many authors a byline names before "+N more".
const shownAuthors = 3

func newPaper(e *model.Entry, score model.Score, also []string) paper {
	p := paper{E: e, Score: score, Also: also, AnnounceLabel: e.AnnounceType.Label()}
	if p.Linkable = model.ValidID(e.ID); p.Linkable {
		p.AbsURL, p.PDFURL, p.HTMLURL = e.Paper.AbsURL(), e.Paper.PDFURL(), e.Paper.HTMLURL()
	}
	p.Ref = "arXiv:" + e.ID
	if e.Version > 0 {
		p.Ref = fmt.Sprintf("arXiv:%sv%d", e.ID, e.Version)
	}
	if p.Title = cleanText(e.Title); p.Title == "" {
		p.Title = "(untitled)"
	}
	a := e.Authors
	if len(a) <= shownAuthors+1 { // "+1 more" saves nothing
		p.Shown = strings.Join(a, ", ")
	} else {
		p.Shown, p.More = strings.Join(a[:shownAuthors], ", "), len(a)-shownAuthors
	}
	return p
}

func newView(d model.Digest) *view {
	v := &view{D: d}
	v.Health = verdict(d)
	v.Announce = announceCounts(d.Stats.ByAnnounce)

	order := map[string]int{}
	for i, t := range d.Topics {
		order[t.Name] = i
		v.Sections = append(v.Sections, section{Topic: t})
	}
	for i := range d.Papers {
		e := &d.Papers[i]
		switch {
		case e.Status == model.StatusFailed:
			v.Failed = append(v.Failed, newPaper(e, model.Score{}, nil))
			continue
		case e.Status != model.StatusJudged:
			continue
		case len(e.SelectedTopics) == 0:
			continue
		}
		best := e.SelectedTopics[0]
		k, ok := order[best]
		if !ok { // a topic the digest does not list: still show the paper
			k = len(v.Sections)
			order[best] = k
			v.Sections = append(v.Sections, section{Topic: model.Topic{Name: best}})
		}
		s, _ := e.Score(best)
		s.Topic = best
		v.Sections[k].Papers = append(v.Sections[k].Papers, newPaper(e, s, e.SelectedTopics[1:]))
		v.Selected++
	}
	for i := range v.Sections {
		slices.SortFunc(v.Sections[i].Papers, func(a, b paper) int {
			if c := cmp.Compare(b.Score.Relevance, a.Score.Relevance); c != 0 {
				return c
			}
			return cmp.Compare(a.E.ID, b.E.ID)
		})
	}
	slices.SortFunc(v.Failed, func(a, b paper) int { return cmp.Compare(a.E.ID, b.E.ID) })
	v.Sections = slices.DeleteFunc(v.Sections, func(s section) bool {
		if len(s.Papers) == 0 {
			v.Empty = append(v.Empty, s.Topic)
			return true
		}
		return false
	})
	v.Skipped = skippedReasons(d)
	v.filterLists(d)
	v.slugs()
	return v
}

// slugs hands out GitHub's heading anchors in document order, as GitHub
// numbers repeated headings.
func (v *view) slugs() {
	used := map[string]int{}
	v.TitleSlug = githubSlug(pageTitle(v.D), used)
	v.ContentsSlug = githubSlug("Contents", used)
	for i := range v.Sections {
		s := &v.Sections[i]
		s.Slug = githubSlug(s.Topic.Name, used)
		for j := range s.Papers {
			s.Papers[j].Slug = githubSlug(s.Papers[j].Title, used)
		}
	}
	v.FailedSlug = githubSlug(failedHeading, used)
}

const failedHeading = "Could not be judged"

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
		return health{healthNone, "📭", "No announcements today.",
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

// plural writes n with the singular or plural rest: "1 paper was", "3 papers were".
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
