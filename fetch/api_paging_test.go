package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// atomPage is an API answer claiming total results and holding one
// minimal entry per id.
func atomPage(total int, ids []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/test</id>
  <title>arXiv Query</title>
  <updated>2026-02-06T01:58:54Z</updated>
  <opensearch:totalResults>%d</opensearch:totalResults>
`, total)
	for _, id := range ids {
		fmt.Fprintf(&b, `  <entry><id>http://arxiv.org/abs/%sv1</id><title>Paper %s</title><summary>A.</summary>`+
			`<published>2026-02-05T10:00:00Z</published><updated>2026-02-05T10:00:00Z</updated>`+
			`<arxiv:primary_category term="cs.AI"/><category term="cs.AI"/><author><name>A. Author</name></author></entry>
`, id, id)
	}
	b.WriteString("</feed>\n")
	return b.String()
}

// serveDistinct answers every page with new ids, as many as max_results
// asks for, claiming total results. It answers 410 from request limit+1
// on, so that a client that does not stop fails fast instead of paging
// for minutes.
func serveDistinct(total, limit int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		if n > limit {
			w.WriteHeader(http.StatusGone)
			return
		}
		start, err1 := strconv.Atoi(r.URL.Query().Get("start"))
		size, err2 := strconv.Atoi(r.URL.Query().Get("max_results"))
		if err1 != nil || err2 != nil {
			http.Error(w, "bad paging", http.StatusBadRequest)
			return
		}
		var ids []string
		for i := start; i < start+size && i < total; i++ {
			ids = append(ids, fmt.Sprintf("2602.%05d", i))
		}
		w.Header().Set("Content-Type", atomType)
		_, _ = fmt.Fprint(w, atomPage(total, ids))
	}
}

// TestDayStopsWhenTheAPIRepeatsItself: a real API capture claims 161,487
// results and was paged for hours, every page the same 20 papers.
func TestDayStopsWhenTheAPIRepeatsItself(t *testing.T) {
	page := readFixture(t, fixtures+"api_atom_2025fmt_all-cs.AI_2026-02-06.xml") // claims 161487, holds 20
	srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n > 50 {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.Header().Set("Content-Type", atomType)
		_, _ = w.Write(page)
	})
	var logs bytes.Buffer
	c := newTestClient(srv, rec, func(o *Options) {
		o.APIPageSize = 20
		o.APIDelay = -1 // disabled
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	day, err := c.Day(context.Background(), []string{"cs.AI"}, "2026-02-06")
	if err != nil {
		t.Fatalf("Day: %v", err)
	}
	if n := len(rec.Requests()); n != 2 {
		t.Errorf("%d requests, want 2: the second page repeats the first", n)
	}
	if len(day.Papers) != 20 || day.NoAnnouncements {
		t.Errorf("%d papers (no announcements %v), want the first page's 20", len(day.Papers), day.NoAnnouncements)
	}
	if n := len(rec.Sleeps()); n != 0 {
		t.Errorf("%d sleeps with APIDelay disabled", n)
	}
	for _, want := range []string{
		`level=WARN msg="the API claims more results than a day can hold; reading at most MaxAPIResults" component=fetch date=2026-02-06 claimed=161487 max=20000`,
		`level=INFO msg="api page" component=fetch date=2026-02-06 page=1 pages=1000 papers=20 total=161487`,
		`level=INFO msg="api page" component=fetch date=2026-02-06 page=2 pages=1000 papers=20 total=161487`,
		`level=WARN msg="the API repeated itself: a page added no new papers; keeping the papers gathered" component=fetch date=2026-02-06 page=2 papers=20`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s\n%s", want, logs.String())
		}
	}
}

func TestDayCapsResults(t *testing.T) {
	const size = 300 // 20,000 is not a multiple: the last page asks for the rest only
	srv, rec := fakeArxiv(t, serveDistinct(1_000_000, 80))
	var logs bytes.Buffer
	c := newTestClient(srv, rec, func(o *Options) {
		o.APIPageSize = size
		o.APIDelay = -1
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	day, err := c.Day(context.Background(), []string{"cs.AI"}, "2026-02-06")
	if err != nil {
		t.Fatalf("Day: %v", err)
	}
	if len(day.Papers) != MaxAPIResults || MaxAPIResults != 20_000 {
		t.Errorf("%d papers, want MaxAPIResults = 20000 (MaxAPIResults is %d)", len(day.Papers), MaxAPIResults)
	}
	reqs := rec.Requests()
	if len(reqs) != 67 {
		t.Fatalf("%d requests, want 67 pages of %d for 20000 results", len(reqs), size)
	}
	last := reqs[len(reqs)-1].URL.Query()
	if last.Get("start") != "19800" || last.Get("max_results") != "200" {
		t.Errorf("last request start=%s max_results=%s, want 19800 and 200", last.Get("start"), last.Get("max_results"))
	}
	if day.Papers[MaxAPIResults-1].ID != "2602.19999" {
		t.Errorf("last paper %s", day.Papers[MaxAPIResults-1].ID)
	}
	for _, want := range []string{
		`level=WARN msg="the API claims more results than a day can hold; reading at most MaxAPIResults" component=fetch date=2026-02-06 claimed=1000000 max=20000`,
		`level=INFO msg="api page" component=fetch date=2026-02-06 page=67 pages=67 papers=20000 total=1000000`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s", want)
		}
	}
	if n := strings.Count(logs.String(), "claims more results"); n != 1 {
		t.Errorf("cap warning logged %d times, want once", n)
	}
}

// TestDayInterrupted: Ctrl-C while rebuilding a day says how far it got.
func TestDayInterrupted(t *testing.T) {
	const total = 161_487 // capped at 20,000: 100 pages of 200
	tests := []struct {
		name     string
		during   int  // cancel while the server holds this request (1-based); 0 for never
		between  int  // cancel in the n-th pause between pages; 0 for never
		before   bool // cancel before Day is called
		requests int
		want     string
	}{
		{name: "during a page", during: 4, requests: 4,
			want: "fetch day 2026-02-06: interrupted after 3 of 100 pages (600 papers): context canceled"},
		{name: "between pages", between: 2, requests: 2,
			want: "fetch day 2026-02-06: interrupted after 2 of 100 pages (400 papers): context canceled"},
		{name: "before the first page", before: true, requests: 0,
			want: "fetch day 2026-02-06: interrupted before the first page: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			distinct := serveDistinct(total, 10)
			srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == tt.during {
					cancel()
					<-r.Context().Done() // the client gives up on this request
					return
				}
				distinct(w, r, n)
			})
			pauses := 0
			c := newTestClient(srv, rec, func(o *Options) {
				o.APIDelay = 3 * time.Second
				o.Sleep = func(ctx context.Context, d time.Duration) error {
					if pauses++; pauses == tt.between {
						cancel()
					}
					return ctx.Err()
				}
			})
			if tt.before {
				cancel()
			}
			day, err := c.Day(ctx, []string{"cs.AI"}, "2026-02-06")
			if err == nil {
				t.Fatalf("Day returned %d papers and no error", len(day.Papers))
			}
			if err.Error() != tt.want || !errors.Is(err, context.Canceled) {
				t.Errorf("err = %q\nwant  %q (wrapping context.Canceled)", err, tt.want)
			}
			if n := len(rec.Requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}
