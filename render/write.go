package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
	// SummaryFile holds what the index and the feed show of the day (its
	// counts and the papers its feed entry lists, without abstracts), so
	// that rebuilding them does not read every day's full digest.
	SummaryFile = "summary.json"
)

const filePerm = 0o644

// WriteDay writes dir/<d.Date>/digest.md, digest.html, summary.json and
// digest.json, each atomically, and returns the day's folder. digest.json is
// written last, so a day WriteHistory can see has its pages.
func WriteDay(dir string, d model.Digest) (string, error) {
	if !model.ValidDate(d.Date) {
		return "", fmt.Errorf("render: write day %q: %w", d.Date, ErrBadDate)
	}
	// Each file is rendered just before it is written, so that only one
	// of them is in memory at a time on a 2,000-paper day.
	day := filepath.Join(dir, d.Date)
	files := []struct {
		name   string
		render func(model.Digest) ([]byte, error)
	}{
		{MarkdownFile, func(d model.Digest) ([]byte, error) { return Markdown(d), nil }},
		{HTMLFile, HTML},
		{SummaryFile, summaryJSON},
		{JSONFile, JSON},
	}
	for _, f := range files {
		data, err := f.render(d)
		if err != nil {
			return "", err
		}
		if err := atomicfile.Write(filepath.Join(day, f.name), data, filePerm); err != nil {
			return "", fmt.Errorf("render: write day %s: %w", d.Date, err)
		}
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
		if e.Status == model.StatusJudged && len(e.SelectedTopics) == 0 {
			continue
		}
		e.Abstract = ""
		papers = append(papers, e)
	}
	d.Papers = papers
	return d
}

// daySummary is summary.json: the day's counts and state (its digest
// without papers) and its feed entry's HTML, rendered once when the day is
// written, so that rebuilding the feed reads a little JSON per day.
type daySummary struct {
	Digest   model.Digest `json:"digest"`
	FeedHTML string       `json:"feed_html"`
}

func summaryJSON(d model.Digest) ([]byte, error) {
	r, err := newHTMLRenderer()
	if err != nil {
		return nil, err
	}
	frag, err := r.fragment(summary(d))
	if err != nil {
		return nil, err
	}
	d.Papers = nil
	b, err := json.Marshal(daySummary{Digest: d, FeedHTML: string(frag)})
	if err != nil {
		return nil, fmt.Errorf("render: summary %s: %w", d.Date, err)
	}
	return b, nil
}
