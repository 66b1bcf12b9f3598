package lock

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func lockPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "out", ".arxiv-digest.lock")
}

func mustAcquire(t *testing.T, path string, h Holder) *Lock {
	t.Helper()
	l, err := TryAcquire(path, h)
	if err != nil {
		t.Fatalf("TryAcquire: %v", err)
	}
	t.Cleanup(func() { _ = l.Release() })
	return l
}

func TestTryAcquireConflictsInProcess(t *testing.T) {
	path := lockPath(t)
	since := time.Date(2026, 11, 26, 20, 30, 2, 0, time.UTC)
	first := mustAcquire(t, path, Holder{PID: 4242, Since: since, Command: "arxiv-digest daemon", Host: "box"})

	// flock belongs to the open file description, so a second open in the
	// same process conflicts like another process would.
	l, err := TryAcquire(path, Holder{Command: "arxiv-digest run"})
	if err == nil {
		_ = l.Release()
		t.Fatal("second TryAcquire succeeded while the first holds the lock")
	}
	if !errors.Is(err, ErrHeld) {
		t.Fatalf("err = %v, want ErrHeld", err)
	}
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("err = %T, want *HeldError", err)
	}
	want := Holder{PID: 4242, Since: since, Command: "arxiv-digest daemon", Host: "box"}
	if !held.Holder.Since.Equal(want.Since) || held.Holder.PID != want.PID ||
		held.Holder.Command != want.Command || held.Holder.Host != want.Host {
		t.Errorf("holder = %+v, want %+v", held.Holder, want)
	}
	if held.Path != path {
		t.Errorf("path = %q, want %q", held.Path, path)
	}

	if err := first.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	second := mustAcquire(t, path, Holder{})
	if second.Holder().PID != os.Getpid() {
		t.Errorf("default pid = %d, want %d", second.Holder().PID, os.Getpid())
	}
}

