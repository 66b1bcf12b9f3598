package lock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// ErrHeld reports that another process holds the lock. A *HeldError is
// ErrHeld: callers test with errors.Is(err, lock.ErrHeld) and use errors.As
// to get the holder for a message.
var ErrHeld = errors.New("lock held")

// Holder describes the process that holds the lock. It is written into the
// lock file after the lock is taken, only so that a second run can say who it
// is waiting for; the lock itself is the kernel's flock, not this content.
type Holder struct {
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
	Command string    `json:"command,omitempty"`
	Host    string    `json:"host,omitempty"`
}

// HeldError is returned by TryAcquire when another open file description
// (normally another process) holds the lock at Path. Holder is what that
// process wrote into the lock file; it is the zero Holder when the content
// could not be read (the holder may be writing it at this very moment).
type HeldError struct {
	Path   string
	Holder Holder
}

// sinceLayout is how Error shows Holder.Since, in the reader's local zone.
const sinceLayout = "2006-01-02 15:04:05 MST"

// Error names the holder, e.g. "another arxiv-digest run holds the lock (pid
// 1234, since 2026-11-26 20:30:02 EST, `arxiv-digest daemon`); wait with
// --wait or try later".
func (e *HeldError) Error() string {
	var who []string
	if e.Holder.PID > 0 {
		who = append(who, fmt.Sprintf("pid %d", e.Holder.PID))
	}
	if !e.Holder.Since.IsZero() {
		who = append(who, "since "+e.Holder.Since.Local().Format(sinceLayout))
	}
	if e.Holder.Command != "" {
		who = append(who, "`"+e.Holder.Command+"`")
	}
	if e.Holder.Host != "" && e.Holder.Host != localHost() {
		who = append(who, "on host "+e.Holder.Host)
	}
	if len(who) == 0 {
		// Content not written yet (or unreadable): name the file instead.
		who = append(who, e.Path)
	}
	return "another arxiv-digest run holds the lock (" + strings.Join(who, ", ") +
		"); wait with --wait or try later"
}

// Is makes errors.Is(err, ErrHeld) true for a *HeldError.
func (e *HeldError) Is(target error) bool { return target == ErrHeld }

// withDefaults fills what the caller left empty: our pid, now, our host name
// and the program name.
func (h Holder) withDefaults(now time.Time) Holder {
	if h.PID == 0 {
		h.PID = os.Getpid()
	}
	if h.Since.IsZero() {
		h.Since = now
	}
	if h.Host == "" {
		h.Host = localHost()
	}
	if h.Command == "" {
		h.Command = "arxiv-digest"
	}
	return h
}

// maxHolderBytes caps how much of a lock file is read: the content is ours and
// tiny, anything bigger is not a holder record.
const maxHolderBytes = 4 << 10

// parseHolder decodes lock-file content. Empty or malformed content is an
// error; the caller then reports the holder as unknown.
func parseHolder(b []byte) (Holder, error) {
	var h Holder
	if len(b) == 0 {
		return h, errors.New("parse holder: empty")
	}
	if len(b) > maxHolderBytes {
		return h, fmt.Errorf("parse holder: %d bytes, want at most %d", len(b), maxHolderBytes)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return Holder{}, fmt.Errorf("parse holder: %w", err)
	}
	if h.PID < 0 {
		return Holder{}, fmt.Errorf("parse holder: negative pid %d", h.PID)
	}
	return h, nil
}

func localHost() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}
