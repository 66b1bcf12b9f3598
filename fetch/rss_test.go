package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/testfeed"
	"github.com/arxiv-digest/arxiv-digest/internal/wait"
	"github.com/arxiv-digest/arxiv-digest/model"
)

const rssType = "application/rss+xml; charset=utf-8"

func TestLatestQuantPh(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_quant-ph_2025-04-28.xml")
	srv, rec := fakeArxiv(t, serveBody(rssType, body))
	day, err := newTestClient(srv, rec).Latest(context.Background(), []string{"quant-ph"})
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	if day.Date != "2025-04-28" || day.Source != "rss" || day.NoAnnouncements {
		t.Errorf("day = {Date %q, Source %q, NoAnnouncements %v}, want 2025-04-28, rss, false", day.Date, day.Source, day.NoAnnouncements)
	}
	if len(day.Papers) != 81 {
		t.Fatalf("got %d papers, want 81", len(day.Papers))
	}
	counts := map[model.AnnounceType]int{}
	ids := map[string]bool{}
	for _, p := range day.Papers {
		counts[p.AnnounceType]++
		if ids[p.ID] {
			t.Errorf("duplicate id %s", p.ID)
		}
		ids[p.ID] = true
		if p.Version < 1 || p.Title == "" || p.Abstract == "" || len(p.Authors) == 0 || len(p.Categories) == 0 {
			t.Errorf("incomplete paper %+v", p)
		}
		if strings.Contains(p.Abstract, "Abstract:") || strings.Contains(p.Abstract, "Announce Type") {
			t.Errorf("%s: header left in abstract: %.80q", p.ID, p.Abstract)
		}
		for _, a := range p.Authors {
			if strings.ContainsAny(a, `\{}`) || a != strings.TrimSpace(a) || a == "" {
				t.Errorf("%s: author %q not decoded/trimmed", p.ID, a)
			}
		}
	}
	want := map[model.AnnounceType]int{model.New: 40, model.Cross: 10, model.Replace: 22, model.ReplaceCross: 9}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("announce type %s: %d papers, want %d", k, counts[k], v)
		}
	}
	if first := day.Papers[0]; first.ID != "2504.17830" {
		t.Errorf("first paper %s, want 2504.17830 (feed order)", first.ID)
	}

	reqs := rec.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if got := reqs[0].URL.Path; got != "/rss/quant-ph" {
		t.Errorf("path %q, want /rss/quant-ph", got)
	}
}

