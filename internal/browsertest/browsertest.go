// Package browsertest starts the real headless Chromium that browser tests
// drive through chromedp. It finds the browser as render's browser test
// does ($CHROMIUM first, then the usual names) and skips the test without
// one, unless $ARXIV_DIGEST_REQUIRE_BROWSER is set (CI), where a missing
// browser fails it.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Find returns the browser to run: $CHROMIUM, or the first of the usual
// names on $PATH; "" when there is none.
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

// Start starts a headless browser with a fresh profile for the test and
// returns a chromedp context for its first tab, under ctx; the browser is
// stopped when the test ends. extra options are applied last.
func Start(t testing.TB, ctx context.Context, extra ...chromedp.ExecAllocatorOption) context.Context {
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
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium %s: %v", bin, err)
	}
	return bctx
}

// Problems records what a page must never do: open a dialog, write to the
// console, throw, or log an error (a refused resource, a CSP violation).
type Problems struct {
	mu   sync.Mutex
	list []string
}

// Listen starts recording the problems of the tab ctx drives.
func (p *Problems) Listen(t testing.TB, ctx context.Context) {
	t.Helper()
	if err := chromedp.Listen(ctx, p.record); err != nil {
		t.Fatalf("listen to the browser: %v", err)
	}
}

func (p *Problems) record(ev any) {
	var s string
	switch ev := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		s = fmt.Sprintf("dialog %s: %q", ev.Type, ev.Message)
	case *runtime.EventConsoleAPICalled:
		s = fmt.Sprintf("console.%s called", ev.Type)
	case *runtime.EventExceptionThrown:
		s = "exception: " + ev.ExceptionDetails.Text
	case *cdplog.EventEntryAdded:
		if ev.Entry != nil && ev.Entry.Level == cdplog.EntryLevelError {
			s = "log error: " + ev.Entry.Text
		}
	}
	if s == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list = append(p.list, s)
}

// Take returns the problems recorded since the last Take.
func (p *Problems) Take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.list
	p.list = nil
	return l
}
