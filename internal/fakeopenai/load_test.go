package fakeopenai

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// loadClient is an openai-go client whose transport keeps enough
// connections for a burst of concurrent requests.
func loadClient(s *Server) *openai.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 1000
	c := openai.NewClient(option.WithBaseURL(s.URL), option.WithAPIKey("k"), option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: tr}))
	return &c
}

func TestManyConcurrentRequests(t *testing.T) {
	const n = 500
	s := NewT(t, Config{MeanLatency: 20 * time.Millisecond, Sigma: 0.3, Seed: 9})
	c := loadClient(s)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			user := fmt.Sprintf("Title: paper %d\nAbstract: text", i)
			if _, err := c.Chat.Completions.New(t.Context(), contractParams("m", "sys", user, "x", "y")); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := s.Stats()
	if st.Completed != n || len(st.Papers) != n || st.InFlight != 0 || st.MaxInFlight < 2 || st.MaxInFlight > n {
		t.Errorf("stats: completed %d, papers %d, in flight %d, max %d", st.Completed, len(st.Papers), st.InFlight, st.MaxInFlight)
	}
	for k, v := range st.Papers {
		if v != 1 {
			t.Errorf("paper %q paid %d times", k, v)
		}
	}
}

// BenchmarkServer measures the fake's own overhead per request (no
// latency, no limits) so benchmarks built on it know what they measure.
func BenchmarkServer(b *testing.B) {
	s := NewT(b, Config{})
	c := loadClient(s)
	params := contractParams("m", longSystem, paperText, "alpha", "beta", "gamma")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Chat.Completions.New(b.Context(), params); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
