package fetch

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/mmcdole/gofeed"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/tex"
)

// paperFromItem turns one RSS item into a paper. It fails only when the
// item carries no arXiv id anywhere. The paper's AnnounceType is "" when
// the item has neither <arxiv:announce_type> nor "Announce Type:" in its
// description.
func paperFromItem(it *gofeed.Item, log *slog.Logger) (model.Paper, error) {
	desc := parseDescription(it.Description)
	id, version, ok := parseGUID(it.GUID)
	if !ok {
		id, version = desc.ID, desc.Version
	}
	if id == "" {
		if lid, _, ok := parseGUID(it.Link); ok {
			id = lid
		}
	}
	if id == "" {
		return model.Paper{}, fmt.Errorf("item %q: no arXiv id in guid, description or link", model.NormalizeSpace(it.Title))
	}
	if version == 0 && desc.ID == id {
		version = desc.Version
	}
	if version == 0 {
		log.Warn("item without a version, assuming 1", "id", id)
		version = 1
	}

	announce := extValue(it, "arxiv", "announce_type")
	if announce == "" {
		announce = desc.AnnounceType
	}
	// An empty type is left for parseRSS to reject; an unknown one (arXiv
	// may add types) is kept, and the pipeline filters by the configured
	// types.
	at := model.AnnounceType(strings.ToLower(strings.TrimSpace(announce)))
	if at != "" && !at.Valid() {
		log.Warn("unknown announce type", "id", id, "announce_type", string(at))
	}

	return model.Paper{
		ID:           id,
		Version:      version,
		Title:        model.NormalizeSpace(it.Title),
		Abstract:     desc.Abstract,
		Authors:      itemAuthors(it),
		Categories:   cleanCategories(it.Categories),
		AnnounceType: at,
	}, nil
}

// extValue is the text of the first <ns:name> extension element of it.
func extValue(it *gofeed.Item, ns, name string) string {
	for _, e := range it.Extensions[ns][name] {
		if v := strings.TrimSpace(e.Value); v != "" {
			return v
		}
	}
	return ""
}

// itemAuthors reads dc:creator (one string with every author joined by
// ", "), falling back to the item's authors.
func itemAuthors(it *gofeed.Item) []string {
	var raw []string
	if it.DublinCoreExt != nil {
		raw = it.DublinCoreExt.Creator
	}
	if len(raw) == 0 {
		for _, p := range it.Authors {
			if p != nil {
				raw = append(raw, p.Name)
			}
		}
	}
	authors := []string{} // never nil: digest.json shows [] rather than null
	for _, r := range raw {
		for _, name := range splitAuthors(r) {
			if name = model.NormalizeSpace(tex.ToUnicode(name)); name != "" {
				authors = append(authors, name)
			}
		}
	}
	return authors
}

// splitAuthors splits an author list on commas outside parentheses and
// braces, so that "A (Univ. X, Y), B" gives two authors with their
// affiliations.
func splitAuthors(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// cleanCategories trims the categories and drops empties and repeats,
// keeping the first occurrence's place.
func cleanCategories(cats []string) []string {
	out := make([]string, 0, len(cats))
	for _, c := range cats {
		c = strings.TrimSpace(c)
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
