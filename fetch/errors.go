package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrInvalidFeed is wrapped by every error about a document that is not a
// usable feed: an empty body, an HTML page, malformed XML, a feed of the
// wrong kind or one without usable items.
var ErrInvalidFeed = errors.New("invalid feed")

// ErrBodyTooLarge is wrapped when a response is larger than Options.MaxBody.
var ErrBodyTooLarge = errors.New("body too large")

// ErrNoAnnouncementDay is wrapped when a date is a Saturday or a Sunday,
// on which arXiv announces nothing.
var ErrNoAnnouncementDay = errors.New("not an announcement day")

// HTTPError is a response with a status other than 2xx.
type HTTPError struct {
	URL        string
	StatusCode int
	RetryAfter time.Duration // from the Retry-After header; 0 when absent
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("fetch %s: HTTP %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// QueryError is arXiv rejecting a query. The RSS service answers an unknown
// category with HTTP 200 and a feed titled "Feed error for query: ...";
// the API answers a bad query with an error entry.
type QueryError struct {
	Query      string   // the query as arXiv reported it (RSS) or as sent (API)
	Categories []string // the requested categories the query names
	Message    string   // arXiv's explanation, when it gave one
}

func (e *QueryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fetch: arXiv rejected the query %q", e.Query)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if len(e.Categories) > 0 {
		fmt.Fprintf(&b, " (check the categories: %s)", strings.Join(e.Categories, ", "))
	}
	return b.String()
}
