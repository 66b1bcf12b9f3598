// Package lock lets one arxiv-digest run at a time work on a store,
// across processes: a manual run while the daemon runs, or two manual runs,
// must not pay twice for the same papers nor interleave their writes.
//
// The lock is an OS advisory lock (flock(2), LOCK_EX) on a lock file such as
// <store.path>.lock, next to the database. The kernel drops it when the holding
// process exits for any reason, kill -9 included, so a stale lock never
// blocks. The file's content (JSON: pid, since, command, host) only serves
// the message a second run prints; it is not the lock.
//
// The lock file is never deleted: unlinking a flock'ed file lets two
// processes lock two different inodes under the same name.
package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultPoll is how often Acquire retries when poll is not positive.
const DefaultPoll = time.Second

// maxReopen bounds how often TryAcquire reopens a lock file that was replaced
// or removed (by hand) between open and flock.
const maxReopen = 5

// Lock is a held lock. Release it when the run ends; the kernel releases it
// anyway when the process dies.
type Lock struct {
	path   string
	holder Holder

	mu   sync.Mutex
	file *os.File // nil once released
}

// Path is the lock file's path.
func (l *Lock) Path() string { return l.path }

// Holder is what this lock wrote into the lock file.
func (l *Lock) Holder() Holder { return l.holder }

// TryAcquire takes the lock at path without waiting. When another open file
// description holds it, TryAcquire returns a *HeldError (which is ErrHeld)
// naming the holder. Fields of h left empty are filled in (our pid, now, our
// host name, "arxiv-digest"). The folder of path is created if missing.
//
// The file is opened close-on-exec, so child processes (a browser started for
// PDF rendering, say) never inherit the lock.
func TryAcquire(path string, h Holder) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for range maxReopen {
		l, retry, err := tryOnce(path, h)
		if !retry {
			return l, err
		}
	}
	return nil, fmt.Errorf("lock %s: file keeps being replaced", path)
}

// tryOnce opens, flocks and checks that the locked file is still the one at
// path. retry is true when it was replaced or removed meanwhile.
func tryOnce(path string, h Holder) (l *Lock, retry bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := flock(f, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			holder, _ := readHolder(f) // unknown holder still makes a useful message
			return nil, false, &HeldError{Path: path, Holder: holder}
		}
		return nil, false, fmt.Errorf("lock %s: flock: %w", path, err)
	}
	same, err := samePath(f, path)
	if err != nil || !same {
		f.Close() // closing drops the flock
		return nil, err == nil, errOrNil(path, err)
	}

	h = h.withDefaults(time.Now())
	if err := writeHolder(f, h); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("lock %s: write holder: %w", path, err)
	}
	return &Lock{path: path, holder: h, file: f}, false, nil
}

func errOrNil(path string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("lock %s: %w", path, err)
}

// Acquire takes the lock at path, waiting for the holder to release it. It
// polls every poll (DefaultPoll if poll <= 0) rather than blocking in flock,
// so that ctx can end the wait: it then returns an error that wraps
// ctx.Err() and names the holder it waited for. Errors other than ErrHeld end
// the wait at once.
//
// To tell the user who they are waiting for, call TryAcquire first and print
// its *HeldError before calling Acquire.
func Acquire(ctx context.Context, path string, h Holder, poll time.Duration) (*Lock, error) {
	if poll <= 0 {
		poll = DefaultPoll
	}
	var t *time.Timer
	for {
		l, err := TryAcquire(path, h)
		var held *HeldError
		if !errors.As(err, &held) {
			return l, err
		}
		if t == nil {
			t = time.NewTimer(poll)
			defer t.Stop()
		} else {
			t.Reset(poll)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock %s: stopped waiting (%s): %w", path, held.Error(), ctx.Err())
		case <-t.C:
		}
	}
}

// Release empties the lock file and releases the lock. It is safe to call
// more than once; later calls return nil.
func (l *Lock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil {
		return nil
	}
	f := l.file
	l.file = nil
	// Empty the holder record while still holding the lock, so nobody reads a
	// departed holder; then unlock explicitly (Close would do it too).
	terr := f.Truncate(0)
	uerr := flock(f, unix.LOCK_UN)
	cerr := f.Close()
	if err := errors.Join(terr, uerr, cerr); err != nil {
		return fmt.Errorf("lock %s: release: %w", l.path, err)
	}
	return nil
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// samePath reports whether f is still the file at path (nobody removed or
// replaced it between our open and our flock).
func samePath(f *os.File, path string) (bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	pi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(fi, pi), nil
}

// writeHolder replaces the file's content with h: truncate, write, sync.
func writeHolder(f *os.File, h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return f.Sync()
}

func readHolder(f *os.File) (Holder, error) {
	b, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, 0, maxHolderBytes+1), maxHolderBytes+1))
	if err != nil {
		return Holder{}, err
	}
	return parseHolder(b)
}
