package daemon_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/arxiv-digest/arxiv-digest/daemon"
	"github.com/arxiv-digest/arxiv-digest/lock"
)

// Example shows how `arxiv-digest daemon` wires the daemon, the run lock and
// SIGTERM together (the pipeline call is a stand-in).
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	lockPath := "digests/.arxiv-digest.lock"
	runPipeline := func(ctx context.Context) error { return nil }

	job := func(ctx context.Context) error {
		// A manual run may be in progress: wait for it rather than fail; its
		// digest is then already stored and this run costs nothing.
		l, err := lock.TryAcquire(lockPath, lock.Holder{Command: "arxiv-digest daemon"})
		var held *lock.HeldError
		if errors.As(err, &held) {
			slog.Info("waiting for the run lock", "holder_pid", held.Holder.PID, "holder_command", held.Holder.Command)
			l, err = lock.Acquire(ctx, lockPath, lock.Holder{Command: "arxiv-digest daemon"}, 5*time.Second)
		}
		if err != nil {
			return err
		}
		defer l.Release()
		return runPipeline(ctx) // must return soon after ctx is cancelled
	}

	err := daemon.Run(ctx, daemon.Options{
		Cron:       "30 20 * * 0-4",
		RunAtStart: func(ctx context.Context) bool { return false /* latest announcement already digested? */ },
	}, job)
	if err != nil {
		fmt.Fprintln(os.Stderr, "arxiv-digest:", err)
	}
}
