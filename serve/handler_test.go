package serve

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/render"
)

// rawGet sends method target as written, byte for byte (no client cleans
// or escapes it), over a new connection to srv, and follows up to five
// redirects the same way. It returns the last response, its body read.
func rawGet(t *testing.T, srv *httptest.Server, method, target string, header ...string) (*http.Response, []byte) {
	t.Helper()
	addr := strings.TrimPrefix(srv.URL, "http://")
	for range 6 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		req := method + " " + target + " HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n"
		for _, h := range header {
			req += h + "\r\n"
		}
		if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		body, err := io.ReadAll(resp.Body)
		conn.Close()
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			return resp, body
		}
		base, err := url.Parse(target)
		if err != nil {
			t.Fatalf("redirected from unparsable %q to %q", target, loc)
		}
		next, err := base.Parse(loc)
		if err != nil {
			t.Fatalf("bad Location %q: %v", loc, err)
		}
		target = next.RequestURI()
	}
	t.Fatalf("%s %s: more than five redirects", method, target)
	return nil, nil
}

func TestServesWhatRenderWrote(t *testing.T) {
	dir := outputDir(t)
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	latest := days[len(days)-1]
	tests := []struct {
		path, file, ctype string
	}{
		{"/", render.IndexFile, "text/html; charset=utf-8"},
		{"/index.html", render.IndexFile, "text/html; charset=utf-8"},
		{"/feed.xml", render.FeedFile, "application/atom+xml; charset=utf-8"},
		{"/" + latest + "/", latest + "/" + render.HTMLFile, "text/html; charset=utf-8"},
		{"/" + latest + "/digest.html", latest + "/" + render.HTMLFile, "text/html; charset=utf-8"},
		{"/" + latest + "/digest.md", latest + "/" + render.MarkdownFile, "text/markdown; charset=utf-8"},
		{"/" + latest + "/digest.json", latest + "/" + render.JSONFile, "application/json; charset=utf-8"},
		{"/" + days[0] + "/", days[0] + "/" + render.HTMLFile, "text/html; charset=utf-8"},
		{"/" + days[0] + "/?utm=x", days[0] + "/" + render.HTMLFile, "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := rawGet(t, srv, "GET", tt.path)
			want, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
				t.Fatalf("status %d, %d bytes; want 200 with %s (%d bytes)", resp.StatusCode, len(body), tt.file, len(want))
			}
			fi, _ := os.Stat(filepath.Join(dir, tt.file))
			for k, v := range map[string]string{
				"Content-Type":           tt.ctype,
				"Cache-Control":          "no-cache",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"Last-Modified":          fi.ModTime().UTC().Format(http.TimeFormat),
				"Content-Length":         strconv.Itoa(len(want)),
			} {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if etag := resp.Header.Get("ETag"); !regexp.MustCompile(`^"[0-9a-f]+-[0-9a-f]+"$`).MatchString(etag) {
				t.Errorf("ETag = %q, want a strong tag", etag)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
		})
	}
}

