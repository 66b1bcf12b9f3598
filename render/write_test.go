package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestWriteDay(t *testing.T) {
	dir := t.TempDir()
	d := sampleDigest()
	day, err := WriteDay(dir, d)
	if err != nil {
		t.Fatal(err)
	}
	if day != filepath.Join(dir, "2025-04-28") {
		t.Errorf("folder = %q", day)
	}
	// The page written is HTML's, with a way to the index (the first day
	// has no other day to link to).
	r, err := newHTMLRenderer()
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := r.writePage(&page, d, &dayNav{Index: "../" + IndexFile}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `<a class="day-all" href="../index.html">`) {
		t.Error("the day page does not link to the index")
	}
	js, _ := JSON(d)
	for name, want := range map[string][]byte{MarkdownFile: Markdown(d), HTMLFile: page.Bytes(), JSONFile: js} {
		got, err := os.ReadFile(filepath.Join(day, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the renderer makes", name)
		}
	}
	ents, err := os.ReadDir(day)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 5 {
		t.Errorf("day folder holds %d entries, want 5 (temp files left?)", len(ents))
	}
	// The summary holds the counts, the entry only the papers the feed
	// lists.
	var ds daySummary
	b, err := os.ReadFile(filepath.Join(day, SummaryFile))
	if err != nil || json.Unmarshal(b, &ds) != nil {
		t.Fatalf("summary.json: %v", err)
	}
	sum := ds.Digest
	if ds.FeedHTML != "" || len(b) > 4096 {
		t.Errorf("summary.json holds the feed entry (%d bytes): it belongs in %s", len(b), EntryFile)
	}
	entry, err := os.ReadFile(filepath.Join(day, EntryFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(entry), "Barren plateaus") || strings.Contains(string(entry), "Logical error rates") {
		t.Errorf("entry.html lacks a selected paper or holds an abstract:\n%s", entry)
	}
	if sum.Stats.Fetched != d.Stats.Fetched || sum.Stats.Selected != d.Stats.Selected || sum.Stats.Failed != d.Stats.Failed {
		t.Errorf("summary stats %+v, want %+v", sum.Stats, d.Stats)
	}
	if len(sum.Papers) != 0 {
		t.Errorf("summary.json holds %d papers; the entry is all the history needs", len(sum.Papers))
	}
	// Rewriting the day replaces the files whole.
	d.Papers = d.Papers[:1]
	if _, err := WriteDay(dir, d); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(day, MarkdownFile))
	if !bytes.Equal(got, Markdown(d)) {
		t.Error("rewritten digest.md is not the new digest")
	}
}

func TestWriteDayRejectsBadDates(t *testing.T) {
	for _, date := range []string{"", "../../etc", "2025-4-28", "2025-02-30", "2025-04-28/../x", "2025-04-28\x00"} {
		t.Run(date, func(t *testing.T) {
			dir := t.TempDir()
			_, err := WriteDay(dir, model.Digest{Date: date})
			if !errors.Is(err, ErrBadDate) {
				t.Errorf("WriteDay(%q) error = %v, want ErrBadDate", date, err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("wrote %d entries for a bad date", len(ents))
			}
		})
	}
}

// writeHistoryFixture writes three days out of order plus things that are
// not days: a corrupt digest, a folder without a digest, a stray file.
func writeHistoryFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	mk := func(date string, selected int, noAnn bool) {
		d := sampleDigest()
		d.Date = date
		d.GeneratedAt = date + "T06:00:00Z"
		d.NoAnnouncements = noAnn
		d.Stats.Selected = selected
		if _, err := WriteDay(dir, d); err != nil {
			t.Fatal(err)
		}
	}
	mk("2025-04-28", 5, false)
	mk("2025-04-30", 7, false)
	mk("2025-04-27", 0, true)
	for _, p := range []string{"2025-04-29", "notes", "2025-05-01"} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "2025-04-29", JSONFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes", JSONFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestWriteHistoryIndex(t *testing.T) {
	dir := writeHistoryFixture(t)
	if err := WriteHistory(dir, HistoryOptions{FeedTitle: "My <digest>"}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	r := inspectHTML(t, page, regexp.MustCompile(`^(feed\.xml|\d{4}-\d\d-\d\d/digest\.html)$`))
	// Days newest first, each linked to its page; the corrupt day is left out.
	links := hrefs(t, page)
	want := []string{"2025-04-30/digest.html", "2025-04-28/digest.html", "2025-04-27/digest.html"}
	if strings.Join(links, " ") != strings.Join(want, " ") {
		t.Errorf("index links = %q, want %q", links, want)
	}
	for _, w := range []string{"My <digest>", "3 days, newest first", "No announcements.", "1 paper could not be judged."} {
		if !strings.Contains(r.text, w) {
			t.Errorf("index text lacks %q", w)
		}
	}
	if strings.Contains(r.text, "2025-04-29") {
		t.Error("index lists the corrupt day")
	}
}

// hrefs lists the day links of an index page in order.
func hrefs(t *testing.T, page []byte) []string {
	t.Helper()
	var out []string
	for _, part := range strings.Split(string(page), `<a href="`)[1:] {
		h := part[:strings.IndexByte(part, '"')]
		if strings.HasSuffix(h, HTMLFile) {
			out = append(out, h)
		}
	}
	return out
}

func TestWriteHistoryFeed(t *testing.T) {
	tests := []struct {
		name     string
		opts     HistoryOptions
		feedID   string
		self     string
		dayLink  string
		entries  int
		firstDay string
	}{
		{name: "no base url", opts: HistoryOptions{}, feedID: feedTagID, self: "",
			dayLink: "2025-04-30/digest.html", entries: 3, firstDay: "2025-04-30"},
		{name: "base url", opts: HistoryOptions{BaseURL: "https://example.org/digest", FeedTitle: "Q & A", MaxEntries: 2},
			feedID: "https://example.org/digest/feed.xml", self: "https://example.org/digest/feed.xml",
			dayLink: "https://example.org/digest/2025-04-30/digest.html", entries: 2, firstDay: "2025-04-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeHistoryFixture(t)
			if err := WriteHistory(dir, tt.opts); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(dir, FeedFile))
			if err != nil {
				t.Fatal(err)
			}
			feed, err := gofeed.NewParser().ParseString(string(raw))
			if err != nil {
				t.Fatalf("gofeed: %v\n%s", err, raw)
			}
			if feed.FeedType != "atom" {
				t.Errorf("feed type %q", feed.FeedType)
			}
			if !strings.Contains(string(raw), "<id>"+tt.feedID+"</id>") {
				t.Errorf("feed id is not %q", tt.feedID)
			}
			if feed.Title == "" || feed.UpdatedParsed == nil || !feed.UpdatedParsed.Equal(time.Date(2025, 4, 30, 6, 0, 0, 0, time.UTC)) {
				t.Errorf("title %q updated %v", feed.Title, feed.UpdatedParsed)
			}
			if tt.opts.FeedTitle != "" && feed.Title != tt.opts.FeedTitle {
				t.Errorf("title %q, want %q", feed.Title, tt.opts.FeedTitle)
			}
			if feed.FeedLink != tt.self {
				t.Errorf("self link %q, want %q", feed.FeedLink, tt.self)
			}
			if len(feed.Authors) == 0 || feed.Authors[0].Name == "" {
				t.Error("feed has no author")
			}
			if len(feed.Items) != tt.entries {
				t.Fatalf("%d entries, want %d", len(feed.Items), tt.entries)
			}
			it := feed.Items[0]
			if it.GUID != "tag:arxiv-digest,2025-04-30:2025-04-30" || it.Link != tt.dayLink ||
				it.Title != "arXiv digest 2025-04-30: 7 selected (1 not judged)" || it.UpdatedParsed == nil {
				t.Errorf("first entry id %q link %q title %q updated %v", it.GUID, it.Link, it.Title, it.UpdatedParsed)
			}
			// The entry is the day's selected papers as a list: title
			// linked to arXiv, score, TL;DR; no page chrome, no stats.
			for _, w := range []string{`<h3>Quantum error correction</h3>`,
				`<li><a href="https://arxiv.org/abs/2504.16424">Fault-tolerant Aₙ codes with SU(N_c) symmetry</a> (0.92; also Variational algorithms 0.81)`,
				"Warm starts keep QAOA gradients polynomial"} {
				if !strings.Contains(it.Content, w) {
					t.Errorf("entry content lacks %q:\n%s", w, it.Content)
				}
			}
			for _, no := range []string{"<details", "<style", "<article", "<nav", "<dl", "fetched</dt>", "<svg"} {
				if strings.Contains(it.Content, no) {
					t.Errorf("feed content carries %q: abstracts, styles, page chrome or stats", no)
				}
			}
			for i := 1; i < len(feed.Items); i++ {
				if feed.Items[i-1].UpdatedParsed.Before(*feed.Items[i].UpdatedParsed) {
					t.Errorf("entries not newest first at %d", i)
				}
			}
		})
	}
}

