package pipeline

import (
	"context"

	"github.com/arxiv-digest/arxiv-digest/store"
)

// maxBatch bounds how many results one commit holds.
const maxBatch = 512

// saver commits a pass's results as they arrive, in their own goroutine so
// that the engine's reporting never waits for the disk. A result that
// comes while a commit is running goes into the next one with every other
// that came meanwhile (group commit): a flow of answers faster than the
// disk's fsyncs is saved as fast as it comes, and each answer is committed
// within one commit of its arrival, so kill -9 loses only those in flight
// and the few waiting for that commit.
type saver struct {
	st    *store.Store
	ctx   context.Context
	ready func() error // waited for before the first commit
	in    chan store.Write
	done  chan struct{}
	err   error       // the first result that could not be saved
	onErr func(error) // told of err once, from the saver's goroutine
}

// newSaver starts a saver for at most n results. ready is waited for
// before anything is committed (the day's paper list may still be being
// recorded while the first requests are out); its error fails every
// write. onErr is called with the first error, to stop the pass: an answer
// that cannot be saved must not be paid for again and again.
func newSaver(ctx context.Context, st *store.Store, n int, ready func() error, onErr func(error)) *saver {
	s := &saver{st: st, ctx: ctx, ready: ready, in: make(chan store.Write, n), done: make(chan struct{}), onErr: onErr}
	go s.loop()
	return s
}

// add queues one result's write; it never blocks.
func (s *saver) add(w store.Write) { s.in <- w }

// close waits until every queued write is committed (or failed) and
// returns the first error.
func (s *saver) close() error {
	close(s.in)
	<-s.done
	return s.err
}

func (s *saver) loop() {
	defer close(s.done)
	first, unready := true, false
	for w := range s.in {
		if first {
			first = false
			if err := s.ready(); err != nil {
				unready = true
				s.fail(err)
			}
		}
		if unready {
			continue // nothing can be saved without the day's list
		}
		batch := []store.Write{w}
	drain:
		for len(batch) < maxBatch {
			select {
			case w, ok := <-s.in:
				if !ok {
					break drain
				}
				batch = append(batch, w)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// commit commits batch; when that fails, it saves what it can one write
// at a time, so that one bad write does not take the others with it.
func (s *saver) commit(batch []store.Write) {
	err := s.st.Commit(s.ctx, batch...)
	if err != nil && len(batch) > 1 {
		err = nil
		for _, w := range batch {
			if e := s.st.Commit(s.ctx, w); e != nil && err == nil {
				err = e
			}
		}
	}
	if err != nil {
		s.fail(err)
	}
}

func (s *saver) fail(err error) {
	if s.err == nil {
		s.err = err
		s.onErr(err)
	}
}
