package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

// The server's limits. The pages are files of a few megabytes at most (a
// 2,000-paper day), read by browsers and feed readers: a client gets
// ReadHeaderTimeout to send its request and WriteTimeout to take the
// answer, and an idle connection is closed after IdleTimeout.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 2 * time.Minute
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 64 << 10
	// ShutdownTimeout is how long requests in flight may finish after
	// the server is told to stop; the connections left are then closed.
	ShutdownTimeout = 5 * time.Second
)

// Listen listens on addr (host:port). Its error is one line that says why,
// such as another program holding the port.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	cause := err
	var opErr *net.OpError
	var sysErr *os.SyscallError
	switch {
	case errors.As(err, &sysErr):
		cause = sysErr.Err
	case errors.As(err, &opErr):
		cause = opErr.Err
	}
	hint := ""
	switch {
	case errors.Is(cause, syscall.EADDRINUSE):
		hint = " (another program uses that port: stop it, or choose another address with --addr or serve.addr)"
	case errors.Is(cause, syscall.EACCES):
		hint = " (ports below 1024 need privileges: choose another, e.g. 127.0.0.1:8080)"
	case errors.Is(cause, syscall.EADDRNOTAVAIL):
		hint = " (no network interface of this machine has that address)"
	}
	return nil, fmt.Errorf("serve: cannot listen on %s: %w%s", addr, cause, hint)
}

// Run serves h on ln until ctx is done, then stops accepting connections,
// lets the requests in flight finish for up to ShutdownTimeout and closes
// the connections left. It logs the address it serves at start, with a
// warning when that is reachable beyond this machine. It returns nil once
// shut down, or the error that stopped the server before ctx was done. It
// closes ln.
func Run(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	log = log.With("component", "serve")
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	url, local := address(ln.Addr())
	log.Info("serving the digests", "url", url, "feed", url+"feed.xml")
	if !local {
		log.Warn("the digests are reachable beyond this machine: anyone who can reach this address can read them; use 127.0.0.1 in serve.addr to keep them local",
			"addr", ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("requests still in flight at the shutdown deadline; closing their connections", "timeout", ShutdownTimeout)
		srv.Close()
	}
	<-done // http.ErrServerClosed, at once after Shutdown or Close
	log.Info("stopped serving")
	return nil
}

// address is the URL to reach a server listening on addr, and whether addr
// is this machine's alone. A server on every interface is reached here at
// localhost.
func address(addr net.Addr) (url string, local bool) {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/", false
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/", ip != nil && ip.IsLoopback()
}