func TestWriteHistoryEmptyAndErrors(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := WriteHistory(dir, HistoryOptions{Now: func() time.Time { return now }}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, FeedFile))
	if err != nil {
		t.Fatal(err)
	}
	feed, err := gofeed.NewParser().ParseString(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != 0 || feed.UpdatedParsed == nil || !feed.UpdatedParsed.Equal(now) {
		t.Errorf("empty feed: %d items, updated %v", len(feed.Items), feed.UpdatedParsed)
	}
	for _, base := range []string{"javascript:alert(1)", "example.org", "ftp://example.org/"} {
		if err := WriteHistory(dir, HistoryOptions{BaseURL: base}); !errors.Is(err, ErrBadBaseURL) {
			t.Errorf("BaseURL %q: error %v, want ErrBadBaseURL", base, err)
		}
	}
	if err := WriteHistory(filepath.Join(dir, "missing"), HistoryOptions{}); err == nil {
		t.Error("missing folder: want an error")
	}
}

// A digest.json written by WriteDay reads back into the same digest.
func TestDigestJSONRoundTrip(t *testing.T) {
	dir := t.TempDir()
	d := sampleDigest()
	day, err := WriteDay(dir, d)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(day, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var back model.Digest
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Markdown(back), Markdown(d)) {
		t.Error("the Markdown of the digest read back differs")
	}
}

