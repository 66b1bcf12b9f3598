package tex

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/arxiv-digest/arxiv-digest/internal/browsertest"
)

// browserReport is what Chromium's DOM says about a page of HTML output.
type browserReport struct {
	Maths           int      `json:"maths"`
	NotMathML       []string `json:"notMathML"`
	Elements        []string `json:"elements"`
	Invisible       int      `json:"invisible"`
	AnnotationShown int      `json:"annotationShown"`
	Fallbacks       []string `json:"fallbacks"`
	FracStacked     bool     `json:"fracStacked"`
	SupRaised       bool     `json:"supRaised"`
	MTexts          []string `json:"mtexts"`
	Text            string   `json:"text"`
}

const browserJS = `(() => {
  const M = 'http://www.w3.org/1998/Math/MathML';
  const maths = [...document.querySelectorAll('math')];
  const box = e => e.getBoundingClientRect();
  const frac = document.querySelector('#frac mfrac'), sup = document.querySelector('#sup msup');
  return {
    maths: maths.length,
    notMathML: [...document.querySelectorAll('math, math *')].filter(e => e.namespaceURI !== M).map(e => e.localName),
    elements: [...new Set([...document.body.querySelectorAll('*')].map(e => e.localName))],
    invisible: maths.filter(m => !(box(m).width > 0 && box(m).height > 0)).length,
    annotationShown: [...document.querySelectorAll('annotation')].filter(a => box(a).width > 0).length,
    fallbacks: [...document.querySelectorAll('span.tex')].map(s => s.textContent),
    fracStacked: box(frac.children[0]).bottom <= box(frac.children[1]).top + 1,
    supRaised: box(sup.children[1]).top < box(sup.children[0]).top,
    mtexts: [...document.querySelectorAll('mtext')].map(e => e.textContent),
    text: document.body.innerText,
  };
})()`

// TestBrowser puts HTML's output for every real title and abstract, and
// for hostile input, into a page that headless Chromium parses and lays
// out: the elements are MathML, laid out as math (a fraction stacked, a
// superscript raised), nothing else appears, and the fallbacks read as the
// TeX that was written.
func TestBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bctx := browsertest.Start(t, ctx)

	var page strings.Builder
	page.WriteString("<!doctype html><html><head><meta charset=\"utf-8\"><title>tex</title></head><body>\n")
	page.WriteString(`<p id="frac">` + HTML(`$\frac{a}{b}$`) + "</p>\n")
	page.WriteString(`<p id="sup">` + HTML(`$x^{2}$`) + "</p>\n")
	hostile := []string{
		`$</math><script>alert(1)</script>$`, `$\text{</mtext><img src=x onerror=alert(1)>}$`,
		`<b>bold</b> $\foo<i>$`, `$\mathrm{<svg>}$`, `$a & b$`, `\(</span>\)`, `$x$ <!-- $y$`,
	}
	for _, s := range append(fixtureTexts(t), hostile...) {
		page.WriteString("<p>" + HTML(s) + "</p>\n")
	}
	page.WriteString("</body></html>\n")
	html := page.String()

	file := filepath.Join(t.TempDir(), "tex.html")
	if err := os.WriteFile(file, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1000, 800), chromedp.Navigate("file://"+file), chromedp.WaitReady("body")); err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	if dir := os.Getenv("ARTIFACTS_DIR"); dir != "" {
		if png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot()); err == nil { // the first screenful, PNG
			_ = os.WriteFile(filepath.Join(dir, "tex-mathml.png"), png, 0o644)
		}
	}
	rep, err := chromedp.Run(bctx, chromedp.Evaluate[browserReport](browserJS))
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}

	if want := strings.Count(html, "<math>"); rep.Maths != want || want < 100 {
		t.Errorf("Chromium found %d math elements, HTML wrote %d (want over 100)", rep.Maths, want)
	}
	if len(rep.NotMathML) > 0 {
		t.Errorf("elements inside <math> not in the MathML namespace: %v", rep.NotMathML)
	}
	allowed := []string{"p", "span", "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "mtext", "mspace",
		"msub", "msup", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder"}
	for _, e := range rep.Elements {
		if !slices.Contains(allowed, e) {
			t.Errorf("the page has a <%s> element", e)
		}
	}
	if rep.Invisible > 0 {
		t.Errorf("%d math elements have no size: not laid out", rep.Invisible)
	}
	if rep.AnnotationShown > 0 {
		t.Errorf("%d TeX annotations are shown; semantics should show its first child only", rep.AnnotationShown)
	}
	if !rep.FracStacked {
		t.Error("\\frac{a}{b}: the numerator is not above the denominator; MathML not laid out as math")
	}
	if !rep.SupRaised {
		t.Error("x^{2}: the superscript is not raised; MathML not laid out as math")
	}
	for _, want := range []string{`$\foo<i>$`, `$a & b$`} {
		if !slices.Contains(rep.Fallbacks, want) {
			t.Errorf("no fallback reads %q; fallbacks: %q", want, rep.Fallbacks)
		}
	}
	// Markup inside math is text: in an <mtext>, or characters as operators.
	if want := "</mtext><img src=x onerror=alert(1)>"; !slices.Contains(rep.MTexts, want) {
		t.Errorf("no <mtext> reads %q; mtexts: %q", want, rep.MTexts)
	}
	if !strings.Contains(rep.Text, "<b>bold</b>") {
		t.Error("the text <b>bold</b> is not shown as written")
	}
}
