package fakeopenai

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of what the server saw and answered.
type Stats struct {
	Requests int64 // every request received
	// Chat counts the requests to /v1/chat/completions (live requests);
	// Batches the batches created, BatchLines the batch lines answered
	// with 200, Cancelled the cancel requests of batches.
	Chat, Batches, BatchLines, Cancelled int64
	// Submitted counts, per custom_id, the batches its line was sent in:
	// it lets tests prove that only missing lines are sent again.
	Submitted   map[string]int
	Completed   int64         // 200 answers (including faulty 200s: invalid JSON, truncated, refusal, missing topic)
	ByStatus    map[int]int64 // answers by HTTP status (dropped, hung and cancelled requests have none)
	RateLimited int64         // 429 rate_limit_exceeded answers from the server's own limiter
	Dropped     int64         // connections closed without a response (Drop and Hang faults)
	Canceled    int64         // requests whose client gave up before the answer was written
	// InFlight is the number of requests being served now; MaxInFlight the
	// most ever served at once.
	InFlight, MaxInFlight int64
	// Tokens billed in 200 answers written by the server itself.
	PromptTokens, CompletionTokens, CachedTokens int64
	// Papers counts 200 relevance answers per paper, keyed by the first
	// line of the user message: it lets tests prove a paper was never paid
	// twice. TLDRs counts the TL;DR answers the same way.
	Papers  map[string]int
	TLDRs   map[string]int
	Elapsed time.Duration // from the first request to the last response
	// First is when the first request arrived, Last when the last response
	// was written (zero before any).
	First, Last time.Time
}

// recorder holds the live counters behind Stats.
type recorder struct {
	requests, completed, rateLimited, dropped, canceled atomic.Int64
	inFlight, maxInFlight                               atomic.Int64
	prompt, completion, cached                          atomic.Int64
	chat, batches, batchLines, cancelled                atomic.Int64

	mu       sync.Mutex
	byStatus map[int]int64
	papers   map[string]int
	tldrs    map[string]int
	subm     map[string]int
	first    time.Time
	last     time.Time
}

func (r *recorder) init() {
	r.byStatus = map[int]int64{}
	r.papers = map[string]int{}
	r.tldrs = map[string]int{}
	r.subm = map[string]int{}
}

// submitted records that a batch holds the line customID.
func (r *recorder) submitted(customID string) {
	r.mu.Lock()
	r.subm[customID]++
	r.mu.Unlock()
}

// begin records a request's arrival and returns its 1-based number.
func (r *recorder) begin(now time.Time) int64 {
	n := r.requests.Add(1)
	in := r.inFlight.Add(1)
	for {
		m := r.maxInFlight.Load()
		if in <= m || r.maxInFlight.CompareAndSwap(m, in) {
			break
		}
	}
	r.mu.Lock()
	if r.first.IsZero() || now.Before(r.first) {
		r.first = now
	}
	r.mu.Unlock()
	return n
}

// end records a request's departure; status is 0 when no response was written.
func (r *recorder) end(now time.Time, status int) {
	r.inFlight.Add(-1)
	if status == 200 {
		r.completed.Add(1)
	}
	r.mu.Lock()
	if status != 0 {
		r.byStatus[status]++
	}
	if now.After(r.last) {
		r.last = now
	}
	r.mu.Unlock()
}

// billed records the usage of a 200 answer of task for paper.
func (r *recorder) billed(task, paper string, u usage) {
	r.prompt.Add(int64(u.PromptTokens))
	r.completion.Add(int64(u.CompletionTokens))
	r.cached.Add(int64(u.PromptTokensDetails.CachedTokens))
	r.mu.Lock()
	if task == taskTLDR {
		r.tldrs[paper]++
	} else {
		r.papers[paper]++
	}
	r.mu.Unlock()
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	r := &s.stats
	st := Stats{
		Requests:         r.requests.Load(),
		Completed:        r.completed.Load(),
		RateLimited:      r.rateLimited.Load(),
		Dropped:          r.dropped.Load(),
		Canceled:         r.canceled.Load(),
		InFlight:         r.inFlight.Load(),
		MaxInFlight:      r.maxInFlight.Load(),
		PromptTokens:     r.prompt.Load(),
		CompletionTokens: r.completion.Load(),
		CachedTokens:     r.cached.Load(),
		Chat:             r.chat.Load(),
		Batches:          r.batches.Load(),
		BatchLines:       r.batchLines.Load(),
		Cancelled:        r.cancelled.Load(),
	}
	r.mu.Lock()
	st.ByStatus = maps.Clone(r.byStatus)
	st.Papers = maps.Clone(r.papers)
	st.TLDRs = maps.Clone(r.tldrs)
	st.Submitted = maps.Clone(r.subm)
	if !r.first.IsZero() && r.last.After(r.first) {
		st.Elapsed = r.last.Sub(r.first)
	}
	st.First, st.Last = r.first, r.last
	r.mu.Unlock()
	return st
}
