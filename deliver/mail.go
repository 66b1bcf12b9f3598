package deliver

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/render"
	"github.com/arxiv-digest/arxiv-digest/tex"
)

// mailPaper is one paper in a mail: what a reader needs to decide whether
// to open it, and no abstract.
type mailPaper struct {
	N         int
	Title     string
	URL       string // the arXiv abstract page
	PDFURL    string
	Authors   string
	Topic     string
	Score     string // "0.92"
	AlsoIn    string // the other selected topics, "" when none
	Summary   string // the TL;DR, or else the model's reason
	IsTLDR    bool
	Announced string // "cross-list" etc.; "" for new submissions
}

// mailView is what both parts of a mail show.
type mailView struct {
	Date       string // "Monday 28 April 2025"
	Headline   string // "12 papers selected of 431 judged"
	Categories string
	PageURL    string
	Papers     []mailPaper
	More       int // selected papers left out of the mail
	Notes      []string
	NoneToday  string
}

func newMailView(day Day, max int) mailView {
	d := day.Digest
	v := mailView{Date: longDate(d.Date), Categories: strings.Join(d.Categories, ", "), PageURL: day.PageURL}
	switch {
	case d.NoAnnouncements:
		v.NoneToday = fmt.Sprintf("arXiv announced no new papers in %s for this day.", v.Categories)
	case d.Stats.Selected == 0:
		v.NoneToday = fmt.Sprintf("None of the %d papers judged reached the threshold (%.2f) for your topics.", d.Stats.Judged, d.Threshold)
	default:
		v.Headline = fmt.Sprintf("%s of %d judged", plural(d.Stats.Selected, "paper selected", "papers selected"), d.Stats.Judged)
	}
	picks := d.Ranked()
	if len(picks) > max {
		v.More = len(picks) - max
		picks = picks[:max]
	}
	for i, p := range picks {
		mp := mailPaper{N: i + 1, Title: oneLine(tex.Plain(p.Title)), URL: p.AbsURL, PDFURL: p.PDFURL,
			Authors: authors(p.Authors), Topic: p.Best.Topic, Score: fmt.Sprintf("%.2f", p.Best.Relevance)}
		if p.AnnounceType != model.New {
			mp.Announced = p.AnnounceType.Label()
		}
		var also []string
		for _, t := range p.SelectedTopics[1:] {
			s, _ := p.Score(t)
			also = append(also, fmt.Sprintf("%s %.2f", t, s.Relevance))
		}
		mp.AlsoIn = strings.Join(also, ", ")
		mp.Summary, mp.IsTLDR = oneLine(p.TLDR), p.TLDR != ""
		if !mp.IsTLDR {
			mp.Summary = oneLine(p.Best.Reason)
		}
		v.Papers = append(v.Papers, mp)
	}
	if d.Stats.Failed > 0 {
		v.Notes = append(v.Notes, plural(d.Stats.Failed, "paper could not be judged; the page lists it.", "papers could not be judged; the page lists them."))
	}
	if d.Stats.Skipped > 0 {
		v.Notes = append(v.Notes, plural(d.Stats.Skipped, "paper was not judged.", "papers were not judged."))
	}
	return v
}

// renderMail returns the plain-text and HTML parts of day's mail.
func renderMail(day Day, max int) (text, html string, err error) {
	v := newMailView(day, max)
	var b bytes.Buffer
	if err := mailHTML.Execute(&b, v); err != nil {
		return "", "", fmt.Errorf("mail: %w", err)
	}
	return mailText(v), b.String(), nil
}

// mailText is the plain-text part: the same content as the HTML part, in
// lines a terminal mail reader shows well.
func mailText(v mailView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "arXiv digest, %s\n%s\n\n", v.Date, v.Categories)
	if v.NoneToday != "" {
		b.WriteString(v.NoneToday + "\n")
	} else {
		b.WriteString(v.Headline + ".\n")
	}
	if v.PageURL != "" {
		fmt.Fprintf(&b, "The whole digest: %s\n", v.PageURL)
	}
	for _, p := range v.Papers {
		fmt.Fprintf(&b, "\n%d. %s\n", p.N, p.Title)
		fmt.Fprintf(&b, "   %s %s", p.Topic, p.Score)
		if p.AlsoIn != "" {
			fmt.Fprintf(&b, " (also %s)", p.AlsoIn)
		}
		if p.Announced != "" {
			fmt.Fprintf(&b, " · %s", p.Announced)
		}
		fmt.Fprintf(&b, "\n   %s\n", p.Authors)
		if p.Summary != "" {
			label := "Why"
			if p.IsTLDR {
				label = "TL;DR"
			}
			fmt.Fprintf(&b, "   %s: %s\n", label, p.Summary)
		}
		fmt.Fprintf(&b, "   %s\n", p.URL)
	}
	if v.More > 0 {
		fmt.Fprintf(&b, "\n…and %d more selected papers", v.More)
		if v.PageURL != "" {
			fmt.Fprintf(&b, " on the page: %s", v.PageURL)
		} else {
			b.WriteString(" in the digest.")
		}
		b.WriteString("\n")
	}
	for _, n := range v.Notes {
		fmt.Fprintf(&b, "\n%s", n)
	}
	b.WriteString("\n\n-- \nSent by arxiv-digest.\n")
	return b.String()
}

//go:embed mail.html
var mailHTMLText string

var mailHTML = template.Must(template.New("mail").Parse(mailHTMLText))

func longDate(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format("Monday 2 January 2006")
}

// authors shortens a long author list: three names, then "et al.".
func authors(names []string) string {
	if len(names) > 3 {
		return strings.Join(names[:3], ", ") + " et al."
	}
	return strings.Join(names, ", ")
}

// oneLine folds whitespace, line breaks included, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// plural is render's: "1 paper", "1,500 papers".
var plural = render.Plural
