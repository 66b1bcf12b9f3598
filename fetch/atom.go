package fetch

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/tex"
)

// parseAtom reads one page of an arXiv API answer: its papers and the
// total number of results (opensearch:totalResults).
func parseAtom(r *response, query string, categories []string, log *slog.Logger) (*apiPage, error) {
	feed, err := parseFeed(r)
	if err != nil {
		return nil, err
	}
	if feed.FeedType != "atom" {
		return nil, fmt.Errorf("fetch %s: expected an Atom feed, got %s: %w", r.url, feed.FeedType, ErrInvalidFeed)
	}
	// The API reports a bad query as a feed holding one error entry.
	for _, it := range feed.Items {
		if strings.Contains(it.GUID, "/api/errors") {
			return nil, &QueryError{Query: query, Categories: slices.Clone(categories), Message: model.NormalizeSpace(it.Description)}
		}
	}
	totalText := feedExtValue(feed, "opensearch", "totalResults")
	total, err := strconv.Atoi(totalText)
	if err != nil || total < 0 {
		return nil, fmt.Errorf("fetch %s: no usable opensearch:totalResults (%q): %w", r.url, totalText, ErrInvalidFeed)
	}
	page := &apiPage{url: r.url, total: total}
	for i, it := range feed.Items {
		p, err := paperFromEntry(it, categories)
		if err != nil {
			log.Warn("skipping entry", "url", r.url, "entry", i, "err", err)
			continue
		}
		page.papers = append(page.papers, p)
	}
	if len(feed.Items) > 0 && len(page.papers) == 0 {
		return nil, fmt.Errorf("fetch %s: none of %d entries has an arXiv id: %w", r.url, len(feed.Items), ErrInvalidFeed)
	}
	return page, nil
}

func feedExtValue(feed *gofeed.Feed, ns, name string) string {
	for _, e := range feed.Extensions[ns][name] {
		if v := strings.TrimSpace(e.Value); v != "" {
			return v
		}
	}
	return ""
}

// paperFromEntry turns one API entry into a paper. The announce type is
// inferred (see the package documentation).
func paperFromEntry(it *gofeed.Item, categories []string) (model.Paper, error) {
	id, version, ok := parseGUID(it.GUID)
	if !ok {
		id, version, ok = parseGUID(it.Link)
	}
	if !ok {
		return model.Paper{}, fmt.Errorf("entry %q: no arXiv id in %q", model.NormalizeSpace(it.Title), it.GUID)
	}
	if version == 0 {
		version = 1
	}
	var cats []string
	for _, e := range it.Extensions["arxiv"]["primary_category"] {
		if term := strings.TrimSpace(e.Attrs["term"]); term != "" {
			cats = append(cats, term)
			break
		}
	}
	cats = cleanCategories(append(cats, it.Categories...))

	authors := []string{} // never nil: digest.json shows [] rather than null
	for _, a := range it.Authors {
		if a == nil {
			continue
		}
		if name := model.NormalizeSpace(tex.ToUnicode(a.Name)); name != "" {
			authors = append(authors, name)
		}
	}
	abstract := it.Description
	if strings.TrimSpace(abstract) == "" {
		abstract = it.Content
	}

	primaryRequested := len(cats) > 0 && inCategories(cats[0], categories)
	replaced := version > 1 || (it.Published != "" && it.Updated != "" && it.Published != it.Updated)
	var at model.AnnounceType
	switch {
	case primaryRequested && !replaced:
		at = model.New
	case !primaryRequested && !replaced:
		at = model.Cross
	case primaryRequested:
		at = model.Replace
	default:
		at = model.ReplaceCross
	}
	return model.Paper{
		ID:           id,
		Version:      version,
		Title:        model.NormalizeSpace(it.Title),
		Abstract:     model.NormalizeSpace(abstract),
		Authors:      authors,
		Categories:   cats,
		AnnounceType: at,
	}, nil
}

// inCategories reports whether cat is one of the requested categories or
// belongs to a requested archive ("cs.CL" is in "cs").
func inCategories(cat string, requested []string) bool {
	for _, r := range requested {
		if cat == r || strings.HasPrefix(cat, r+".") {
			return true
		}
	}
	return false
}
