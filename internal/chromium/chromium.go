// Package chromium finds the headless browser that the project's browser
// tests drive through chromedp, and starts it the same way for every test.
package chromium

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Find looks for a browser: $CHROMIUM first, then the usual names. It
// returns "" when there is none.
func Find() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start starts a headless browser for t, with no network services of its
// own, and returns a chromedp context for it; the browser stops when ctx
// ends or the test does. Without a browser it skips t, or fails it when
// ARXIV_DIGEST_REQUIRE_BROWSER is set (as CI does).
func Start(ctx context.Context, t testing.TB) context.Context {
	t.Helper()
	bin := Find()
	if bin == "" {
		if os.Getenv("ARXIV_DIGEST_REQUIRE_BROWSER") != "" {
			t.Fatal("no chromium found ($CHROMIUM, chromium, chromium-browser, google-chrome) but ARXIV_DIGEST_REQUIRE_BROWSER is set")
		}
		t.Skip("no chromium found ($CHROMIUM, chromium, chromium-browser, google-chrome); CI installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium %s: %v", bin, err)
	}
	return bctx
}