func TestLockFileContent(t *testing.T) {
	path := lockPath(t)
	before := time.Now().Add(-time.Second)
	l := mustAcquire(t, path, Holder{Command: "arxiv-digest run"})

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		PID     int    `json:"pid"`
		Since   string `json:"since"`
		Command string `json:"command"`
		Host    string `json:"host"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("content %q is not JSON: %v", b, err)
	}
	if got.PID != os.Getpid() {
		t.Errorf("pid = %d, want %d", got.PID, os.Getpid())
	}
	since, err := time.Parse(time.RFC3339, got.Since)
	if err != nil {
		t.Errorf("since %q is not RFC3339: %v", got.Since, err)
	} else if since.Before(before) {
		t.Errorf("since = %v, want about now", since)
	}
	if got.Command != "arxiv-digest run" {
		t.Errorf("command = %q", got.Command)
	}
	if host, _ := os.Hostname(); got.Host != host {
		t.Errorf("host = %q, want %q", got.Host, host)
	}

	if err := l.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v, want nil", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("lock file must stay after Release: %v", err)
	}
	if fi.Size() != 0 {
		t.Errorf("lock file size after Release = %d, want 0", fi.Size())
	}
}

func TestHeldErrorMessage(t *testing.T) {
	since := time.Date(2026, 11, 26, 20, 30, 2, 0, time.UTC)
	local := since.Local().Format("2006-01-02 15:04:05 MST")
	host, _ := os.Hostname()
	tests := []struct {
		name string
		err  HeldError
		want string
	}{
		{
			name: "full holder on this host",
			err:  HeldError{Path: "/o/.l", Holder: Holder{PID: 1234, Since: since, Command: "arxiv-digest daemon", Host: host}},
			want: "another arxiv-digest run holds the lock (pid 1234, since " + local + ", `arxiv-digest daemon`); wait with --wait or try later",
		},
		{
			name: "other host is named",
			err:  HeldError{Path: "/o/.l", Holder: Holder{PID: 7, Since: since, Command: "arxiv-digest run", Host: "elsewhere.invalid"}},
			want: "another arxiv-digest run holds the lock (pid 7, since " + local + ", `arxiv-digest run`, on host elsewhere.invalid); wait with --wait or try later",
		},
		{
			name: "unknown holder names the file",
			err:  HeldError{Path: "/o/.l"},
			want: "another arxiv-digest run holds the lock (/o/.l); wait with --wait or try later",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestHeldWithUnreadableContent(t *testing.T) {
	path := lockPath(t)
	l := mustAcquire(t, path, Holder{})
	// Simulate a holder that has not written its record yet.
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := TryAcquire(path, Holder{})
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("err = %v, want *HeldError", err)
	}
	if held.Holder != (Holder{}) {
		t.Errorf("holder = %+v, want zero for garbage content", held.Holder)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("message %q does not name the lock file", err)
	}
	_ = l.Release()
}

func TestTryAcquireReportsOtherErrors(t *testing.T) {
	dir := t.TempDir()
	// The lock path's parent is a regular file: not ErrHeld, a plain error.
	parent := filepath.Join(dir, "file")
	if err := os.WriteFile(parent, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := TryAcquire(filepath.Join(parent, ".lock"), Holder{})
	if err == nil || errors.Is(err, ErrHeld) {
		t.Fatalf("err = %v, want a non-ErrHeld error", err)
	}
	if !strings.HasPrefix(err.Error(), "lock ") {
		t.Errorf("err %q lacks the op prefix", err)
	}
	// Acquire must not wait on such an error.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := Acquire(ctx, filepath.Join(parent, ".lock"), Holder{}, time.Hour); err == nil || ctx.Err() != nil {
		t.Fatalf("Acquire err = %v, ctx err = %v; want an immediate error", err, ctx.Err())
	}
}

func TestAcquireWaitsForRelease(t *testing.T) {
	path := lockPath(t)
	first := mustAcquire(t, path, Holder{})

	var released atomic.Bool
	type result struct {
		l           *Lock
		err         error
		sawReleased bool
	}
	done := make(chan result, 1)
	go func() {
		l, err := Acquire(context.Background(), path, Holder{Command: "waiter"}, 5*time.Millisecond)
		done <- result{l, err, released.Load()}
	}()

	// Give the waiter many polls; it must still be waiting.
	time.Sleep(50 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("Acquire returned (%v, %v) while the lock was held", r.l, r.err)
	default:
	}

	released.Store(true)
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Acquire: %v", r.err)
		}
		defer r.l.Release()
		if !r.sawReleased {
			t.Error("Acquire returned before the holder released")
		}
		if r.l.Holder().Command != "waiter" {
			t.Errorf("holder command = %q", r.l.Holder().Command)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Acquire did not return after release")
	}
}

func TestAcquireCancelled(t *testing.T) {
	path := lockPath(t)
	mustAcquire(t, path, Holder{PID: 99, Command: "arxiv-digest daemon"})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Acquire(ctx, path, Holder{}, time.Hour) // only ctx can end this wait
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "pid 99") {
			t.Errorf("err %q does not name the holder", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Acquire ignored ctx cancellation")
	}
}

func TestSamePathDetectsReplacedFile(t *testing.T) {
	path := lockPath(t)
	l := mustAcquire(t, path, Holder{})
	if same, err := samePath(l.file, path); err != nil || !same {
		t.Fatalf("samePath on the locked file = %v, %v; want true", same, err)
	}
	// A run that opened the old inode and then got its flock after the file
	// was removed (and maybe recreated) must notice and reopen.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if same, err := samePath(l.file, path); err != nil || same {
		t.Fatalf("samePath after remove = %v, %v; want false, nil", same, err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if same, err := samePath(l.file, path); err != nil || same {
		t.Fatalf("samePath after recreate = %v, %v; want false, nil", same, err)
	}
}

func TestLockFileRemovedByHand(t *testing.T) {
	path := lockPath(t)
	first := mustAcquire(t, path, Holder{})
	// Someone deletes the lock file by hand while it is held. A new run then
	// locks a new inode; that is the documented limit. What must hold: the
	// new lock is on the file now at path, so a third run conflicts with it.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	second := mustAcquire(t, path, Holder{PID: 2})
	if _, err := TryAcquire(path, Holder{}); !errors.Is(err, ErrHeld) {
		t.Fatalf("third TryAcquire err = %v, want ErrHeld", err)
	}
	_ = first.Release()
	_ = second.Release()
}

func FuzzParseHolder(f *testing.F) {
	f.Add([]byte(`{"pid":1234,"since":"2026-11-26T20:30:02-05:00","command":"arxiv-digest daemon","host":"box"}`))
	f.Add([]byte(``))
	f.Add([]byte(`{"pid":-1}`))
	f.Add([]byte(`{"since":"yesterday"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHolder(b)
		if err != nil {
			if h != (Holder{}) {
				t.Fatalf("error %v with non-zero holder %+v", err, h)
			}
			return
		}
		if h.PID < 0 {
			t.Fatalf("accepted negative pid %d", h.PID)
		}
		_ = (&HeldError{Path: "p", Holder: h}).Error()
	})
}
