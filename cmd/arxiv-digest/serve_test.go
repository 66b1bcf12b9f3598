package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/render"
)

// servedURL is the address the server logged at start ("" until then).
var servedURL = regexp.MustCompile(`msg="serving the digests" .*url=(http://127\.0\.0\.1:\d+/)`)

// get fetches url and returns its status, Content-Type and body.
func get(t testing.TB, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// checkServed reads the day's pages, the index and the feed through the
// server at base, and checks that the store and its lock in output.dir are
// not served.
func checkServed(t testing.TB, base, dir, date string) {
	t.Helper()
	for _, c := range []struct{ path, file, ctype string }{
		{"", "index.html", "text/html; charset=utf-8"},
		{"feed.xml", "feed.xml", "application/atom+xml; charset=utf-8"},
		{date + "/", date + "/digest.html", "text/html; charset=utf-8"},
		{date + "/digest.json", date + "/digest.json", "application/json; charset=utf-8"},
		{date + "/digest.md", date + "/digest.md", "text/markdown; charset=utf-8"},
	} {
		want, err := os.ReadFile(filepath.Join(dir, "digests", c.file))
		if err != nil {
			t.Fatal(err)
		}
		if c.file == "index.html" {
			// Served, the index has its search box.
			want = bytes.Replace(want, []byte(render.SearchSlot), []byte(render.SearchForm("")), 1)
		}
		if status, ctype, body := get(t, base+c.path); status != 200 || ctype != c.ctype || body != string(want) {
			t.Errorf("GET /%s: %d %s, %d bytes; want 200 %s with %s (%d bytes)", c.path, status, ctype, len(body), c.ctype, c.file, len(want))
		}
	}
	// The search page reads the store the run wrote.
	if status, _, body := get(t, base+"search?q=entanglement"); status != 200 || !strings.Contains(body, "best match first") {
		t.Errorf("GET /search?q=entanglement: %d\n%.500s", status, body)
	}
	for _, name := range []string{"arxiv-digest.db", "arxiv-digest.db-wal", "arxiv-digest.db-shm", "arxiv-digest.db.lock"} {
		if _, err := os.Stat(filepath.Join(dir, "digests", name)); err != nil && name != "arxiv-digest.db-wal" && name != "arxiv-digest.db-shm" {
			t.Fatalf("the store is not where the test expects it: %v", err)
		}
		if status, _, _ := get(t, base+name); status != http.StatusNotFound {
			t.Errorf("GET /%s: %d, want 404", name, status)
		}
	}
	status, _, body := get(t, base+"healthz")
	var h struct {
		OK     bool   `json:"ok"`
		Latest string `json:"latest"`
	}
	if err := json.Unmarshal([]byte(body), &h); status != 200 || err != nil || !h.OK || h.Latest != date {
		t.Errorf("GET /healthz: %d %s, want ok with latest %s", status, body, date)
	}
}

// refused waits until nothing listens at base any more.
func refused(t testing.TB, base string) {
	t.Helper()
	host := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	waitFor(t, 5*time.Second, "the server to stop listening", func() bool {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
}

// TestServeCommand runs a day, then serves it in-process until SIGTERM.
func TestServeCommand(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "serve:\n  addr: 127.0.0.1:1\n")
	if res := runCLI(t, "run", "--config", cfg); res.code != 0 {
		t.Fatalf("run: exit %d: %s", res.code, res.stderr)
	}

	stderr := &lockedBuffer{}
	sig := make(chan os.Signal, 1)
	e := &env{stdout: io.Discard, stderr: stderr, getenv: func(string) string { return "" },
		signals: func() (<-chan os.Signal, func()) { return sig, func() {} }}
	done := make(chan int, 1)
	go func() {
		// --addr wins over serve.addr (port 1, which nothing may use).
		err := run(context.Background(), []string{"serve", "--config", cfg, "--addr", "127.0.0.1:0"}, e)
		done <- report(stderr, err)
	}()
	var base string
	waitFor(t, 10*time.Second, "the server's address in its log", func() bool {
		if m := servedURL.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
		return base != ""
	})
	checkServed(t, base, dir, "2025-04-28")

	sig <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve: exit %d after SIGTERM, want 0\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve still running 15s after SIGTERM\n%s", stderr.String())
	}
	refused(t, base)
	if logs := stderr.String(); !strings.Contains(logs, "stopped serving") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("serve's log:\n%s", logs)
	}
}

