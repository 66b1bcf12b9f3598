package render

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/atomicfile"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// History file names in the output folder.
const (
	IndexFile = "index.html"
	FeedFile  = "feed.xml"
)

// DefaultMaxEntries is how many days the feed carries when
// HistoryOptions.MaxEntries is zero.
const DefaultMaxEntries = 30

// ErrBadBaseURL is returned for a HistoryOptions.BaseURL or FeedURL that is
// not an absolute http or https URL.
var ErrBadBaseURL = errors.New("not an absolute http(s) URL")

// HistoryOptions tunes WriteHistory. The zero value works: relative links,
// tag: ids and the default title.
type HistoryOptions struct {
	// FeedTitle titles the feed and the index page; "" means "arXiv digest".
	FeedTitle string
	// BaseURL is where the output folder is served, such as
	// "https://example.org/digest/". With it, feed links are absolute and
	// the feed has a self link; without it they are relative.
	BaseURL string
	// FeedURL is the feed's own address; "" means BaseURL + "feed.xml".
	FeedURL string
	// MaxEntries caps the feed's entries, newest first; 0 means
	// DefaultMaxEntries. The index lists every day.
	MaxEntries int
	// Logger reports digests that could not be read; nil discards.
	Logger *slog.Logger
	// Now stamps the feed when it has no entries; nil means time.Now.
	Now func() time.Time
	// Written, when set, is a digest WriteDay has just written: it is used
	// as it is instead of reading its digest.json back.
	Written *model.Digest
}

func (o HistoryOptions) withDefaults() (HistoryOptions, error) {
	if o.FeedTitle = cleanText(o.FeedTitle); o.FeedTitle == "" {
		o.FeedTitle = "arXiv digest"
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BaseURL != "" {
		if !isHTTPURL(o.BaseURL) {
			return o, fmt.Errorf("render: history: base url %q: %w", o.BaseURL, ErrBadBaseURL)
		}
		if !strings.HasSuffix(o.BaseURL, "/") {
			o.BaseURL += "/"
		}
	}
	if o.FeedURL == "" && o.BaseURL != "" {
		o.FeedURL = o.BaseURL + FeedFile
	}
	if o.FeedURL != "" && !isHTTPURL(o.FeedURL) {
		return o, fmt.Errorf("render: history: feed url %q: %w", o.FeedURL, ErrBadBaseURL)
	}
	return o, nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// WriteHistory rebuilds dir/index.html (every day, newest first, with its
// counts and health, linking to each day's page) and dir/feed.xml (an Atom
// feed of the newest days) from the dir/<date>/digest.json files present.
// A digest that cannot be read is logged and left out.
func WriteHistory(dir string, opts HistoryOptions) error {
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	days, err := loadDays(dir, opts.MaxEntries, opts.Written, opts.Logger)
	if err != nil {
		return err
	}
	r, err := newHTMLRenderer()
	if err != nil {
		return err
	}
	index, err := r.index(days, opts)
	if err != nil {
		return err
	}
	feed, err := r.feed(days, opts)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, IndexFile), index, filePerm); err != nil {
		return fmt.Errorf("render: history: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, FeedFile), feed, filePerm); err != nil {
		return fmt.Errorf("render: history: %w", err)
	}
	return nil
}

// loadDays reads every dir/<YYYY-MM-DD>/digest.json, newest first. The
// folder's name is the day's date whatever the file says. Only what the
// index and the feed show is kept, so that a long history of 2,000-paper
// days does not have to fit in memory: the newest feedDays keep the papers
// their feed entry lists (without abstracts), older days only their counts.
func loadDays(dir string, feedDays int, written *model.Digest, log *slog.Logger) ([]model.Digest, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("render: history: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() && validDate(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(b, a) })
	var days []model.Digest
	for _, name := range names {
		path := filepath.Join(dir, name, JSONFile)
		d, err := readDigest(path, name, written)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			log.Warn("skip unreadable digest", slog.String("path", path), slog.Any("error", err))
			continue
		}
		if d.Date != name {
			log.Warn("digest date differs from its folder", slog.String("path", path), slog.String("date", d.Date))
			d.Date = name
		}
		if len(days) < feedDays {
			d.Papers = feedPapers(d.Papers)
		} else {
			d.Papers = nil
		}
		days = append(days, d)
	}
	return days, nil
}

// readDigest reads one day's digest.json, or takes the digest just written.
func readDigest(path, date string, written *model.Digest) (model.Digest, error) {
	if written != nil && written.Date == date {
		if _, err := os.Stat(path); err != nil {
			return model.Digest{}, err
		}
		return *written, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return model.Digest{}, err
	}
	var d model.Digest
	return d, json.Unmarshal(b, &d)
}

// feedPapers keeps the papers a feed entry shows (selected, failed or
// skipped ones), without their abstracts.
func feedPapers(papers []model.Entry) []model.Entry {
	var out []model.Entry // a new array, so the full one can be freed
	for _, e := range papers {
		if e.Status == model.StatusJudged && len(e.SelectedTopics) == 0 {
			continue
		}
		e.Abstract = ""
		out = append(out, e)
	}
	return out
}

// indexRow is one day in index.html.
type indexRow struct {
	D      model.Digest
	Href   string
	Health health
}

type indexPage struct {
	Title   string
	FeedURL string
	Rows    []indexRow
}

func (r *htmlRenderer) index(days []model.Digest, opts HistoryOptions) ([]byte, error) {
	p := indexPage{Title: opts.FeedTitle, FeedURL: FeedFile}
	for _, d := range days {
		p.Rows = append(p.Rows, indexRow{D: d, Href: d.Date + "/" + HTMLFile, Health: verdict(d)})
	}
	return r.exec("index", p, 4096+300*len(days))
}

// dayTitle is a day's one-line summary, as the feed titles its entry.
func dayTitle(d model.Digest) string {
	t := pageTitle(d) + ": "
	switch {
	case d.NoAnnouncements:
		t += "no announcements"
	default:
		t += fmt.Sprintf("%d selected", d.Stats.Selected)
	}
	if d.Incomplete {
		t += " (incomplete)"
	} else if d.Stats.Failed > 0 {
		t += fmt.Sprintf(" (%d not judged)", d.Stats.Failed)
	}
	return t
}
