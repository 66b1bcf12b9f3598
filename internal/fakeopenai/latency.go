package fakeopenai

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// sampler is the server's seeded RNG, shared by concurrent handlers.
type sampler struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func newSampler(seed int64) *sampler {
	return &sampler{rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
}

// float returns a uniform draw in [0,1).
func (s *sampler) float() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64()
}

// lognormal draws a service time whose distribution is lognormal with the
// given MEAN and sigma: mu = ln(mean) - sigma^2/2, so that
// E[exp(mu + sigma*Z)] = mean. sigma 0 gives mean exactly.
func (s *sampler) lognormal(mean time.Duration, sigma float64) time.Duration {
	if mean <= 0 {
		return 0
	}
	if sigma == 0 {
		return mean
	}
	s.mu.Lock()
	z := s.rng.NormFloat64()
	s.mu.Unlock()
	mu := math.Log(float64(mean)) - sigma*sigma/2
	return time.Duration(math.Exp(mu + sigma*z))
}

// sleep waits d or until ctx is done; it reports whether it slept fully.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
