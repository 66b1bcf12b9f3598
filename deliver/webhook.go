package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/internal/redact"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/tex"
)

// Webhook posts a day's digest to a chat or HTTP endpoint.
type Webhook struct {
	Type string // config.NotifySlack, NotifyDiscord or NotifyJSON
	// Env is the environment variable the URL came from: the target's
	// name in records and messages (the URL itself is a secret).
	Env    string
	URL    string
	Client *http.Client // default: 30s timeout
}

// Top is how many papers a chat message lists (Discord allows 10 embeds).
const Top = 10

// Discord's documented limits.
const (
	discordContentMax = 2000
	discordEmbedsMax  = 10
	discordTitleMax   = 256
	discordDescMax    = 4096
	discordEmbedTotal = 6000
)

// Slack's documented limits for a section block's text and a header.
const (
	slackSectionMax = 3000
	slackHeaderMax  = 150
)

func (w *Webhook) ID() string { return w.Type + ":" + w.Env }

// SendsEmpty: a chat hears only of days with papers; a JSON endpoint, a
// program, hears of every day.
func (w *Webhook) SendsEmpty() bool { return w.Type == config.NotifyJSON }

func (w *Webhook) Send(ctx context.Context, day Day, _ string) error {
	var payload any
	switch w.Type {
	case config.NotifySlack:
		payload = slackMessage(day)
	case config.NotifyDiscord:
		payload = discordMessage(day)
	default:
		payload = jsonSummary(day)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return &PermanentError{fmt.Errorf("%s: %w", w.ID(), err)}
	}
	return w.post(ctx, body)
}

// post sends body, describing a failure without the URL.
func (w *Webhook) post(ctx context.Context, body []byte) error {
	where := fmt.Sprintf("%s webhook ($%s)", w.Type, w.Env)
	r := redact.New(urlSecrets(w.URL)...)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{fmt.Errorf("%s: the URL is not valid", where)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "arxiv-digest")
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		// *url.Error repeats the URL: keep only its cause.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			err = ue.Unwrap()
		}
		return fmt.Errorf("%s: %s", where, r.String(err.Error()))
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	msg := oneLine(r.String(string(text)))
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	err = fmt.Errorf("%s: %s: %s", where, resp.Status, msg)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return &RetryAfterError{Err: err, After: retryAfter(resp.Header, text)}
	case resp.StatusCode == http.StatusRequestTimeout:
		return err
	}
	return &PermanentError{err}
}

// urlSecrets are the parts of a webhook URL that must not be shown: the
// URL, its path and query (a server may echo them), and each path segment
// holding a digit (Slack's and Discord's tokens).
func urlSecrets(raw string) []string {
	secrets := []string{raw}
	u, err := url.Parse(raw)
	if err != nil {
		return secrets
	}
	secrets = append(secrets, u.RawQuery, u.EscapedPath(), u.Path)
	for _, seg := range strings.Split(u.Path, "/") {
		if strings.ContainsAny(seg, "0123456789") {
			secrets = append(secrets, seg)
		}
	}
	return secrets
}

// retryAfter reads how long a server asked to wait: the Retry-After header
// (seconds or a date), or Discord's retry_after (seconds) in the body.
func retryAfter(h http.Header, body []byte) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && s < 1e6 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0)
		}
	}
	var d struct {
		RetryAfter float64 `json:"retry_after"`
	}
	if json.Unmarshal(body, &d) == nil && d.RetryAfter > 0 && d.RetryAfter < 1e6 {
		return time.Duration(d.RetryAfter * float64(time.Second))
	}
	return 0
}

// headline is a day's one-line summary for chat.
func headline(d model.Digest) string {
	switch {
	case d.NoAnnouncements:
		return fmt.Sprintf("arXiv digest %s: no announcements", d.Date)
	case d.Stats.Selected == 0:
		return fmt.Sprintf("arXiv digest %s: nothing selected of %d judged", d.Date, d.Stats.Judged)
	}
	return fmt.Sprintf("arXiv digest %s: %s of %d judged", d.Date, plural(d.Stats.Selected, "paper selected", "papers selected"), d.Stats.Judged)
}

// chatPick is a paper as a chat message shows it.
type chatPick struct {
	Title, URL, Line, Summary string
}

func chatPicks(d model.Digest) (picks []chatPick, more int) {
	ranked := d.Ranked()
	if len(ranked) > Top {
		more = len(ranked) - Top
		ranked = ranked[:Top]
	}
	for _, p := range ranked {
		summary := p.TLDR
		if summary == "" {
			summary = p.Best.Reason
		}
		picks = append(picks, chatPick{Title: oneLine(tex.Plain(p.Title)), URL: p.AbsURL,
			Line: fmt.Sprintf("%s %.2f · %s", p.Best.Topic, p.Best.Relevance, authors(p.Authors)), Summary: oneLine(summary)})
	}
	return picks, more
}

