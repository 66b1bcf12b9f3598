package render

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// section is one topic: every paper selected for it, best first by its
// score for this topic, and what it almost selected.
type section struct {
	Topic model.Topic
	ID    string // the section's element id: topic-1, topic-2, …
	Slug  string // GitHub's anchor of the topic's heading
	// Papers is every paper selected for the topic: Top is the first
	// MaxPerTopic of them, shown open, Rest the ones folded under "N more".
	Papers, Top, Rest []paper
	// Near is the papers that scored just under the threshold for the
	// topic (within view.NearMargin), best first, at most MaxPerTopic;
	// NearMore counts those left out.
	Near     []paper
	NearMore int
}

// paper is one entry as shown under one topic, with its score for that
// topic. A paper has one full card, under its best topic (Home); under any
// other topic it was selected for it is a short entry that links to the
// card, and the card's "also in" chips link back to those entries. What
// the pages show of it is worked out once, by newPaper, into fields:
// templates read a field far faster than they call a method.
type paper struct {
	E     *model.Entry
	Score model.Score
	Home  bool
	Slug  string // GitHub's anchor of the paper's heading (home cards)
	// HomeSlug is the heading anchor of a short entry's card.
	HomeSlug string
	// ID is the entry's element id: the card's is CardID, another
	// topic's short entry is "<topic id>-<CardID>"; "" for an odd arXiv id.
	ID, CardID string
	// Also is the other topics the paper was selected for.
	Also []alsoRef
	// HomeTopic and HomeRel name the topic of the paper's card and its
	// score there, for a short entry or a near miss selected elsewhere;
	// HomeTopic is "" when the paper has no card.
	HomeTopic, HomeRel string

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

// alsoRef is another topic a paper was selected for: its name, the
// paper's score there, and the id of the paper's entry under it ("" when
// the paper has no ids).
type alsoRef struct {
	Topic, Rel, ID string
}

// shownAuthors is how many authors a byline names before "+N more".
const shownAuthors = 3

// topPicks is how many papers the "Top picks" strip shows.
const topPicks = 5

// nearMargin is how far under the threshold a near miss may score.
const nearMargin = 0.15

func newPaper(e *model.Entry, score model.Score) paper {
	p := paper{E: e, Score: score, AnnounceLabel: e.AnnounceType.Label(), CardID: paperID(e)}
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

// byScore orders papers best first, then by id, so every rendering of a
// day lists them alike.
func byScore(a, b paper) int {
	if c := cmp.Compare(b.Score.Relevance, a.Score.Relevance); c != 0 {
		return c
	}
	return cmp.Compare(a.E.ID, b.E.ID)
}

func newView(d model.Digest) *view {
	v := &view{D: d, MaxPerTopic: d.MaxPerTopic, NearMargin: nearMargin}
	if v.MaxPerTopic <= 0 {
		v.MaxPerTopic = model.DefaultMaxPerTopic
	}
	v.Health = verdict(d)
	v.Announce = announceCounts(d.Stats.ByAnnounce)

	order := map[string]int{}
	for i, t := range d.Topics {
		order[t.Name] = i
		v.Sections = append(v.Sections, section{Topic: t})
	}
	sectionOf := func(topic string) int {
		k, ok := order[topic]
		if !ok { // a topic the digest does not list: still show the paper
			k = len(v.Sections)
			order[topic] = k
			v.Sections = append(v.Sections, section{Topic: model.Topic{Name: topic}})
		}
		return k
	}
	for i := range d.Papers {
		e := &d.Papers[i]
		switch {
		case e.Status == model.StatusFailed:
			v.Failed = append(v.Failed, newPaper(e, model.Score{}))
			continue
		case e.Status != model.StatusJudged:
			continue
		case len(e.SelectedTopics) == 0:
			continue
		}
		card := newPaper(e, model.Score{})
		for j, t := range e.SelectedTopics {
			p := card
			p.Score, _ = e.Score(t)
			p.Score.Topic = t
			p.Home = j == 0
			k := sectionOf(t)
			v.Sections[k].Papers = append(v.Sections[k].Papers, p)
		}
		v.Selected++
	}
	v.Sections = slices.DeleteFunc(v.Sections, func(s section) bool {
		if len(s.Papers) == 0 {
			v.Empty = append(v.Empty, s.Topic)
			return true
		}
		return false
	})
	ids := make(map[string]string, len(v.Sections)) // topic name -> section id
	for i := range v.Sections {
		s := &v.Sections[i]
		s.ID = fmt.Sprintf("topic-%d", i+1)
		ids[s.Topic.Name] = s.ID
		slices.SortFunc(s.Papers, byScore)
		n := min(len(s.Papers), v.MaxPerTopic)
		s.Top, s.Rest = s.Papers[:n], s.Papers[n:]
	}
	for i := range v.Sections {
		for j := range v.Sections[i].Papers {
			v.crossLink(&v.Sections[i].Papers[j], ids)
		}
	}
	v.nearMisses()
	v.picks()
	slices.SortFunc(v.Failed, func(a, b paper) int { return cmp.Compare(a.E.ID, b.E.ID) })
	v.Skipped = skippedReasons(d)
	v.filterLists(d)
	v.slugs()
	return v
}

// crossLink fills in p's ids and its links to its entries under the other
// topics it was selected for.
func (v *view) crossLink(p *paper, ids map[string]string) {
	e := p.E
	if p.CardID != "" {
		p.ID = p.CardID
		if !p.Home {
			p.ID = ids[p.Score.Topic] + "-" + p.CardID
		}
	}
	if !p.Home {
		home, _ := e.Score(e.SelectedTopics[0])
		p.HomeTopic, p.HomeRel = e.SelectedTopics[0], relText(home.Relevance)
		return
	}
	if len(e.SelectedTopics) < 2 {
		return
	}
	p.Also = make([]alsoRef, 0, len(e.SelectedTopics)-1)
	for _, t := range e.SelectedTopics[1:] {
		s, _ := e.Score(t)
		ref := alsoRef{Topic: t, Rel: relText(s.Relevance)}
		if p.CardID != "" {
			ref.ID = ids[t] + "-" + p.CardID
		}
		p.Also = append(p.Also, ref)
	}
}

// nearMisses lists, under each section, the papers that scored within
// NearMargin under the threshold for its topic. Topics nothing was
// selected for have no section, and so no near misses shown.
func (v *view) nearMisses() {
	th := v.D.Threshold
	if th <= 0 || len(v.Sections) == 0 {
		return
	}
	k := make(map[string]int, len(v.Sections))
	for i, s := range v.Sections {
		k[s.Topic.Name] = i
	}
	type miss struct {
		e *model.Entry
		s model.Score
	}
	found := make([][]miss, len(v.Sections))
	for i := range v.D.Papers {
		e := &v.D.Papers[i]
		if e.Status != model.StatusJudged {
			continue
		}
		for _, s := range e.Scores {
			if s.Relevance >= th || s.Relevance < th-v.NearMargin {
				continue
			}
			if j, ok := k[s.Topic]; ok {
				found[j] = append(found[j], miss{e, s})
			}
		}
	}
	for j, ms := range found {
		slices.SortFunc(ms, func(a, b miss) int {
			if c := cmp.Compare(b.s.Relevance, a.s.Relevance); c != 0 {
				return c
			}
			return cmp.Compare(a.e.ID, b.e.ID)
		})
		s := &v.Sections[j]
		n := min(len(ms), v.MaxPerTopic)
		s.NearMore = len(ms) - n
		s.Near = make([]paper, n)
		for i, m := range ms[:n] {
			p := newPaper(m.e, m.s)
			if len(m.e.SelectedTopics) > 0 {
				home, _ := m.e.Score(m.e.SelectedTopics[0])
				p.HomeTopic, p.HomeRel = m.e.SelectedTopics[0], relText(home.Relevance)
			}
			s.Near[i] = p
		}
	}
}

// picks chooses the day's best papers across topics: each paper once, by
// its best score.
func (v *view) picks() {
	if v.Selected < 2 {
		return // the one paper is right below
	}
	for i := range v.Sections {
		for j := range v.Sections[i].Papers {
			if p := &v.Sections[i].Papers[j]; p.Home {
				v.Picks = append(v.Picks, p)
			}
		}
	}
	slices.SortFunc(v.Picks, func(a, b *paper) int { return byScore(*a, *b) })
	v.Picks = v.Picks[:min(len(v.Picks), topPicks)]
}
