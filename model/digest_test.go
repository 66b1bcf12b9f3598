package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestBuild(t *testing.T) {
	topics := []Topic{{Name: "A"}, {Name: "B"}, {Name: "C"}}
	papers := []Paper{
		{ID: "1", AnnounceType: New},
		{ID: "2", AnnounceType: Cross},
		{ID: "3", AnnounceType: New},
		{ID: "4", AnnounceType: Replace},
		{ID: "5", AnnounceType: New},
	}
	outcomes := map[string]Outcome{
		// Scores out of topic order, one exactly at the threshold, one for a topic no longer configured.
		"1": {Status: StatusJudged, Scores: []Score{{Topic: "C", Relevance: 0.9}, {Topic: "A", Relevance: 0.7}, {Topic: "B", Relevance: 0.69}, {Topic: "gone", Relevance: 1}}},
		"2": {Status: StatusJudged, Scores: []Score{{Topic: "A", Relevance: 0.1}, {Topic: "B", Relevance: 0}, {Topic: "C", Relevance: 0.2}}},
		"3": {Status: StatusFailed, Error: "invalid answer", Scores: []Score{{Topic: "A", Relevance: 1}}},
		"4": {Status: StatusSkipped, Error: "cost budget reached"},
		// "5" has no outcome: never tried.
	}
	d := Build(Digest{Topics: topics, Threshold: 0.7}, papers, outcomes)

	if s := d.Stats; s.Fetched != 5 || s.Judged != 2 || s.Failed != 1 || s.Skipped != 2 || s.Selected != 1 {
		t.Errorf("stats = %+v", s)
	}
	if d.Stats.ByAnnounce[New] != 3 || d.Stats.ByAnnounce[Cross] != 1 || d.Stats.ByAnnounce[Replace] != 1 {
		t.Errorf("by announce type = %v", d.Stats.ByAnnounce)
	}
	p1 := d.Papers[0]
	if got := p1.SelectedTopics; !slices.Equal(got, []string{"C", "A"}) {
		t.Errorf("selected topics = %v, want best first [C A] (0.7 is at the threshold, 0.69 below)", got)
	}
	if len(p1.Scores) != 3 || p1.Scores[0].Topic != "A" || p1.Scores[2].Topic != "C" {
		t.Errorf("scores not in topic order or an unknown topic kept: %+v", p1.Scores)
	}
	if p3 := d.Papers[2]; p3.Status != StatusFailed || len(p3.Scores) != 0 || len(p3.SelectedTopics) != 0 || p3.Error == "" {
		t.Errorf("a failed paper must have no scores and keep its reason: %+v", p3)
	}
	if p5 := d.Papers[4]; p5.Status != StatusSkipped || p5.Error == "" {
		t.Errorf("a paper without an outcome must be skipped with a reason: %+v", p5)
	}
	for _, e := range d.Papers {
		if e.Scores == nil || e.SelectedTopics == nil {
			t.Errorf("%s: nil slices would be null in digest.json", e.ID)
		}
		if e.AbsURL != "https://arxiv.org/abs/"+e.ID {
			t.Errorf("%s: abs_url %q", e.ID, e.AbsURL)
		}
	}
}

func TestNormalizeSpace(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		"a":                       "a",
		"a b":                     "a b",
		" a":                      "a",
		"a ":                      "a",
		" ":                       "",
		"a  b":                    "a b",
		"a\nb":                    "a b",
		"a\tb\r\n c":              "a b c",
		"We study\n  sparse.  ":   "We study sparse.",
		"non\u00a0breaking space": "non breaking space", // U+00A0 is white space to strings.Fields
		"thin\u2009space":         "thin space",
		"Günther  Hajdušek":       "Günther Hajdušek",
	} {
		if got := NormalizeSpace(in); got != want {
			t.Errorf("NormalizeSpace(%q) = %q, want %q", in, got, want)
		}
		if got, old := NormalizeSpace(in), strings.Join(strings.Fields(in), " "); got != old {
			t.Errorf("NormalizeSpace(%q) = %q, strings.Fields says %q", in, got, old)
		}
	}
}

func FuzzNormalizeSpace(f *testing.F) {
	for _, s := range []string{"", " a  b ", "a\u00a0b", "\u2028x", "\xff \xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := NormalizeSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("NormalizeSpace(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestRanked(t *testing.T) {
	topics := []Topic{{Name: "a"}, {Name: "b"}}
	papers := []Paper{{ID: "1"}, {ID: "2"}, {ID: "3"}, {ID: "4"}}
	d := Build(Digest{Topics: topics, Threshold: 0.7}, papers, map[string]Outcome{
		"1": {Status: StatusJudged, Scores: []Score{{Topic: "a", Relevance: 0.75}, {Topic: "b", Relevance: 0.2}}},
		"2": {Status: StatusJudged, Scores: []Score{{Topic: "a", Relevance: 0.1}, {Topic: "b", Relevance: 0.2}}},
		"3": {Status: StatusJudged, Scores: []Score{{Topic: "a", Relevance: 0.8}, {Topic: "b", Relevance: 0.95}}},
		"4": {Status: StatusJudged, Scores: []Score{{Topic: "a", Relevance: 0.75}, {Topic: "b", Relevance: 0.7}}},
	})
	var got []string
	for _, p := range d.Ranked() {
		got = append(got, fmt.Sprintf("%s:%s:%.2f", p.ID, p.Best.Topic, p.Best.Relevance))
	}
	// Each paper once, at its best topic; the tie keeps the day's order.
	if want := []string{"3:b:0.95", "1:a:0.75", "4:a:0.75"}; !slices.Equal(got, want) {
		t.Errorf("Ranked = %v, want %v", got, want)
	}
}