// slackMessage is a Slack incoming-webhook message: a fallback text and
// blocks, each within Slack's limits; feed text is escaped for mrkdwn.
func slackMessage(day Day) map[string]any {
	d := day.Digest
	head := headline(d)
	blocks := []map[string]any{{"type": "header", "text": map[string]any{"type": "plain_text", "text": cut(head, slackHeaderMax)}}}
	picks, more := chatPicks(d)
	for _, p := range picks {
		text := fmt.Sprintf("*<%s|%s>*\n%s", p.URL, slackEscape(p.Title), slackEscape(p.Line))
		if p.Summary != "" {
			text += "\n" + slackEscape(p.Summary)
		}
		blocks = append(blocks, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": cut(text, slackSectionMax)}})
	}
	if foot := footer(more, day.PageURL); foot != "" {
		if day.PageURL != "" {
			foot = strings.Replace(foot, day.PageURL, "<"+day.PageURL+"|the page>", 1)
		}
		blocks = append(blocks, map[string]any{"type": "context", "elements": []map[string]any{{"type": "mrkdwn", "text": foot}}})
	}
	return map[string]any{"text": head, "blocks": blocks, "unfurl_links": false}
}

// discordMessage is a Discord webhook message: content under 2,000
// characters, at most 10 embeds within their limits, and no mentions
// (a paper title with @everyone pings no one).
func discordMessage(day Day) map[string]any {
	d := day.Digest
	content := "**" + headline(d) + "**"
	picks, more := chatPicks(d)
	if foot := footer(more, day.PageURL); foot != "" {
		content += "\n" + foot
	}
	var embeds []map[string]any
	total := 0
	for _, p := range picks[:min(len(picks), discordEmbedsMax)] {
		title := cut(p.Title, discordTitleMax)
		desc := cut(p.Line+"\n"+p.Summary, discordDescMax)
		if total+utf8.RuneCountInString(title)+utf8.RuneCountInString(desc) > discordEmbedTotal {
			break
		}
		total += utf8.RuneCountInString(title) + utf8.RuneCountInString(desc)
		embeds = append(embeds, map[string]any{"title": title, "url": p.URL, "description": desc})
	}
	return map[string]any{"content": cut(content, discordContentMax), "embeds": embeds,
		"allowed_mentions": map[string]any{"parse": []string{}}}
}

func footer(more int, pageURL string) string {
	switch {
	case more > 0 && pageURL != "":
		return fmt.Sprintf("…and %d more on %s", more, pageURL)
	case more > 0:
		return fmt.Sprintf("…and %d more in the digest", more)
	case pageURL != "":
		return "The whole digest: " + pageURL
	}
	return ""
}

// JSONSummary is what a json webhook receives: the digest's header and its
// selected papers. The names are a contract, like digest.json's.
type JSONSummary struct {
	Date            string        `json:"date"`
	Categories      []string      `json:"categories"`
	Topics          []model.Topic `json:"topics"`
	Model           string        `json:"model"`
	Threshold       float64       `json:"threshold"`
	Source          string        `json:"source"`
	GeneratedAt     string        `json:"generated_at"`
	NoAnnouncements bool          `json:"no_announcements"`
	Incomplete      bool          `json:"incomplete"`
	Stats           model.Stats   `json:"stats"`
	PageURL         string        `json:"page_url,omitempty"`
	Papers          []JSONPaper   `json:"papers"` // selected, best first
}

// JSONPaper is one selected paper in a JSONSummary.
type JSONPaper struct {
	ID     string        `json:"id"`
	Title  string        `json:"title"`
	Topics []model.Score `json:"topics"` // the selected topics' scores, best first
	TLDR   string        `json:"tldr,omitempty"`
	AbsURL string        `json:"abs_url"`
	PDFURL string        `json:"pdf_url"`
}

func jsonSummary(day Day) JSONSummary {
	d := day.Digest
	s := JSONSummary{Date: d.Date, Categories: d.Categories, Topics: d.Topics, Model: d.Model, Threshold: d.Threshold,
		Source: d.Source, GeneratedAt: d.GeneratedAt, NoAnnouncements: d.NoAnnouncements, Incomplete: d.Incomplete,
		Stats: d.Stats, PageURL: day.PageURL, Papers: []JSONPaper{}}
	for _, p := range d.Ranked() {
		jp := JSONPaper{ID: p.ID, Title: p.Title, TLDR: p.TLDR, AbsURL: p.AbsURL, PDFURL: p.PDFURL}
		for _, t := range p.SelectedTopics {
			sc, _ := p.Score(t)
			jp.Topics = append(jp.Topics, sc)
		}
		s.Papers = append(s.Papers, jp)
	}
	return s
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning
// to, so that feed text cannot make links or mentions.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// cut shortens s to at most n characters (runes), ending with "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
