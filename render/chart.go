package render

import "unicode/utf8"

// barChart is an inline SVG bar chart of papers per topic, laid out in Go so
// the template only places numbers and escaped text.
type barChart struct {
	Width, Height int
	Rows          []chartRow
}

type chartRow struct {
	Label, Full string // Label is Full shortened to fit
	N           int
	Warn        bool // the could-not-be-judged row
	TextY, BarY int
	BarW        float64
	CountX      float64
	CountY      int
}

const (
	chartWidth   = 360
	chartBarMax  = 300
	chartRowH    = 36
	chartLabelCh = 52 // runes of a topic name shown
)

// chart is the per-topic chart of v, or nil when it would be empty.
func chart(v *view) *barChart {
	type item struct {
		name string
		n    int
		warn bool
	}
	var items []item
	for _, s := range v.Sections {
		items = append(items, item{cleanText(s.Topic.Name), len(s.Papers), false})
	}
	if len(v.Failed) > 0 {
		items = append(items, item{failedHeading, len(v.Failed), true})
	}
	if len(items) == 0 {
		return nil
	}
	peak := 1
	for _, it := range items {
		peak = max(peak, it.n)
	}
	c := &barChart{Width: chartWidth, Height: len(items)*chartRowH + 4}
	for i, it := range items {
		y := i * chartRowH
		w := float64(chartBarMax) * float64(it.n) / float64(peak)
		w = max(w, 2)
		c.Rows = append(c.Rows, chartRow{
			Label: shorten(it.name, chartLabelCh), Full: it.name, N: it.n, Warn: it.warn,
			TextY: y + 13, BarY: y + 19, BarW: w, CountX: w + 6, CountY: y + 29,
		})
	}
	return c
}

// shorten cuts s to at most n runes, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
