package classify

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// do runs one job's attempt loop to its end and says how it ended.
func (r *run) do(j job) jobEnd {
	var res jobEnd
	if err := r.ctx.Err(); err != nil {
		return r.skip(res, err)
	}
	if err := r.stopErr(); err != nil {
		return r.skip(res, err)
	}
	req, err := j.request()
	if err != nil {
		return r.fail(res, fmt.Errorf("%s %s: %w", r.task, req.ID, err))
	}
	params, promptChars := r.e.chatParams(r.task, req)
	maxComp := int(params.MaxCompletionTokens.Value)
	tokens := promptChars/4 + maxComp
	log := r.e.log.With(slog.String("task", r.task), slog.String("id", req.ID))

	retries, invalid := 0, 0
	var last error
	// Whatever happens to a slow-start probe, the others must not wait for
	// it forever.
	defer r.openGate()
	for {
		est, err := r.ready(tokens, promptChars/4, maxComp)
		if err != nil {
			return r.end(res, err, last)
		}
		out := r.attempt(params, j.parse, tokens)
		// Settled before the slot is freed: the attempt that takes it
		// next estimates its cost from this one's completion, not from
		// the cap (which, at a tight budget, would stop the run).
		r.settle(est, out.usage)
		<-r.sem
		r.openGate()
		res.attempts++
		res.usage.Add(out.usage)
		if out.err != nil {
			last = out.err
			log.Debug("attempt failed", slog.Int("attempt", res.attempts), slog.String("error", out.err.Error()))
		}
		switch out.kind {
		case kindOK:
			res.status, res.value, res.err = model.StatusJudged, out.value, nil
			return res
		case kindInvalid:
			invalid++
			if invalid > 1 {
				return r.fail(res, out.err)
			}
		case kindWait:
			if out.unpaid {
				return r.fail(res, out.err)
			}
			log.Debug("server asked to wait", slog.Duration("wait", out.wait))
		case kindTransient:
			retries++
			if retries > r.e.opts.MaxRetries {
				return r.fail(res, out.err)
			}
			if err := r.e.opts.sleep(r.ctx, r.backoff(retries)); err != nil {
				return r.end(res, err, last)
			}
		case kindFatal:
			r.halt(out.err)
			return r.fail(res, out.err)
		case kindReject:
			return r.fail(res, out.err)
		case kindCanceled:
			return r.end(res, out.err, last)
		}
	}
}

// ready waits until an attempt may start: past the slow-start gate, in
// one of the Concurrency slots, within the pacing, with the run neither
// cancelled nor stopped, and its cost estimate booked against the budget.
// On success the caller holds a slot (release it with <-r.sem) and owns
// the returned estimate.
func (r *run) ready(tokens, promptTokens, maxComp int) (float64, error) {
	if err := r.enterGate(); err != nil {
		return 0, err
	}
	select {
	case r.sem <- struct{}{}:
	case <-r.ctx.Done():
		return 0, r.ctx.Err()
	}
	// The slot is taken before pacing: a request that waited for the pacer
	// goes out at once, so waiting workers never bunch up behind a slot.
	if err := r.pace.wait(r.ctx, tokens); err != nil {
		<-r.sem
		return 0, err
	}
	if err := r.ctx.Err(); err != nil {
		<-r.sem
		return 0, err
	}
	if err := r.stopErr(); err != nil {
		<-r.sem
		return 0, err
	}
	est := r.estimate(promptTokens, maxComp)
	if !r.reserve(est) {
		<-r.sem
		return 0, r.stopErr()
	}
	return est, nil
}

// skip reports a job that was never tried.
func (r *run) skip(res jobEnd, err error) jobEnd {
	res.status, res.err = model.StatusSkipped, err
	return res
}

// fail reports a job that was tried (or cannot be) and has no answer.
func (r *run) fail(res jobEnd, err error) jobEnd {
	res.status, res.err = model.StatusFailed, err
	return res
}

// end reports a job stopped before its next attempt (cancellation, a
// fatal error elsewhere, the budget): skipped when never tried, else failed
// with the reason it stopped and the last error.
func (r *run) end(res jobEnd, why, last error) jobEnd {
	if res.attempts == 0 {
		return r.skip(res, why)
	}
	if last != nil {
		return r.fail(res, fmt.Errorf("%w (after: %w)", why, last))
	}
	return r.fail(res, why)
}

// enterGate implements slow start: until the run's first response (and
// with it the server's rate-limit headers) arrives, only the first
// slowStart attempts may start; the others wait for it.
func (r *run) enterGate() error {
	if r.e.opts.slowStart <= 0 {
		return nil
	}
	select {
	case <-r.gate:
		return nil
	default:
	}
	if int(r.probes.Add(1)) <= r.e.opts.slowStart {
		return nil
	}
	select {
	case <-r.gate:
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

func (r *run) openGate() { r.gateOnce.Do(func() { close(r.gate) }) }

// backoff is exponential with full jitter: uniform in [0, min(cap,
// base*2^(n-1))].
func (r *run) backoff(n int) time.Duration {
	d := r.e.opts.backoffCap
	if n-1 < 32 {
		d = min(d, r.e.opts.backoffBase<<(n-1))
	}
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// jitter is a tiny random extra on a server-requested wait, so workers do
// not all come back in the same instant.
func jitter(d time.Duration) time.Duration {
	j := min(max(d/20, time.Millisecond), 100*time.Millisecond)
	return rand.N(j + 1)
}
