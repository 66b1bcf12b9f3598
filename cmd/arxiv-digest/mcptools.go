package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// The tools' inputs and outputs. Their JSON names and jsonschema
// descriptions are what an assistant reads; a field without omitempty is
// required.

type listDigestsIn struct {
	Limit int `json:"limit,omitempty" jsonschema:"how many days, newest first (default 20, at most 100)"`
}

type listDigestsOut struct {
	Days []digestDay `json:"days"`
	// Total is how many days the store has.
	Total int `json:"total"`
}

type digestDay struct {
	Date   string `json:"date"`
	Status string `json:"status" jsonschema:"complete, partial (some papers failed or were skipped), running, or failed (nothing fetched)"`
	Health string `json:"health" jsonschema:"the day's state in a sentence"`
	Error  string `json:"error,omitempty"`
	// NoAnnouncements: arXiv announced nothing that day.
	NoAnnouncements bool     `json:"no_announcements"`
	Papers          int      `json:"papers"`
	Judged          int      `json:"judged"`
	Failed          int      `json:"failed"`
	Skipped         int      `json:"skipped"`
	Selected        int      `json:"selected"`
	Threshold       float64  `json:"threshold"`
	Topics          []string `json:"topics"`
}

type getDigestIn struct {
	Date         string   `json:"date" jsonschema:"the announcement day, YYYY-MM-DD (see list_digests)"`
	Topic        string   `json:"topic,omitempty" jsonschema:"only papers selected for this topic (one of the day's topics)"`
	MinRelevance *float64 `json:"min_relevance,omitempty" jsonschema:"select papers scoring at least this (0 to 1) instead of the day's threshold"`
	Limit        int      `json:"limit,omitempty" jsonschema:"at most this many papers, best first (default 20, at most 100)"`
}

type getDigestOut struct {
	Date      string   `json:"date"`
	Topics    []string `json:"topics"`
	Threshold float64  `json:"threshold" jsonschema:"the relevance the papers were selected at"`
	Status    string   `json:"status"`
	// Total is how many papers the day selected (for the topic); Papers
	// holds the best Limit of them.
	Total  int           `json:"total"`
	Papers []digestPaper `json:"papers"`
}

type digestPaper struct {
	ID             string        `json:"id"`
	Title          string        `json:"title"`
	Authors        []string      `json:"authors"`
	Categories     []string      `json:"categories"`
	AnnounceType   string        `json:"announce_type"`
	TLDR           string        `json:"tldr,omitempty"`
	SelectedTopics []string      `json:"selected_topics" jsonschema:"best first"`
	Scores         []model.Score `json:"scores" jsonschema:"every topic's relevance (0 to 1) and the model's reason"`
	AbsURL         string        `json:"abs_url"`
	PDFURL         string        `json:"pdf_url"`
}

type searchPapersIn struct {
	Query        string `json:"query" jsonschema:"words (all required), \"a phrase\", prefix*, a OR b, title:/abstract:/author: before a term"`
	Since        string `json:"since,omitempty" jsonschema:"only days on or after this one, YYYY-MM-DD"`
	Until        string `json:"until,omitempty" jsonschema:"only days on or before this one, YYYY-MM-DD"`
	Topic        string `json:"topic,omitempty" jsonschema:"rank and filter by this topic's score"`
	SelectedOnly bool   `json:"selected_only,omitempty" jsonschema:"only papers their day selected (for topic, when given)"`
	Limit        int    `json:"limit,omitempty" jsonschema:"at most this many papers (default 20, at most 100)"`
}

type searchPapersOut struct {
	Hits []store.SearchHit `json:"hits"`
}

type getPaperIn struct {
	ID string `json:"id" jsonschema:"the arXiv id, e.g. 2504.18372 (a version, an arXiv: prefix or an abs URL are accepted)"`
}

type getPaperOut struct {
	ID         string        `json:"id"`
	Version    int           `json:"version" jsonschema:"the newest version stored"`
	Title      string        `json:"title"`
	Abstract   string        `json:"abstract"`
	Authors    []string      `json:"authors"`
	Categories []string      `json:"categories"`
	AbsURL     string        `json:"abs_url"`
	PDFURL     string        `json:"pdf_url"`
	Days       []paperDay    `json:"days" jsonschema:"the digest days that listed it, newest first"`
	Judgements []judgement   `json:"judgements" jsonschema:"every stored judgement, oldest first"`
	Answers    []paperAnswer `json:"answers" jsonschema:"its stored answers of other tasks: TL;DRs (task tldr)"`
}

type paperDay struct {
	Date         string  `json:"date"`
	AnnounceType string  `json:"announce_type"`
	Version      int     `json:"version"`
	Status       string  `json:"status" jsonschema:"judged, failed, skipped, or pending"`
	Error        string  `json:"error,omitempty"`
	Threshold    float64 `json:"threshold"`
	Selected     bool    `json:"selected"`
	Scores       []score `json:"scores" jsonschema:"that day's scores, best first"`
}

type score struct {
	Topic     string  `json:"topic"`
	Relevance float64 `json:"relevance"`
}

