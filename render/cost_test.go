package render

import (
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestCostTextSaysTheMode: a digest's cost says when it was paid at the
// Batch API's rate.
func TestCostTextSaysTheMode(t *testing.T) {
	c := 0.0123
	for _, tt := range []struct {
		tokens model.Usage
		want   string
	}{
		{model.Usage{Requests: 3}, "cost $0.0123"},
		{model.Usage{Requests: 3}.Batched(), "cost $0.0123 (batch)"},
		{model.Usage{Requests: 3, Batch: model.BatchUsage{Requests: 1}}, "cost $0.0123 (batch and live)"},
	} {
		if got := costText(model.Stats{CostUSD: &c, Tokens: tt.tokens}); got != tt.want {
			t.Errorf("costText(%+v) = %q, want %q", tt.tokens, got, tt.want)
		}
	}
}