// TestWriteHistoryUsesSummaries: a day's feed entry comes from its
// entry.html and its counts from its summary.json, both written with the
// day, not rendered again; a day with a summary but no digest.json (a run
// killed while writing it) is not listed.
func TestWriteHistoryUsesSummaries(t *testing.T) {
	dir := writeHistoryFixture(t)
	day := filepath.Join(dir, "2025-04-30")
	var s daySummary
	b, _ := os.ReadFile(filepath.Join(day, SummaryFile))
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	s.Digest.Stats.Selected = 4242
	b, _ = json.Marshal(s)
	os.WriteFile(filepath.Join(day, SummaryFile), b, 0o644)
	os.WriteFile(filepath.Join(day, EntryFile), []byte("<p>rendered once, by WriteDay</p>"), 0o644)
	if err := WriteHistory(dir, HistoryOptions{}); err != nil {
		t.Fatal(err)
	}
	feed, _ := os.ReadFile(filepath.Join(dir, FeedFile))
	if !strings.Contains(string(feed), "rendered once, by WriteDay") {
		t.Errorf("the feed did not take the entry from entry.html")
	}
	page, _ := os.ReadFile(filepath.Join(dir, IndexFile))
	if !strings.Contains(string(page), "4,242") {
		t.Errorf("the index does not show the summary's counts")
	}
	// A summary without its digest.json is no finished day.
	ghost := filepath.Join(dir, "2030-01-01")
	os.MkdirAll(ghost, 0o755)
	os.WriteFile(filepath.Join(ghost, SummaryFile), b, 0o644)
	if err := WriteHistory(dir, HistoryOptions{}); err != nil {
		t.Fatal(err)
	}
	if page, _ := os.ReadFile(filepath.Join(dir, IndexFile)); strings.Contains(string(page), "2030-01-01") {
		t.Errorf("the index lists a day that has no digest on disk")
	}
}

