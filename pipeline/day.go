package pipeline

import (
	"context"
	"errors"
	"slices"

	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// listing is an announcement day's paper list as a run works on it.
type listing struct {
	day *fetch.Day // its date, source and validators; its Papers are dropped
	// papers are the day's papers of the announce types the config keeps,
	// in feed order.
	papers []model.Paper
	// announced counts every paper the day announced in the categories,
	// by announce type, before the announce-type filter.
	announced map[model.AnnounceType]int
	// stored is true when the list came from the store: no request made,
	// or the feed answered "not modified".
	stored bool
}

// list gets the day's papers: the latest RSS feed or, for opts.Date, the
// list the store already holds for that day when it was fetched for the
// same categories and announce types (a day first read from the RSS feed
// keeps its RSS list rather than the API's approximation), else the day
// rebuilt from the arXiv API.
func (r *Runner) list(ctx context.Context, opts Options) (*listing, error) {
	cats := r.Config.Arxiv.Categories
	if opts.Date == "" {
		return r.latest(ctx)
	}
	if l, ok, err := r.storedList(ctx, opts.Date); err != nil || ok {
		return l, err
	}
	day, err := r.Fetcher.Day(ctx, cats, opts.Date)
	if err != nil {
		return nil, err
	}
	return r.fetched(day), nil
}

// latest reads the RSS feed with a conditional GET: the ETag and
// Last-Modified of the last time the store read this feed URL for this
// config go with the request, and a "not modified" answer means the day is
// the one stored then, so its list comes from the store without a
// download.
func (r *Runner) latest(ctx context.Context) (*listing, error) {
	cats := r.Config.Arxiv.Categories
	last, ok, err := r.Store.LastFetch(ctx, r.Fetcher.LatestURL(cats))
	if err != nil {
		return nil, err
	}
	var v fetch.Validators
	if ok && r.sameFeed(last) {
		v = fetch.Validators{ETag: last.ETag, LastModified: last.LastModified}
	}
	day, err := r.Fetcher.LatestIf(ctx, cats, v)
	if errors.Is(err, fetch.ErrNotModified) {
		if l, ok, serr := r.storedList(ctx, last.Date); serr != nil || ok {
			return l, serr
		}
		// The stored day changed under us (another process?): read it all.
		day, err = r.Fetcher.Latest(ctx, cats)
	}
	if err != nil {
		return nil, err
	}
	return r.fetched(day), nil
}

// fetched keeps the papers of the config's announce types. The day keeps
// none: once judged, the papers can go (the digest is built from the
// store), and a day holding on to them would keep them all run long.
func (r *Runner) fetched(day *fetch.Day) *listing {
	papers, announced := day.Keep(r.Config.Arxiv.AnnounceTypes)
	day.Papers = nil
	return &listing{day: day, papers: papers, announced: announced}
}

// storedList is the store's list of date, if it holds one fetched for the
// config's categories and announce types.
func (r *Runner) storedList(ctx context.Context, date string) (*listing, bool, error) {
	run, dayPapers, err := r.Store.Run(ctx, date)
	if errors.Is(err, store.ErrNoRun) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	if !r.sameFeed(run) {
		r.logger().Info("the stored list of the day was fetched for other categories or announce types; fetching it again",
			"date", date, "stored_categories", run.Categories, "stored_announce_types", run.AnnounceTypes)
		return nil, false, nil
	}
	l := &listing{
		day: &fetch.Day{Date: run.Date, Source: run.Source, NoAnnouncements: run.NoAnnouncements,
			URL: run.FeedURL, Validators: fetch.Validators{ETag: run.ETag, LastModified: run.LastModified}},
		papers:    make([]model.Paper, len(dayPapers)),
		announced: run.Announced,
		stored:    true,
	}
	for i, dp := range dayPapers {
		l.papers[i] = dp.Paper
	}
	r.logger().Info("using the day's paper list from the store", "date", date, "source", run.Source, "papers", len(l.papers))
	return l, true, nil
}

// sameFeed reports whether run's list was fetched for the config's
// categories and announce types (a run of an older version recorded no
// announce types: it is not).
func (r *Runner) sameFeed(run store.Run) bool {
	return run.AnnounceTypes != nil && sameSet(run.Categories, r.Config.Arxiv.Categories) &&
		sameSet(run.AnnounceTypes, r.Config.Arxiv.AnnounceTypes)
}

// sameSet reports whether a and b hold the same values, in any order.
func sameSet[T ~string](a, b []T) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
