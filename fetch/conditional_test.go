package fetch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

const lastModified = "Sun, 29 Mar 2026 04:00:00 GMT"

func TestLatestIfSendsValidators(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_empty_cs_sunday_2026-03-29.xml")
	tests := []struct {
		name                string
		v                   Validators
		ifNoneMatch, ifMods string // "" = header absent
	}{
		{"both", Validators{ETag: `W/"5f3-abc"`, LastModified: lastModified}, `W/"5f3-abc"`, lastModified},
		{"etag only", Validators{ETag: `"abc"`}, `"abc"`, ""},
		{"last-modified only", Validators{LastModified: lastModified}, "", lastModified},
		{"none", Validators{}, "", ""},
		// A stored value that was corrupted is cleaned before it is sent:
		// Go refuses to send a header value holding a newline.
		{"cleaned", Validators{ETag: "\"ab\nc\"\x00", LastModified: " " + lastModified + "\r\n"}, `"abc"`, lastModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := fakeArxiv(t, serveBody(rssType, body))
			day, err := newTestClient(srv, rec).LatestIf(context.Background(), []string{"cs"}, tt.v)
			if err != nil || !day.NoAnnouncements {
				t.Fatalf("LatestIf: %v", err)
			}
			h := rec.Requests()[0].Header
			for name, want := range map[string]string{"If-None-Match": tt.ifNoneMatch, "If-Modified-Since": tt.ifMods} {
				if got, ok := h[name]; (want == "") != !ok || (ok && (len(got) != 1 || got[0] != want)) {
					t.Errorf("%s = %q (sent %v), want %q", name, got, ok, want)
				}
			}
		})
	}
}

// TestLatestSendsNoValidators: Latest is LatestIf with none.
func TestLatestSendsNoValidators(t *testing.T) {
	srv, rec := fakeArxiv(t, serveBody(rssType, readFixture(t, fixtures+"rss2_empty_cs_sunday_2026-03-29.xml")))
	if _, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs"}); err != nil {
		t.Fatalf("Latest: %v", err)
	}
	h := rec.Requests()[0].Header
	if _, ok := h["If-None-Match"]; ok {
		t.Errorf("If-None-Match sent: %q", h["If-None-Match"])
	}
	if _, ok := h["If-Modified-Since"]; ok {
		t.Errorf("If-Modified-Since sent: %q", h["If-Modified-Since"])
	}
}

func TestLatestIfNotModified(t *testing.T) {
	srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get("If-None-Match") != `"abc"` {
			t.Errorf("If-None-Match = %q", r.Header.Get("If-None-Match"))
		}
		w.Header().Set("ETag", `"abc"`)
		w.WriteHeader(http.StatusNotModified)
	})
	var logs bytes.Buffer
	c := newTestClient(srv, rec, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	day, err := c.LatestIf(context.Background(), []string{"cs.CL", "cs.LG"}, Validators{ETag: `"abc"`})
	if !errors.Is(err, ErrNotModified) || day != nil {
		t.Fatalf("LatestIf = %v, %v; want no day and ErrNotModified", day, err)
	}
	if errors.Is(err, ErrInvalidFeed) {
		t.Errorf("err = %v: the empty body of a 304 was parsed", err)
	}
	if want := "fetch " + srv.URL + "/rss/cs.CL+cs.LG: not modified"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if n := len(rec.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if want := `level=INFO msg="feed not modified" component=fetch url=` + srv.URL + "/rss/cs.CL+cs.LG"; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %s:\n%s", want, logs.String())
	}
}

// TestLatestUnconditional304: a 304 to a request that sent no validators
// cannot mean "not modified"; it is an HTTP error like any other.
func TestLatestUnconditional304(t *testing.T) {
	srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusNotModified)
	})
	_, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs.CL"})
	var he *HTTPError
	if errors.Is(err, ErrNotModified) || !errors.As(err, &he) || he.StatusCode != http.StatusNotModified {
		t.Fatalf("err = %v, want an *HTTPError 304 that is not ErrNotModified", err)
	}
	if want := "fetch " + srv.URL + "/rss/cs.CL: HTTP 304 Not Modified to a request that sent no validators"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if n := len(rec.Requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry)", n)
	}
}