// TestWriteHistoryReadsOlderDays: a day written by an earlier version (its
// feed entry inside summary.json, no entry.html) keeps its entry, and a day
// whose entry.html is gone has its entry rendered from its digest.
func TestWriteHistoryReadsOlderDays(t *testing.T) {
	dir := writeHistoryFixture(t)
	older := filepath.Join(dir, "2025-04-30")
	var s daySummary
	b, _ := os.ReadFile(filepath.Join(older, SummaryFile))
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	s.FeedHTML = "<p>the entry an earlier version kept in summary.json</p>"
	b, _ = json.Marshal(s)
	os.WriteFile(filepath.Join(older, SummaryFile), b, 0o644)
	os.Remove(filepath.Join(older, EntryFile))

	gone := filepath.Join(dir, "2025-04-28")
	if err := os.Remove(filepath.Join(gone, EntryFile)); err != nil {
		t.Fatal(err)
	}

	if err := WriteHistory(dir, HistoryOptions{}); err != nil {
		t.Fatal(err)
	}
	feed, _ := os.ReadFile(filepath.Join(dir, FeedFile))
	if !strings.Contains(string(feed), "the entry an earlier version kept in summary.json") {
		t.Error("the feed lost the entry of a day written by an earlier version")
	}
	// The other day's entry lists its selected paper, rendered again.
	if !strings.Contains(string(feed), "Barren plateaus") || strings.Contains(string(feed), "Logical error rates") {
		t.Errorf("the day whose entry.html is gone has no entry listing its selected paper:\n%s", feed)
	}
}

