package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// Sources of a Day.
const (
	SourceRSS = "rss"
	SourceAPI = "api"
)

// Day is one announcement day's papers.
type Day struct {
	// Date is the announcement day, YYYY-MM-DD, as the feed writes it
	// (US Eastern; never converted to local time).
	Date   string
	Source string // SourceRSS or SourceAPI
	// URL is the URL fetched: the feed's, or the first API page's.
	URL string
	// Validators are the feed response's ETag and Last-Modified, to send
	// back with LatestIf; none for the API.
	Validators Validators
	// NoAnnouncements is true for a valid feed without items (weekends,
	// holidays).
	NoAnnouncements bool
	// Papers is every paper announced, before any announce-type filtering:
	// unique by ID, in feed order. From the RSS feed each has a non-empty
	// AnnounceType, possibly one arXiv added after this code was written.
	Papers []model.Paper
}

// queryErrorTitle starts the channel title of arXiv's answer to a query
// naming an unknown category.
const queryErrorTitle = "Feed error for query:"

// checkCategories rejects an empty list and anything that is not shaped
// like a category, before it is pasted into a URL.
func checkCategories(op string, categories []string) error {
	if len(categories) == 0 {
		return fmt.Errorf("%s: no categories", op)
	}
	for _, c := range categories {
		if !model.ValidCategory(c) {
			return fmt.Errorf("%s: invalid category %q", op, c)
		}
	}
	return nil
}

// Latest fetches today's announcements for categories with one GET of
// LatestURL(categories). It is LatestIf with no validators.
func (c *Client) Latest(ctx context.Context, categories []string) (*Day, error) {
	return c.LatestIf(ctx, categories, Validators{})
}

// LatestIf fetches like Latest, sending If-None-Match / If-Modified-Since
// from v when set; a 304 answer returns an error wrapping ErrNotModified
// (and no Day). v is cleaned as the Day's Validators are before it is
// sent. A 304 to a request without validators is an *HTTPError.
func (c *Client) LatestIf(ctx context.Context, categories []string, v Validators) (*Day, error) {
	if err := checkCategories("fetch latest", categories); err != nil {
		return nil, err
	}
	url := c.LatestURL(categories)
	var day *Day
	err := c.get(ctx, url, v.clean(url, c.log), func(resp *response) error {
		d, err := parseRSS(resp, categories, c.log)
		if err != nil {
			return err
		}
		d.URL, d.Validators = resp.url, resp.validators
		day = d
		return nil
	})
	if errors.Is(err, ErrNotModified) {
		c.log.Info("feed not modified", "url", url)
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	c.log.Info("fetched feed", "url", day.URL, "date", day.Date, "papers", len(day.Papers), "no_announcements", day.NoAnnouncements,
		"etag", day.Validators.ETag, "last_modified", day.Validators.LastModified)
	return day, nil
}

// LatestURL is the feed URL Latest asks for these categories:
// <RSSURL>cat1+cat2. It does not check them; Latest does.
func (c *Client) LatestURL(categories []string) string {
	base := c.opts.RSSURL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + strings.Join(categories, "+")
}

// parseRSS reads an arXiv RSS document.
func parseRSS(r *response, categories []string, log *slog.Logger) (*Day, error) {
	feed, err := parseFeed(r)
	if err != nil {
		return nil, err
	}
	// Each item can go once read, so that a day's papers are never in
	// memory twice.
	_, skipDays := feed.Custom[skipDaysKey]
	if feed.FeedType != "rss" {
		return nil, fmt.Errorf("fetch %s: expected an RSS feed, got %s: %w", r.url, feed.FeedType, ErrInvalidFeed)
	}
	if q, found := strings.CutPrefix(strings.TrimSpace(feed.Title), queryErrorTitle); found {
		q = strings.TrimSpace(q)
		return nil, &QueryError{Query: q, Categories: namedCategories(q, categories)}
	}

	day := &Day{Source: SourceRSS}
	pub := feed.Published
	if pub == "" && len(feed.Items) > 0 {
		pub = feed.Items[0].Published
	}
	if pub != "" {
		t, err := parseFeedDate(pub)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w: %w", r.url, ErrInvalidFeed, err)
		}
		day.Date = t.Format(time.DateOnly) // in the date's own offset
	}

	seen := map[string]bool{}
	untyped, firstUntyped := 0, ""
	for i, it := range feed.Items {
		feed.Items[i] = nil
		p, err := paperFromItem(it, log)
		if err != nil {
			log.Warn("skipping item", "url", r.url, "item", i, "err", err)
			continue
		}
		if seen[p.ID] {
			log.Debug("duplicate item", "id", p.ID)
			continue
		}
		seen[p.ID] = true
		if p.AnnounceType == "" {
			if untyped == 0 {
				firstUntyped = p.ID
			}
			untyped++
		}
		day.Papers = append(day.Papers, p)
	}

	switch {
	case len(feed.Items) > 0 && len(day.Papers) == 0:
		return nil, fmt.Errorf("fetch %s: none of %d items has an arXiv id: %w", r.url, len(feed.Items), ErrInvalidFeed)
	case untyped > 0:
		// Kept, these papers would match no configured announce type and
		// vanish from the digest without a word.
		hint := ""
		if isOldArxivRSS(feed) {
			hint = ": this looks like arXiv's RSS 1.0 format from before 2024; check arxiv.rss_url"
		}
		return nil, fmt.Errorf("fetch %s: %d of %d items carry no arXiv announce type (first: %s)%s: %w",
			r.url, untyped, len(day.Papers), firstUntyped, hint, ErrInvalidFeed)
	case len(feed.Items) > 0 && day.Date == "":
		return nil, fmt.Errorf("fetch %s: no pubDate on the channel or its items: %w", r.url, ErrInvalidFeed)
	case len(day.Papers) == 0:
		day.NoAnnouncements = true
		if !skipDays {
			log.Warn("feed has no items and no skipDays; treating it as a day without announcements", "url", r.url, "title", feed.Title)
		}
	}
	return day, nil
}

// isOldArxivRSS reports whether feed looks like arXiv's RSS from before
// 2024, an RSS 1.0 (RDF) document: items titled "Title. (arXiv:1808.09964v1
// [cs.LG])", no announce types, the date on the channel's dc:date.
func isOldArxivRSS(feed *gofeed.Feed) bool {
	return feed.FeedVersion == "1.0"
}

// namedCategories is the requested categories that the rejected query
// names, or all of them when it names none.
func namedCategories(query string, categories []string) []string {
	words := strings.FieldsFunc(query, func(r rune) bool {
		return r == '+' || r == ',' || r == ' ' || r == '/' || r == '|'
	})
	var named []string
	for _, c := range categories {
		for _, w := range words {
			if strings.EqualFold(w, c) {
				named = append(named, c)
				break
			}
		}
	}
	if len(named) == 0 {
		return append([]string(nil), categories...)
	}
	return named
}

// feedDateLayouts are the RFC 822 variants seen in RSS pubDates.
var feedDateLayouts = []string{
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 02 Jan 2006 15:04 -0700",
	"02 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 MST",
	time.RFC3339,
}

// parseFeedDate parses an RSS date keeping its own offset.
func parseFeedDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range feedDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable pubDate %q", s)
}
