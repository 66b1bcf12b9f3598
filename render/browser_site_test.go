package render

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// siteDays writes three days into dir as runs do, out of order: the first,
// then the last, then the one between (a backfill), and returns their
// dates, oldest first. The middle one is the sample.
func siteDays(t *testing.T, dir string) []string {
	t.Helper()
	first, middle, last := boundedDigest(), sampleDigest(), boundedDigest()
	first.Date, first.GeneratedAt = "2025-04-25", "2025-04-25T06:00:00Z"
	last.Date, last.GeneratedAt = "2025-05-01", "2025-05-01T06:00:00Z"
	for _, d := range []model.Digest{first, last, middle} {
		if _, err := Write(dir, d, HistoryOptions{FeedTitle: "Quantum digest"}); err != nil {
			t.Fatal(err)
		}
	}
	return []string{first.Date, middle.Date, last.Date}
}

// linkReport is every link on a page and every id, as the browser sees
// them.
type linkReport struct {
	Links []struct {
		Raw string `json:"raw"` // the href as written
		Abs string `json:"abs"` // resolved against the page
	} `json:"links"`
	IDs []string `json:"ids"`
}

const linksJS = `(() => ({
  links: [...document.querySelectorAll('a[href]')].map(a => ({raw: a.getAttribute('href'), abs: a.href})),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
}))()`

// checkLinks fails on any link of a page that goes nowhere: an anchor
// without its element, a file that does not exist, or anywhere but arXiv.
func checkLinks(t *testing.T, page string, rep linkReport) {
	t.Helper()
	ids := map[string]bool{}
	for _, id := range rep.IDs {
		ids[id] = true
	}
	if len(rep.Links) == 0 {
		t.Fatalf("%s: no links at all", page)
	}
	for _, l := range rep.Links {
		switch {
		case strings.HasPrefix(l.Raw, "#"):
			if !ids[l.Raw[1:]] {
				t.Errorf("%s: link %q: no element has that id", page, l.Raw)
			}
		case arxivLink.MatchString(l.Raw):
		default:
			u, err := url.Parse(l.Abs)
			if err != nil || u.Scheme != "file" || u.Fragment != "" {
				t.Errorf("%s: link %q (%s) is neither an anchor, arXiv, nor a file", page, l.Raw, l.Abs)
				continue
			}
			if st, err := os.Stat(u.Path); err != nil || !st.Mode().IsRegular() {
				t.Errorf("%s: link %q goes to %s, which does not exist", page, l.Raw, u.Path)
			}
		}
	}
}

// The tap targets of the page's link groups and folds, the words the
// browser broke across lines (a break after a hyphen or slash is fine), and
// headings and paragraphs whose text overflows their box.
const phoneJS = `(() => {
  const small = [...document.querySelectorAll('.days a, .contents a, .links a, a.chip, .back a, summary, .history td a')]
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.height < 43.5; })
    .map(e => e.tagName + '.' + e.className + ' "' + e.textContent.trim().slice(0, 30) + '" ' + Math.round(e.getBoundingClientRect().height) + 'px');
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const n = walker.currentNode, re = /[^\s\-\/–—]{2,}/g;
    let m;
    while ((m = re.exec(n.data))) {
      range.setStart(n, m.index);
      range.setEnd(n, m.index + m[0].length);
      const rs = [...range.getClientRects()].filter(r => r.width > 0);
      if (rs.some(r => Math.abs(r.top - rs[0].top) > 2)) broken.push(m[0]);
    }
  }
  const clipped = [...document.querySelectorAll('h3, p')].filter(e => e.getBoundingClientRect().width > 0 && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.tagName + ' "' + e.textContent.trim().slice(0, 40) + '"');
  return {small, broken: broken.slice(0, 10), clipped: clipped.slice(0, 10)};
})()`

type phoneReport struct {
	Small   []string `json:"small"`
	Broken  []string `json:"broken"`
	Clipped []string `json:"clipped"`
}

// firstScreenJS finds the first top pick's title and where it is.
const firstScreenJS = `(() => {
  const h = document.querySelector('.pick h3');
  if (!h) return {title: '', bottom: -1, height: window.innerHeight};
  const r = h.getBoundingClientRect();
  return {title: h.textContent.trim(), top: r.top, bottom: r.bottom, height: window.innerHeight};
})()`

type firstScreen struct {
	Title  string  `json:"title"`
	Top    float64 `json:"top"`
	Bottom float64 `json:"bottom"`
	Height float64 `json:"height"`
}

// mathJS reports the MathML in paper titles: how many <math> elements
// hold a superscript, and whether the first is laid out as math.
const mathJS = `(() => {
  const ms = [...document.querySelectorAll('h3 math')].filter(m => m.querySelector('msup'));
  const r = ms.length ? ms[0].getBoundingClientRect() : {width: 0, height: 0};
  return {n: ms.length, width: r.width, height: r.height, display: ms.length ? getComputedStyle(ms[0]).display : ''};
})()`

type mathReport struct {
	N       int     `json:"n"`
	Width   float64 `json:"width"`
	Height  float64 `json:"height"`
	Display string  `json:"display"`
}

// follow clicks the link sel on the page open in ctx and waits for the
// page it leads to; it returns that page's <h1>.
func follow(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).href`, sel)))
	if err != nil {
		t.Fatalf("find %s: %v", sel, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		at, err := chromedp.Run(ctx, chromedp.Evaluate[[2]string](`[location.href, document.readyState]`))
		if err != nil {
			t.Fatal(err)
		}
		if at[0] == href && at[1] == "complete" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("clicking %s did not lead to %s (at %s)", sel, href, at[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(h1)
}

// siteFile is the path of a file in the written site.
func siteFile(dir string, parts ...string) string {
	return filepath.Join(append([]string{dir}, parts...)...)
}
