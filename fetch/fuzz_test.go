package fetch

import (
	"bufio"
	"bytes"
	"log/slog"
	"testing"
	"unicode/utf8"
)

// FuzzParseRSS feeds whole documents to the RSS reader: it may reject them
// but must not panic, and what it accepts must hold sane papers.
func FuzzParseRSS(f *testing.F) {
	f.Add(readFixture(f, "../testdata/arxiv/rss2_empty_cs_sunday_2026-03-29.xml"))
	f.Add(readFixture(f, "testdata/rss2_feed_error_cs.XX.xml"))
	f.Add(readFixture(f, rss1Excerpt))
	f.Add([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><pubDate>Mon, 28 Apr 2025 00:00:00 -0400</pubDate>
<item><title>T</title><guid>oai:arXiv.org:2504.17830v1</guid><description>arXiv:2504.17830v1 Announce Type: new
Abstract: A</description><category>quant-ph</category><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">R\'emy, {\l}ukasz</dc:creator></item></channel></rss>`))
	log := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, body []byte) {
		day, err := parseRSS(&response{url: "http://127.0.0.1/rss/x", contentType: rssType, body: bufio.NewReader(bytes.NewReader(body))}, []string{"x"}, log)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range day.Papers {
			if p.ID == "" || p.Version < 1 || p.AnnounceType == "" || seen[p.ID] {
				t.Fatalf("bad paper %+v", p)
			}
			seen[p.ID] = true
			for _, a := range p.Authors {
				if a == "" || !utf8.ValidString(a) {
					t.Fatalf("bad author %q", a)
				}
			}
		}
		if day.NoAnnouncements != (len(day.Papers) == 0) {
			t.Fatalf("NoAnnouncements %v with %d papers", day.NoAnnouncements, len(day.Papers))
		}
	})
}
