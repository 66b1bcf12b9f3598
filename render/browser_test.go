package render

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/arxiv-digest/arxiv-digest/internal/browsertest"
)

// domReport is what the page's DOM says about itself.
type domReport struct {
	Scripts      int      `json:"scripts"`
	Images       int      `json:"images"`
	ScrollWidth  int      `json:"scrollWidth"`
	InnerWidth   int      `json:"innerWidth"`
	Cards        int      `json:"cards"`
	VisibleCards int      `json:"visibleCards"`
	Text         string   `json:"text"`
	BadAttrs     []string `json:"badAttrs"`
	Overflowing  []string `json:"overflowing"`
}

// inspectJS opens every fold, then reports. It runs through DevTools, which
// the page's CSP does not restrict.
const inspectJS = `(() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const cards = [...document.querySelectorAll('article.paper')];
  const vw = window.innerWidth;
  return {
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img').length,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: vw,
    cards: cards.length,
    visibleCards: cards.filter(c => {
      const r = c.getBoundingClientRect(), s = getComputedStyle(c);
      return r.width > 0 && r.height > 0 && r.right <= vw + 0.5 && s.visibility !== 'hidden' && s.display !== 'none';
    }).length,
    text: document.body.innerText,
    badAttrs: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
      .filter(a => a.name.startsWith('on') || /^\s*(javascript|data|vbscript):/i.test(a.value))
      .map(a => e.tagName + ' ' + a.name + '=' + a.value)),
    overflowing: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > vw + 0.5)
      .slice(0, 5).map(e => e.tagName + '.' + e.className),
  };
})()`

func TestBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bctx := browsertest.Start(t, ctx)
	problems := &browsertest.Problems{}
	problems.Listen(t, bctx)
	dir := t.TempDir()
	shots := os.Getenv("ARTIFACTS_DIR")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	screenshot := func(t *testing.T, name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(shots, name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	// load writes html to a file and opens it at the given size, takes a
	// screenshot when asked (folds as the reader first sees them), then
	// opens every fold and reports on the DOM.
	load := func(t *testing.T, name string, html []byte, width, height int64, mobile, shoot bool) domReport {
		t.Helper()
		file := filepath.Join(dir, name+".html")
		if err := os.WriteFile(file, html, 0o644); err != nil {
			t.Fatal(err)
		}
		var emu []chromedp.EmulateViewportOption
		if mobile {
			emu = append(emu, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
		}
		if err := chromedp.Do(bctx,
			chromedp.EmulateViewport(width, height, emu...),
			chromedp.Navigate("file://"+file),
			chromedp.WaitReady("body"),
		); err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
		if shoot {
			screenshot(t, name)
		}
		rep, err := chromedp.Run(bctx, chromedp.Evaluate[domReport](inspectJS))
		if err != nil {
			t.Fatalf("inspect %s: %v", name, err)
		}
		return rep
	}
	// The harness must be able to fail: a page that runs a script is caught.
	t.Run("harness catches scripts", func(t *testing.T) {
		problems.Take()
		rep := load(t, "control", []byte(`<!doctype html><body><p>x</p><script>console.error("control"); throw new Error("boom")</script>`), 1280, 900, false, false)
		if rep.Scripts != 1 {
			t.Errorf("control page: %d scripts, want 1", rep.Scripts)
		}
		if got := problems.Take(); len(got) < 2 {
			t.Errorf("control page: caught %q, want the console error and the exception", got)
		}
	})

	hostile, err := HTML(hostileDigest())
	if err != nil {
		t.Fatal(err)
	}
	// Without the CSP, escaping alone must keep the page inert.
	noCSP := bytes.Replace(hostile, []byte(`<meta http-equiv="Content-Security-Policy"`), []byte(`<meta name="x-removed-csp"`), 1)
	if bytes.Equal(noCSP, hostile) {
		t.Fatal("hostile page has no CSP meta to remove")
	}
	sample, err := HTML(sampleDigest())
	if err != nil {
		t.Fatal(err)
	}
	pages := []struct {
		name  string
		html  []byte
		cards int
		want  []string // visible text
		dark  bool     // prefers-color-scheme: dark
	}{
		{"hostile", noCSP, 3, []string{hScript, hImg, hLink, hDetails, hEntity, "*bold*", "_x_", "| table |", "`code`", "$A_n$ ->",
			"# heading 1. list", "</details> # not a heading indented code - item", "a &amp; b -> c"}, false},
		{"hostile-csp", hostile, 3, []string{hScript, hImg}, false},
		{"sample", sample, 5, []string{"Fault-tolerant", "codes with SU(", ") symmetry", "Rémy Dupont", "+247 more",
			"holds when n < 5 & k > 2", "Could not be judged", "Author 250"}, false},
		{"sample-dark", sample, 5, []string{"Rémy Dupont"}, true},
	}
	sizes := []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"phone", 390, 844, true}, {"desktop", 1280, 900, false}}
	for _, pg := range pages {
		for _, sz := range sizes {
			t.Run(pg.name+"/"+sz.name, func(t *testing.T) {
				problems.Take()
				scheme := "light"
				if pg.dark {
					scheme = "dark"
				}
				if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
					Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
				}); err != nil {
					t.Fatal(err)
				}
				rep := load(t, pg.name+"-"+sz.name, pg.html, sz.width, sz.height, sz.mobile, true)
				if p := problems.Take(); len(p) > 0 {
					t.Errorf("the page misbehaved: %q", p)
				}
				if rep.Scripts != 0 || rep.Images != 0 {
					t.Errorf("DOM has %d <script> and %d <img> elements, want none", rep.Scripts, rep.Images)
				}
				if len(rep.BadAttrs) > 0 {
					t.Errorf("dangerous attributes: %q", rep.BadAttrs)
				}
				if rep.ScrollWidth > rep.InnerWidth {
					t.Errorf("horizontal overflow: scrollWidth %d > innerWidth %d; wide elements: %q", rep.ScrollWidth, rep.InnerWidth, rep.Overflowing)
				}
				if rep.Cards != pg.cards || rep.VisibleCards != pg.cards {
					t.Errorf("%d paper cards, %d visible; want %d", rep.Cards, rep.VisibleCards, pg.cards)
				}
				text := strings.Join(strings.Fields(rep.Text), " ")
				for _, w := range pg.want {
					if !strings.Contains(text, w) {
						t.Errorf("visible text lacks %q", w)
					}
				}
			})
		}
	}

	// The pages as a run writes them: three days, the index, and the links
	// between them, read by a reader on a phone.
	t.Run("site", func(t *testing.T) {
		site := t.TempDir()
		days := siteDays(t, site)
		scheme := func(t *testing.T, media, color string) {
			t.Helper()
			if _, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Media: media, Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: color}},
			}); err != nil {
				t.Fatal(err)
			}
		}
		open := func(t *testing.T, path string, width, height int64, mobile bool) {
			t.Helper()
			var emu []chromedp.EmulateViewportOption
			if mobile {
				emu = append(emu, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
			}
			if err := chromedp.Do(bctx, chromedp.EmulateViewport(width, height, emu...),
				chromedp.Navigate("file://"+path), chromedp.WaitReady("body")); err != nil {
				t.Fatalf("load %s: %v", path, err)
			}
		}
		middle := siteFile(site, days[1], HTMLFile)
		bounded := siteFile(site, days[2], HTMLFile)                     // folds "2 more" and near misses
		best := "Barren plateaus are avoidable in QAOA with warm starts" // the sample's best paper, 0.95

		// folds opens every fold of the page at path on a phone and checks
		// the layout: no overflow, tap targets, words, text in its box.
		folds := func(t *testing.T, path string) {
			t.Helper()
			open(t, path, 390, 844, true)
			// Every fold opened: the tap targets and the words as laid out.
			rep, err := chromedp.Run(bctx, chromedp.Evaluate[domReport](inspectJS))
			if err != nil {
				t.Fatal(err)
			}
			if rep.ScrollWidth > rep.InnerWidth {
				t.Errorf("horizontal overflow: %d > %d: %q", rep.ScrollWidth, rep.InnerWidth, rep.Overflowing)
			}
			ph, err := chromedp.Run(bctx, chromedp.Evaluate[phoneReport](phoneJS))
			if err != nil {
				t.Fatal(err)
			}
			if len(ph.Small) > 0 {
				t.Errorf("tap targets under 44 px: %q", ph.Small)
			}
			if len(ph.Broken) > 0 {
				t.Errorf("words broken across lines: %q", ph.Broken)
			}
			if len(ph.Clipped) > 0 {
				t.Errorf("text overflowing its box: %q", ph.Clipped)
			}
		}

		t.Run("phone first screen", func(t *testing.T) {
			scheme(t, "", "light")
			problems.Take()
			open(t, middle, 390, 844, true)
			screenshot(t, "site-day-phone")
			fs, err := chromedp.Run(bctx, chromedp.Evaluate[firstScreen](firstScreenJS))
			if err != nil {
				t.Fatal(err)
			}
			if fs.Title != best || fs.Top < 0 || fs.Bottom > fs.Height {
				t.Errorf("the first screen (%.0f px) shows %q at %.0f-%.0f px; want the best paper, %q, inside it", fs.Height, fs.Title, fs.Top, fs.Bottom, best)
			}
			links, err := chromedp.Run(bctx, chromedp.Evaluate[linkReport](linksJS))
			if err != nil {
				t.Fatal(err)
			}
			checkLinks(t, middle, links)
			folds(t, middle)
			folds(t, bounded)
			if p := problems.Take(); len(p) > 0 {
				t.Errorf("the page misbehaved: %q", p)
			}
		})

		t.Run("every day's links", func(t *testing.T) {
			for _, day := range days {
				path := siteFile(site, day, HTMLFile)
				open(t, path, 1280, 900, false)
				links, err := chromedp.Run(bctx, chromedp.Evaluate[linkReport](linksJS))
				if err != nil {
					t.Fatal(err)
				}
				checkLinks(t, path, links)
			}
			open(t, siteFile(site, IndexFile), 1280, 900, false)
			links, err := chromedp.Run(bctx, chromedp.Evaluate[linkReport](linksJS))
			if err != nil {
				t.Fatal(err)
			}
			checkLinks(t, IndexFile, links)
		})

		t.Run("previous, next and index", func(t *testing.T) {
			open(t, middle, 390, 844, true)
			if h := follow(bctx, t, "a[rel=prev]"); h != "Friday, 25 April 2025" {
				t.Errorf("the previous day's link leads to %q", h)
			}
			// The first day was written before any other: its way to newer
			// days is the index, which lists them.
			if h := follow(bctx, t, ".day-next"); h != "Quantum digest" {
				t.Errorf("the first day's link to newer days leads to %q, want the index", h)
			}
			open(t, middle, 390, 844, true)
			if h := follow(bctx, t, "a[rel=next]"); h != "Thursday, 1 May 2025" {
				t.Errorf("the next day's link leads to %q", h)
			}
			// The last day was written before the middle one was
			// backfilled: its link still works, and skips it.
			if h := follow(bctx, t, "a[rel=prev]"); h != "Friday, 25 April 2025" {
				t.Errorf("the last day's previous link, written before the backfill, leads to %q", h)
			}
			// Written again (render --all), it links to the backfilled day.
			last := boundedDigest()
			last.Date = days[2]
			if _, err := Write(site, last, HistoryOptions{FeedTitle: "Quantum digest"}); err != nil {
				t.Fatal(err)
			}
			open(t, siteFile(site, days[2], HTMLFile), 390, 844, true)
			if h := follow(bctx, t, "a[rel=prev]"); h != "Monday, 28 April 2025" {
				t.Errorf("the last day's previous link, written again, leads to %q", h)
			}
			if h := follow(bctx, t, ".day-all"); h != "Quantum digest" {
				t.Errorf("the index link leads to %q", h)
			}
			screenshot(t, "site-index-desktop")
			for _, width := range []int64{390, 320} {
				open(t, siteFile(site, IndexFile), width, 844, true)
				if width == 390 {
					screenshot(t, "site-index-phone")
				}
				ph, err := chromedp.Run(bctx, chromedp.Evaluate[phoneReport](phoneJS))
				if err != nil {
					t.Fatal(err)
				}
				if len(ph.Broken) > 0 || len(ph.Small) > 0 {
					t.Errorf("index on a %d px phone: words broken %q, tap targets under 44 px %q", width, ph.Broken, ph.Small)
				}
			}
		})

		t.Run("math in titles", func(t *testing.T) {
			open(t, siteFile(site, days[2], HTMLFile), 1280, 900, false)
			m, err := chromedp.Run(bctx, chromedp.Evaluate[mathReport](mathJS))
			if err != nil {
				t.Fatal(err)
			}
			if m.N == 0 || m.Width <= 0 || m.Height <= 0 || !strings.Contains(m.Display, "math") {
				t.Errorf("the $x^2$ title: %d <math> elements with <msup>, the first %.0fx%.0f px, display %q; want MathML laid out as math", m.N, m.Width, m.Height, m.Display)
			}
		})

		t.Run("screenshots", func(t *testing.T) {
			for _, s := range []struct {
				name, media, color string
				width, height      int64
				mobile             bool
			}{
				{"site-day-desktop", "", "light", 1280, 900, false},
				{"site-day-dark-phone", "", "dark", 390, 844, true},
				{"site-day-print", "print", "light", 800, 1100, false},
				{"site-bounded-phone", "", "light", 390, 844, true},
			} {
				scheme(t, s.media, s.color)
				path := middle
				if s.name == "site-bounded-phone" {
					path = siteFile(site, days[2], HTMLFile)
				}
				open(t, path, s.width, s.height, s.mobile)
				screenshot(t, s.name)
			}
			scheme(t, "", "light")
		})
	})
}