// TestPolicyIsThePages: the header sends the policy the pages carry in
// their <meta> tag, so the header takes nothing away that a page needs.
func TestPolicyIsThePages(t *testing.T) {
	dir := outputDir(t)
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	meta := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`)
	for _, path := range []string{"/", "/" + days[1] + "/"} {
		resp, body := rawGet(t, srv, "GET", path)
		m := meta.FindSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no CSP <meta> in the page", path)
		}
		page := strings.ReplaceAll(string(m[1]), "&#39;", "'")
		if got := resp.Header.Get("Content-Security-Policy"); got != page+"; frame-ancestors 'none'" {
			t.Errorf("%s: header policy %q, page policy %q", path, got, page)
		}
	}
}

// TestDayFolderRedirects: /<date> goes on to /<date>/ when the day exists.
func TestDayFolderRedirects(t *testing.T) {
	dir := outputDir(t)
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/" + days[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != days[1]+"/" {
		t.Errorf("GET /%s: %d to %q, want 301 to %q", days[1], resp.StatusCode, resp.Header.Get("Location"), days[1]+"/")
	}
	resp, body := rawGet(t, srv, "GET", "/"+days[1])
	if want, _ := os.ReadFile(filepath.Join(dir, days[1], render.HTMLFile)); resp.StatusCode != 200 || !bytes.Equal(body, want) {
		t.Errorf("following the redirect: %d, want the day's page", resp.StatusCode)
	}
	for _, path := range []string{"/2025-05-01", "/2025-02-30", "/20250428", "/latest"} {
		if resp, _ := rawGet(t, srv, "GET", path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestNeverServed: the store, its lock, dotfiles, the day's internal files
// and anything outside the folder are 404, however the path is written.
func TestNeverServed(t *testing.T) {
	dir := outputDir(t)
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	d := days[1]
	paths := []string{
		"/arxiv-digest.db", "/arxiv-digest.db-wal", "/arxiv-digest.db-shm", "/arxiv-digest.db.lock",
		"/arxiv-digest.db/", "/" + d + "/../arxiv-digest.db",
		"/.env", "/" + days[0] + "/.notes",
		"/" + d + "/summary.json", "/" + d + "/entry.html", "/" + d + "/digest.json.tmp", "/" + d + "/digest",
		"/../secret.txt", "/../digest.json", "/../../../../etc/passwd",
		"/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/%2e%2e%2fsecret.txt", "/..%2fsecret.txt", "/..%2Fdigest.json",
		"/" + d + "/..%2f..%2fsecret.txt", "/" + d + "/%2e%2e/%2e%2e/secret.txt", "/" + d + "/../../digest.json",
		"/..\\secret.txt", "/%5c..%5csecret.txt", "/" + d + "\\..\\..\\secret.txt", "/" + d + "/..%5c..%5cdigest.json",
		"/" + d + "/..\\..\\digest.json", "//secret.txt", "///../secret.txt", "/2025-01-01.md",
		"/" + d + "/digest.json%00", "/" + d + "/digest.json%00.html", "/" + d + "%2fdigest.json",
	}
	for _, path := range paths {
		resp, body := rawGet(t, srv, "GET", path)
		if resp.StatusCode == http.StatusOK || bytes.Contains(body, []byte("SECRET")) || bytes.Contains(body, []byte("SQLite format 3")) ||
			bytes.Contains(body, []byte(`"pid"`)) {
			t.Errorf("GET %s: %d %q, want it refused", path, resp.StatusCode, trim(body))
		}
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 404 (or 400 for a request the server cannot parse)", path, resp.StatusCode)
		}
	}
}

// TestDotsStayInside: dot segments are cleaned (with a redirect) to the
// page they name inside the folder, never above it.
func TestDotsStayInside(t *testing.T) {
	dir := outputDir(t)
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	index, _ := os.ReadFile(filepath.Join(dir, render.IndexFile))
	page, _ := os.ReadFile(filepath.Join(dir, days[1], render.HTMLFile))
	for path, want := range map[string][]byte{
		"/.": index, "/..": index, "/../../": index, "/" + days[1] + "/..": index,
		"/" + days[1] + "/.": page, "/" + days[0] + "/../" + days[1] + "/": page, "/x/../" + days[1] + "/digest.html": page,
	} {
		resp, body := rawGet(t, srv, "GET", path)
		if resp.StatusCode != 200 || !bytes.Equal(body, want) {
			t.Errorf("GET %s: %d %q", path, resp.StatusCode, trim(body))
		}
	}
}

func trim(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

// TestSymlinks: a link out of the folder is never followed, and a link
// inside it is not served either: render writes no links.
func TestSymlinks(t *testing.T) {
	dir := outputDir(t)
	parent := filepath.Dir(dir)
	link := func(target, name string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}
	// A day folder that is a link to the folder above, which holds a
	// digest.json; a day whose files link out, by relative and absolute
	// paths, and to the database inside the folder.
	link(parent, filepath.Join(dir, "2025-04-29"))
	link("../../secret.txt", filepath.Join(dir, "2025-04-30", render.MarkdownFile))
	link(filepath.Join(parent, "secret.txt"), filepath.Join(dir, "2025-04-30", render.HTMLFile))
	link("../arxiv-digest.db", filepath.Join(dir, "2025-04-30", render.JSONFile))
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	for _, path := range []string{"/2025-04-29/digest.json", "/2025-04-29/", "/2025-04-29",
		"/2025-04-30/digest.md", "/2025-04-30/", "/2025-04-30/digest.html", "/2025-04-30/digest.json"} {
		resp, body := rawGet(t, srv, "GET", path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d %q, want 404", path, resp.StatusCode, trim(body))
		}
	}
	// The index itself a link out.
	if err := os.Rename(filepath.Join(dir, render.IndexFile), filepath.Join(parent, render.IndexFile)); err != nil {
		t.Fatal(err)
	}
	link(filepath.Join(parent, render.IndexFile), filepath.Join(dir, render.IndexFile))
	if resp, _ := rawGet(t, srv, "GET", "/"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET / with index.html a link out: %d, want 404", resp.StatusCode)
	}
	// The health check counts neither linked day.
	_, body := rawGet(t, srv, "GET", "/healthz")
	var rep healthReport
	if err := json.Unmarshal(body, &rep); err != nil || rep.Days != len(days) || rep.Latest != days[1] {
		t.Errorf("healthz with linked days: %s (%v), want %d days, latest %s", body, err, len(days), days[1])
	}
}

// TestConditional: the validators a browser or feed reader sends back get
// a 304 while the file is the same, and the new file once it changed.
func TestConditional(t *testing.T) {
	dir := outputDir(t)
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	resp, first := rawGet(t, srv, "GET", "/feed.xml")
	etag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if resp.StatusCode != 200 || etag == "" || modified == "" {
		t.Fatalf("GET /feed.xml: %d, ETag %q, Last-Modified %q", resp.StatusCode, etag, modified)
	}
	for _, h := range []string{"If-None-Match: " + etag, "If-None-Match: \"other\", " + etag, "If-Modified-Since: " + modified} {
		resp, body := rawGet(t, srv, "GET", "/feed.xml", h)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != etag {
			t.Errorf("GET with %s: %d, %d bytes, ETag %q; want 304 without a body", h, resp.StatusCode, len(body), resp.Header.Get("ETag"))
		}
	}
	if resp, _ := rawGet(t, srv, "GET", "/feed.xml", `If-None-Match: "0-0"`); resp.StatusCode != 200 {
		t.Errorf("GET with another ETag: %d, want 200", resp.StatusCode)
	}
	// A range of the file, and a range that holds only while it is the
	// same version.
	resp, body := rawGet(t, srv, "GET", "/feed.xml", "Range: bytes=0-9")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, first[:10]) {
		t.Errorf("Range: %d %q, want 206 %q", resp.StatusCode, body, first[:10])
	}
	if resp, _ := rawGet(t, srv, "GET", "/feed.xml", "Range: bytes=0-9", `If-Range: "0-0"`); resp.StatusCode != 200 {
		t.Errorf("Range with a stale If-Range: %d, want 200 (the whole new file)", resp.StatusCode)
	}

	// Another run of the day: the feed changes, and the old validators
	// get the new file.
	d := day(days[1])
	d.GeneratedAt = days[1] + "T03:00:00Z"
	d.Papers[0].TLDR = "A second run's TL;DR."
	time.Sleep(10 * time.Millisecond) // a new modification time even on a coarse clock
	if _, err := render.Write(dir, d, render.HistoryOptions{}); err != nil {
		t.Fatal(err)
	}
	resp, body = rawGet(t, srv, "GET", "/feed.xml", "If-None-Match: "+etag)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("A second run")) || resp.Header.Get("ETag") == etag {
		t.Errorf("after a rerun, GET with the old ETag: %d, ETag %q (was %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
}

// TestHead: HEAD answers as GET would, without the body.
func TestHead(t *testing.T) {
	dir := outputDir(t)
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	fi, _ := os.Stat(filepath.Join(dir, days[1], render.JSONFile))
	resp, body := rawGet(t, srv, "HEAD", "/"+days[1]+"/digest.json")
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != fi.Size() || resp.Header.Get("Content-Type") != jsonType || resp.Header.Get("ETag") == "" {
		t.Errorf("HEAD: %d, %d bytes of body, length %d (file %d), type %q, ETag %q",
			resp.StatusCode, len(body), resp.ContentLength, fi.Size(), resp.Header.Get("Content-Type"), resp.Header.Get("ETag"))
	}
	if resp, _ := rawGet(t, srv, "HEAD", "/nothing"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD /nothing: %d, want 404", resp.StatusCode)
	}
}

// TestMethods: only GET and HEAD; anything else on a page is 405 with the
// methods allowed, and on no page 404.
func TestMethods(t *testing.T) {
	dir := outputDir(t)
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	for _, c := range []struct{ method, path string }{
		{"POST", "/"}, {"PUT", "/feed.xml"}, {"DELETE", "/" + days[1] + "/digest.json"}, {"POST", "/healthz"},
		{"PATCH", "/" + days[1] + "/"}, {"OPTIONS", "/index.html"},
	} {
		resp, _ := rawGet(t, srv, c.method, c.path, "Content-Length: 0")
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), "GET") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: %d, Allow %q; want 405 allowing GET", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, days[1], render.JSONFile)); err != nil {
		t.Errorf("DELETE removed the file: %v", err)
	}
	for _, path := range []string{"/nothing", "/robots.txt", "/favicon.ico", "/" + days[1] + "/digest.pdf", "/" + days[1] + "/x/y"} {
		if resp, _ := rawGet(t, srv, "GET", path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if resp, _ := rawGet(t, srv, "POST", "/nothing", "Content-Length: 0"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /nothing: %d, want 404", resp.StatusCode)
	}
}

func TestHealthz(t *testing.T) {
	dir := outputDir(t)
	srv := httptest.NewServer(newHandler(t, dir))
	defer srv.Close()
	resp, body := rawGet(t, srv, "GET", "/healthz")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != jsonType || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("healthz: %d, type %q, cache %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	if want := `{"ok":true,"days":2,"latest":"2025-04-28"}` + "\n"; string(body) != want {
		t.Errorf("healthz = %s, want %s", body, want)
	}
	if bytes.Contains(body, []byte(dir)) {
		t.Errorf("healthz names the folder: %s", body)
	}

	// A folder without digests yet: healthy, nothing to show.
	empty := newHandler(t, t.TempDir())
	esrv := httptest.NewServer(empty)
	defer esrv.Close()
	if resp, body := rawGet(t, esrv, "GET", "/healthz"); resp.StatusCode != 200 || string(body) != `{"ok":true,"days":0}`+"\n" {
		t.Errorf("healthz of an empty folder: %d %s", resp.StatusCode, body)
	}
	if resp, body := rawGet(t, esrv, "GET", "/"); resp.StatusCode != 404 || !bytes.Contains(body, []byte("arxiv-digest run")) {
		t.Errorf("index of an empty folder: %d %q, want 404 saying how to make one", resp.StatusCode, body)
	}
}

func TestNewNeedsTheFolder(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "missing"), nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("New on a missing folder: %v, want an error naming it", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := New(file, nil); err == nil {
		t.Errorf("New on a file: no error")
	}
}
