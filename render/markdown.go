package render

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// Markdown renders d as a CommonMark document that reads well on GitHub.
// Every text from the feed or the model goes through EscapeMarkdown; the
// only raw HTML is the <details> fold around each abstract, whose content is
// escaped Markdown between blank lines.
func Markdown(d model.Digest) []byte {
	var b bytes.Buffer
	b.Grow(4096 + 1500*len(d.Papers))
	writeMarkdown(&b, d)
	return b.Bytes()
}

// textWriter is where Markdown is written: a buffer or a file's buffered
// writer. Their errors are the final flush's (bufio) or none (bytes).
type textWriter interface {
	WriteString(s string) (int, error)
	WriteByte(c byte) error
}

// writeMarkdown writes d's Markdown digest to b.
func writeMarkdown(b textWriter, d model.Digest) {
	v := newView(d)
	w := &mdWriter{b: b}
	w.header(v)
	if !d.NoAnnouncements {
		w.followed(v)
		w.picks(v)
		w.contents(v)
		for _, s := range v.Sections {
			w.section(v, s)
		}
		w.failed(v)
		w.filtered(v)
	}
	w.footer(v)
}

type mdWriter struct{ b textWriter }

func (w *mdWriter) line(parts ...string) {
	for _, p := range parts {
		w.b.WriteString(p)
	}
	w.b.WriteByte('\n')
}

func (w *mdWriter) header(v *view) {
	d := v.D
	w.line("# ", EscapeMarkdown(pageTitle(d)))
	w.line()
	var meta []string
	if len(d.Categories) > 0 {
		meta = append(meta, "**"+EscapeMarkdown(strings.Join(d.Categories, ", "))+"**")
	}
	if !d.NoAnnouncements {
		counts := plural(d.Stats.Fetched, "paper", "papers") + " fetched"
		if kept := keptCount(d.Stats); kept != d.Stats.Fetched {
			counts += fmt.Sprintf(" (%d of the announce types kept)", kept)
		}
		meta = append(meta, EscapeMarkdown(fmt.Sprintf("%s, %d selected", counts, v.Selected)))
	}
	if len(meta) > 0 {
		w.line(strings.Join(meta, " · "))
		w.line()
	}
	h := v.Health
	verdict := h.Icon + " **" + EscapeMarkdown(h.Title) + "**"
	if h.Detail != "" {
		verdict += " " + EscapeMarkdown(h.Detail)
	}
	w.line("> ", verdict)
	w.line()
	if d.NoAnnouncements {
		return
	}
	// The counts table: numbers and fixed labels only.
	head := []string{"fetched"}
	row := []string{thousands(int64(d.Stats.Fetched))}
	for _, a := range v.Announce {
		head = append(head, EscapeMarkdown(a.Label))
		row = append(row, thousands(int64(a.N)))
	}
	head = append(head, "kept", "judged", "failed", "skipped", "selected")
	row = append(row, thousands(int64(keptCount(d.Stats))), thousands(int64(d.Stats.Judged)), thousands(int64(d.Stats.Failed)),
		thousands(int64(d.Stats.Skipped)), thousands(int64(d.Stats.Selected)))
	if d.Stats.Filtered > 0 {
		head, row = append(head, "filtered"), append(row, thousands(int64(d.Stats.Filtered)))
	}
	w.line("| ", strings.Join(head, " | "), " |")
	w.line("|", strings.Repeat(" ---: |", len(head)))
	w.line("| ", strings.Join(row, " | "), " |")
	w.line()
	if r := runText(d); r != "" {
		w.line(EscapeMarkdown(r))
		w.line()
	}
}

func (w *mdWriter) contents(v *view) {
	if len(v.Sections) == 0 && len(v.Empty) == 0 && len(v.Failed) == 0 {
		return
	}
	w.line("## Contents")
	w.line()
	for _, s := range v.Sections {
		w.line("- [", EscapeMarkdown(s.Topic.Name), "](#", s.Slug, ") · ", plural(len(s.Papers), "paper", "papers"))
	}
	for _, t := range v.Empty {
		w.line("- ", EscapeMarkdown(t.Name), " · nothing selected")
	}
	if len(v.Failed) > 0 {
		w.line("- [", EscapeMarkdown(failedHeading), "](#", v.FailedSlug, ") · ", plural(len(v.Failed), "paper", "papers"))
	}
	w.line()
	if len(v.Sections) == 0 && v.D.Stats.Judged > 0 {
		w.line(EscapeMarkdown(fmt.Sprintf("Nothing scored %.2f or more for your topics today.", v.D.Threshold)))
		w.line()
	}
}

