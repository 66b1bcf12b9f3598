package deliver

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// testDay is a day of n judged papers, every third one selected, with a
// hostile title and a TeX one among them.
func testDay(n int) Day {
	topics := []model.Topic{{Name: "Hallucination", Description: "d"}, {Name: "Efficiency", Description: "d"}}
	var papers []model.Paper
	outcomes := map[string]model.Outcome{}
	for i := range n {
		p := model.Paper{ID: fmt.Sprintf("2504.%05d", i), Version: 1, Title: fmt.Sprintf("Paper number %d", i),
			Abstract: "An abstract that the mail must not carry.", Authors: []string{"Ada Lovelace", "Kurt G\u00f6del", "Emmy Noether", "Alan Turing"},
			Categories: []string{"cs.CL"}, AnnounceType: model.New}
		switch i {
		case 0:
			p.Title = `<script>alert(1)</script> @everyone <!channel> & friends`
		case 3:
			p.Title = `Optical Schr\"odinger cat states with $x^2$ scaling`
			p.AnnounceType = model.Cross
		}
		papers = append(papers, p)
		rel := 0.2
		switch {
		case i == 0:
			rel = 0.99
		case i == 3:
			rel = 0.98
		case i%3 == 0:
			rel = 0.7 + float64(i%25)/100
		}
		outcomes[p.ID] = model.Outcome{Status: model.StatusJudged, Scores: []model.Score{
			{Topic: "Hallucination", Relevance: rel, Reason: fmt.Sprintf("reason %d", i)},
			{Topic: "Efficiency", Relevance: 0.1, Reason: "no"},
		}}
	}
	d := model.Build(model.Digest{Date: "2025-04-28", Categories: []string{"cs.CL", "cs.LG"}, Topics: topics,
		Model: "gpt-5-mini", Threshold: 0.7, Source: "rss", GeneratedAt: "2025-04-29T00:31:00Z"}, papers, outcomes)
	for i := range d.Papers {
		if i == 3 {
			d.Papers[i].TLDR = "Cat states of light, made with a new trick."
		}
	}
	return Day{Digest: d, PageURL: "https://digest.example.org/2025-04-28/digest.html"}
}

// openStore opens a store file on disk for the test.
func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "digest.db"), store.WithStream("."))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// sleeps records the waits asked for, without waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
