package fakeopenai

import (
	"crypto/sha256"
	"encoding/json"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"sync"
)

// DefaultScore is the relevance the server gives when Config.Score is nil:
// 0.95 when topic appears (case-insensitively) in paper, otherwise a
// deterministic hash of (paper, topic) in [0,1] with two decimals.
func DefaultScore(paper, topic string) float64 {
	if topic != "" && strings.Contains(strings.ToLower(paper), strings.ToLower(topic)) {
		return 0.95
	}
	h := fnv.New64a()
	h.Write([]byte(paper))
	h.Write([]byte{0})
	h.Write([]byte(topic))
	return math.Round(float64(h.Sum64()>>11)/(1<<53)*100) / 100
}

// reason is the one-sentence reason the fake gives for a relevance.
func reason(topic string, relevance float64) string {
	if relevance >= 0.5 {
		return "Mentions " + topic + "."
	}
	return "Unrelated to " + topic + "."
}

// answerContent is the assistant's JSON answer: for relevance, one score
// per topic, in order, leaving out the last topic when omitLast; for a
// TL;DR, tldr(paper).
func answerContent(p prompt, score func(string, string) float64, tldr func(string) string, omitLast bool) string {
	if p.task == taskTLDR {
		var b strings.Builder
		b.WriteString(`{"tldr":`)
		writeJSONString(&b, tldr(p.user))
		b.WriteString(`}`)
		return b.String()
	}
	topics := p.topics
	if omitLast {
		topics = topics[:len(topics)-1]
	}
	var b strings.Builder
	b.WriteString(`{"topics":{`)
	for i, t := range topics {
		if i > 0 {
			b.WriteByte(',')
		}
		rel := score(p.user, t)
		if math.IsNaN(rel) || math.IsInf(rel, 0) {
			rel = 0
		}
		rel = math.Round(rel*1000) / 1000
		writeJSONString(&b, t)
		b.WriteString(`:{"relevance":`)
		b.WriteString(strconv.FormatFloat(rel, 'f', -1, 64))
		b.WriteString(`,"reason":`)
		writeJSONString(&b, reason(t, rel))
		b.WriteByte('}')
	}
	b.WriteString(`}}`)
	return b.String()
}

// DefaultTLDR is the TL;DR the server writes when Config.TLDR is nil: "This
// paper studies" and the first twelve words of the paper's title, read
// from the "Title: " line of the user message.
func DefaultTLDR(paper string) string {
	title := ""
	for _, line := range strings.Split(paper, "\n") {
		if t, ok := strings.CutPrefix(line, "Title: "); ok {
			title = t
			break
		}
	}
	words := strings.Fields(title)
	return "This paper studies " + strings.Join(words[:min(len(words), 12)], " ") + "."
}

func writeJSONString(b *strings.Builder, s string) {
	out, _ := json.Marshal(s) // a string always marshals
	b.Write(out)
}

// Token estimates: about four characters a token, plus a few tokens of
// framing per message, as OpenAI's chat format has.
const (
	tokensPerMessage = 4
	tokensPerPrompt  = 3
	defaultMaxTokens = 200 // completion estimate for rate limiting when max_completion_tokens is unset
	cacheMinPrompt   = 1024
	cacheBlock       = 128
)

func textTokens(s string) int { return len(s) / 4 }

func promptTokens(p prompt) int {
	n := tokensPerPrompt
	for _, t := range p.texts {
		n += textTokens(t) + tokensPerMessage
	}
	return n
}

func completionTokens(content string) int { return max(1, (len(content)+3)/4) }

// estimate is what the rate limiter charges a request: its prompt plus
// the most it may complete.
func estimate(p prompt) int {
	if p.maxTokens > 0 {
		return promptTokens(p) + p.maxTokens
	}
	return promptTokens(p) + defaultMaxTokens
}

// promptCache remembers which system messages were seen, like OpenAI's
// prompt cache keyed on the prompt prefix.
type promptCache struct {
	mu   sync.Mutex
	seen map[[32]byte]bool
}

func (c *promptCache) init() { c.seen = map[[32]byte]bool{} }

// cached returns the cached prompt tokens of p and remembers its system
// message: when the prompt has at least 1024 tokens and an earlier request
// had the same system message, the system message's tokens rounded down
// to a multiple of 128; otherwise 0.
func (c *promptCache) cached(p prompt, promptTok int) int {
	if p.system == "" {
		return 0
	}
	key := sha256.Sum256([]byte(p.system))
	c.mu.Lock()
	hit := c.seen[key]
	c.seen[key] = true
	c.mu.Unlock()
	if !hit || promptTok < cacheMinPrompt {
		return 0
	}
	sys := textTokens(p.system) + tokensPerMessage
	return min(sys/cacheBlock*cacheBlock, promptTok)
}
