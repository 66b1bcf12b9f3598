package render

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/text"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/tex"
)

//go:embed assets/style.css
var styleCSS string

//go:embed assets/page.html.tmpl
var pageTemplate string

// csp forbids everything but inline styles and data: images: no script,
// font, frame, form or remote fetch can run even if something slipped by.
const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

// HTML renders d as a complete standalone page: inline CSS, an inline SVG
// chart, no scripts, fonts or remote resources, so it works offline and as
// an e-mail body. The page chrome and paper cards come from html/template;
// every text from the feed or the model is escaped to Markdown by
// EscapeMarkdown and rendered by goldmark in its safe mode.
func HTML(d model.Digest) ([]byte, error) {
	r, err := newHTMLRenderer()
	if err != nil {
		return nil, err
	}
	return r.page(d)
}

// htmlRenderer holds the parsed templates and the goldmark instance of one
// rendering (several pages when it writes the history). It is not safe for
// concurrent use: inline reuses one buffer.
type htmlRenderer struct {
	md  goldmark.Markdown
	buf bytes.Buffer
	bw  *bufio.Writer // over buf, so goldmark does not allocate one per text
	tpl *template.Template
}

func newHTMLRenderer() (*htmlRenderer, error) {
	r := &htmlRenderer{md: goldmark.New()} // safe mode: raw HTML is never passed through
	r.bw = bufio.NewWriter(&r.buf)
	funcs := template.FuncMap{
		"md":          r.inline,
		"tex":         texHTML,  // titles, abstracts, TL;DRs, reasons: prose with TeX
		"plain":       texPlain, // the same in the feed entry, as plain text
		"text":        cleanText,
		"num":         func(n int) string { return thousands(int64(n)) },
		"kept":        keptCount,
		"plural":      plural,
		"rel":         relText,
		"longDate":    longDate,
		"shortDate":   shortDate,
		"css":         func() template.CSS { return template.CSS(styleCSS) },
		"csp":         func() string { return csp },
		"indexCSP":    func() string { return indexCSP },
		"searchSlot":  func() template.HTML { return SearchSlot },
		"join":        strings.Join,
		"runText":     runText,
		"chart":       chart,
		"skipNote":    skippedNote,
		"failedH":     func() string { return failedHeading },
		"picksH":      func() string { return topPicksHeading },
		"scale":       func() []model.ScaleMark { return model.RelevanceScale },
		"add":         func(a, b int) int { return a + b },
		"verdictMark": verdictMark,
		"sourceName":  sourceName,
		"sourceNote":  sourceNote,
		"card":        newPaperCard,
		"feedMore":    feedMore,
		"followedH":   func() string { return followedHeading },
		"filteredH":   func() string { return filteredHeading },
		"filteredN":   filteredNote,
	}
	tpl, err := template.New("page").Funcs(funcs).Parse(pageTemplate)
	if err != nil {
		return nil, fmt.Errorf("render: parse templates: %w", err)
	}
	r.tpl = tpl
	return r, nil
}

// paperCard is what the paper template draws, with what it shows of the
// score worked out once (fields, not calls, for speed).
type paperCard struct {
	P paper // a field, not embedded: templates look up promoted fields slowly

	Rel, RelClass string
	RelWidth      template.CSS
	AnnounceClass string
}

func newPaperCard(p paper) paperCard {
	r := p.Score.Relevance
	return paperCard{P: p, Rel: relText(r), RelClass: relClass(r), RelWidth: relWidth(r),
		AnnounceClass: announceClass(p.E.AnnounceType)}
}

// dayPage is what the page template draws.
type dayPage struct {
	*view
}

func (r *htmlRenderer) page(d model.Digest) ([]byte, error) {
	v := newView(d)
	return r.exec("day", dayPage{view: v}, 16384+3000*v.Selected+600*len(v.Failed))
}

// writePage writes d's page to w, linked to the days around it by nav
// (nil: a page on its own).
func (r *htmlRenderer) writePage(w io.Writer, d model.Digest, nav *dayNav) error {
	v := newView(d)
	v.Nav = nav
	if err := r.tpl.ExecuteTemplate(w, "day", dayPage{view: v}); err != nil {
		return fmt.Errorf("render: html day: %w", err)
	}
	return nil
}

// fragment is the day's entry in the feed: its selected papers as a
// simple list, without the page around them.
func (r *htmlRenderer) fragment(d model.Digest) ([]byte, error) {
	v := newView(d)
	return r.exec("entry-feed", dayPage{view: v}, 2048+400*min(v.Selected, v.MaxPerTopic*len(v.Sections)))
}

// writeFragment writes fragment(d) to w.
func (r *htmlRenderer) writeFragment(w io.Writer, d model.Digest) error {
	if err := r.tpl.ExecuteTemplate(w, "entry-feed", dayPage{view: newView(d)}); err != nil {
		return fmt.Errorf("render: html entry: %w", err)
	}
	return nil
}

