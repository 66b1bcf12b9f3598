package classify

import (
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// Price is a model's price in USD per million tokens (model.Price, the one
// type the config and the digest use too).
type Price = model.Price

// prices are OpenAI's standard-tier list prices (USD per 1M tokens) as
// published on openai.com/api/pricing; checked 2026-11-26. The Batch API
// costs half of these (model.Price.Batch); flex and priority tiers are not
// modelled.
var prices = map[string]Price{
	"gpt-5":        {Input: 1.25, CachedInput: 0.125, Output: 10.00},
	"gpt-5-mini":   {Input: 0.25, CachedInput: 0.025, Output: 2.00},
	"gpt-5-nano":   {Input: 0.05, CachedInput: 0.005, Output: 0.40},
	"gpt-4.1":      {Input: 2.00, CachedInput: 0.50, Output: 8.00},
	"gpt-4.1-mini": {Input: 0.40, CachedInput: 0.10, Output: 1.60},
	"gpt-4.1-nano": {Input: 0.10, CachedInput: 0.025, Output: 0.40},
	"gpt-4o":       {Input: 2.50, CachedInput: 1.25, Output: 10.00},
	"gpt-4o-mini":  {Input: 0.15, CachedInput: 0.075, Output: 0.60},
}

// LookupPrice returns the built-in price of a model. Dated snapshots match
// their family ("gpt-4o-mini-2024-07-18" is priced as "gpt-4o-mini"), and an
// "openai/" provider prefix (OpenRouter) is ignored; other suffixes do not
// match ("gpt-5.1" and "gpt-5-chat-latest" are unknown, not "gpt-5").
func LookupPrice(name string) (Price, bool) {
	name = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), "openai/")
	if p, ok := prices[name]; ok {
		return p, true
	}
	best, found := "", false
	for family := range prices {
		rest, ok := strings.CutPrefix(name, family+"-")
		if !ok || !isSnapshot(rest) {
			continue
		}
		if len(family) > len(best) {
			best, found = family, true
		}
	}
	if !found {
		return Price{}, false
	}
	return prices[best], true
}

// isSnapshot reports whether s is a snapshot date ("2024-07-18" or "0613").
func isSnapshot(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return s[0] != '-'
}

// BatchPrice is p in OpenAI's Batch API, which bills every token at half
// the standard rate.
func BatchPrice(p Price) Price {
	return Price{Input: p.Input / 2, CachedInput: p.CachedInput / 2, Output: p.Output / 2}
}
