package serve

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a log other goroutines write to while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRunShutsDownGracefully: a request in flight when the server is told
// to stop is answered in full; new connections are refused; Run returns
// nil.
func TestRunShutsDownGracefully(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		io.WriteString(w, "whole answer")
	})
	var logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, ln, h, slog.New(slog.NewTextHandler(&logs, nil))) }()

	if resp, err := http.Get("http://" + addr + "/"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	if want := "url=http://" + addr + "/"; !strings.Contains(logs.String(), want) {
		t.Errorf("the start is not logged with %s:\n%s", want, logs.String())
	}
	if strings.Contains(logs.String(), "beyond this machine") {
		t.Errorf("a loopback address is warned about:\n%s", logs.String())
	}
	type answer struct {
		body string
		err  error
	}
	slow := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			slow <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- answer{string(b), err}
	}()
	<-started
	cancel()
	// The listener closes at once; the request in flight goes on.
	deadline := time.Now().Add(ShutdownTimeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after the shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned %v with a request in flight", err)
	default:
	}
	close(release)
	if a := <-slow; a.err != nil || a.body != "whole answer" {
		t.Errorf("the request in flight got %q, %v; want the whole answer", a.body, a.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil after a shutdown", err)
		}
	case <-time.After(ShutdownTimeout + 10*time.Second):
		t.Fatal("Run did not return after the shutdown")
	}
	if !strings.Contains(logs.String(), "stopped serving") {
		t.Errorf("the stop is not logged:\n%s", logs.String())
	}
}

// TestRunCutsAStuckRequest: a request that does not finish by the shutdown
// deadline has its connection closed, and Run returns.
func TestRunCutsAStuckRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the shutdown deadline")
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("begun"))
		w.(http.Flusher).Flush()
		close(started)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs lockedBuffer
	go func() { done <- Run(ctx, ln, h, slog.New(slog.NewTextHandler(&logs, nil))) }()
	client := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		client <- err
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(ShutdownTimeout + 10*time.Second):
		t.Fatal("Run did not return after the shutdown deadline")
	}
	if err := <-client; err == nil {
		t.Error("the stuck request's body ended cleanly; want its connection cut")
	}
	if !strings.Contains(logs.String(), "shutdown deadline") {
		t.Errorf("the cut is not logged:\n%s", logs.String())
	}
}

// TestServerLimits: the server Run starts refuses headers past
// MaxHeaderBytes.
func TestServerLimits(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, ln, newHandler(t, outputDir(t)), slog.New(slog.DiscardHandler))
	}()
	defer func() { cancel(); <-done }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 2*MaxHeaderBytes)+"\r\n\r\n")
	b, _ := io.ReadAll(io.LimitReader(c, 200))
	if !strings.HasPrefix(string(b), "HTTP/1.1 431") {
		t.Errorf("oversized headers: %q, want 431", b)
	}
}

func TestListenError(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(ln.Addr().String())
	if err == nil {
		t.Fatal("a second listener on the same port: no error")
	}
	msg := err.Error()
	if !strings.Contains(msg, "cannot listen on "+ln.Addr().String()+": address already in use") || !strings.Contains(msg, "--addr or serve.addr") || strings.Contains(msg, "\n") {
		t.Errorf("error = %q, want one line naming the address, the cause and what to do", msg)
	}
}

func TestAddress(t *testing.T) {
	tests := []struct {
		addr, url string
		local     bool
	}{
		{"127.0.0.1:8080", "http://127.0.0.1:8080/", true},
		{"[::1]:8080", "http://[::1]:8080/", true},
		{"0.0.0.0:8080", "http://localhost:8080/", false},
		{"[::]:8080", "http://localhost:8080/", false},
		{"192.168.1.20:80", "http://192.168.1.20:80/", false},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if url, local := address(a); url != tt.url || local != tt.local {
			t.Errorf("address(%s) = %s, %v; want %s, %v", tt.addr, url, local, tt.url, tt.local)
		}
	}
}
