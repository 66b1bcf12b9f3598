package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// FuzzPaperText checks that whatever text a feed delivers (quotes, TeX,
// emoji, NUL, SQL-looking text) is stored and read back unchanged, and
// that its judgements are found again by Key.
func FuzzPaperText(f *testing.F) {
	for _, seed := range [][2]string{
		{"Sparse Attention", "We study sparse attention."},
		{"O'Brien's \"quoted\" title; DROP TABLE papers; --", "100% of $\\alpha$ \\'{e}t\\'{e}"},
		{"Emoji 🚀 and ünïcødé", "Line one\nline two\r\n\ttabbed"},
		{"nul\x00inside", "\x00"},
		{"", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	s, _ := openTest(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, title, abstract string) {
		p := model.Paper{ID: "2504.00001", Version: 1, Title: title, Abstract: abstract,
			Authors: []string{"A. Author"}, Categories: []string{"cs.CL"}, AnnounceType: model.New}
		r := testRun("2025-04-23")
		if err := s.BeginRun(ctx, r, []model.Paper{p}, knownFor(s, r, []model.Paper{p})); err != nil {
			t.Fatal(err)
		}
		_, day, err := s.Run(ctx, r.Date)
		if err != nil {
			t.Fatal(err)
		}
		if len(day) != 1 || day[0].Paper.Title != title || day[0].Paper.Abstract != abstract {
			t.Fatalf("stored %q / %q, read back %+v", title, abstract, day)
		}
		want := scoresFor(p, 0.5)
		for k, sc := range want {
			if utf8.ValidString(title) && utf8.ValidString(abstract) {
				sc.Reason = title + abstract // reasons carry model text
				want[k] = sc
			}
		}
		if err := s.SaveJudged(ctx, r.Date, p.ID, want, true, model.Usage{}); err != nil {
			t.Fatal(err)
		}
		// The paper as read back must key to the judgements just saved.
		keys := make([]string, 0, len(testTopics))
		for _, tp := range testTopics {
			keys = append(keys, testKey(day[0].Paper, tp, testModel, testPrompt))
		}
		got, err := lookupScores(ctx, s.db, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("found %d of %d scores by the read-back paper's keys", len(got), len(want))
		}
		for k, sc := range want {
			if got[k] != sc {
				t.Fatalf("score %s: got %+v, want %+v", k, got[k], sc)
			}
		}
	})
}

// FuzzSearchQuery checks that any query is either refused as malformed or
// is a valid FTS5 expression that runs: never another error, never a panic.
func FuzzSearchQuery(f *testing.F) {
	for _, seed := range []string{`sparse attention`, `"sparse attention"`, `transform*`, `"a b"*`, `a OR b`, `title:x`,
		`Schr\"odinger`, `"unbalanced`, `*`, `a"b`, `NEAR(a b)`, `a:b:c`, `-x`, `x AND`, `^x`, `"`, `\`, `title:"x" OR author:y*`} {
		f.Add(seed)
	}
	s, _ := openTest(f)
	ctx := context.Background()
	if err := s.BeginRun(ctx, testRun("2025-04-23"), testPapers(3), nil); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		_, err := s.Search(ctx, SearchQuery{Text: q})
		if err != nil && !errors.Is(err, ErrBadQuery) {
			t.Fatalf("%q: %v", q, err)
		}
		if err != nil && strings.Contains(err.Error(), "SQL logic error") {
			t.Fatalf("%q: FTS5 refused what ParseQuery made: %v", q, err)
		}
	})
}
