// Package classify judges papers against a researcher's topics with an LLM
// through the OpenAI Chat Completions API (or any compatible server).
//
// The Engine owns the whole attempt loop: it keeps at most Concurrency
// requests in flight, paces them from the server's rate-limit headers (and
// optional client-side limits), waits exactly as long as the server asks on
// 429/503, backs off with full jitter on transient errors, retries a bad
// answer once, stops the run at once on fatal errors (bad key, unknown model,
// exhausted quota) and reports every job exactly once, including the ones it
// never tried. It does no caching: the caller passes only what is missing and
// saves each Result as it is reported.
package classify
