package classify

import (
	"fmt"
	"io"
	"net/http"
)

// capTransport caps every response body at limit bytes. It sits under
// openai-go, which reads whole bodies (answers and error bodies alike) with
// io.ReadAll and passes a read error on wrapped: past the cap the read
// fails with an error wrapping ErrAnswerTooLarge, and the rest of the body
// is never read (closing it drops the connection).
type capTransport struct {
	next  http.RoundTripper
	limit int64
}

func (t *capTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	b := &capBody{rc: resp.Body, left: t.limit, limit: t.limit}
	if resp.ContentLength > t.limit {
		b.err = b.tooLarge() // announced too large: do not read a byte of it
	}
	resp.Body = b
	return resp, nil
}

// capBody reads at most limit bytes of rc; one byte more is an error.
type capBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
	err   error
}

func (b *capBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	// Read one byte past the cap, to tell "exactly limit" from "more".
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) <= b.left {
		b.left -= int64(n)
		return n, err
	}
	b.err = b.tooLarge()
	return int(b.left), b.err
}

func (b *capBody) Close() error { return b.rc.Close() }

func (b *capBody) tooLarge() error { return errTooLarge(b.limit) }

// errTooLarge says that a body passed the cap of limit bytes.
func errTooLarge(limit int64) error {
	return fmt.Errorf("%w: the response body passed the %s cap", ErrAnswerTooLarge, sizeText(limit))
}

// withBodyCap returns a copy of c whose transport caps response bodies.
func withBodyCap(c *http.Client, limit int64) *http.Client {
	cc := *c
	next := cc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cc.Transport = &capTransport{next: next, limit: limit}
	return &cc
}

// sizeText writes n bytes as people read it: "4 MiB", "256 KiB", "1000 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
