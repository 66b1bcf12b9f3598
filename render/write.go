package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

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
)

const filePerm = 0o644

// WriteDay writes dir/<d.Date>/digest.md, digest.html and digest.json, each
// atomically, and returns the day's folder. digest.json is written last, so
// a day WriteHistory can see has its pages.
func WriteDay(dir string, d model.Digest) (string, error) {
	if !validDate(d.Date) {
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

// validDate reports whether s is a real calendar date written YYYY-MM-DD.
func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == len(time.DateOnly)
}

// dayExists reports whether dir/<date>/<name> is a regular file.
func dayExists(dir, date, name string) bool {
	st, err := os.Stat(filepath.Join(dir, date, name))
	return err == nil && st.Mode().IsRegular()
}
