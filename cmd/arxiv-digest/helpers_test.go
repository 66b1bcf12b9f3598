package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

const fixtures = "../../testdata/arxiv/"

// testKey is a recognisable API key: no output, log or database may hold it.
const testKey = "sk-test-RECOGNISABLE-9f8e7d6c5b4a"

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return data
}

// fakeArxiv stands in for rss.arxiv.org: it answers GET /rss/<query> with
// whatever the test sets, and records what was asked.
type fakeArxiv struct {
	*httptest.Server
	mu          sync.Mutex
	status      int
	contentType string
	body        []byte
	paths       []string
	agents      []string
	routes      map[string][]byte // path -> body served with 200, before the default
	// etag and lastModified, when set, are sent with every 200, and a
	// request whose If-None-Match matches etag (or, without one, whose
	// If-Modified-Since matches lastModified) gets 304 without a body, as
	// rss.arxiv.org's web server would answer.
	etag, lastModified string
	conditional        []string // "If-None-Match|If-Modified-Since" of each request
	hits               atomic.Int64
	full               atomic.Int64 // 200 answers with a body
}

func newFakeArxiv(t testing.TB, body []byte) *fakeArxiv {
	f := &fakeArxiv{status: http.StatusOK, contentType: "application/rss+xml; charset=utf-8", body: body}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		f.mu.Lock()
		f.paths = append(f.paths, r.URL.Path)
		f.agents = append(f.agents, r.UserAgent())
		status, ct, body := f.status, f.contentType, f.body
		if b, ok := f.routes[r.URL.Path]; ok {
			status, body = http.StatusOK, b
		}
		inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		f.conditional = append(f.conditional, inm+"|"+ims)
		etag, lastModified := f.etag, f.lastModified
		f.mu.Unlock()
		if status == http.StatusOK && (etag != "" || lastModified != "") {
			w.Header().Set("ETag", etag)
			w.Header().Set("Last-Modified", lastModified)
			if (inm != "" && inm == etag) || (inm == "" && ims != "" && ims == lastModified) {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		if status == http.StatusOK {
			f.full.Add(1)
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(f.Close)
	return f
}

// version sets the validators the feed answers with (see etag).
func (f *fakeArxiv) version(etag, lastModified string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.etag, f.lastModified = etag, lastModified
}

// lastConditional is the If-None-Match|If-Modified-Since of the newest request.
func (f *fakeArxiv) lastConditional() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.conditional) == 0 {
		return ""
	}
	return f.conditional[len(f.conditional)-1]
}

// route serves body with 200 for path.
func (f *fakeArxiv) route(path string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.routes == nil {
		f.routes = map[string][]byte{}
	}
	f.routes[path] = body
}

// lastPath is the path of the newest request.
func (f *fakeArxiv) lastPath() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.paths) == 0 {
		return ""
	}
	return f.paths[len(f.paths)-1]
}

func (f *fakeArxiv) serve(status int, contentType string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.contentType, f.body = status, contentType, body
}

// testConfig writes a config for the fakes into dir and returns its path.
func testConfig(t testing.TB, dir, rssURL, llmURL, extra string) string {
	t.Helper()
	cfg := `arxiv:
  categories: [quant-ph]
  announce_types: [new, cross, replace, replace-cross]
  rss_url: ` + rssURL + `/rss/
topics:
  - name: Entanglement
    description: Quantum entanglement, its measures and uses
  - name: Error correction
    description: Quantum error correction and fault tolerance
llm:
  base_url: ` + llmURL + `
  api_key_env: TEST_LLM_KEY
  model: gpt-5-mini
  reasoning_effort: low
  concurrency: 4
  timeout: 5s
  max_retries: 1
threshold: 0.7
tldr:
  enabled: false # the TL;DR pass has tests of its own (tldr_test.go); these count judgements
output:
  dir: ` + filepath.Join(dir, "digests") + `
` + extra
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command in-process, as main would, with TEST_LLM_KEY set.
func runCLI(t testing.TB, args ...string) result {
	t.Helper()
	return runCLIEnv(t, nil, args...)
}

// runCLIEnv is runCLI with more environment variables.
func runCLIEnv(t testing.TB, vars map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(k string) string {
			if k == "TEST_LLM_KEY" {
				return testKey
			}
			return vars[k]
		},
		signals: func() (<-chan os.Signal, func()) { return make(chan os.Signal), func() {} },
	}
	err := run(context.Background(), args, e)
	code := report(&stderr, err)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func readDigest(t testing.TB, dir, date string) model.Digest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "digests", date, "digest.json"))
	if err != nil {
		t.Fatalf("digest.json: %v", err)
	}
	var d model.Digest
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("digest.json: %v", err)
	}
	return d
}

// peekBody reads a request body and puts it back for the next handler.
func peekBody(r *http.Request) string {
	data, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(data))
	return string(data)
}