type judgement struct {
	Topic         string  `json:"topic"`
	Relevance     float64 `json:"relevance"`
	Reason        string  `json:"reason"`
	Model         string  `json:"model"`
	PromptVersion string  `json:"prompt_version"`
	CreatedAt     string  `json:"created_at"`
}

type paperAnswer struct {
	Task      string `json:"task"`
	Text      string `json:"text"`
	Model     string `json:"model"`
	CreatedAt string `json:"created_at"`
}

// toolLimit is a tool's limit argument, checked: 0 is the default.
func toolLimit(limit int) (int, error) {
	if limit == 0 {
		return store.DefaultSearchLimit, nil
	}
	if limit < 1 || limit > store.MaxSearchLimit {
		return 0, fmt.Errorf("limit %d: give 1 to %d", limit, store.MaxSearchLimit)
	}
	return limit, nil
}

func (s *mcpServer) listDigests(ctx context.Context, _ *mcp.CallToolRequest, in listDigestsIn) (*mcp.CallToolResult, listDigestsOut, error) {
	limit, err := toolLimit(in.Limit)
	if err != nil {
		return nil, listDigestsOut{}, err
	}
	days, err := s.store.Days(ctx, 0)
	if err != nil {
		return nil, listDigestsOut{}, err
	}
	out := listDigestsOut{Days: []digestDay{}, Total: len(days)}
	for _, d := range days[:min(limit, len(days))] {
		topics := []string{}
		for _, t := range d.Topics {
			topics = append(topics, t.Name)
		}
		out.Days = append(out.Days, digestDay{Date: d.Date, Status: string(d.Status), Health: health(d), Error: d.Error,
			NoAnnouncements: d.NoAnnouncements, Papers: d.Papers, Judged: d.Judged, Failed: d.Failed, Skipped: d.Skipped,
			Selected: d.Selected, Threshold: d.Threshold, Topics: topics})
	}
	return nil, out, nil
}

// health says in a sentence how a day stands.
func health(d store.DaySummary) string {
	switch {
	case d.Status == store.RunFailed:
		return "the feed could not be read: " + d.Error
	case d.NoAnnouncements:
		return "arXiv announced nothing"
	case d.Status == store.RunRunning:
		return fmt.Sprintf("a run is under way (or was killed): %d of %d papers judged", d.Judged, d.Papers)
	case d.Failed > 0 || d.Skipped > 0:
		s := fmt.Sprintf("incomplete: %d of %d papers judged, %d failed, %d not tried", d.Judged, d.Papers, d.Failed, d.Skipped)
		if d.Error != "" {
			s += " (" + d.Error + ")"
		}
		return s
	}
	return fmt.Sprintf("complete: all %d papers judged, %d selected", d.Papers, d.Selected)
}

func (s *mcpServer) getDigest(ctx context.Context, _ *mcp.CallToolRequest, in getDigestIn) (*mcp.CallToolResult, getDigestOut, error) {
	if !model.ValidDate(in.Date) {
		return nil, getDigestOut{}, fmt.Errorf("date %q is not a date: write it YYYY-MM-DD", in.Date)
	}
	limit, err := toolLimit(in.Limit)
	if err != nil {
		return nil, getDigestOut{}, err
	}
	if m := in.MinRelevance; m != nil && (math.IsNaN(*m) || *m < 0 || *m > 1) {
		return nil, getDigestOut{}, fmt.Errorf("min_relevance %v: give a number from 0 to 1", *m)
	}
	d, err := s.runner.Digest(ctx, in.Date, in.MinRelevance)
	if errors.Is(err, store.ErrNoRun) {
		return nil, getDigestOut{}, s.noDay(ctx, in.Date)
	}
	if err != nil {
		return nil, getDigestOut{}, err
	}
	out := getDigestOut{Date: d.Date, Topics: []string{}, Threshold: d.Threshold, Status: "complete", Papers: []digestPaper{}}
	if d.Incomplete {
		out.Status = "incomplete"
	}
	for _, t := range d.Topics {
		out.Topics = append(out.Topics, t.Name)
	}
	if in.Topic != "" && !slices.Contains(out.Topics, in.Topic) {
		return nil, getDigestOut{}, fmt.Errorf("%s: %w", in.Date, unknownTopic(in.Topic, out.Topics))
	}
	var sel []model.Entry
	for _, e := range d.Papers {
		if len(e.SelectedTopics) > 0 && (in.Topic == "" || slices.Contains(e.SelectedTopics, in.Topic)) {
			sel = append(sel, e)
		}
	}
	// Best first: by the topic's score, or the best score.
	rel := func(e model.Entry) float64 {
		t := e.SelectedTopics[0]
		if in.Topic != "" {
			t = in.Topic
		}
		sc, _ := e.Score(t)
		return sc.Relevance
	}
	slices.SortStableFunc(sel, func(a, b model.Entry) int { return cmp.Compare(rel(b), rel(a)) })
	out.Total = len(sel)
	for _, e := range sel[:min(limit, len(sel))] {
		out.Papers = append(out.Papers, digestPaper{ID: e.ID, Title: e.Title, Authors: nonNil(e.Authors), Categories: nonNil(e.Categories),
			AnnounceType: string(e.AnnounceType), TLDR: e.TLDR, SelectedTopics: nonNil(e.SelectedTopics), Scores: nonNil(e.Scores),
			AbsURL: e.AbsURL, PDFURL: e.PDFURL})
	}
	return nil, out, nil
}