func TestLatestSpotChecks(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_quant-ph_2025-04-28.xml")
	srv, rec := fakeArxiv(t, serveBody(rssType, body))
	day, err := newTestClient(srv, rec).Latest(context.Background(), []string{"quant-ph"})
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	byID := map[string]model.Paper{}
	for _, p := range day.Papers {
		byID[p.ID] = p
	}
	tests := []struct {
		id, title, absStart, absEnd string
		version, nAuthors           int
		firstAuthor, lastAuthor     string
		categories                  []string
		announce                    model.AnnounceType
	}{
		{
			id: "2504.17830", version: 1, title: "Self-Adjoint Time Operator in a Weighted Energy Space",
			absStart: `We introduce a self-adjoint time operator \(T_w = i\hbar\bigl(`,
			absEnd:   "which in turn leaves the Hamiltonian spectrum unbounded.",
			nAuthors: 1, firstAuthor: "Radmir Kokoulin", lastAuthor: "Radmir Kokoulin",
			categories: []string{"quant-ph"}, announce: model.New,
		},
		{
			id: "2504.18205", version: 1, title: "Estimation of the second-order coherence function using quantum reservoir and ensemble methods",
			absStart: "We propose a machine learning-based approach enhanced by quantum reserv",
			absEnd:   "its performance across distinct systems is generally limited.",
			nAuthors: 5, firstAuthor: "Dogyun Ko", lastAuthor: "Amir Rahmani",
			categories: []string{"quant-ph", "physics.optics"}, announce: model.New,
		},
		{
			id: "2504.00086", version: 2, title: "Quantum Information meets High-Energy Physics: Input to the update of the European Strategy for Particle Physics",
			absStart: "Some of the most astonishing and prominent properties of Quan",
			absEnd:   "its expected impact on both quantum information theory and high-energy physics.",
			nAuthors: 71, firstAuthor: "Yoav Afik", lastAuthor: "Knut Zoch",
			categories: []string{"hep-ph", "hep-ex", "quant-ph"}, announce: model.ReplaceCross,
		},
		{
			id: "2504.16424", version: 2, title: "Complex tridiagonal quantum Hamiltonians and matrix continued fractions",
			absStart: "Quantum resonances described by non-Hermitian tridiagonal-mat",
			absEnd:   "convergence is found quick, supported also by a fixed-point-based formal proof.",
			nAuthors: 1, firstAuthor: "Miloslav Znojil", lastAuthor: "Miloslav Znojil",
			categories: []string{"math-ph", "math.MP", "quant-ph"}, announce: model.ReplaceCross,
		},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p, ok := byID[tt.id]
			if !ok {
				t.Fatalf("paper %s missing", tt.id)
			}
			if p.Version != tt.version || p.Title != tt.title || p.AnnounceType != tt.announce {
				t.Errorf("got v%d %q %s, want v%d %q %s", p.Version, p.Title, p.AnnounceType, tt.version, tt.title, tt.announce)
			}
			if !strings.HasPrefix(p.Abstract, tt.absStart) || !strings.HasSuffix(p.Abstract, tt.absEnd) {
				t.Errorf("abstract %.70q ... %q", p.Abstract, p.Abstract[max(0, len(p.Abstract)-70):])
			}
			if len(p.Authors) != tt.nAuthors || p.Authors[0] != tt.firstAuthor || p.Authors[len(p.Authors)-1] != tt.lastAuthor {
				t.Errorf("authors: %d, first %q, last %q; want %d, %q, %q", len(p.Authors), p.Authors[0], p.Authors[len(p.Authors)-1], tt.nAuthors, tt.firstAuthor, tt.lastAuthor)
			}
			if !slices.Equal(p.Categories, tt.categories) {
				t.Errorf("categories %v, want %v", p.Categories, tt.categories)
			}
		})
	}

	// TeX decoded inside author lists.
	decoded := map[string][]string{
		"2504.18205": {"Stanisław Świerczewski", "Michał Matuszewski"},
		"2504.00086": {"Paweł Caban", "Frédéric Déliot", "Dorival Gonçalves", "Radosław Grabarczyk", "Juan Ramón Muñoz de Nova", "Jesús M. Moreno"},
	}
	for id, names := range decoded {
		for _, n := range names {
			if !slices.Contains(byID[id].Authors, n) {
				t.Errorf("%s: author %q missing from %q", id, n, byID[id].Authors)
			}
		}
	}
	// Affiliations with commas stay with their author.
	nirmal := byID["2504.18264"]
	if len(nirmal.Authors) != 4 || !strings.HasPrefix(nirmal.Authors[0], "M. R. Nirmal (Department of Chemistry,") || !strings.HasPrefix(nirmal.Authors[3], "Sharma S. R. K. C. Yamijala (") {
		t.Errorf("2504.18264 authors = %q, want 4 with affiliations", nirmal.Authors)
	}
}

// TestLatestLongestAuthorList checks the item with the most authors
// against an independent count on the raw XML.
func TestLatestLongestAuthorList(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_quant-ph_2025-04-28.xml")
	longest, longestID := "", ""
	items := regexp.MustCompile(`(?s)<guid[^>]*>oai:arXiv.org:([^<]+?)v\d+</guid>.*?<dc:creator>([^<]*)</dc:creator>`).FindAllStringSubmatch(string(body), -1)
	if len(items) != 81 {
		t.Fatalf("raw scan found %d items", len(items))
	}
	for _, m := range items {
		if len(m[2]) > len(longest) {
			longest, longestID = m[2], m[1]
		}
	}
	srv, rec := fakeArxiv(t, serveBody(rssType, body))
	day, err := newTestClient(srv, rec).Latest(context.Background(), []string{"quant-ph"})
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	for _, p := range day.Papers {
		if p.ID == longestID {
			// This list has no affiliations, so every ", " separates two authors.
			if want := strings.Count(longest, ", ") + 1; len(p.Authors) != want || want < 50 {
				t.Errorf("%s: %d authors, raw list has %d", p.ID, len(p.Authors), want)
			}
			return
		}
	}
	t.Fatalf("paper %s not found", longestID)
}

func TestLatestDateIgnoresLocalZone(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_quant-ph_2025-04-28.xml")
	for _, zone := range []string{"Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"} {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			saved := time.Local
			time.Local = loc
			t.Cleanup(func() { time.Local = saved })
			srv, rec := fakeArxiv(t, serveBody(rssType, body))
			day, err := newTestClient(srv, rec).Latest(context.Background(), []string{"quant-ph"})
			if err != nil {
				t.Fatalf("Latest: %v", err)
			}
			if day.Date != "2025-04-28" {
				t.Errorf("Date = %q with local zone %s, want 2025-04-28", day.Date, zone)
			}
		})
	}
}

func TestLatestEmptyDay(t *testing.T) {
	srv, rec := fakeArxiv(t, serveBody(rssType, readFixture(t, fixtures+"rss2_empty_cs_sunday_2026-03-29.xml")))
	day, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs"})
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	if !day.NoAnnouncements || len(day.Papers) != 0 || day.Date != "2026-03-29" {
		t.Errorf("day = %+v, want NoAnnouncements, no papers, date 2026-03-29", day)
	}
}

