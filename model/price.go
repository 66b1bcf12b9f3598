package model

// Price is a model's price in USD per million tokens: the built-in table's
// (classify.LookupPrice) and llm.price_per_million's, whose keys the yaml
// tags name.
type Price struct {
	Input       float64 `yaml:"input"`        // prompt tokens not served from the cache
	CachedInput float64 `yaml:"cached_input"` // prompt tokens served from the provider's prompt cache
	Output      float64 `yaml:"output"`       // completion tokens (reasoning tokens included)
}

// Cost prices u at p, in USD.
func (p Price) Cost(u Usage) float64 {
	uncached := u.Prompt - u.Cached
	if uncached < 0 {
		uncached = 0
	}
	return (float64(uncached)*p.Input + float64(u.Cached)*p.CachedInput + float64(u.Completion)*p.Output) / 1e6
}
