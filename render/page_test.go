package render

import (
	"bytes"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// elements lists the elements of doc matching the test, in document order.
func elements(doc *xhtml.Node, match func(*xhtml.Node) bool) []*xhtml.Node {
	var out []*xhtml.Node
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func hasClass(n *xhtml.Node, class string) bool {
	return n.Type == xhtml.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
}

func textOf(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == xhtml.ElementNode && n.Data == "annotation" {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// TestBoundedPage: a topic shows its first MaxPerTopic papers, folds the
// rest, lists its near misses; the top picks come first, best first, each
// paper once; "also in" chips link to the paper's entry under the other
// topic and show its score there.
func TestBoundedPage(t *testing.T) {
	page, err := HTML(boundedDigest())
	if err != nil {
		t.Fatal(err)
	}
	inspectHTML(t, page, nil) // safe, and every #link has its target
	doc, err := xhtml.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var picks []string
	for _, h := range elements(doc, func(n *xhtml.Node) bool { return n.Data == "h3" && hasClass(n.Parent, "pick-head") }) {
		picks = append(picks, textOf(h))
	}
	want := []string{"Optical Schrödinger cat states from x2 nonlinearities", "Cramér-Rao bounds for SU(Nc) interferometers",
		"k-cubic phase gates with squeezed light", "Photon-number-resolving detectors at 1550 nm", "Squeezing below the shot-noise limit in a chip"}
	if strings.Join(picks, "\n") != strings.Join(want, "\n") {
		t.Errorf("top picks:\n%s\nwant\n%s", strings.Join(picks, "\n"), strings.Join(want, "\n"))
	}
	sections := elements(doc, func(n *xhtml.Node) bool { return n.Data == "section" && hasClass(n, "topic") })
	if len(sections) != 2 {
		t.Fatalf("%d topic sections, want 2", len(sections))
	}
	optics := sections[0]
	open := elements(optics, func(n *xhtml.Node) bool { return n.Data == "article" && n.Parent == optics })
	folded := elements(optics, func(n *xhtml.Node) bool { return n.Data == "article" && hasClass(n.Parent, "rest") })
	near := elements(optics, func(n *xhtml.Node) bool { return n.Data == "li" && hasClass(n.Parent, "near-list") })
	if len(open) != 3 || len(folded) != 2 || len(near) != 2 {
		t.Errorf("quantum optics: %d cards open, %d folded, %d near misses; want 3, 2, 2", len(open), len(folded), len(near))
	}
	if got := attr(open[0], "id"); got != "arxiv-2505.00001" {
		t.Errorf("first card id %q", got)
	}
	if s := textOf(near[0]); !strings.HasPrefix(s, "0.66 A near miss on cat-state tomography") {
		t.Errorf("first near miss %q", s)
	}
	chips := elements(open[0], func(n *xhtml.Node) bool { return n.Data == "a" && hasClass(n, "chip") })
	if len(chips) != 1 || attr(chips[0], "href") != "#topic-2-arxiv-2505.00001" || textOf(chips[0]) != "Quantum metrology 0.74" {
		t.Fatalf("also-in chips %d: want one linking to the entry under quantum metrology with its score", len(chips))
	}
	xref := elements(sections[1], func(n *xhtml.Node) bool { return attr(n, "id") == "topic-2-arxiv-2505.00001" })
	if len(xref) != 1 || !strings.Contains(textOf(xref[0]), "Full entry under Quantum optics 0.96") {
		t.Errorf("the paper's short entry under its second topic is missing or does not name its card's topic")
	}
	backs := elements(doc, func(n *xhtml.Node) bool { return n.Data == "a" && attr(n, "href") == "#contents" })
	if len(backs) != 2 {
		t.Errorf("%d links back to the contents, want one per section", len(backs))
	}
	for _, w := range []string{"0.9 to 1.0", "the topic is a central contribution of the paper", "selected for a topic when it scores 0.70 or more"} {
		if !bytes.Contains(page, []byte(w)) {
			t.Errorf("the score legend lacks %q", w)
		}
	}
}

// TestFeedEntry: the feed entry is the day's selected papers as a short
// list, each topic's best MaxPerTopic, with what the page holds besides.
func TestFeedEntry(t *testing.T) {
	r, err := newHTMLRenderer()
	if err != nil {
		t.Fatal(err)
	}
	entry, err := r.fragment(boundedDigest())
	if err != nil {
		t.Fatal(err)
	}
	s := string(entry)
	for _, w := range []string{
		`<li><a href="https://arxiv.org/abs/2505.00001">Optical Schrödinger cat states from x² nonlinearities</a> (0.96; also Quantum metrology 0.74)<br>TL;DR: What paper 1 finds, in a sentence.</li>`,
		"<p>2 more papers on the day's page.</p>",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("entry lacks %q:\n%s", w, s)
		}
	}
	if n := strings.Count(s, "<li>"); n != 4 {
		t.Errorf("%d papers listed, want 4 (3 + 1: each paper once, under its best topic)", n)
	}
}

// TestFeedEntrySize: a 1,500-paper day's feed entry stays small enough for
// feed readers.
func TestFeedEntrySize(t *testing.T) {
	r, err := newHTMLRenderer()
	if err != nil {
		t.Fatal(err)
	}
	d := bigDay(1500)
	tldr := strings.TrimSpace(strings.Repeat("Shows that warm-started $\\mathcal{O}(n)$ schemes & friends keep gradients large. ", 4)) // 40 words
	for i := range d.Papers {
		if len(d.Papers[i].SelectedTopics) > 0 {
			d.Papers[i].TLDR = tldr
		}
	}
	entry, err := r.fragment(summary(d))
	if err != nil {
		t.Fatal(err)
	}
	if len(entry) > 100_000 {
		t.Errorf("the entry of a %d-paper day (%d selected) is %d bytes, want under 100 KB", d.Stats.Fetched, d.Stats.Selected, len(entry))
	}
	if n := strings.Count(string(entry), "<li>"); n < 5*model.DefaultMaxPerTopic-5 {
		t.Errorf("the entry lists %d papers, want about %d", n, 5*model.DefaultMaxPerTopic)
	}
	t.Logf("%d selected of %d: the entry is %d bytes", d.Stats.Selected, d.Stats.Fetched, len(entry))
}