// picks lists the day's best papers, each linked to its entry, then says
// what the scores mean.
func (w *mdWriter) picks(v *view) {
	if len(v.Picks) == 0 {
		if len(v.Sections) > 0 {
			w.legend(v)
		}
		return
	}
	w.line("## ", topPicksHeading)
	w.line()
	for i, p := range v.Picks {
		line := fmt.Sprintf("%d. [%s](#%s) · **%s** · %s", i+1, texMarkdown(p.Title), p.Slug, relText(p.Score.Relevance), EscapeMarkdown(p.Score.Topic))
		if t := texMarkdown(p.E.TLDR); t != "" {
			line += " · " + t
		}
		w.line(line)
	}
	w.line()
	w.legend(v)
}

// legend says what the scores mean, in one paragraph.
func (w *mdWriter) legend(v *view) {
	marks := make([]string, len(model.RelevanceScale))
	for i, m := range model.RelevanceScale {
		marks[i] = m.Scores + " = " + m.Meaning
	}
	w.line("*", EscapeMarkdown(fmt.Sprintf("Scores: %s. Selected at %s or more; near misses scored up to %s less.",
		strings.Join(marks, "; "), relText(v.D.Threshold), relText(v.NearMargin))), "*")
	w.line()
}

func (w *mdWriter) section(v *view, s section) {
	w.line("## ", EscapeMarkdown(s.Topic.Name))
	w.line()
	intro := "*" + plural(len(s.Papers), "paper", "papers") + "*"
	if desc := cleanText(s.Topic.Description); desc != "" {
		intro = "*" + EscapeMarkdown(desc) + "* · " + plural(len(s.Papers), "paper", "papers")
	}
	w.line(intro)
	w.line()
	w.entries(s.Top)
	if len(s.Rest) > 0 {
		w.line("<details><summary>", thousands(int64(len(s.Rest))), " more in this topic</summary>")
		w.line()
		w.entries(s.Rest)
		w.line("</details>")
		w.line()
	}
	if len(s.Near) > 0 {
		n := thousands(int64(len(s.Near)))
		if s.NearMore > 0 {
			n += " of " + thousands(int64(len(s.Near)+s.NearMore))
		}
		w.line("<details><summary>Near misses: ", n, " just under ", relText(v.D.Threshold), "</summary>")
		w.line()
		for _, p := range s.Near {
			title := texMarkdown(p.Title)
			if p.Linkable {
				title = "[" + title + "](" + p.AbsURL + ")"
			}
			line := "- **" + relText(p.Score.Relevance) + "** " + title
			if p.HomeTopic != "" {
				line += " · in " + EscapeMarkdown(p.HomeTopic) + " " + p.HomeRel
			}
			if r := texMarkdown(p.Score.Reason); r != "" {
				line += " · " + r
			}
			w.line(line)
		}
		w.line()
		if s.NearMore > 0 {
			w.line(EscapeMarkdown(plural(s.NearMore, "more paper", "more papers") + " scored within " + relText(v.NearMargin) + " of the threshold."))
			w.line()
		}
		w.line("</details>")
		w.line()
	}
}

// entries writes a section's papers: a full entry for each paper whose
// best topic it is, and a line linking to the entry of the others.
func (w *mdWriter) entries(ps []paper) {
	for i, p := range ps {
		if p.Home {
			w.paper(p)
			continue
		}
		title := texMarkdown(p.Title)
		if p.HomeSlug != "" {
			title = "[" + title + "](#" + p.HomeSlug + ")"
		}
		w.line("- **", relText(p.Score.Relevance), "** ", title, " · full entry under ", EscapeMarkdown(p.HomeTopic), " ", p.HomeRel)
		if i+1 == len(ps) || ps[i+1].Home {
			w.line()
		}
	}
}

