package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

const atomType = "application/atom+xml; charset=utf-8"

// apiPages splits the API fixture into pages of size entries, each
// claiming total results, as the real API pages a long answer.
func apiPages(t *testing.T, size int) (pages []string, total int) {
	t.Helper()
	doc := string(readFixture(t, fixtures+"api_atom_2025fmt_all-cs.AI_2026-02-06.xml"))
	head, rest, _ := strings.Cut(doc, "<entry>")
	body, tail, _ := strings.Cut("<entry>"+rest, "</feed>")
	entries := regexp.MustCompile(`(?s)<entry>.*?</entry>`).FindAllString(body, -1)
	total = len(entries)
	head = regexp.MustCompile(`<opensearch:totalResults>\d+`).ReplaceAllString(head, "<opensearch:totalResults>"+strconv.Itoa(total))
	for i := 0; i < len(entries); i += size {
		h := regexp.MustCompile(`<opensearch:startIndex>\d+`).ReplaceAllString(head, "<opensearch:startIndex>"+strconv.Itoa(i))
		pages = append(pages, h+strings.Join(entries[i:min(i+size, len(entries))], "\n")+"</feed>"+tail)
	}
	return pages, total
}

// serveAPIPages answers by the start parameter.
func serveAPIPages(pages []string, size int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		start, err := strconv.Atoi(r.URL.Query().Get("start"))
		if err != nil || start%size != 0 || start/size >= len(pages) {
			http.Error(w, "bad start", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", atomType)
		_, _ = fmt.Fprint(w, pages[start/size])
	}
}

func TestDayFromAPI(t *testing.T) {
	const size = 12
	pages, total := apiPages(t, size)
	if total != 20 || len(pages) != 2 {
		t.Fatalf("fixture split into %d pages of %d entries", len(pages), total)
	}
	srv, rec := fakeArxiv(t, serveAPIPages(pages, size))
	c := newTestClient(srv, rec, func(o *Options) {
		o.APIPageSize = size
		o.APIDelay = 3 * time.Second
	})
	day, err := c.Day(context.Background(), []string{"cs.AI"}, "2026-02-06")
	if err != nil {
		t.Fatalf("Day: %v", err)
	}
	if day.Date != "2026-02-06" || day.Source != "api" || day.NoAnnouncements || len(day.Papers) != 20 {
		t.Fatalf("day = {%q %q %v %d papers}, want 2026-02-06 api false 20", day.Date, day.Source, day.NoAnnouncements, len(day.Papers))
	}

	reqs := rec.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2 pages", len(reqs))
	}
	if want := srv.URL + reqs[0].URL.String(); day.URL != want || day.Validators != (Validators{}) {
		t.Errorf("URL = %q, Validators = %+v; want the first page's URL %q and none", day.URL, day.Validators, want)
	}
	for i, r := range reqs {
		q := r.URL.Query()
		want := map[string]string{
			"search_query": "cat:cs.AI AND submittedDate:[202602041900 TO 202602051859]",
			"sortBy":       "submittedDate",
			"sortOrder":    "ascending",
			"start":        strconv.Itoa(i * size),
			"max_results":  strconv.Itoa(size),
		}
		for k, v := range want {
			if q.Get(k) != v {
				t.Errorf("request %d: %s = %q, want %q", i, k, q.Get(k), v)
			}
		}
		if r.URL.Path != "/api/query" || r.Header.Get("User-Agent") != "arxiv-digest-test/1.0 (+https://example.invalid)" {
			t.Errorf("request %d: path %q, User-Agent %q", i, r.URL.Path, r.Header.Get("User-Agent"))
		}
	}
	if got := rec.Sleeps(); !slices.Equal(got, []time.Duration{3 * time.Second}) {
		t.Errorf("sleeps = %v, want one 3s pause between the pages", got)
	}

	byID := map[string]model.Paper{}
	for _, p := range day.Papers {
		byID[p.ID] = p
	}
	if day.Papers[0].ID != "cs/9909009" || day.Papers[19].ID != "2501.09029" {
		t.Errorf("order: first %s, last %s", day.Papers[0].ID, day.Papers[19].ID)
	}
	tests := []struct {
		id         string
		version    int
		title      string
		absStart   string
		authors    []string
		categories []string
		announce   model.AnnounceType
	}{
		{"cs/9909009", 1, "The Rough Guide to Constraint Propagation", "We provide here a simple, yet very general framework",
			[]string{"Krzysztof R. Apt"}, []string{"cs.AI", "cs.PL"}, model.New},
		{"2401.03545", 1, "", "", []string{"Hoa Nguyen", "Steffen Eger"}, nil, model.Cross},
		{"cs/0307048", 2, "", "", []string{"Amar Isli"}, nil, model.Replace},
		{"2308.02540", 2, "", "", []string{"C. E. Larson", "N. Van Cleemput"}, nil, model.ReplaceCross},
		{"cond-mat/0408190", 2, "", "", []string{"Haixia Jia", "Cristopher Moore", "Bart Selman"}, nil, model.ReplaceCross},
		{"2507.10475", 1, "", "", []string{"İsmail Tarım", "Aytuğ Onan"}, nil, model.Cross},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p, ok := byID[tt.id]
			if !ok {
				t.Fatalf("missing %s", tt.id)
			}
			if p.Version != tt.version || p.AnnounceType != tt.announce || !slices.Equal(p.Authors, tt.authors) {
				t.Errorf("got v%d %s %q, want v%d %s %q", p.Version, p.AnnounceType, p.Authors, tt.version, tt.announce, tt.authors)
			}
			if tt.title != "" && p.Title != tt.title {
				t.Errorf("title %q", p.Title)
			}
			if tt.absStart != "" && !strings.HasPrefix(p.Abstract, tt.absStart) {
				t.Errorf("abstract %.60q", p.Abstract)
			}
			if tt.categories != nil && !slices.Equal(p.Categories, tt.categories) {
				t.Errorf("categories %v, want %v", p.Categories, tt.categories)
			}
		})
	}
	// Primary category first, even when the entry lists it later.
	if p := byID["cond-mat/0408190"]; p.PrimaryCategory() != "cond-mat.stat-mech" {
		t.Errorf("cond-mat/0408190 categories %v", p.Categories)
	}
}

