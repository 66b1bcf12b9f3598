package fakeopenai

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// largeChunk is what a large body is streamed in; filler fills it.
const largeChunk = 64 << 10

var filler = bytes.Repeat([]byte("all work and no play makes a model loop "), largeChunk/40+1)[:largeChunk]

// WriteLargeCompletion writes a 200 chat.completion of exactly size bytes
// (at least its skeleton): a well-formed body whose content is one endless
// string, as from a model stuck in a loop behind a server that ignores
// max_completion_tokens, or a broken gateway. It is streamed in chunks,
// never held in memory, and stops when the client goes away; it returns
// the bytes written. There is no Content-Length (the body is chunked)
// unless the caller set one.
func WriteLargeCompletion(w http.ResponseWriter, size int64) int64 {
	head := fmt.Sprintf(`{"id":"chatcmpl-fakelarge","object":"chat.completion","created":%d,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"`, time.Now().Unix())
	tail := `","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":300,"completion_tokens":100000000,"total_tokens":100000300}}` + "\n"
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-request-id", newRequestID())
	w.WriteHeader(http.StatusOK)
	return streamPadded(w, head, tail, size)
}

// WriteLargeError writes an error answer in OpenAI's shape of exactly size
// bytes (at least its skeleton), its message padded without end, as a
// misconfigured proxy might. It streams like WriteLargeCompletion.
func WriteLargeError(w http.ResponseWriter, status int, size int64) int64 {
	head := `{"error":{"message":"`
	tail := `","type":"server_error","param":null,"code":null}}` + "\n"
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-request-id", newRequestID())
	w.WriteHeader(status)
	return streamPadded(w, head, tail, size)
}

// streamPadded writes head, filler up to size bytes in all, then tail.
func streamPadded(w http.ResponseWriter, head, tail string, size int64) int64 {
	var n int64
	write := func(b []byte) bool {
		m, err := w.Write(b)
		n += int64(m)
		return err == nil
	}
	if !write([]byte(head)) {
		return n
	}
	for pad := size - int64(len(head)) - int64(len(tail)); pad > 0; {
		b := filler[:min(pad, int64(len(filler)))]
		if !write(b) {
			return n
		}
		pad -= int64(len(b))
	}
	write([]byte(tail))
	return n
}

// SetContentLength sets the Content-Length header a large body of size
// bytes announces; call it before WriteLarge*.
func SetContentLength(w http.ResponseWriter, size int64) {
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
}
