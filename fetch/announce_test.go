package fetch

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const rss1Excerpt = "testdata/rss1_cs_2018-08-30_excerpt.xml"

// TestLatestRejectsRSS1 feeds the reader arXiv's RSS format from before
// 2024, whose items carry no announce type. Taken as it is, every paper
// would have the type "" and the pipeline would keep none of them: a
// "complete", empty day.
func TestLatestRejectsRSS1(t *testing.T) {
	doc := string(readFixture(t, rss1Excerpt))
	// The document as stored dates only its channel (dc:date); the report
	// that led to this test had the date on every item too.
	withItemDates := strings.ReplaceAll(doc, "</dc:creator>\n  </item>",
		"</dc:creator>\n    <dc:date>2018-08-30T20:30:00-05:00</dc:date>\n  </item>")
	if strings.Count(withItemDates, "<dc:date>") != 6 {
		t.Fatalf("fixture changed: %d dc:date elements after adding them to the items", strings.Count(withItemDates, "<dc:date>"))
	}
	for name, body := range map[string]string{"as stored": doc, "dated items": withItemDates} {
		t.Run(name, func(t *testing.T) {
			srv, rec := fakeArxiv(t, serveBody("application/xml", []byte(body)))
			day, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs"})
			if err == nil {
				t.Fatalf("Latest accepted the RSS 1.0 feed: %d papers, first %+v", len(day.Papers), day.Papers[0])
			}
			if !errors.Is(err, ErrInvalidFeed) {
				t.Errorf("err = %v, want ErrInvalidFeed", err)
			}
			want := "fetch " + srv.URL + "/rss/cs: 5 of 5 items carry no arXiv announce type (first: 1808.09955): " +
				"this looks like arXiv's RSS 1.0 format from before 2024; check arxiv.rss_url: invalid feed"
			if err.Error() != want {
				t.Errorf("err = %q\nwant  %q", err, want)
			}
		})
	}
}

// TestLatestItemWithoutAnnounceType: one paper that cannot be classified
// fails the fetch, naming it, rather than being dropped without a word by
// the announce-type filter.
func TestLatestItemWithoutAnnounceType(t *testing.T) {
	const doc = `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" version="2.0"><channel><title>cs.CL updates on arXiv.org</title>
<pubDate>Tue, 06 Jan 2026 00:00:00 -0500</pubDate>
<item><title>Typed</title><guid>oai:arXiv.org:2601.00001v1</guid><description>arXiv:2601.00001v1 Announce Type: new
Abstract: A.</description><arxiv:announce_type>new</arxiv:announce_type></item>
<item><title>Untyped</title><guid>oai:arXiv.org:2601.00002v1</guid><description>Abstract: B.</description></item>
<item><title>Typed too</title><guid>oai:arXiv.org:2601.00003v1</guid><arxiv:announce_type>cross</arxiv:announce_type></item>
</channel></rss>`
	srv, rec := fakeArxiv(t, serveBody(rssType, []byte(doc)))
	_, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs.CL"})
	want := "fetch " + srv.URL + "/rss/cs.CL: 1 of 3 items carry no arXiv announce type (first: 2601.00002): invalid feed"
	if !errors.Is(err, ErrInvalidFeed) || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

// TestLatestRSS1WithoutIDs: when no item could be a paper, the error says
// that, not that the announce types are missing.
func TestLatestRSS1WithoutIDs(t *testing.T) {
	const doc = `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://example.org/"><title>news</title><link>http://example.org/</link><dc:date>2018-08-30T20:30:00-05:00</dc:date></channel>
<item rdf:about="http://example.org/1"><title>One</title><link>http://example.org/1</link></item>
<item rdf:about="http://example.org/2"><title>Two</title><link>http://example.org/2</link></item>
</rdf:RDF>`
	srv, rec := fakeArxiv(t, serveBody("application/xml", []byte(doc)))
	_, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs"})
	if !errors.Is(err, ErrInvalidFeed) || !strings.Contains(err.Error(), "none of 2 items has an arXiv id") {
		t.Errorf("err = %v, want none of 2 items has an arXiv id", err)
	}
}
