// Package model holds the types shared by every stage of arxiv-digest:
// the papers that fetch produces, the topics and scores that classify
// produces, and the digest that render consumes. It does no I/O.
package model

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// AnnounceType is arXiv's announce type of a paper on one day.
type AnnounceType string

// The announce types arXiv's RSS feeds carry in <arxiv:announce_type>.
const (
	New          AnnounceType = "new"
	Cross        AnnounceType = "cross"
	Replace      AnnounceType = "replace"
	ReplaceCross AnnounceType = "replace-cross"
)

// AnnounceTypes lists every known announce type, in display order.
var AnnounceTypes = []AnnounceType{New, Cross, Replace, ReplaceCross}

// Valid reports whether t is one of the known announce types.
func (t AnnounceType) Valid() bool {
	for _, k := range AnnounceTypes {
		if t == k {
			return true
		}
	}
	return false
}

// Label is the human name of the announce type ("cross-list", "replaced").
func (t AnnounceType) Label() string {
	switch t {
	case New:
		return "new"
	case Cross:
		return "cross-list"
	case Replace:
		return "replaced"
	case ReplaceCross:
		return "replaced cross-list"
	}
	return string(t)
}

// Paper is one arXiv announcement as read from a feed. Text fields hold
// plain Unicode text exactly as it should be shown (TeX accents in author
// names already decoded, XML entities resolved); renderers escape it.
type Paper struct {
	ID           string       `json:"id"`      // without version: "2504.16424", "cs/9909009"
	Version      int          `json:"version"` // 1, 2, ...
	Title        string       `json:"title"`
	Abstract     string       `json:"abstract"`
	Authors      []string     `json:"authors"`
	Categories   []string     `json:"categories"` // primary first when known
	AnnounceType AnnounceType `json:"announce_type"`
}

// AbsURL is the paper's abstract page. Links are only ever built from the id.
func (p Paper) AbsURL() string { return "https://arxiv.org/abs/" + p.ID }

// PDFURL is the paper's PDF.
func (p Paper) PDFURL() string { return "https://arxiv.org/pdf/" + p.ID }

// HTMLURL is the paper's HTML rendering (arXiv's LaTeXML conversion).
func (p Paper) HTMLURL() string { return "https://arxiv.org/html/" + p.ID }

// PrimaryCategory is the first category, or "" when there is none.
func (p Paper) PrimaryCategory() string {
	if len(p.Categories) == 0 {
		return ""
	}
	return p.Categories[0]
}

// Topic is one plain-language interest of the researcher.
type Topic struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Score is the model's judgement of one paper against one topic.
type Score struct {
	Topic     string  `json:"topic"`
	Relevance float64 `json:"relevance"` // in [0, 1]
	Reason    string  `json:"reason"`
}

// Status is what became of a paper in a run.
type Status string

// Paper statuses. A failed or skipped paper never has a score invented for it.
const (
	StatusJudged  Status = "judged"  // every topic has a score
	StatusFailed  Status = "failed"  // tried and could not be judged; Error says why
	StatusSkipped Status = "skipped" // never tried (run stopped, budget reached, fatal API error)
	// StatusFiltered: left out by the config's filter before any model
	// request (Error says which rule); it costs nothing and is no failure.
	StatusFiltered Status = "filtered"
)

// Usage counts the tokens spent by model requests.
type Usage struct {
	Prompt     int64 `json:"prompt"`
	Cached     int64 `json:"cached"` // part of Prompt served from the provider's prompt cache
	Completion int64 `json:"completion"`
	Requests   int64 `json:"requests"`
	// Batch is the part of the counts above that went through the Batch
	// API (llm.mode batch), billed at the batch rate; absent when none did.
	Batch BatchUsage `json:"batch,omitzero"`
}

// BatchUsage is the part of a Usage that went through the Batch API.
type BatchUsage struct {
	Prompt     int64 `json:"prompt"`
	Cached     int64 `json:"cached"`
	Completion int64 `json:"completion"`
	Requests   int64 `json:"requests"`
}

// Add adds o to u.
func (u *Usage) Add(o Usage) {
	u.Prompt += o.Prompt
	u.Cached += o.Cached
	u.Completion += o.Completion
	u.Requests += o.Requests
	u.Batch.Prompt += o.Batch.Prompt
	u.Batch.Cached += o.Batch.Cached
	u.Batch.Completion += o.Batch.Completion
	u.Batch.Requests += o.Batch.Requests
}

// Batched is u, every token of it spent through the Batch API.
func (u Usage) Batched() Usage {
	u.Batch = BatchUsage{Prompt: u.Prompt, Cached: u.Cached, Completion: u.Completion, Requests: u.Requests}
	return u
}

// Mode says how u's requests were made: "live", "batch", or "batch and
// live"; "" when there were none.
func (u Usage) Mode() string {
	switch {
	case u.Requests == 0:
		return ""
	case u.Batch.Requests == 0:
		return "live"
	case u.Batch.Requests >= u.Requests:
		return "batch"
	}
	return "batch and live"
}

// NormalizeSpace collapses every run of white space to one space and trims
// (white space as strings.Fields sees it). Text that is already so comes
// back as it is, without a copy: on a 2,000-paper day this runs over every
// title and abstract several times.
func NormalizeSpace(s string) string {
	if isNormalSpace(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for field := range strings.FieldsSeq(s) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(field)
	}
	return b.String()
}

// isNormalSpace reports whether s has no white space but single ASCII
// spaces between other characters.
func isNormalSpace(s string) bool {
	prevSpace := true // a leading space is not normal
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		case c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			return false
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return false
			}
			i += size - 1
			prevSpace = false
		default:
			prevSpace = false
		}
	}
	return !prevSpace || s == ""
}

// ValidDate reports whether s is a real calendar date written YYYY-MM-DD,
// the form of every announcement date (it also names a folder, so nothing
// else may pass).
func ValidDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == len(time.DateOnly)
}