func TestDayQueryForSeveralCategories(t *testing.T) {
	pages, _ := apiPages(t, 20)
	srv, rec := fakeArxiv(t, serveAPIPages(pages, 20))
	day, err := newTestClient(srv, rec).Day(context.Background(), []string{"cs.CL", "cs.LG"}, "2026-02-09")
	if err != nil {
		t.Fatalf("Day: %v", err)
	}
	if got, want := rec.Requests()[0].URL.Query().Get("search_query"), "(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202602051900 TO 202602061859]"; got != want {
		t.Errorf("search_query = %q, want %q", got, want)
	}
	if n := len(rec.Sleeps()); n != 0 {
		t.Errorf("%d sleeps for a single page", n)
	}
	// With cs.LG requested, 2509.12229 (primary cs.LG) is new; cs/9909009 (cs.AI) is cross.
	for _, p := range day.Papers {
		switch p.ID {
		case "2509.12229":
			if p.AnnounceType != model.New {
				t.Errorf("%s: %s, want new", p.ID, p.AnnounceType)
			}
		case "cs/9909009":
			if p.AnnounceType != model.Cross {
				t.Errorf("%s: %s, want cross", p.ID, p.AnnounceType)
			}
		}
	}
}

func TestDayNoResults(t *testing.T) {
	const empty = `<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/x</id>
  <title>arXiv Query</title>
  <updated>2026-02-06T01:58:54Z</updated>
  <opensearch:itemsPerPage>200</opensearch:itemsPerPage>
  <opensearch:totalResults>0</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
</feed>`
	srv, rec := fakeArxiv(t, serveBody(atomType, []byte(empty)))
	day, err := newTestClient(srv, rec).Day(context.Background(), []string{"cs.CL"}, "2025-12-25")
	if err != nil {
		t.Fatalf("Day: %v", err)
	}
	if !day.NoAnnouncements || len(day.Papers) != 0 || len(rec.Requests()) != 1 {
		t.Errorf("day = %+v after %d requests", day, len(rec.Requests()))
	}
}

func TestDayErrors(t *testing.T) {
	pages, _ := apiPages(t, 12) // two pages claiming 20 results
	const apiError = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <title>arXiv Query: search_query=cat:cs.XX</title>
  <opensearch:totalResults>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/api/errors#malformed_query</id>
    <title>Error</title>
    <summary>malformed query</summary>
  </entry>
</feed>`
	tests := []struct {
		name   string
		handle func(http.ResponseWriter, *http.Request, int)
		check  func(*testing.T, error)
	}{
		{"api error entry", serveBody(atomType, []byte(apiError)), func(t *testing.T, err error) {
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Message != "malformed query" || !strings.Contains(qe.Query, "cat:cs.CL") {
				t.Errorf("err = %#v, want *QueryError with arXiv's message", err)
			}
		}},
		{"rss instead of atom", serveBody(rssType, readFixture(t, fixtures+"rss2_empty_cs_sunday_2026-03-29.xml")), isInvalid("expected an Atom feed")},
		{"no total", serveBody(atomType, []byte(strings.Replace(pages[0], "opensearch:totalResults", "opensearch:other", 2))), isInvalid("totalResults")},
		{"empty page before the end", func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", atomType)
			if n == 1 {
				_, _ = fmt.Fprint(w, pages[0])
				return
			}
			head, _, _ := strings.Cut(pages[1], "<entry>")
			_, _ = fmt.Fprint(w, head+"</feed>")
		}, isInvalid("empty page at 12 of 20")},
		{"500", func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(500) }, isHTTP(500)},
		{"html", serveBody("text/html", []byte("<!doctype html><p>down</p>")), isInvalid("HTML")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := fakeArxiv(t, tt.handle)
			_, err := newTestClient(srv, rec, func(o *Options) { o.APIPageSize = 12 }).Day(context.Background(), []string{"cs.CL"}, "2026-02-06")
			if err == nil {
				t.Fatal("no error")
			}
			tt.check(t, err)
		})
	}
}

func TestDayRetriesBusy(t *testing.T) {
	pages, _ := apiPages(t, 20)
	srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", atomType)
		_, _ = fmt.Fprint(w, pages[0])
	})
	day, err := newTestClient(srv, rec).Day(context.Background(), []string{"cs.AI"}, "2026-02-06")
	if err != nil || len(day.Papers) != 20 {
		t.Fatalf("Day: %v", err)
	}
	if got := rec.Sleeps(); !slices.Equal(got, []time.Duration{time.Second}) {
		t.Errorf("sleeps = %v, want [1s]", got)
	}
}

func TestDayRejectsWeekend(t *testing.T) {
	srv, rec := fakeArxiv(t, serveBody(atomType, nil))
	_, err := newTestClient(srv, rec).Day(context.Background(), []string{"cs.CL"}, "2026-03-28")
	if !errors.Is(err, ErrNoAnnouncementDay) || !strings.Contains(err.Error(), "Saturday") {
		t.Errorf("err = %v, want a Saturday error", err)
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("%d requests for a weekend", n)
	}
}