func TestLatestCombinedRequest(t *testing.T) {
	srv, rec := fakeArxiv(t, serveBody(rssType, readFixture(t, fixtures+"rss2_empty_cs_sunday_2026-03-29.xml")))
	if _, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs.CL", "cs.LG"}); err != nil {
		t.Fatalf("Latest: %v", err)
	}
	reqs := rec.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want one for both categories", len(reqs))
	}
	if got := reqs[0].URL.EscapedPath(); got != "/rss/cs.CL+cs.LG" {
		t.Errorf("path %q, want /rss/cs.CL+cs.LG", got)
	}
	if got := reqs[0].Header.Get("User-Agent"); got != "arxiv-digest-test/1.0 (+https://example.invalid)" {
		t.Errorf("User-Agent %q", got)
	}
}

func TestLatestQueryError(t *testing.T) {
	srv, rec := fakeArxiv(t, serveBody(rssType, readFixture(t, "testdata/rss2_feed_error_cs.XX.xml")))
	_, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs.CL", "cs.XX"})
	var qe *QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("err = %v, want *QueryError", err)
	}
	if qe.Query != "cs.XX" || !slices.Equal(qe.Categories, []string{"cs.XX"}) {
		t.Errorf("QueryError = %+v, want query cs.XX naming cs.XX", qe)
	}
	if !strings.Contains(err.Error(), "cs.XX") {
		t.Errorf("message %q does not name cs.XX", err)
	}
}

func TestLatestBadCategories(t *testing.T) {
	srv, rec := fakeArxiv(t, serveBody(rssType, nil))
	c := newTestClient(srv, rec)
	for _, cats := range [][]string{nil, {""}, {"cs.CL/../x"}, {"cs CL"}, {"cs.CL+cs.LG"}} {
		if _, err := c.Latest(context.Background(), cats); err == nil {
			t.Errorf("Latest(%q) succeeded", cats)
		}
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid categories", n)
	}
}

func TestLatestErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		check       func(t *testing.T, err error)
	}{
		{"mismatched tags", 200, rssType, `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</item></channel></rss>`, isInvalid("invalid feed")},
		{"malformed xml", 200, rssType, `<?xml version="1.0"?><rss version="2.0"><channel><title>a</title><<item/></channel></rss>`, isInvalid("malformed")},
		{"truncated xml", 200, rssType, `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</title>`, isInvalid("malformed")},
		{"html page", 200, "text/html; charset=utf-8", `<!DOCTYPE html><html><body>Service maintenance</body></html>`, isInvalid("HTML")},
		{"html page as xml", 200, "application/xml", `<html><head><title>Oops</title></head></html>`, isInvalid("HTML")},
		{"empty body", 200, rssType, ``, isInvalid("empty body")},
		{"blank body", 200, rssType, "  \n ", isInvalid("empty body")},
		{"json", 200, "application/json", `{"error": "nope"}`, isInvalid("")},
		{"atom instead of rss", 200, "application/atom+xml", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>`, isInvalid("expected an RSS feed")},
		{"404", 404, "text/html", `<html>not found</html>`, isHTTP(404)},
		{"500", 500, "text/plain", `oops`, isHTTP(500)},
		{"403", 403, "text/plain", `forbidden`, isHTTP(403)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				_, _ = fmt.Fprint(w, tt.body)
			})
			_, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs.CL"})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), srv.URL+"/rss/cs.CL") {
				t.Errorf("error %q does not name the URL", err)
			}
			tt.check(t, err)
			if n := len(rec.Requests()); n != 1 {
				t.Errorf("%d requests, want 1 (no retry)", n)
			}
		})
	}
}

func isInvalid(detail string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, ErrInvalidFeed) {
			t.Errorf("err = %v, want ErrInvalidFeed", err)
		}
		if !strings.Contains(err.Error(), detail) {
			t.Errorf("err = %v, want it to say %q", err, detail)
		}
	}
}

func isHTTP(status int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var he *HTTPError
		if !errors.As(err, &he) || he.StatusCode != status {
			t.Fatalf("err = %v, want *HTTPError %d", err, status)
		}
		if want := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status)); !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, want it to contain %q", err, want)
		}
	}
}

func TestLatestTooLarge(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_quant-ph_2025-04-28.xml")
	tests := []struct {
		name    string
		chunked bool // no Content-Length: the limit must hold while reading
	}{{"content-length", false}, {"chunked", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", rssType)
				if tt.chunked {
					_, _ = w.Write(body[:100])
					w.(http.Flusher).Flush()
					_, _ = w.Write(body[100:])
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(body)))
				_, _ = w.Write(body)
			})
			_, err := newTestClient(srv, rec, func(o *Options) { o.MaxBody = 64 << 10 }).Latest(context.Background(), []string{"quant-ph"})
			if !errors.Is(err, ErrBodyTooLarge) || !strings.Contains(err.Error(), "body exceeds 65536 bytes") {
				t.Errorf("err = %v, want body exceeds 65536 bytes", err)
			}
		})
	}
}

func TestLatestRetriesBusy(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_empty_cs_sunday_2026-03-29.xml")
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		wantSleep  time.Duration
	}{
		{"503 seconds", 503, "1", time.Second},
		{"429 seconds", 429, "7", 7 * time.Second},
		{"503 http date", 503, now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"503 capped", 503, "86400", 2 * time.Minute},
		{"503 without header backs off", 503, "", networkBackoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(tt.status)
					_, _ = fmt.Fprint(w, "<html>busy</html>")
					return
				}
				w.Header().Set("Content-Type", rssType)
				_, _ = w.Write(body)
			})
			c := newTestClient(srv, rec, func(o *Options) { o.Now = func() time.Time { return now } })
			day, err := c.Latest(context.Background(), []string{"cs"})
			if err != nil {
				t.Fatalf("Latest: %v", err)
			}
			if !day.NoAnnouncements {
				t.Errorf("day = %+v", day)
			}
			if got := rec.Sleeps(); !slices.Equal(got, []time.Duration{tt.wantSleep}) {
				t.Errorf("sleeps = %v, want [%v]", got, tt.wantSleep)
			}
			if n := len(rec.Requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
}

func TestLatestBusyForever(t *testing.T) {
	srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	_, err := newTestClient(srv, rec, func(o *Options) { o.MaxRetries = 2 }).Latest(context.Background(), []string{"cs.CL"})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 503 || he.RetryAfter != 5*time.Second {
		t.Fatalf("err = %v, want *HTTPError 503 with RetryAfter 5s", err)
	}
	if n := len(rec.Requests()); n != 3 {
		t.Errorf("%d requests, want 1 + 2 retries", n)
	}
	if got := rec.Sleeps(); !slices.Equal(got, []time.Duration{5 * time.Second, 5 * time.Second}) {
		t.Errorf("sleeps = %v", got)
	}
}

func TestLatestNetworkErrorRetried(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_empty_cs_sunday_2026-03-29.xml")
	srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			// Drop the connection without an answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", rssType)
		_, _ = w.Write(body)
	})
	if _, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs"}); err != nil {
		t.Fatalf("Latest: %v", err)
	}
	if got := rec.Sleeps(); !slices.Equal(got, []time.Duration{networkBackoff}) {
		t.Errorf("sleeps = %v, want one backoff", got)
	}
}

// TestLatestBodyCutRetried: the body streams into the parser; a connection
// that fails half-way through it is a network error, tried again, not a
// malformed feed.
func TestLatestBodyCutRetried(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_quant-ph_2025-04-28.xml")
	srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", rssType)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		if n == 1 {
			_, _ = w.Write(body[:len(body)/2])
			w.(http.Flusher).Flush()
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		_, _ = w.Write(body)
	})
	day, err := newTestClient(srv, rec).Latest(context.Background(), []string{"quant-ph"})
	if err != nil || len(day.Papers) != 81 {
		t.Fatalf("Latest: %v", err)
	}
	if got := rec.Sleeps(); !slices.Equal(got, []time.Duration{networkBackoff}) {
		t.Errorf("sleeps = %v, want one network backoff", got)
	}
}

func TestLatestCanceledWhileWaiting(t *testing.T) {
	srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	ctx, cancel := context.WithCancel(context.Background())
	c := newTestClient(srv, rec, func(o *Options) {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			return wait.Sleep(ctx, d)
		}
	})
	_, err := c.Latest(ctx, []string{"cs.CL"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := len(rec.Requests()); n != 1 {
		t.Errorf("%d requests after cancel, want 1", n)
	}
}

// BenchmarkLatest reads a 2,000-paper day from a server on 127.0.0.1:
// the fetch phase of a run.
//
//	go test -run '^$' -bench BenchmarkLatest -benchmem ./fetch
func BenchmarkLatest(b *testing.B) {
	body := testfeed.Synthetic(2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", rssType)
		w.Write(body)
	}))
	defer srv.Close()
	c := New(srv.Client(), Options{RSSURL: srv.URL + "/rss/"})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		day, err := c.Latest(context.Background(), []string{"cs.CL"})
		if err != nil || len(day.Papers) != 2000 {
			b.Fatalf("%v, %d papers", err, len(day.Papers))
		}
	}
}