// noDay is the error for a date the store has no digest of: it names the
// newest days it has.
func (s *mcpServer) noDay(ctx context.Context, date string) error {
	days, err := s.store.Days(ctx, 0)
	if err != nil {
		return err
	}
	var runs []store.Run
	for _, d := range days {
		runs = append(runs, d.Run)
	}
	if len(runs) == 0 {
		return fmt.Errorf("no digest for %s: the store has no days yet", date)
	}
	return fmt.Errorf("no digest for %s; the store has %s", date, storedDays(runs))
}

func (s *mcpServer) searchPapers(ctx context.Context, _ *mcp.CallToolRequest, in searchPapersIn) (*mcp.CallToolResult, searchPapersOut, error) {
	limit, err := toolLimit(in.Limit)
	if err != nil {
		return nil, searchPapersOut{}, err
	}
	q := store.SearchQuery{Text: in.Query, Since: in.Since, Until: in.Until, Topic: in.Topic, Selected: in.SelectedOnly, Limit: limit}
	if err := checkSearch(q); err != nil {
		return nil, searchPapersOut{}, err
	}
	hits, err := search(ctx, s.store, q)
	if err != nil {
		return nil, searchPapersOut{}, withoutCode(err)
	}
	out := searchPapersOut{Hits: []store.SearchHit{}}
	for _, h := range hits {
		h.Authors, h.Categories = nonNil(h.Authors), nonNil(h.Categories)
		out.Hits = append(out.Hits, h)
	}
	return nil, out, nil
}

func (s *mcpServer) getPaper(ctx context.Context, _ *mcp.CallToolRequest, in getPaperIn) (*mcp.CallToolResult, getPaperOut, error) {
	id := paperID(in.ID)
	if !model.ValidID(id) {
		return nil, getPaperOut{}, fmt.Errorf("id %q is not an arXiv id (like 2504.18372 or hep-th/9901001)", in.ID)
	}
	rec, err := s.store.Paper(ctx, id)
	if errors.Is(err, store.ErrNoPaper) {
		return nil, getPaperOut{}, fmt.Errorf("no stored paper %s: it was never in a digest of this store", id)
	}
	if err != nil {
		return nil, getPaperOut{}, err
	}
	p := rec.Paper
	out := getPaperOut{ID: p.ID, Version: p.Version, Title: p.Title, Abstract: p.Abstract, Authors: nonNil(p.Authors),
		Categories: nonNil(p.Categories), AbsURL: p.AbsURL(), PDFURL: p.PDFURL(),
		Days: []paperDay{}, Judgements: []judgement{}, Answers: []paperAnswer{}}
	for _, d := range rec.Days {
		pd := paperDay{Date: d.Date, AnnounceType: string(d.AnnounceType), Version: d.Version, Status: string(d.Status),
			Error: d.Error, Threshold: d.Threshold, Scores: []score{}}
		if d.Status == store.StatusPending {
			pd.Status = "pending"
		}
		for _, sc := range d.Scores {
			pd.Scores = append(pd.Scores, score{Topic: sc.Topic, Relevance: sc.Relevance})
			pd.Selected = pd.Selected || sc.Relevance >= d.Threshold
		}
		out.Days = append(out.Days, pd)
	}
	for _, j := range rec.Judgements {
		out.Judgements = append(out.Judgements, judgement{Topic: j.Topic, Relevance: j.Relevance, Reason: j.Reason,
			Model: j.Model, PromptVersion: j.PromptVersion, CreatedAt: j.CreatedAt.Format("2006-01-02T15:04:05Z07:00")})
	}
	for _, a := range rec.Answers {
		out.Answers = append(out.Answers, paperAnswer{Task: a.Task, Text: a.Value, Model: a.Model,
			CreatedAt: a.CreatedAt.Format("2006-01-02T15:04:05Z07:00")})
	}
	return nil, out, nil
}

// paperID reads an arXiv id as people paste it: "2504.18372v2",
// "arXiv:2504.18372", "https://arxiv.org/abs/2504.18372".
func paperID(s string) string {
	s = strings.TrimSpace(s)
	for _, prefix := range []string{"https://arxiv.org/abs/", "http://arxiv.org/abs/", "arxiv.org/abs/", "arXiv:", "arxiv:"} {
		s = strings.TrimPrefix(s, prefix)
	}
	if i := strings.LastIndexByte(s, 'v'); i > 0 && i < len(s)-1 && strings.Trim(s[i+1:], "0123456789") == "" && s[i-1] >= '0' && s[i-1] <= '9' {
		s = s[:i]
	}
	return s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// withoutCode is err without the exit code a command would give it: a
// tool error is only its message.
func withoutCode(err error) error {
	var ee *exitError
	if errors.As(err, &ee) && ee.err != nil {
		return ee.err
	}
	return err
}
