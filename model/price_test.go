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
