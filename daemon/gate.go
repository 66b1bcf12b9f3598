package daemon

import "sync"

// gate tracks runs in progress so that shutdown can wait for them, and turns
// away runs that start after shutdown began.
type gate struct {
	mu      sync.Mutex
	closed  bool
	running int
	idle    chan struct{} // made by close, closed when running drops to 0
}

// enter reports whether a run may start; if so the caller must call leave.
func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.running++
	return true
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	if g.closed && g.running == 0 {
		close(g.idle)
	}
}

// close turns away new runs and returns a channel that is closed once no run
// is in progress. Call it once.
func (g *gate) close() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	g.idle = make(chan struct{})
	if g.running == 0 {
		close(g.idle)
	}
	return g.idle
}
