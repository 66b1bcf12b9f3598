package pipeline

import (
	"log/slog"
	"time"
)

// phases logs, at debug level, how long each phase of a run took
// (msg "phase", keys phase and seconds): the benchmarks read them.
type phases struct {
	log  *slog.Logger
	last time.Time
}

func newPhases(log *slog.Logger) *phases { return &phases{log: log, last: time.Now()} }

// done ends the phase name, started when the previous one ended.
func (p *phases) done(name string) {
	now := time.Now()
	p.log.Debug("phase", "phase", name, "seconds", now.Sub(p.last).Seconds())
	p.last = now
}
