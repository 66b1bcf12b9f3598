package serve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/arxiv-digest/arxiv-digest/internal/browsertest"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/render"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// searchStore records a day whose papers have a TeX title and a hostile
// one, in a real store on disk.
func searchStore(t *testing.T) *store.Store { return searchStoreOn(t, "2025-04-28") }

// searchStoreOn is searchStore with its day on date.
func searchStoreOn(t *testing.T, date string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "arxiv-digest.db"), store.WithStream("."))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	papers := []model.Paper{
		{ID: "2504.16424", Version: 1, AnnounceType: model.New, Title: `Optical Schr\"odinger cat states with $x^2$ nonlinearity`,
			Abstract: "We make cat states.", Authors: []string{"Zoë Müller"}, Categories: []string{"quant-ph"}},
		{ID: "2504.17005", Version: 1, AnnounceType: model.New, Title: `<script>alert(1)</script> cat codes`,
			Abstract: "A hostile title.", Authors: []string{"Mallory"}, Categories: []string{"quant-ph"}},
	}
	run := store.Run{Date: date, Source: "rss", Categories: []string{"quant-ph"},
		Topics: []model.Topic{{Name: "Optics", Description: "d"}}, Model: "gpt-5-mini", PromptVersion: "v1",
		Threshold: 0.7, Status: store.RunRunning, StartedAt: time.Now(), PID: os.Getpid()}
	if err := s.BeginRun(ctx, run, papers, nil); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSearchPage(t *testing.T) {
	dir := outputDir(t)
	st := searchStore(t)
	srv := httptest.NewServer(newHandler(t, dir).WithSearch(st.Search))
	defer srv.Close()
	get := func(target string) (*http.Response, string) {
		t.Helper()
		resp, body := rawGet(t, srv, "GET", target)
		return resp, string(body)
	}

	// The index gets the search box when served; the file on disk has none.
	resp, index := get("/")
	if !strings.Contains(index, `<form class="search" role="search" action="search" method="get">`) || strings.Contains(index, render.SearchSlot) {
		t.Errorf("the served index has no search box")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("the index's policy %q refuses its own form", csp)
	}
	if disk, _ := os.ReadFile(filepath.Join(dir, render.IndexFile)); strings.Contains(string(disk), "<form") {
		t.Error("the index on disk has a search form, which only the server can answer")
	}

	// Accents and TeX: "Schrodinger" finds Schr\"odinger, shown as the day
	// pages show it, linked to its entry on its day's page.
	resp, page := get("/search?q=" + url.QueryEscape("Schrodinger"))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != htmlType {
		t.Fatalf("search: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"1 paper, best match first", `href="2025-04-28/digest.html#arxiv-2504.16424"`,
		"Optical Schrödinger cat states with <math>", `href="https://arxiv.org/abs/2504.16424"`, `value="Schrodinger"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the results lack %q:\n%s", want, page)
		}
	}
	// Feed text stays text.
	_, page = get("/search?q=cat")
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt; cat codes") || !strings.Contains(page, "2 papers") {
		t.Errorf("the hostile title was not escaped, or a hit is missing:\n%s", page)
	}
	// The query is escaped where it is shown again.
	_, page = get("/search?q=" + url.QueryEscape(`"><script>x</script>`))
	if strings.Contains(page, "<script>x") {
		t.Error("the query was shown unescaped")
	}
	// A malformed query is a 400 saying why; an empty one shows the box.
	resp, page = get("/search?q=" + url.QueryEscape(`"unbalanced`))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "That query cannot be searched: malformed search query") {
		t.Errorf("malformed query: %d\n%s", resp.StatusCode, page)
	}
	if resp, page = get("/search"); resp.StatusCode != 200 || !strings.Contains(page, `name="q"`) {
		t.Errorf("empty search: %d", resp.StatusCode)
	}
	if resp, _ := rawGet(t, srv, "POST", "/search?q=cat"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /search: %d", resp.StatusCode)
	}
}

// TestSearchWithoutStore: before any run has stored a day, the search says
// so; without a searcher there is no search page at all.
func TestSearchWithoutStore(t *testing.T) {
	dir := outputDir(t)
	none := func(context.Context, store.SearchQuery) ([]store.SearchHit, error) { return nil, ErrNoStore }
	srv := httptest.NewServer(newHandler(t, dir).WithSearch(none))
	defer srv.Close()
	resp, body := rawGet(t, srv, "GET", "/search?q=cat")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "nothing to search yet") {
		t.Errorf("no store: %d\n%s", resp.StatusCode, body)
	}
	plain := httptest.NewServer(newHandler(t, dir))
	defer plain.Close()
	if resp, _ := rawGet(t, plain, "GET", "/search?q=cat"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no searcher: /search is %d", resp.StatusCode)
	}
	if _, body := rawGet(t, plain, "GET", "/"); strings.Contains(string(body), "<form") {
		t.Error("the index shows a search box with no search behind it")
	}
}

// TestSearchInBrowser: in real Chromium, the served index's search box
// (no script) leads to the results, and a result to the paper's day page.
func TestSearchInBrowser(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bctx := browsertest.Start(t, ctx)
	problems := &browsertest.Problems{}
	problems.Listen(t, bctx)
	dir := outputDir(t)
	// The store's day is one the output folder has, so its link resolves.
	srv := httptest.NewServer(newHandler(t, dir).WithSearch(searchStoreOn(t, days[1]).Search))
	defer srv.Close()

	err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.SendKeys(chromedp.CSS(`#q`), "Schrodinger"),
		chromedp.Click(chromedp.CSS(`.search button`)),
		chromedp.WaitVisible(chromedp.CSS(`.search-results`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('.search-results').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, "/search?q=Schrodinger") || !strings.Contains(text, "Optical Schrödinger cat states") {
		t.Fatalf("after searching: at %s, results %q", loc, text)
	}
	mathML, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('.search-results math msup').length`))
	if err != nil || mathML != 1 {
		t.Errorf("the title's $x^2$ is not MathML in the results (%d, %v)", mathML, err)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`.search-title a`)), chromedp.WaitReady(chromedp.CSS(`body`))); err != nil {
		t.Fatal(err)
	}
	if loc, err = chromedp.Run(bctx, chromedp.Location()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, "/"+days[1]+"/digest.html#arxiv-2504.16424") {
		t.Errorf("the result led to %s", loc)
	}
	if p := problems.Take(); len(p) > 0 {
		t.Errorf("the pages logged problems (a refused form, a script):\n%s", strings.Join(p, "\n"))
	}
}
