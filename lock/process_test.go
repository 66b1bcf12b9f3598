package lock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const helperEnv = "ARXIV_DIGEST_LOCK_HELPER"

// TestHelperProcess is not a test: the parent re-executes the test binary to
// run it as a separate process that takes the lock, says "locked", and holds
// the lock until its stdin closes or it is killed.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	l, err := TryAcquire(path, Holder{Command: "lock helper"})
	if err != nil {
		fmt.Fprintln(os.Stdout, "error:", err)
		os.Exit(2)
	}
	fmt.Fprintln(os.Stdout, "locked")
	_, _ = io.Copy(io.Discard, os.Stdin) // hold until the parent goes away
	_ = l.Release()
	os.Exit(0)
}

// startHolder starts a child process holding the lock at path. Closing its
// stdin makes it release the lock and exit.
func startHolder(t *testing.T, path string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("helper said %q (%v), want \"locked\"", line, err)
	}
	return cmd, stdin
}

func TestOtherProcessHoldsLock(t *testing.T) {
	path := lockPath(t)
	child, _ := startHolder(t, path)

	_, err := TryAcquire(path, Holder{})
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("err = %v, want *HeldError", err)
	}
	if held.Holder.PID != child.Process.Pid {
		t.Errorf("holder pid = %d, want child pid %d", held.Holder.PID, child.Process.Pid)
	}
	if held.Holder.Command != "lock helper" {
		t.Errorf("holder command = %q", held.Holder.Command)
	}
	if want := fmt.Sprintf("pid %d", child.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not contain %q", err, want)
	}
	if time.Since(held.Holder.Since) < 0 || time.Since(held.Holder.Since) > time.Hour {
		t.Errorf("holder since = %v, want about now", held.Holder.Since)
	}
}

func TestKilledHolderLeavesNoStaleLock(t *testing.T) {
	path := lockPath(t)
	child, _ := startHolder(t, path)
	if _, err := TryAcquire(path, Holder{}); !errors.Is(err, ErrHeld) {
		t.Fatalf("err = %v, want ErrHeld while the child lives", err)
	}

	if err := child.Process.Kill(); err != nil { // SIGKILL: no chance to clean up
		t.Fatal(err)
	}
	_ = child.Wait()

	// The file still names the dead child, but the kernel dropped its flock:
	// we get the lock at once, without waiting.
	l, err := TryAcquire(path, Holder{})
	if err != nil {
		t.Fatalf("TryAcquire after SIGKILL: %v", err)
	}
	defer l.Release()
	if l.Holder().PID != os.Getpid() {
		t.Errorf("pid = %d, want ours", l.Holder().PID)
	}
}

func TestAcquireWaitsForOtherProcess(t *testing.T) {
	path := lockPath(t)
	_, release := startHolder(t, path)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got := make(chan error, 1)
	var released atomic.Bool // set before we tell the child to release
	go func() {
		l, err := Acquire(ctx, path, Holder{}, 5*time.Millisecond)
		if err == nil {
			if !released.Load() {
				err = errors.New("acquired while the child still held the lock")
			}
			_ = l.Release()
		}
		got <- err
	}()

	time.Sleep(50 * time.Millisecond) // let Acquire poll a few times
	released.Store(true)
	_ = release.Close() // the child releases and exits
	if err := <-got; err != nil {
		t.Fatalf("Acquire: %v", err)
	}
}
