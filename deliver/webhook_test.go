package deliver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/arxiv-digest/arxiv-digest/config"
)

// hookServer is a webhook endpoint that keeps what it was sent and answers
// with the given replies in turn (then 200, or 204 for Discord).
type hookServer struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	replies []func(w http.ResponseWriter)
}

func newHookServer(t *testing.T, replies ...func(w http.ResponseWriter)) *hookServer {
	h := &hookServer{replies: replies}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		var reply func(http.ResponseWriter)
		if len(h.replies) > 0 {
			reply, h.replies = h.replies[0], h.replies[1:]
		}
		if reply == nil {
			h.bodies = append(h.bodies, body)
		}
		h.mu.Unlock()
		if reply != nil {
			reply(w)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) received() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bodies
}

// The secret part of a webhook URL, as Slack's and Discord's have.
const hookSecret = "T0000/B0000/s3cr3tT0kenXYZ123"

func TestSlackMessage(t *testing.T) {
	h := newHookServer(t)
	w := &Webhook{Type: config.NotifySlack, Env: "SLACK_WEBHOOK_URL", URL: h.URL + "/services/" + hookSecret}
	dl, _ := testDeliverer(t, []Target{w})
	if err := dl.Deliver(context.Background(), testDay(60), false).Err(); err != nil {
		t.Fatal(err)
	}
	bodies := h.received()
	if len(bodies) != 1 {
		t.Fatalf("%d posts", len(bodies))
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct {
				Type, Text string
			} `json:"text"`
			Elements []struct{ Text string } `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(bodies[0], &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Text != "arXiv digest 2025-04-28: 20 papers selected of 60 judged" {
		t.Errorf("text %q", msg.Text)
	}
	if len(msg.Blocks) != 1+Top+1 || msg.Blocks[0].Type != "header" || msg.Blocks[len(msg.Blocks)-1].Type != "context" {
		t.Fatalf("%d blocks: %s", len(msg.Blocks), bodies[0])
	}
	first := msg.Blocks[1].Text.Text
	// Feed text cannot make links or mentions: <, > and & are escaped.
	if !strings.Contains(first, "&lt;script&gt;alert(1)&lt;/script&gt; @everyone &lt;!channel&gt; &amp; friends") ||
		!strings.HasPrefix(first, "*<https://arxiv.org/abs/2504.00000|") {
		t.Errorf("first section %q", first)
	}
	for _, b := range msg.Blocks {
		if utf8.RuneCountInString(b.Text.Text) > slackSectionMax {
			t.Errorf("a block of %d characters", utf8.RuneCountInString(b.Text.Text))
		}
	}
	if foot := msg.Blocks[len(msg.Blocks)-1].Elements[0].Text; !strings.Contains(foot, "10 more") || !strings.Contains(foot, "<https://digest.example.org/2025-04-28/digest.html|the page>") {
		t.Errorf("footer %q", foot)
	}
}

func TestDiscordMessageLimits(t *testing.T) {
	h := newHookServer(t)
	w := &Webhook{Type: config.NotifyDiscord, Env: "DISCORD_WEBHOOK_URL", URL: h.URL + "/api/webhooks/" + hookSecret}
	day := testDay(90)
	// Long titles and TL;DRs: the limits must hold.
	for i := range day.Digest.Papers {
		day.Digest.Papers[i].Title = strings.Repeat("Very long title ", 40) + fmt.Sprint(i)
		day.Digest.Papers[i].TLDR = strings.Repeat("word ", 1200)
	}
	dl, _ := testDeliverer(t, []Target{w})
	if err := dl.Deliver(context.Background(), day, false).Err(); err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Content string `json:"content"`
		Embeds  []struct {
			Title, URL, Description string
		} `json:"embeds"`
		AllowedMentions struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(h.received()[0], &msg); err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(msg.Content); n > discordContentMax || n == 0 {
		t.Errorf("content of %d characters", n)
	}
	if len(msg.Embeds) == 0 || len(msg.Embeds) > discordEmbedsMax {
		t.Errorf("%d embeds", len(msg.Embeds))
	}
	total := 0
	for _, e := range msg.Embeds {
		if utf8.RuneCountInString(e.Title) > discordTitleMax || utf8.RuneCountInString(e.Description) > discordDescMax {
			t.Errorf("embed over its limits: title %d, description %d", utf8.RuneCountInString(e.Title), utf8.RuneCountInString(e.Description))
		}
		if !strings.HasPrefix(e.URL, "https://arxiv.org/abs/") {
			t.Errorf("embed url %q", e.URL)
		}
		total += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	}
	if total > discordEmbedTotal {
		t.Errorf("embeds hold %d characters, over %d", total, discordEmbedTotal)
	}
	if msg.AllowedMentions.Parse == nil || len(msg.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed_mentions %+v: a title could ping @everyone", msg.AllowedMentions)
	}
}

func TestJSONWebhook(t *testing.T) {
	h := newHookServer(t)
	w := &Webhook{Type: config.NotifyJSON, Env: "DIGEST_HOOK", URL: h.URL + "/hook"}
	dl, _ := testDeliverer(t, []Target{w})
	day := testDay(12)
	if err := dl.Deliver(context.Background(), day, false).Err(); err != nil {
		t.Fatal(err)
	}
	var got JSONSummary
	if err := json.Unmarshal(h.received()[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.Date != "2025-04-28" || got.Stats.Selected != 4 || len(got.Papers) != 4 || got.PageURL != day.PageURL || got.Model != "gpt-5-mini" {
		t.Fatalf("summary %+v", got)
	}
	p := got.Papers[0]
	if p.ID != "2504.00000" || len(p.Topics) != 1 || p.Topics[0].Topic != "Hallucination" || p.Topics[0].Relevance != 0.99 || p.AbsURL != "https://arxiv.org/abs/2504.00000" {
		t.Errorf("first paper %+v", p)
	}
	if got.Papers[1].TLDR == "" {
		t.Errorf("the TL;DR is missing: %+v", got.Papers[1])
	}
}

// TestWebhookRetryAfter: a 429's retry-after (header, or Discord's body) is
// honoured; a wait beyond the patience fails the delivery for this run.
func TestWebhookRetryAfter(t *testing.T) {
	tooMany := func(header, body string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			if header != "" {
				w.Header().Set("Retry-After", header)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, body)
		}
	}
	h := newHookServer(t, tooMany("3", `{"ok":false,"error":"rate_limited"}`), tooMany("", `{"message":"You are being rate limited.","retry_after":1.5,"global":false}`))
	w := &Webhook{Type: config.NotifyDiscord, Env: "HOOK", URL: h.URL}
	dl, sl := testDeliverer(t, []Target{w})
	if err := dl.Deliver(context.Background(), testDay(3), false).Err(); err != nil {
		t.Fatal(err)
	}
	if got := sl.got(); len(got) != 2 || got[0] != 3*time.Second || got[1] != 1500*time.Millisecond {
		t.Errorf("waits %v, want 3s then 1.5s", got)
	}
	if len(h.received()) != 1 {
		t.Errorf("%d posts arrived", len(h.received()))
	}

	long := newHookServer(t, tooMany("3600", ""))
	dl2, sl2 := testDeliverer(t, []Target{&Webhook{Type: config.NotifySlack, Env: "HOOK", URL: long.URL}})
	err := dl2.Deliver(context.Background(), testDay(3), false).Err()
	if err == nil || !strings.Contains(err.Error(), "asked to wait 1h0m0s") || len(sl2.got()) != 0 {
		t.Errorf("a wait of an hour: %v, waits %v", err, sl2.got())
	}
}

// TestWebhookErrorsHideTheURL: whatever fails, the URL (a secret) is in no
// error and no record.
func TestWebhookErrorsHideTheURL(t *testing.T) {
	echo := func(w http.ResponseWriter) {
		// A server that echoes the URL it was called at.
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "no such hook: /services/"+hookSecret)
	}
	h := newHookServer(t, echo)
	down := fmt.Sprintf("http://127.0.0.1:%d/services/%s", closedPort(t), hookSecret)
	targets := []Target{
		&Webhook{Type: config.NotifySlack, Env: "A", URL: h.URL + "/services/" + hookSecret},
		&Webhook{Type: config.NotifySlack, Env: "B", URL: down},
	}
	dl, sl := testDeliverer(t, targets)
	err := dl.Deliver(context.Background(), testDay(3), false).Err()
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), hookSecret) {
		t.Errorf("the error carries the webhook URL: %v", err)
	}
	for _, want := range []string{"slack webhook ($A): 404 Not Found", "slack webhook ($B):", "refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// The 404 was not retried; the refused connection was, twice.
	if got := sl.got(); len(got) != 2 {
		t.Errorf("waits %v", got)
	}
	recs, _ := dl.Store.Deliveries(context.Background(), "2025-04-28")
	for _, r := range recs {
		if strings.Contains(r.Error, hookSecret) {
			t.Errorf("the record carries the webhook URL: %+v", r)
		}
	}
}
