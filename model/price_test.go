package model

import (
	"math"
	"testing"
)

func TestPriceCost(t *testing.T) {
	gpt5mini := Price{Input: 0.25, CachedInput: 0.025, Output: 2.00} // USD per 1M tokens
	for _, tt := range []struct {
		name string
		u    Usage
		want float64
	}{
		{"nothing", Usage{}, 0},
		{"uncached prompt", Usage{Prompt: 1_000_000}, 0.25},
		{"half the prompt cached", Usage{Prompt: 2_000_000, Cached: 1_000_000}, 0.25 + 0.025},
		{"completion", Usage{Completion: 500_000}, 1.00},
		{"a paper's request", Usage{Prompt: 1200, Cached: 1024, Completion: 300, Requests: 1}, (176*0.25 + 1024*0.025 + 300*2.00) / 1e6},
		{"more cached than prompted is read as all cached", Usage{Prompt: 100, Cached: 200}, 200 * 0.025 / 1e6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := gpt5mini.Cost(tt.u); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Cost(%+v) = %v, want %v", tt.u, got, tt.want)
			}
		})
	}
}

// TestPriceCostBatch: Batch API tokens cost half the live price unless the
// price says otherwise, and a usage that mixes both prices each part at its
// own rate.
func TestPriceCostBatch(t *testing.T) {
	gpt5mini := Price{Input: 0.25, CachedInput: 0.025, Output: 2.00}
	u := Usage{Prompt: 1_000_000, Completion: 500_000, Requests: 10}
	live := gpt5mini.Cost(u)
	if got, want := gpt5mini.Cost(u.Batched()), live/2; math.Abs(got-want) > 1e-12 {
		t.Errorf("batch cost = %v, want half of live %v = %v", got, live, want)
	}
	cached := Usage{Prompt: 1_000_000, Cached: 1_000_000, Requests: 1}.Batched()
	if got, want := gpt5mini.Cost(cached), 0.025/2; math.Abs(got-want) > 1e-12 {
		t.Errorf("cached batch cost = %v, want %v", got, want)
	}
	own := Price{Input: 1, Output: 4, BatchInput: 0.6, BatchOutput: 3}
	if got, want := own.Cost(Usage{Prompt: 1_000_000, Completion: 1_000_000, Requests: 1}.Batched()), 3.6; math.Abs(got-want) > 1e-12 {
		t.Errorf("configured batch price: cost = %v, want %v", got, want)
	}
	var mixed Usage
	mixed.Add(Usage{Prompt: 1_000_000, Requests: 1})
	mixed.Add(Usage{Prompt: 1_000_000, Requests: 1}.Batched())
	if got, want := gpt5mini.Cost(mixed), 0.25+0.125; math.Abs(got-want) > 1e-12 {
		t.Errorf("mixed cost = %v, want %v", got, want)
	}
	for _, tt := range []struct {
		u    Usage
		want string
	}{{Usage{}, ""}, {Usage{Requests: 2}, "live"}, {Usage{Requests: 2}.Batched(), "batch"}, {mixed, "batch and live"}} {
		if got := tt.u.Mode(); got != tt.want {
			t.Errorf("Mode(%+v) = %q, want %q", tt.u, got, tt.want)
		}
	}
}
