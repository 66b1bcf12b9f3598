package serve

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/arxiv-digest/arxiv-digest/internal/browsertest"
	"github.com/arxiv-digest/arxiv-digest/render"
)

// styleJS fingerprints how the page looks: the computed style of the body
// and the first heading, which the page's inline <style> sets.
const styleJS = `(() => {
  const s = e => { const c = getComputedStyle(e); return [c.fontFamily, c.fontSize, c.color, c.backgroundColor, c.margin, c.maxWidth].join('|'); };
  return s(document.body) + ' / ' + s(document.querySelector('h1'));
})()`

// TestBrowser drives a real headless Chromium through the server, as a
// reader would: the index, a click to a day, back, a click to the other
// day, a day's folder without its slash, and the feed. No page may log an
// error (a style the server's policy refused, a failed load), and each
// page must look as it does opened from the disk.
func TestBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// Without the back-forward cache, going back loads the index again
	// from the server (a revalidation the server answers with 304), and
	// chromedp sees the load it waits for.
	bctx := browsertest.Start(t, ctx, chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,BackForwardCache"))
	problems := &browsertest.Problems{}
	problems.Listen(t, bctx)

	dir := outputDir(t)
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(sctx, ln, newHandler(t, dir), slog.New(slog.DiscardHandler)) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String() + "/"

	shots := os.Getenv("ARTIFACTS_DIR")
	if shots == "" {
		shots = t.TempDir()
	}
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(shots, "serve-"+name+".png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(bctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	style := func() string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](styleJS))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// open loads url as a reader would and checks what the browser got.
	open := func(url, wantType string) {
		t.Helper()
		resp, err := chromedp.RunResponse(bctx, chromedp.Navigate(url))
		if err != nil {
			t.Fatalf("open %s: %v", url, err)
		}
		// The header as the browser received it: Chromium shows a feed as
		// text, and says so in the response's MimeType.
		if ct := resp.Headers["Content-Type"]; resp.Status != 200 || ct != wantType {
			t.Fatalf("open %s: %d %v, want 200 %s", url, resp.Status, ct, wantType)
		}
	}
	// click follows the day's link on the index and waits for its page.
	click := func(date string) {
		t.Helper()
		// The index links each day by a path that starts with its date.
		resp, err := chromedp.RunResponse(bctx, chromedp.Click(chromedp.CSS(`a[href^="`+date+`/"]`)))
		if err != nil {
			t.Fatalf("click %s: %v", date, err)
		}
		if resp.Status != 200 || resp.MimeType != "text/html" {
			t.Fatalf("click %s: %d %s", date, resp.Status, resp.MimeType)
		}
		if err := chromedp.Do(bctx, chromedp.WaitReady("body")); err != nil {
			t.Fatal(err)
		}
	}
	dayShown := func(date string) {
		t.Helper()
		if loc := location(); !strings.HasPrefix(loc, base+date+"/") {
			t.Errorf("on %s, want a page under %s%s/", loc, base, date)
		}
		if s := text(); !strings.Contains(s, "Fault-tolerant codes of "+date) {
			t.Errorf("%s's page does not show its paper:\n%.300s", date, s)
		}
	}
	indexShown := func() {
		t.Helper()
		if loc := location(); loc != base {
			t.Errorf("on %s, want the index at %s", loc, base)
		}
		s := text()
		for _, d := range days {
			if !strings.Contains(s, d) {
				t.Errorf("the index does not list %s:\n%.300s", d, s)
			}
		}
	}

	open(base, htmlType)
	indexShown()
	screenshot("index")
	click(days[1])
	dayShown(days[1])
	screenshot("day")
	served := style()
	if err := chromedp.Do(bctx, chromedp.NavigateBack(), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	indexShown()
	click(days[0])
	dayShown(days[0])
	if err := chromedp.Do(bctx, chromedp.NavigateBack(), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	indexShown()

	// A day's folder typed without its slash lands on the day.
	open(base+days[1], htmlType)
	dayShown(days[1])
	if loc := location(); loc != base+days[1]+"/" {
		t.Errorf("%s%s led to %s, want %s%s/", base, days[1], loc, base, days[1])
	}
	// The feed, as a feed reader's browser extension would fetch it.
	open(base+"feed.xml", feedType)

	if p := problems.Take(); len(p) > 0 {
		t.Errorf("the pages logged problems through the server:\n%s", strings.Join(p, "\n"))
	}
	// The day looks as it does opened from the disk, where only the page's
	// own policy applies: the server's headers take nothing from it.
	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+filepath.Join(dir, days[1], render.HTMLFile)), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	if disk := style(); disk != served {
		t.Errorf("the day looks different served:\n served %s\n disk   %s", served, disk)
	}
}
