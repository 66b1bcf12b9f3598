package render

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// The Atom feed (RFC 4287), built from structs by encoding/xml, which
// escapes every text and attribute.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Summary string     `xml:"summary"`
	Content atomText   `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// feedID identifies the feed for good: its URL when known, else a tag: URI.
const feedTagID = "tag:arxiv-digest,2025:feed"

func (r *htmlRenderer) feed(days []daySummary, opts HistoryOptions) ([]byte, error) {
	f := atomFeed{
		ID:        feedTagID,
		Title:     opts.FeedTitle,
		Author:    atomPerson{Name: "arxiv-digest"},
		Generator: "arxiv-digest",
	}
	if opts.FeedURL != "" {
		f.ID = opts.FeedURL
		f.Links = append(f.Links, atomLink{Rel: "self", Type: "application/atom+xml", Href: opts.FeedURL})
	}
	f.Links = append(f.Links, atomLink{Rel: "alternate", Type: "text/html", Href: opts.BaseURL + IndexFile})
	var newest time.Time
	for i, day := range days {
		if i == opts.MaxEntries {
			break
		}
		d, body := day.Digest, []byte(day.FeedHTML)
		if day.FeedHTML == "" {
			var err error
			if body, err = r.fragment(d); err != nil {
				return nil, err
			}
		}
		updated := digestTime(d)
		if updated.After(newest) {
			newest = updated
		}
		v := verdict(d)
		f.Entries = append(f.Entries, atomEntry{
			ID:      fmt.Sprintf("tag:arxiv-digest,%s:%s", d.Date, d.Date),
			Title:   dayTitle(d),
			Updated: updated.Format(time.RFC3339),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: DayURL(opts.BaseURL, d.Date)}},
			Summary: cleanText(v.Title + " " + v.Detail),
			Content: atomText{Type: "html", Body: string(body)},
		})
	}
	if newest.IsZero() {
		newest = opts.Now()
	}
	f.Updated = newest.UTC().Format(time.RFC3339)
	// The entries' HTML is most of the feed and grows by a fifth or so
	// when escaped: one buffer of about that size, rather than doubling
	// one from nothing through megabytes.
	size := 4096
	for _, e := range f.Entries {
		size += len(e.Content.Body) + len(e.Content.Body)/4 + 1024
	}
	b := bytes.NewBuffer(make([]byte, 0, size))
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(b)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("render: feed: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// digestTime is when the digest was built, or the start of its day (UTC)
// when GeneratedAt is missing or malformed.
func digestTime(d model.Digest) time.Time {
	if t, err := time.Parse(time.RFC3339, d.GeneratedAt); err == nil {
		return t.UTC()
	}
	t, _ := time.Parse(time.DateOnly, d.Date)
	return t.UTC()
}
