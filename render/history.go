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
const DefaultMaxEntries = 10

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
	// Failure, when set, is a run that failed before it could write a
	// digest (the store's record of it): the index page says so.
	Failure *Failure
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

// DayURL is the address of a day's page where output.dir is published at
// base; with base "", its path relative to output.dir.
func DayURL(base, date string) string {
	if base != "" && !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + date + "/" + HTMLFile
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
	index, feed, err := history(dir, opts, nil)
	if err != nil {
		return err
	}
	return writeHistoryFiles(dir, index, feed, opts.Logger)
}

// history renders index.html and feed.xml from the days in dir, with today
// (when not nil) in place of whatever its folder holds.
func history(dir string, opts HistoryOptions, today *daySummary) (index, feed []byte, err error) {
	days, err := loadDays(dir, opts.MaxEntries, opts.Logger, today)
	if err != nil {
		return nil, nil, err
	}
	r, err := newHTMLRenderer()
	if err != nil {
		return nil, nil, err
	}
	if index, err = r.index(days, opts.Failure, opts); err != nil {
		return nil, nil, err
	}
	if feed, err = r.feed(days, opts); err != nil {
		return nil, nil, err
	}
	return index, feed, nil
}

// writeHistoryFiles replaces index.html and feed.xml. Unchanged pages are
// left alone: every run rebuilds the history, even one that finds its day
// already done.
func writeHistoryFiles(dir string, index, feed []byte, log *slog.Logger) error {
	if err := os.Remove(filepath.Join(dir, oldFailureFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("remove the failure notice of an older version", slog.Any("error", err))
	}
	if _, err := atomicfile.Update(filepath.Join(dir, IndexFile), index, filePerm); err != nil {
		return fmt.Errorf("render: history: %w", err)
	}
	if _, err := atomicfile.Update(filepath.Join(dir, FeedFile), feed, filePerm); err != nil {
		return fmt.Errorf("render: history: %w", err)
	}
	return nil
}

// loadDays reads what the index and feed need of every dir/<YYYY-MM-DD>/,
// newest first: the day's summary.json, or its digest.json when it has no
// summary (a digest written before summaries existed). The folder's name is
// the day's date whatever the file says. Only the newest feedDays keep
// a way to their feed entry (its HTML, or the papers to render it from);
// the index needs just the counts.
//
// today, when not nil, is a day about to be written: it takes the place of
// whatever its folder holds (it is listed even when the folder does not
// exist yet).
func loadDays(dir string, feedDays int, log *slog.Logger, today *daySummary) ([]daySummary, error) {
	ents, err := os.ReadDir(dir)
	if err != nil && !(today != nil && errors.Is(err, os.ErrNotExist)) {
		return nil, fmt.Errorf("render: history: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() && model.ValidDate(e.Name()) && (today == nil || e.Name() != today.Digest.Date) {
			names = append(names, e.Name())
		}
	}
	if today != nil {
		names = append(names, today.Digest.Date)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(b, a) })
	var days []daySummary
	for _, name := range names {
		var day daySummary
		if today != nil && name == today.Digest.Date {
			day = *today
		} else {
			day, err = readDay(filepath.Join(dir, name), len(days) < feedDays)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				log.Warn("skip unreadable digest", slog.String("dir", filepath.Join(dir, name)), slog.Any("error", err))
				continue
			}
		}
		if day.Digest.Date != name {
			log.Warn("digest date differs from its folder", slog.String("dir", filepath.Join(dir, name)), slog.String("date", day.Digest.Date))
			day.Digest.Date = name
		}
		switch {
		case len(days) >= feedDays: // in the index only
			day.Digest.Papers, day.FeedHTML = nil, ""
		case day.FeedHTML == "":
			day.Digest = summary(day.Digest) // what its feed entry will be rendered from
		}
		days = append(days, day)
	}
	return days, nil
}

// readDay reads one day's summary and, when the feed needs it (forFeed),
// its feed entry. A folder without digest.json has no finished day in it.
// FeedHTML is "" when the entry has to be rendered from the digest (a day
// written before summaries or entries existed, or whose entry.html is
// gone: its digest.json is read in full), or when the feed does not need
// it. The day just written is read like any other.
func readDay(day string, forFeed bool) (daySummary, error) {
	if _, err := os.Stat(filepath.Join(day, JSONFile)); err != nil {
		return daySummary{}, err
	}
	var s daySummary
	b, err := os.ReadFile(filepath.Join(day, SummaryFile))
	switch {
	case err == nil && !forFeed:
		var counts struct {
			Digest *model.Digest `json:"digest"` // an older summary's feed_html is skipped, not decoded
		}
		counts.Digest = &s.Digest
		return s, json.Unmarshal(b, &counts)
	case err == nil:
		if err := json.Unmarshal(b, &s); err != nil || s.FeedHTML != "" {
			return s, err
		}
		entry, err := os.ReadFile(filepath.Join(day, EntryFile))
		if err == nil {
			s.FeedHTML = string(entry)
			return s, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return s, err
		}
	case !errors.Is(err, os.ErrNotExist):
		return s, err
	}
	if b, err = os.ReadFile(filepath.Join(day, JSONFile)); err != nil {
		return s, err
	}
	s = daySummary{}
	return s, json.Unmarshal(b, &s.Digest)
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
	Failure *Failure // the last run failed before it could write a digest
	Health  health   // of Failure
}

func (r *htmlRenderer) index(days []daySummary, failure *Failure, opts HistoryOptions) ([]byte, error) {
	p := indexPage{Title: opts.FeedTitle, FeedURL: FeedFile, Failure: failure}
	if failure != nil {
		p.Health = failure.health()
	}
	for _, day := range days {
		d := day.Digest
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
