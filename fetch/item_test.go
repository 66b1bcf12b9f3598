package fetch

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// quirkyFeed has one item per fallback the reader must take.
const quirkyFeed = `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
  <channel>
    <title>cs.CL updates on arXiv.org</title>
    <item>
      <title>No   extension,
        type from description</title>
      <link>https://arxiv.org/abs/2601.00001</link>
      <description>arXiv:2601.00001v3 Announce Type: cross 
Abstract: First \&amp; foremost -&gt; done.</description>
      <guid isPermaLink="false">oai:arXiv.org:2601.00001v3</guid>
      <category>cs.LG</category>
      <category>cs.CL</category>
      <pubDate>Tue, 06 Jan 2026 00:00:00 -0500</pubDate>
      <dc:creator>J\"org M\"uller, , Ana {\L}uk\'a\v{s}</dc:creator>
    </item>
    <item>
      <title>Unknown type, id only in the description</title>
      <link>https://arxiv.org/abs/2601.00002</link>
      <description>arXiv:2601.00002v1 Announce Type: new 
Abstract: Second.</description>
      <category>cs.CL</category>
      <arxiv:announce_type>withdrawn</arxiv:announce_type>
      <dc:creator>Solo Author</dc:creator>
    </item>
    <item>
      <title>Only a link</title>
      <link>https://arxiv.org/abs/2601.00003</link>
      <description>Third.</description>
      <arxiv:announce_type>new</arxiv:announce_type>
    </item>
    <item>
      <title>Repeat of the first</title>
      <description>arXiv:2601.00001v3 Announce Type: cross 
Abstract: again</description>
      <guid isPermaLink="false">oai:arXiv.org:2601.00001v3</guid>
    </item>
    <item>
      <title>No id at all</title>
      <description>nothing here</description>
    </item>
  </channel>
</rss>`

func TestLatestItemFallbacks(t *testing.T) {
	var logs bytes.Buffer
	srv, rec := fakeArxiv(t, serveBody(rssType, []byte(quirkyFeed)))
	c := newTestClient(srv, rec, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	day, err := c.Latest(context.Background(), []string{"cs.CL"})
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	// No channel pubDate: the first item's, in its own -0500 offset.
	if day.Date != "2026-01-06" {
		t.Errorf("Date = %q, want 2026-01-06", day.Date)
	}
	want := []model.Paper{
		{ID: "2601.00001", Version: 3, Title: "No extension, type from description", Abstract: `First \& foremost -> done.`,
			Authors: []string{"Jörg Müller", "Ana Łukáš"}, Categories: []string{"cs.LG", "cs.CL"}, AnnounceType: model.Cross},
		{ID: "2601.00002", Version: 1, Title: "Unknown type, id only in the description", Abstract: "Second.",
			Authors: []string{"Solo Author"}, Categories: []string{"cs.CL"}, AnnounceType: "withdrawn"},
		{ID: "2601.00003", Version: 1, Title: "Only a link", Abstract: "Third.", Categories: []string{}, AnnounceType: model.New},
	}
	if len(day.Papers) != len(want) {
		t.Fatalf("got %d papers: %+v", len(day.Papers), day.Papers)
	}
	for i, w := range want {
		g := day.Papers[i]
		if g.ID != w.ID || g.Version != w.Version || g.Title != w.Title || g.Abstract != w.Abstract ||
			!slices.Equal(g.Authors, w.Authors) || !slices.Equal(g.Categories, w.Categories) || g.AnnounceType != w.AnnounceType {
			t.Errorf("paper %d = %+v\nwant %+v", i, g, w)
		}
	}
	for _, msg := range []string{"unknown announce type", "announce_type=withdrawn", "skipping item", "assuming 1"} {
		if !strings.Contains(logs.String(), msg) {
			t.Errorf("log lacks %q:\n%s", msg, logs.String())
		}
	}
}

func TestLatestNoItemsNoSkipDays(t *testing.T) {
	const doc = `<?xml version='1.0' encoding='UTF-8'?>
<rss version="2.0"><channel><title>cs.CL updates on arXiv.org</title>
<pubDate>Mon, 06 Apr 2026 00:00:00 -0400</pubDate></channel></rss>`
	var logs bytes.Buffer
	srv, rec := fakeArxiv(t, serveBody(rssType, []byte(doc)))
	c := newTestClient(srv, rec, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	day, err := c.Latest(context.Background(), []string{"cs.CL"})
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	if !day.NoAnnouncements || day.Date != "2026-04-06" {
		t.Errorf("day = %+v", day)
	}
	if !strings.Contains(logs.String(), "no skipDays") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
}