// TestServeErrors: each problem is one line with its exit code, before
// anything is served.
func TestServeErrors(t *testing.T) {
	dir := t.TempDir()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := testConfig(t, dir, "http://127.0.0.1:1", "http://127.0.0.1:1/v1", "serve:\n  addr: "+taken.Addr().String()+"\n")
	if err := os.MkdirAll(filepath.Join(dir, "digests"), 0o755); err != nil {
		t.Fatal(err)
	}
	badCfg := filepath.Join(dir, "bad.yaml")
	data, _ := os.ReadFile(cfg)
	os.WriteFile(badCfg, []byte(strings.Replace(string(data), "addr: "+taken.Addr().String(), "addr: localhost", 1)), 0o644)
	missing := filepath.Join(dir, "missing.yaml")
	os.WriteFile(missing, []byte(strings.Replace(string(data), filepath.Join(dir, "digests"), filepath.Join(dir, "nowhere"), 1)), 0o644)

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"port in use", []string{"serve", "--config", cfg}, 1,
			"arxiv-digest: serve: cannot listen on " + taken.Addr().String() + ": address already in use (another program uses that port: stop it, or choose another address with --addr or serve.addr)"},
		{"daemon, port in use", []string{"daemon", "--config", cfg + ".daemon"}, 1,
			"arxiv-digest: serve: cannot listen on " + taken.Addr().String() + ": address already in use"},
		{"bad --addr", []string{"serve", "--config", cfg, "--addr", "8080"}, 2,
			`arxiv-digest: --addr: invalid value "8080": want host:port, e.g. 127.0.0.1:8080`},
		{"bad serve.addr", []string{"serve", "--config", badCfg}, 2,
			"arxiv-digest: " + badCfg + `: line 24: serve.addr: invalid value "localhost": want host:port, e.g. 127.0.0.1:8080`},
		{"no output.dir", []string{"serve", "--config", missing}, 2,
			"arxiv-digest: output.dir " + filepath.Join(dir, "nowhere") + " does not exist: nothing to serve yet (`arxiv-digest run` writes the first digest there)"},
	}
	os.WriteFile(cfg+".daemon", []byte(string(data)+"  enabled: true\n"), 0o644)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, tt.args...)
			// The daemon logs its start first; the error is the last line,
			// and the only one.
			lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
			last := lines[len(lines)-1]
			if res.code != tt.code || !strings.HasPrefix(last, tt.want) || strings.Count(res.stderr, "arxiv-digest: ") != 1 {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and one error line starting\n%s", res.code, res.stderr, tt.code, tt.want)
			}
		})
	}
}

// TestDaemonServes runs the real daemon with serve.enabled: it serves the
// day it writes, and SIGTERM stops the schedule and the server together.
func TestDaemonServes(t *testing.T) {
	dir := t.TempDir()
	today, feed := todaysFeed(t)
	arxiv := newFakeArxiv(t, feed)
	llm := fakeopenai.NewT(t, fakeopenai.Config{MeanLatency: 20 * time.Millisecond, Seed: 9})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "schedule:\n  cron: \"0 0 1 1 *\"\nserve:\n  enabled: true\n  addr: 127.0.0.1:0\n")

	d := start(t, "daemon", "--config", cfg)
	var base string
	waitFor(t, 30*time.Second, "the server's address in the daemon's log", func() bool {
		if m := servedURL.FindStringSubmatch(d.stderr.String()); m != nil {
			base = m[1]
		}
		return base != ""
	})
	// Served while the day is still being judged: healthy, and no day yet
	// until the first run writes it.
	if status, _, body := get(t, base+"healthz"); status != 200 || !strings.Contains(body, `"ok":true`) {
		t.Errorf("GET /healthz at start: %d %s", status, body)
	}
	waitFor(t, 60*time.Second, "the run at start to write the day", func() bool {
		_, _, body := get(t, base+"healthz")
		return strings.Contains(body, `"latest":"`+today+`"`)
	})
	waitFor(t, 30*time.Second, "the run to finish", func() bool { return strings.Contains(d.stdout.String(), today+":") })
	checkServed(t, base, dir, today)

	d.cmd.Process.Signal(syscall.SIGTERM)
	if code := d.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("daemon exit %d after SIGTERM\n%s", code, d.stderr.String())
	}
	refused(t, base)
	if logs := d.stderr.String(); !strings.Contains(logs, "stopped serving") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("the daemon's log:\n%s", logs)
	}
}
