package fetch

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// apiTimeLayout is the minute-precision UTC format of submittedDate ranges.
const apiTimeLayout = "200601021504"

// MaxAPIResults caps the results Day reads for one day. A day of every
// arXiv archive is under 20,000 papers, so an answer claiming more is
// wrong; Day warns and reads at most this many.
const MaxAPIResults = 20000

// Day rebuilds the announcement day date (YYYY-MM-DD, US Eastern, Monday to
// Friday) from the arXiv API: the papers in categories submitted in
// AnnouncementWindow(date), paged APIPageSize at a time with APIDelay
// between requests. See the package documentation for how this differs
// from the day's RSS feed.
//
// Paging ends when opensearch:totalResults is reached, after MaxAPIResults
// results, or when a page adds no paper not seen before (the API repeating
// itself); the last two are logged as warnings and the papers gathered are
// kept. Each page is logged at info level. When ctx is cancelled, the error
// says how many pages and papers were read and wraps ctx.Err().
func (c *Client) Day(ctx context.Context, categories []string, date string) (*Day, error) {
	if err := checkCategories("fetch day "+date, categories); err != nil {
		return nil, err
	}
	from, to, err := AnnouncementWindow(date)
	if err != nil {
		return nil, fmt.Errorf("fetch day: %w", err)
	}
	query := searchQuery(categories, from, to)
	day := &Day{Date: date, Source: SourceAPI}
	seen := map[string]bool{}
	size := c.opts.APIPageSize
	// done counts the pages read, pages estimates how many there are.
	start, total, done, pages := 0, -1, 0, 0
	interrupted := func() error {
		if done == 0 {
			return fmt.Errorf("fetch day %s: interrupted before the first page: %w", date, ctx.Err())
		}
		return fmt.Errorf("fetch day %s: interrupted after %d of %d pages (%d papers): %w", date, done, pages, len(day.Papers), ctx.Err())
	}
	for total < 0 || start < min(total, MaxAPIResults) {
		if done > 0 && c.opts.APIDelay > 0 {
			if err := c.opts.Sleep(ctx, c.opts.APIDelay); err != nil {
				if ctx.Err() != nil {
					return nil, interrupted()
				}
				return nil, fmt.Errorf("fetch day %s: %w", date, err)
			}
		}
		page, err := c.apiPage(ctx, query, categories, start, min(size, MaxAPIResults-start))
		if err != nil {
			if ctx.Err() != nil {
				return nil, interrupted()
			}
			return nil, err
		}
		done++
		if done == 1 {
			day.URL = page.url
			if page.total > MaxAPIResults {
				c.log.Warn("the API claims more results than a day can hold; reading at most MaxAPIResults",
					"date", date, "claimed", page.total, "max", MaxAPIResults)
			}
		}
		total = page.total
		if len(page.papers) == 0 {
			if start < total {
				return nil, fmt.Errorf("fetch day %s: the API sent an empty page at %d of %d results: %w", date, start, total, ErrInvalidFeed)
			}
			break
		}
		start += len(page.papers)
		added := 0
		for _, p := range page.papers {
			if !seen[p.ID] {
				seen[p.ID] = true
				day.Papers = append(day.Papers, p)
				added++
			}
		}
		pages = done + ceilDiv(max(0, min(total, MaxAPIResults)-start), size)
		c.log.Info("api page", "date", date, "page", done, "pages", pages, "papers", len(day.Papers), "total", total)
		if added == 0 {
			c.log.Warn("the API repeated itself: a page added no new papers; keeping the papers gathered",
				"date", date, "page", done, "papers", len(day.Papers))
			break
		}
	}
	day.NoAnnouncements = len(day.Papers) == 0
	c.log.Info("rebuilt day from the api", "date", date, "papers", len(day.Papers), "pages", done, "from", from, "to", to)
	return day, nil
}

// ceilDiv is a/b rounded up, for a >= 0 and b > 0.
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// searchQuery is the API query for papers in categories submitted in
// [from, to). submittedDate ranges are inclusive at minute precision, so
// the range ends one minute before to.
func searchQuery(categories []string, from, to time.Time) string {
	cats := make([]string, len(categories))
	for i, c := range categories {
		cats[i] = "cat:" + c
	}
	catQuery := cats[0]
	if len(cats) > 1 {
		catQuery = "(" + strings.Join(cats, " OR ") + ")"
	}
	return fmt.Sprintf("%s AND submittedDate:[%s TO %s]", catQuery,
		from.UTC().Format(apiTimeLayout), to.Add(-time.Minute).UTC().Format(apiTimeLayout))
}

type apiPage struct {
	url    string
	papers []model.Paper
	total  int
}

// apiPage asks for size results from start on.
func (c *Client) apiPage(ctx context.Context, query string, categories []string, start, size int) (*apiPage, error) {
	v := url.Values{}
	v.Set("search_query", query)
	v.Set("sortBy", "submittedDate")
	v.Set("sortOrder", "ascending")
	v.Set("start", strconv.Itoa(start))
	v.Set("max_results", strconv.Itoa(size))
	var page *apiPage
	err := c.get(ctx, c.opts.APIURL+"?"+v.Encode(), Validators{}, func(resp *response) error {
		p, err := parseAtom(resp, query, categories, c.log)
		page = p
		return err
	})
	return page, err
}
