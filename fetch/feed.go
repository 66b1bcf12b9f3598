package fetch

import (
	"bytes"
	"fmt"
	"mime"
	"strings"

	"github.com/mmcdole/gofeed"
)

// parseFeed checks that body looks like an XML feed and parses it with
// gofeed. Errors wrap ErrInvalidFeed and name the URL and the problem.
func parseFeed(r *response) (*gofeed.Feed, error) {
	trimmed := bytes.TrimSpace(r.body)
	trimmed = bytes.TrimPrefix(trimmed, []byte("\uFEFF"))
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("fetch %s: empty body: %w", r.url, ErrInvalidFeed)
	}
	if isHTML(r.contentType, trimmed) {
		return nil, fmt.Errorf("fetch %s: got an HTML page (content-type %q), not a feed: %w", r.url, r.contentType, ErrInvalidFeed)
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	feed, err := p.Parse(bytes.NewReader(r.body))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: malformed feed: %w: %w", r.url, ErrInvalidFeed, err)
	}
	return feed, nil
}

// isHTML reports whether a response is a web page rather than a feed.
func isHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	head := strings.ToLower(string(body[:min(len(body), 512)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html")
}
