// Package classify judges papers against a researcher's topics with an LLM
// through the OpenAI Chat Completions API (or any compatible server).
//
// The Engine owns the whole attempt loop: it keeps at most Concurrency
// requests in flight, paces them from the server's rate-limit headers (and
// optional client-side limits), waits exactly as long as the server asks on
// 429/503 (and stops the run when that is longer than its patience), backs
// off with full jitter on transient errors, retries a bad answer once, fails
// only the paper a 400 is about when it is about that paper's text, stops
// the run at once on fatal errors (bad key, unknown model, exhausted quota,
// a rejected schema) and reports every job exactly once, including the ones
// it never tried. It reads no response body past a cap and redacts the API
// key from whatever the server says. It does no caching: the caller passes
// only what is missing and saves each Result as it is reported.
package classify