func readDigestFile(t *testing.T, path string) model.Digest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d model.Digest
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestFailureNotice: a run that wrote no digest is shown on the index page
// when the history is given it, and touches no digest.
func TestFailureNotice(t *testing.T) {
	dir := writeHistoryFixture(t)
	at := time.Date(2025, 5, 1, 20, 31, 0, 0, time.FixedZone("EDT", -4*3600))
	// A notice left by an older version is removed.
	if err := os.WriteFile(filepath.Join(dir, oldFailureFile), []byte(`{"error":"old"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &Failure{At: at, Expected: "2025-05-02", Error: "fetch https://rss.arxiv.org/rss/quant-ph: HTTP 503 <b>busy</b>"}
	if err := WriteHistory(dir, HistoryOptions{Failure: f}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, oldFailureFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old notice file is still there: %v", err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, IndexFile))
	r := inspectHTML(t, page, regexp.MustCompile(`^(feed\.xml|\d{4}-\d\d-\d\d/digest\.html)$`))
	for _, w := range []string{"Fetch failed at 2025-05-01 20:31 -04:00.", "No digest for 2025-05-02 yet", "HTTP 503 <b>busy</b>"} {
		if !strings.Contains(r.text, w) {
			t.Errorf("index text lacks %q", w)
		}
	}
	if !strings.Contains(string(page), "verdict-fetch-failed") {
		t.Error("the notice is not styled as a failure")
	}
	if err := WriteHistory(dir, HistoryOptions{}); err != nil {
		t.Fatal(err)
	}
	if page, _ := os.ReadFile(filepath.Join(dir, IndexFile)); strings.Contains(string(page), "Fetch failed") {
		t.Error("the notice outlives the failure")
	}
}

// TestWriteIsWriteDayThenHistory: Write leaves exactly what WriteDay and
// then WriteHistory leave: the day's files, the index and the feed, for a
// new newest day, a day written again, a day past the feed's length and a
// first day in an empty folder.
func TestWriteIsWriteDayThenHistory(t *testing.T) {
	newest := sampleDigest()
	newest.Date, newest.GeneratedAt = "2025-05-02", "2025-05-02T06:00:00Z"
	again := sampleDigest()
	again.Date, again.GeneratedAt = "2025-04-28", "2025-05-02T07:00:00Z"
	again.Papers = again.Papers[:2]
	failure := &Failure{At: time.Date(2025, 5, 2, 20, 30, 0, 0, time.UTC), Expected: "2025-05-03", Error: "fetch: 503"}
	for _, tt := range []struct {
		name    string
		fixture bool
		d       model.Digest
		opts    HistoryOptions
	}{
		{"newest day", true, newest, HistoryOptions{}},
		{"a day again", true, again, HistoryOptions{BaseURL: "https://example.org/d/"}},
		{"past the feed", true, again, HistoryOptions{MaxEntries: 1, Failure: failure}},
		{"first day", false, newest, HistoryOptions{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			if tt.fixture {
				fixture := writeHistoryFixture(t)
				if err := os.CopyFS(a, os.DirFS(fixture)); err != nil {
					t.Fatal(err)
				}
				if err := os.CopyFS(b, os.DirFS(fixture)); err != nil {
					t.Fatal(err)
				}
			}
			now := func() time.Time { return time.Date(2025, 5, 2, 21, 0, 0, 0, time.UTC) }
			opts := tt.opts
			opts.Now = now
			if _, err := Write(a, tt.d, opts); err != nil {
				t.Fatal(err)
			}
			if _, err := WriteDay(b, tt.d); err != nil {
				t.Fatal(err)
			}
			if err := WriteHistory(b, opts); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{IndexFile, FeedFile, filepath.Join(tt.d.Date, EntryFile), filepath.Join(tt.d.Date, JSONFile), filepath.Join(tt.d.Date, SummaryFile)} {
				got, err := os.ReadFile(filepath.Join(a, name))
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(filepath.Join(b, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from WriteDay then WriteHistory:\n%s\nwant\n%s", name, got, want)
				}
			}
		})
	}
}

// TestDayNavigation: a day page links to the newest finished day before it,
// to the next finished day after it or, when there is none yet, to the
// index; folders that are not finished days are passed over.
func TestDayNavigation(t *testing.T) {
	dir := t.TempDir()
	write := func(date string) {
		d := boundedDigest()
		d.Date = date
		if _, err := Write(dir, d, HistoryOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	nav := func(date string) (prev, next string) {
		b, err := os.ReadFile(filepath.Join(dir, date, HTMLFile))
		if err != nil {
			t.Fatal(err)
		}
		doc := string(b)
		cut := func(class string) string {
			i := strings.Index(doc, `<a class="`+class+`"`)
			if i < 0 {
				return ""
			}
			h := doc[i:]
			h = h[strings.Index(h, `href="`)+6:]
			return h[:strings.IndexByte(h, '"')]
		}
		if !strings.Contains(doc, `<a class="day-all" href="../index.html">`) {
			t.Errorf("%s does not link to the index", date)
		}
		return cut("day-prev"), cut("day-next")
	}
	write("2025-04-25")
	// Not finished days: no digest.json, not a date.
	for _, p := range []string{"2025-04-26", "2025-04-30-old", "notes"} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("2025-05-01")
	write("2025-04-28") // a backfill between the two
	for _, tt := range []struct{ date, prev, next string }{
		{"2025-04-25", "", "../index.html"},                          // written first: newer days are on the index
		{"2025-05-01", "../2025-04-25/digest.html", "../index.html"}, // written before the backfill
		{"2025-04-28", "../2025-04-25/digest.html", "../2025-05-01/digest.html"},
	} {
		prev, next := nav(tt.date)
		if prev != tt.prev || next != tt.next {
			t.Errorf("%s links to %q and %q, want %q and %q", tt.date, prev, next, tt.prev, tt.next)
		}
	}
	// Written again, as render --all does, every day has its neighbours.
	write("2025-04-25")
	write("2025-05-01")
	for _, tt := range []struct{ date, prev, next string }{
		{"2025-04-25", "", "../2025-04-28/digest.html"},
		{"2025-05-01", "../2025-04-28/digest.html", "../index.html"},
	} {
		prev, next := nav(tt.date)
		if prev != tt.prev || next != tt.next {
			t.Errorf("written again, %s links to %q and %q, want %q and %q", tt.date, prev, next, tt.prev, tt.next)
		}
	}
}