func (w *mdWriter) paper(p paper) {
	e := p.E
	title := texMarkdown(p.Title)
	if p.Linkable {
		w.line("### [", title, "](", p.AbsURL, ")")
	} else {
		w.line("### ", title)
	}
	w.line()
	if t := texMarkdown(e.TLDR); t != "" {
		w.line("**TL;DR** ", t)
		w.line()
	}
	// Meta lines, joined by backslash hard breaks.
	meta := []string{fmt.Sprintf("**%.2f**", p.Score.Relevance), EscapeMarkdown(p.AnnounceLabel)}
	meta = append(meta, mdCategories(e.Categories)...)
	ref := EscapeMarkdown(p.Ref)
	if p.Linkable {
		meta = append(meta, ref, "[PDF]("+p.PDFURL+")", "[HTML]("+p.HTMLURL+")")
	} else {
		meta = append(meta, ref)
	}
	lines := []string{strings.Join(meta, " · ")}
	if names, more := p.Shown, p.More; names != "" {
		by := EscapeMarkdown(names)
		if more > 0 {
			by += " … \\+" + thousands(int64(more)) + " more"
		}
		lines = append(lines, by)
	}
	if len(p.Also) > 0 {
		also := make([]string, len(p.Also))
		for i, t := range p.Also {
			also[i] = EscapeMarkdown(t.Topic) + " " + t.Rel
		}
		lines = append(lines, "also: "+strings.Join(also, ", "))
	}
	w.line(strings.Join(lines, "\\\n"))
	w.line()
	if r := texMarkdown(p.Score.Reason); r != "" {
		w.line("> ", r)
		w.line()
	}
	more := p.More
	abstract := texMarkdown(e.Abstract)
	if abstract == "" && more == 0 {
		return
	}
	summary := "Abstract"
	if more > 0 {
		summary = fmt.Sprintf("Abstract and all %d authors", len(e.Authors))
	}
	w.line("<details><summary>", summary, "</summary>")
	w.line()
	if more > 0 {
		w.line("**Authors:** ", EscapeMarkdown(strings.Join(e.Authors, ", ")))
		w.line()
	}
	if abstract != "" {
		w.line(abstract)
		w.line()
	}
	w.line("</details>")
	w.line()
}

// mdCategories lists the categories, the primary one in bold.
func mdCategories(cats []string) []string {
	var out []string
	for i, c := range cats {
		c = EscapeMarkdown(c)
		if c == "" {
			continue
		}
		if i == 0 {
			c = "**" + c + "**"
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil
	}
	return []string{strings.Join(out, ", ")}
}

func (w *mdWriter) failed(v *view) {
	if len(v.Failed) == 0 && len(v.Skipped) == 0 {
		return
	}
	w.line("## ", failedHeading)
	w.line()
	for _, p := range v.Failed {
		title := texMarkdown(p.Title)
		if p.Linkable {
			title = "[" + title + "](" + p.AbsURL + ")"
		}
		reason := EscapeMarkdown(p.E.Error)
		if reason == "" {
			reason = "no error recorded"
		}
		w.line("- ", title, " · ", EscapeMarkdown(p.Ref), " · error: ", reason)
	}
	if len(v.Failed) > 0 {
		w.line()
	}
	if len(v.Skipped) > 0 {
		w.line(EscapeMarkdown(skippedNote(v)))
		w.line()
	}
}

// skippedNote says how many papers were never tried and why.
func skippedNote(v *view) string {
	total := 0
	var why []string
	for _, r := range v.Skipped {
		total += r.N
		why = append(why, fmt.Sprintf("%s (%d)", r.Reason, r.N))
	}
	s := plural(total, "paper was", "papers were") + " skipped, never sent to the model: " + strings.Join(why, "; ") + "."
	if v.D.Incomplete && cleanText(v.D.RunError) != "" {
		s += " The run stopped: " + cleanText(v.D.RunError) + "."
	}
	return s
}

func (w *mdWriter) footer(v *view) {
	d := v.D
	parts := []string{"Generated"}
	if g := cleanText(d.GeneratedAt); g != "" {
		parts = append(parts, g)
	}
	parts = append(parts, "by arxiv-digest")
	if s := cleanText(d.Source); s != "" {
		parts = append(parts, "from "+sourceName(s))
	}
	w.line("---")
	w.line()
	w.line("*", EscapeMarkdown(strings.Join(parts, " ")+"."), "*")
	if note := sourceNote(d.Source); note != "" {
		w.line()
		w.line("*", EscapeMarkdown(note), "*")
	}
}
