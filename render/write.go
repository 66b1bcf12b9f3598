package render

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/arxiv-digest/arxiv-digest/internal/atomicfile"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// ErrBadDate is returned for a digest whose Date is not YYYY-MM-DD: the
// date names a folder, so nothing else may reach the file system.
var ErrBadDate = errors.New("date is not YYYY-MM-DD")

// File names inside a day's folder.
const (
	MarkdownFile = "digest.md"
	HTMLFile     = "digest.html"
	JSONFile     = "digest.json"
	// SummaryFile holds what the index shows of the day (its digest
	// without papers: counts and state), and EntryFile the day's entry in
	// the Atom feed (an HTML fragment listing the selected papers without
	// their abstracts), both written with the day, so that rebuilding the
	// index and the feed reads a few small files per day rather than every
	// day's full digest.
	SummaryFile = "summary.json"
	EntryFile   = "entry.html"
)

const filePerm = 0o644

// WriteDay writes dir/<d.Date>/digest.md, digest.html, entry.html,
// summary.json and digest.json, each atomically, and returns the day's
// folder. digest.json is written last, so a day WriteHistory can see has
// its pages.
func WriteDay(dir string, d model.Digest) (string, error) {
	return writeDay(dir, d, nil)
}

// Write writes the day's files as WriteDay does and rebuilds the history
// with the day in it, as WriteHistory would once they are written, but
// sooner: the index and feed are made while the day's pages still are,
// from the day's feed entry as it was rendered and the other days' files,
// and replace the old ones once the day's files are in place.
func Write(dir string, d model.Digest, opts HistoryOptions) (string, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	var index, feed []byte
	day, err := writeDay(dir, d, func(entry []byte) (err error) {
		today := daySummary{Digest: summary(d), FeedHTML: string(entry)}
		today.Digest.Papers = nil
		index, feed, err = history(dir, opts, &today)
		return err
	})
	if err != nil {
		return "", err
	}
	return day, writeHistoryFiles(dir, index, feed, opts.Logger)
}

// writeDay is WriteDay; with withEntry, the day's feed entry is rendered
// into memory and written from there, and withEntry is called with it
// while the other files are still being made.
func writeDay(dir string, d model.Digest, withEntry func(entry []byte) error) (string, error) {
	if !model.ValidDate(d.Date) {
		return "", fmt.Errorf("render: write day %q: %w", d.Date, ErrBadDate)
	}
	// Each file is rendered into its file as it is written, so that none
	// of them is ever whole in memory on a 2,000-paper day (the feed entry,
	// without abstracts, is the exception when withEntry needs it), and
	// they are made side by side; they replace the old ones in order,
	// digest.json last.
	day := filepath.Join(dir, d.Date)
	nav := neighbours(dir, d.Date)
	var entry []byte
	writeEntry := func(w *bufio.Writer) error {
		r, err := newHTMLRenderer()
		if err != nil {
			return err
		}
		return r.writeFragment(w, summary(d))
	}
	if withEntry != nil {
		writeEntry = func(w *bufio.Writer) error {
			r, err := newHTMLRenderer()
			if err != nil {
				return err
			}
			if entry, err = r.fragment(summary(d)); err != nil {
				return err
			}
			_, err = w.Write(entry)
			return err
		}
	}
	files := []struct {
		name  string
		write func(*bufio.Writer) error
	}{
		{EntryFile, writeEntry},
		{MarkdownFile, func(w *bufio.Writer) error { writeMarkdown(w, d); return nil }},
		{HTMLFile, func(w *bufio.Writer) error {
			r, err := newHTMLRenderer()
			if err != nil {
				return err
			}
			return r.writePage(w, d, nav)
		}},
		{SummaryFile, func(w *bufio.Writer) error { return writeSummary(w, d) }},
		{JSONFile, func(w *bufio.Writer) error { return writeJSON(w, d) }},
	}
	pending := make([]*atomicfile.Pending, len(files))
	var g errgroup.Group
	for i, f := range files {
		g.Go(func() (err error) {
			pending[i], err = atomicfile.Prepare(filepath.Join(day, f.name), filePerm, f.write)
			if err == nil && f.name == EntryFile && withEntry != nil {
				err = withEntry(entry)
			}
			return err
		})
	}
	err := g.Wait()
	for _, p := range pending {
		if p == nil {
			continue
		}
		if err != nil {
			p.Abort()
		} else {
			err = p.Commit()
		}
	}
	if err != nil {
		return "", fmt.Errorf("render: write day %s: %w", d.Date, err)
	}
	return day, nil
}

// Written returns what dir/<date>/ holds of the day's digest (its
// summary: the digest without its papers) when every file WriteDay writes
// is there. An error wrapping os.ErrNotExist means the day must be written
// (again): it never was, or a run was killed before it finished.
func Written(dir, date string) (model.Digest, error) {
	if !model.ValidDate(date) {
		return model.Digest{}, fmt.Errorf("render: written %q: %w", date, ErrBadDate)
	}
	for _, name := range []string{MarkdownFile, HTMLFile, SummaryFile, JSONFile} {
		if !dayExists(dir, date, name) {
			return model.Digest{}, fmt.Errorf("render: %s of %s: %w", name, date, os.ErrNotExist)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, date, SummaryFile))
	if err != nil {
		return model.Digest{}, fmt.Errorf("render: written %s: %w", date, err)
	}
	var s struct {
		Digest model.Digest `json:"digest"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return model.Digest{}, fmt.Errorf("render: %s of %s: %w", SummaryFile, date, err)
	}
	return s.Digest, nil
}

// dayExists reports whether dir/<date>/<name> is a regular file.
func dayExists(dir, date, name string) bool {
	st, err := os.Stat(filepath.Join(dir, date, name))
	return err == nil && st.Mode().IsRegular()
}

// summary is what the history keeps of a day: the digest with only the
// papers its feed entry lists, without abstracts.
func summary(d model.Digest) model.Digest {
	var papers []model.Entry // a new array, so the full one can be freed
	for _, e := range d.Papers {
		// Followed authors' papers are shown whatever their relevance;
		// the feed entry does not list the filtered ones.
		if e.Followed == "" && (e.Status == model.StatusJudged && len(e.SelectedTopics) == 0 || e.Status == model.StatusFiltered) {
			continue
		}
		e.Abstract = ""
		papers = append(papers, e)
	}
	d.Papers = papers
	return d
}

// daySummary is what the history reads of a day: its digest without
// papers (summary.json) and its feed entry's HTML (entry.html). FeedHTML
// is in summary.json itself for days written by earlier versions.
type daySummary struct {
	Digest   model.Digest `json:"digest"`
	FeedHTML string       `json:"feed_html,omitempty"`
}

// writeSummary writes d's summary.json to w: d without its papers.
func writeSummary(w io.Writer, d model.Digest) error {
	d.Papers = nil
	if err := json.NewEncoder(w).Encode(daySummary{Digest: d}); err != nil {
		return fmt.Errorf("render: summary %s: %w", d.Date, err)
	}
	return nil
}