// feedMore is how many of the papers whose card is under s the feed entry
// leaves to the page: it lists those among the first MaxPerTopic.
func feedMore(s section) (more int) {
	for _, p := range s.Rest {
		if p.Home {
			more++
		}
	}
	return more
}

func (r *htmlRenderer) exec(name string, data any, size int) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(size)
	if err := r.tpl.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("render: html %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// inline renders one text as HTML: escaped to Markdown, then converted by
// goldmark. The escaped text is a single paragraph of plain text, so the
// result is that text, HTML-escaped; should goldmark ever yield markup for
// it, the text is HTML-escaped directly instead. Text with nothing to
// escape, for Markdown or for HTML, is that text already (most author lists
// and reasons): it skips goldmark, which FuzzInline checks changes nothing.
func (r *htmlRenderer) inline(s string) template.HTML {
	if c := cleanText(s); isPlain(c) {
		return template.HTML(c)
	}
	return r.convert(s)
}

// convert is inline's way through goldmark.
func (r *htmlRenderer) convert(s string) template.HTML {
	src := EscapeMarkdown(s)
	if src == "" {
		return ""
	}
	r.buf.Reset()
	b := []byte(src)
	if err := r.md.Renderer().Render(r.bw, b, r.md.Parser().Parse(text.NewReader(b))); err == nil {
		out := bytes.TrimSuffix(r.buf.Bytes(), []byte("\n"))
		if after, ok := bytes.CutPrefix(out, []byte("<p>")); ok {
			if inner, ok := bytes.CutSuffix(after, []byte("</p>")); ok && bytes.IndexByte(inner, '<') < 0 {
				return template.HTML(inner)
			}
		}
	}
	return template.HTML(html.EscapeString(cleanText(s)))
}

// isPlain reports whether cleaned text c reads the same in Markdown and in
// HTML: nothing in it EscapeMarkdown would escape, and none of & < > ".
func isPlain(c string) bool {
	for i := 0; i < len(c); i++ {
		switch c[i] {
		case '&', '<', '>', '"':
			return false
		}
		if needsEscape(c, i) {
			return false
		}
	}
	return true
}

// texHTML shows prose from the feed or the model (a title, an abstract, a
// TL;DR, a reason) in the page: its TeX decoded and its math as MathML, by
// tex.HTML, whose output is safe HTML (every character of s that could be
// markup is escaped; the only elements are MathML it writes itself).
func texHTML(s string) template.HTML { return template.HTML(tex.HTML(cleanText(s))) }

// texPlain is such prose as plain text, math approximated in Unicode (x²,
// α), for the feed entry: feed readers drop MathML.
func texPlain(s string) string { return tex.Plain(cleanText(s)) }

// texMarkdown is such prose in Markdown: TeX decoded, math kept as $...$
// source, escaped like any text.
func texMarkdown(s string) string { return EscapeMarkdown(tex.Text(cleanText(s))) }

// relText shows a relevance with two decimals.
func relText(f float64) string { return fmt.Sprintf("%.2f", f) }

// relClass buckets a relevance for its badge colour, by the scale's
// marks: central (0.9 and up), substantial (about 0.7 and up), and the
// rest, which only near misses or a low threshold show. None of them is
// coloured as a warning: a score is not a problem.
func relClass(f float64) string {
	switch {
	case f >= 0.9:
		return "rel-high"
	case f >= 0.7:
		return "rel-mid"
	}
	return "rel-low"
}

// relWidth is the CSS width of a relevance bar, built from a number only.
func relWidth(f float64) template.CSS {
	f = max(0, min(1, f))
	return template.CSS(fmt.Sprintf("width:%.0f%%", f*100))
}

func announceClass(t model.AnnounceType) string {
	switch t {
	case model.New:
		return "ann-new"
	case model.Cross:
		return "ann-cross"
	case model.Replace, model.ReplaceCross:
		return "ann-replace"
	}
	return "ann-other"
}

// paperID is the element id of a paper card, or "" for an odd id.
func paperID(e *model.Entry) string {
	if !model.ValidID(e.ID) {
		return ""
	}
	return "arxiv-" + strings.ReplaceAll(e.ID, "/", "-")
}

// longDate shows 2025-04-28 as "Monday, 28 April 2025"; any other text is
// shown as it is.
func longDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return cleanText(s)
	}
	return t.Format("Monday, 2 January 2006")
}

// V is the page's view, for template functions that take it whole.
func (p dayPage) V() *view { return p.view }

// verdictMark is the verdict's symbol in the page: plain characters every
// font has, where the Markdown uses emoji.
func verdictMark(k healthKind) string {
	switch k {
	case healthOK:
		return "✓"
	case healthIncomplete, healthFetchFailed:
		return "×"
	case healthNone:
		return "–"
	}
	return "!"
}
