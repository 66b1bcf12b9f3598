package store

import (
	"context"
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
