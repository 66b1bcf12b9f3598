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

// Day rebuilds the announcement day date (YYYY-MM-DD, US Eastern, Monday to
// Friday) from the arXiv API: the papers in categories submitted in
// AnnouncementWindow(date), paged APIPageSize at a time with APIDelay
// between requests. See the package documentation for how this differs
// from the day's RSS feed.
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
	for start, total, pages := 0, -1, 0; total < 0 || start < total; pages++ {
		if pages > 0 && c.opts.APIDelay > 0 {
			if err := c.opts.Sleep(ctx, c.opts.APIDelay); err != nil {
				return nil, fmt.Errorf("fetch day %s: %w", date, err)
			}
		}
		page, err := c.apiPage(ctx, query, categories, start)
		if err != nil {
			return nil, err
		}
		total = page.total
		if len(page.papers) == 0 {
			if start < total {
				return nil, fmt.Errorf("fetch day %s: the API sent an empty page at %d of %d results: %w", date, start, total, ErrInvalidFeed)
			}
			break
		}
		start += len(page.papers)
		for _, p := range page.papers {
			if !seen[p.ID] {
				seen[p.ID] = true
				day.Papers = append(day.Papers, p)
			}
		}
		c.log.Debug("api page", "date", date, "start", start, "total", total)
	}
	day.NoAnnouncements = len(day.Papers) == 0
	c.log.Info("rebuilt day from the api", "date", date, "papers", len(day.Papers), "from", from, "to", to)
	return day, nil
}

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
	papers []model.Paper
	total  int
}

func (c *Client) apiPage(ctx context.Context, query string, categories []string, start int) (*apiPage, error) {
	v := url.Values{}
	v.Set("search_query", query)
	v.Set("sortBy", "submittedDate")
	v.Set("sortOrder", "ascending")
	v.Set("start", strconv.Itoa(start))
	v.Set("max_results", strconv.Itoa(c.opts.APIPageSize))
	resp, err := c.get(ctx, c.opts.APIURL+"?"+v.Encode())
	if err != nil {
		return nil, err
	}
	return parseAtom(resp, query, categories, c.log)
}
