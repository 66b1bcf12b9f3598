package fakeopenai

import (
	"math"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestLognormalMean(t *testing.T) {
	const n = 200_000
	mean := 800 * time.Millisecond
	tests := []struct {
		sigma   float64
		meanTol float64 // relative; the standard error is sqrt(exp(sigma²)-1)/sqrt(n)
	}{
		{0.3, 0.01}, // 0.07% standard error; mean and median differ by 4.4%
		{1.0, 0.02}, // 0.29% standard error; mean and median differ by 39%
	}
	for _, tt := range tests {
		t.Run("sigma "+formatFloat(tt.sigma), func(t *testing.T) {
			s := newSampler(42)
			draws := make([]float64, n)
			sum := 0.0
			for i := range draws {
				d := s.lognormal(mean, tt.sigma)
				if d <= 0 {
					t.Fatalf("draw %v <= 0", d)
				}
				draws[i] = float64(d)
				sum += draws[i]
			}
			gotMean := sum / n
			if rel := math.Abs(gotMean/float64(mean) - 1); rel > tt.meanTol {
				t.Errorf("mean = %v, want %v within %.0f%% (off by %.2f%%)", time.Duration(gotMean), mean, tt.meanTol*100, rel*100)
			}
			slices.Sort(draws)
			wantMedian := float64(mean) * math.Exp(-tt.sigma*tt.sigma/2)
			if rel := math.Abs(draws[n/2]/wantMedian - 1); rel > 0.02 {
				t.Errorf("median = %v, want %v (lognormal with that mean)", time.Duration(draws[n/2]), time.Duration(wantMedian))
			}
		})
	}
	t.Run("sigma 0 is constant", func(t *testing.T) {
		s := newSampler(1)
		for range 10 {
			if d := s.lognormal(mean, 0); d != mean {
				t.Fatalf("draw = %v, want %v", d, mean)
			}
		}
		if d := s.lognormal(0, 0.3); d != 0 {
			t.Fatalf("zero mean draw = %v", d)
		}
	})
	t.Run("seeded", func(t *testing.T) {
		a, b := newSampler(7), newSampler(7)
		for range 10 {
			if x, y := a.lognormal(mean, 0.3), b.lognormal(mean, 0.3); x != y {
				t.Fatalf("same seed drew %v and %v", x, y)
			}
		}
	})
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func TestLatencyAppliedAndCancelled(t *testing.T) {
	// The answer waits for its service time: a client whose context ends
	// first gets nothing, and the server counts a cancellation.
	s := New(Config{MeanLatency: time.Hour})
	ctx, cancel := contextWithCancel(t)
	errc := make(chan error, 1)
	go func() {
		_, err := newClient(s, "k").Chat.Completions.New(ctx, contractParams("m", "sys", paperText, "x"))
		errc <- err
	}()
	waitInFlight(t, s, 1)
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("request with an hour of latency succeeded")
	}
	s.Close() // waits for the handler
	if st := s.Stats(); st.Canceled != 1 || st.Completed != 0 || st.InFlight != 0 {
		t.Errorf("stats = %+v", st)
	}
}
