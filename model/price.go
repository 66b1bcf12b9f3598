package model

// Price is a model's price in USD per million tokens: the built-in table's
// (classify.LookupPrice) and llm.price_per_million's, whose keys the yaml
// tags name.
type Price struct {
	Input       float64 `yaml:"input"`        // prompt tokens not served from the cache
	CachedInput float64 `yaml:"cached_input"` // prompt tokens served from the provider's prompt cache
	Output      float64 `yaml:"output"`       // completion tokens (reasoning tokens included)
	// BatchInput and BatchOutput price the tokens of Batch API requests.
	// When both are 0 they are half of Input and Output, OpenAI's batch
	// discount. Cached batch prompt tokens get the same cache discount as
	// live ones (CachedInput/Input of BatchInput).
	BatchInput  float64 `yaml:"batch_input"`
	BatchOutput float64 `yaml:"batch_output"`
}

// BatchDiscount is what the Batch API costs of the live price when a price
// does not say (OpenAI's 50%).
const BatchDiscount = 0.5

// Batch is the price of Batch API tokens, as a live price.
func (p Price) Batch() Price {
	in, out := p.BatchInput, p.BatchOutput
	if in == 0 && out == 0 {
		in, out = p.Input*BatchDiscount, p.Output*BatchDiscount
	}
	cached := in
	if p.Input > 0 {
		cached = in * p.CachedInput / p.Input
	}
	return Price{Input: in, CachedInput: cached, Output: out}
}

// Cost prices u at p, in USD: its live part at the live price, its Batch
// part at the batch price.
func (p Price) Cost(u Usage) float64 {
	b := u.Batch
	live := cost(p, u.Prompt-b.Prompt, u.Cached-b.Cached, u.Completion-b.Completion)
	if b == (BatchUsage{}) {
		return live
	}
	return live + cost(p.Batch(), b.Prompt, b.Cached, b.Completion)
}

// cost prices tokens at p, in USD.
func cost(p Price, prompt, cached, completion int64) float64 {
	uncached := max(prompt-cached, 0)
	cached = max(cached, 0)
	completion = max(completion, 0)
	return (float64(uncached)*p.Input + float64(cached)*p.CachedInput + float64(completion)*p.Output) / 1e6
}
