package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/internal/redact"
)

// TestServerEchoesTheKey runs the real binary against model servers that
// echo the bearer key they received in their error bodies (some proxies and
// older servers do): the key reaches no output, log, digest, feed or
// database, while the message still says what went wrong.
func TestServerEchoesTheKey(t *testing.T) {
	bearer := func(r *http.Request) string { return r.Header.Get("Authorization") }
	key := func(r *http.Request) string { return strings.TrimPrefix(bearer(r), "Bearer ") }
	tests := []struct {
		name  string
		write func(w http.ResponseWriter, r *http.Request)
		code  int    // exit code
		says  string // what the run error or the papers' errors still say
	}{
		{"401 with the key", func(w http.ResponseWriter, r *http.Request) {
			fakeopenai.WriteError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
				"Incorrect API key provided: "+key(r)+". You can find your API key at https://platform.openai.com/account/api-keys.")
		}, exitFailed, "Incorrect API key provided: " + redact.Mask},
		{"400 with the bearer header", func(w http.ResponseWriter, r *http.Request) {
			fakeopenai.WriteError(w, http.StatusBadRequest, "invalid_request_error", "",
				"Header Authorization: "+bearer(r)+" is not accepted by this gateway.")
		}, exitFailed, "Authorization: Bearer " + redact.Mask},
		{"500 with the bearer header", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-request-id", "req_"+key(r))
			fakeopenai.WriteError(w, http.StatusInternalServerError, "server_error", "",
				"Upstream rejected "+bearer(r)+"; try again later.")
		}, exitIncomplete, "Upstream rejected Bearer " + redact.Mask},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
			llm := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
				if key(r) != testKey {
					t.Errorf("the server got key %q", key(r))
				}
				tt.write(w, r)
				return true
			}})
			cfg := testConfig(t, dir, arxiv.URL, llm.URL, "")
			p := start(t, "run", "--config", cfg, "--verbose")
			if code := p.wait(t, 60*time.Second); code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, p.stderr.String())
			}
			assertNoKey(t, dir, p.stdout.String()+p.stderr.String())
			d := readDigest(t, dir, "2025-04-28")
			said := d.RunError
			for _, e := range d.Papers {
				said += "\n" + e.Error
			}
			if !strings.Contains(said, tt.says) {
				t.Errorf("the digest does not say %q:\n%.2000s", tt.says, said)
			}
		})
	}
}
