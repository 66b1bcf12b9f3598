package fetch

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestLatestReadsValidators(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_quant-ph_2025-04-28.xml")
	srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("ETag", `W/"24115-62e3b0f2"`)
		w.Header().Set("Last-Modified", "Mon, 28 Apr 2025 04:00:00 GMT")
		w.Header().Set("Content-Type", rssType)
		_, _ = w.Write(body)
	})
	c := newTestClient(srv, rec)
	day, err := c.Latest(context.Background(), []string{"quant-ph"})
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	want := Validators{ETag: `W/"24115-62e3b0f2"`, LastModified: "Mon, 28 Apr 2025 04:00:00 GMT"}
	if day.Validators != want {
		t.Errorf("Validators = %+v, want %+v", day.Validators, want)
	}
	if day.URL != srv.URL+"/rss/quant-ph" || c.LatestURL([]string{"quant-ph"}) != day.URL {
		t.Errorf("URL = %q, LatestURL = %q, want both %q", day.URL, c.LatestURL([]string{"quant-ph"}), srv.URL+"/rss/quant-ph")
	}
	if got := c.LatestURL([]string{"cs.CL", "cs.LG"}); got != srv.URL+"/rss/cs.CL+cs.LG" {
		t.Errorf("LatestURL(cs.CL, cs.LG) = %q", got)
	}
}

func TestLatestWithoutValidators(t *testing.T) {
	srv, rec := fakeArxiv(t, serveBody(rssType, readFixture(t, fixtures+"rss2_empty_cs_sunday_2026-03-29.xml")))
	day, err := newTestClient(srv, rec).Latest(context.Background(), []string{"cs"})
	if err != nil {
		t.Fatalf("Latest: %v", err)
	}
	if day.Validators != (Validators{}) {
		t.Errorf("Validators = %+v, want none", day.Validators)
	}
}

// TestLatestHostileValidators: what a server says about its version is
// stored, so it must not bloat or corrupt the store, nor make the next
// request fail.
func TestLatestHostileValidators(t *testing.T) {
	body := readFixture(t, fixtures+"rss2_empty_cs_sunday_2026-03-29.xml")
	tests := []struct {
		name               string
		etag, lastModified string
		want               Validators
		log                string
	}{
		{"100 KB etag", `"` + strings.Repeat("a", 100<<10) + `"`, lastModified,
			Validators{LastModified: lastModified}, `level=WARN msg="dropping an over-long validator" component=fetch`},
		// Go's client already refuses C0 controls and DEL in a header;
		// tabs, C1 controls, bidi overrides and invalid UTF-8 get through.
		{"control characters", "\"ab\tc\u0085d\u202ee\xff\"", "Sun, 29 Mar 2026\t04:00:00 GMT\u200b",
			Validators{ETag: `"abcde"`, LastModified: "Sun, 29 Mar 202604:00:00 GMT"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := fakeArxiv(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header()["ETag"] = []string{tt.etag}
				w.Header().Set("Last-Modified", tt.lastModified)
				w.Header().Set("Content-Type", rssType)
				_, _ = w.Write(body)
			})
			var logs bytes.Buffer
			c := newTestClient(srv, rec, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
			day, err := c.Latest(context.Background(), []string{"cs"})
			if err != nil {
				t.Fatalf("Latest: %v", err)
			}
			if day.Validators != tt.want {
				t.Errorf("Validators = %.80q\nwant %+v", day.Validators, tt.want)
			}
			if len(day.Validators.ETag) > maxValidatorLen || len(day.Validators.LastModified) > maxValidatorLen {
				t.Errorf("validators over %d bytes", maxValidatorLen)
			}
			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log lacks %s:\n%.300s", tt.log, logs.String())
			}
			// What was stored can be sent back.
			if _, err := c.LatestIf(context.Background(), []string{"cs"}, day.Validators); err != nil {
				t.Errorf("LatestIf with the stored validators: %v", err)
			}
		})
	}
}
