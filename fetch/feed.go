package fetch

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/rss"
)

// parseFeed checks that the body looks like an XML feed and parses it with
// gofeed as it streams in. Errors wrap ErrInvalidFeed and name the URL and
// the problem.
func parseFeed(r *response) (*gofeed.Feed, error) {
	head, err := r.body.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("fetch %s: reading body: %w", r.url, err)
	}
	trimmed := bytes.TrimPrefix(bytes.TrimSpace(head), []byte("\uFEFF"))
	if len(trimmed) == 0 && len(head) < 512 {
		return nil, fmt.Errorf("fetch %s: empty body: %w", r.url, ErrInvalidFeed)
	}
	if isHTML(r.contentType, trimmed) {
		return nil, fmt.Errorf("fetch %s: got an HTML page (content-type %q), not a feed: %w", r.url, r.contentType, ErrInvalidFeed)
	}
	p := gofeed.NewParser()
	// gofeed would otherwise parse every item's description as HTML to find
	// an image: a third of the time of a 2,000-paper day, for nothing.
	p.RSSTranslator = &rssTranslator{DefaultRSSTranslator: gofeed.DefaultRSSTranslator{DisableContentImageScan: true}}
	feed, err := p.Parse(r.body)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: malformed feed: %w: %w", r.url, ErrInvalidFeed, err)
	}
	return feed, nil
}

// skipDaysKey is the Custom entry of a gofeed.Feed where rssTranslator
// puts the channel's skipDays.
const skipDaysKey = "arxiv-digest:skipDays"

// rssTranslator is gofeed's, keeping the channel's skipDays (arXiv lists
// them in the feed of a day without announcements) without keeping the
// whole source document beside the translated one.
type rssTranslator struct {
	gofeed.DefaultRSSTranslator
}

func (t *rssTranslator) Translate(feed any) (*gofeed.Feed, error) {
	f, err := t.DefaultRSSTranslator.Translate(feed)
	if rf, ok := feed.(*rss.Feed); ok && f != nil && len(rf.SkipDays) > 0 {
		if f.Custom == nil {
			f.Custom = map[string]string{}
		}
		f.Custom[skipDaysKey] = strings.Join(rf.SkipDays, ",")
	}
	return f, err
}

// isHTML reports whether a response is a web page rather than a feed.
func isHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	head := strings.ToLower(string(body[:min(len(body), 512)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}
