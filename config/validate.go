package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/arxiv-digest/arxiv-digest/daemon"
	"github.com/arxiv-digest/arxiv-digest/filter"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// Validate checks every value and returns every problem found, joined. It
// looks at the disk only to see that output.dir and store.path are not a
// file and a folder; it creates nothing.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		if c.failedAt(key) {
			return
		}
		errs = append(errs, &Error{File: c.Path, Line: c.line(key), Key: key, Msg: key + ": " + fmt.Sprintf(format, args...)})
	}

	if len(c.Arxiv.Categories) == 0 {
		bad("arxiv.categories", "is required: list at least one arXiv category, e.g. [cs.CL, cs.LG]")
	}
	seenCat := map[string]bool{}
	for i, cat := range c.Arxiv.Categories {
		key := fmt.Sprintf("arxiv.categories[%d]", i)
		switch {
		case !model.ValidCategory(cat):
			bad(key, "malformed category %q (want a form like cs.CL or quant-ph)", cat)
		case seenCat[cat]:
			bad(key, "category %q is listed twice", cat)
		}
		seenCat[cat] = true
	}
	for i, t := range c.Arxiv.AnnounceTypes {
		if !t.Valid() {
			bad(fmt.Sprintf("arxiv.announce_types[%d]", i), "unknown announce type %q (want one of %s)", t, announceTypeList())
		}
	}
	if len(c.Arxiv.AnnounceTypes) == 0 {
		bad("arxiv.announce_types", "is empty: list at least one of %s", announceTypeList())
	}
	checkURL(bad, "arxiv.rss_url", c.Arxiv.RSSURL)
	checkURL(bad, "arxiv.api_url", c.Arxiv.APIURL)
	if !strings.HasSuffix(c.Arxiv.RSSURL, "/") {
		c.Arxiv.RSSURL += "/"
	}

	if len(c.Topics) == 0 {
		bad("topics", "is required: list at least one topic with a name and a description")
	}
	seenTopic := map[string]bool{}
	for i, t := range c.Topics {
		key := fmt.Sprintf("topics[%d]", i)
		name := strings.TrimSpace(t.Name)
		switch {
		case name == "":
			bad(key+".name", "is required")
		case len(name) > 64:
			bad(key+".name", "%q is longer than 64 characters", name)
		case seenTopic[strings.ToLower(name)]:
			bad(key+".name", "topic name %q is used twice (names must be unique)", name)
		}
		seenTopic[strings.ToLower(name)] = true
		c.Topics[i].Name = name
		if strings.TrimSpace(t.Description) == "" {
			bad(key+".description", "is required: say in plain words what the topic covers")
		}
	}

	c.validateFilter(bad)

	checkURL(bad, "llm.base_url", c.LLM.BaseURL)
	c.checkKeySource(bad)
	if strings.TrimSpace(c.LLM.Model) == "" {
		bad("llm.model", "is required")
	}
	if c.LLM.Concurrency < 1 || c.LLM.Concurrency > 1024 {
		bad("llm.concurrency", "invalid value %d: must be between 1 and 1024", c.LLM.Concurrency)
	}
	if c.LLM.Timeout < Duration(time.Second) {
		bad("llm.timeout", "invalid value %s: must be at least 1s, a model answer takes longer", c.LLM.Timeout.D())
	}
	if c.LLM.MaxRetries < 0 {
		bad("llm.max_retries", "invalid value %d: must not be negative", c.LLM.MaxRetries)
	}
	if c.LLM.MaxRateLimitWait < 0 {
		bad("llm.max_rate_limit_wait", "invalid value %s: must not be negative", c.LLM.MaxRateLimitWait.D())
	}
	if c.LLM.Grace < 0 {
		bad("llm.grace", "invalid value %s: must not be negative", c.LLM.Grace.D())
	}
	if c.LLM.RequestsPerMinute < 0 {
		bad("llm.requests_per_minute", "invalid value %d: must not be negative", c.LLM.RequestsPerMinute)
	}
	if c.LLM.TokensPerMinute < 0 {
		bad("llm.tokens_per_minute", "invalid value %d: must not be negative", c.LLM.TokensPerMinute)
	}
	// Float checks are written so that NaN fails them: NaN compares false
	// with everything.
	if !(c.LLM.MaxCostUSD >= 0) {
		bad("llm.max_cost_usd", "invalid value %g: must not be negative", c.LLM.MaxCostUSD)
	}
	if t := c.LLM.Temperature; t != nil && !(*t >= 0 && *t <= 2) {
		bad("llm.temperature", "invalid value %g: must be between 0 and 2", *t)
	}
	switch c.LLM.ReasoningEffort {
	case "", "minimal", "low", "medium", "high":
	default:
		bad("llm.reasoning_effort", "invalid value %q: want minimal, low, medium or high (or leave it out)", c.LLM.ReasoningEffort)
	}
	if p := c.LLM.PricePerMillion; p != nil {
		for _, price := range []struct {
			key   string
			value float64
		}{{"input", p.Input}, {"cached_input", p.CachedInput}, {"output", p.Output}, {"batch_input", p.BatchInput}, {"batch_output", p.BatchOutput}} {
			if !(price.value >= 0) {
				bad("llm.price_per_million."+price.key, "invalid value %g: must not be negative", price.value)
			}
		}
	}
	c.validateBatch(bad)

	if err := CheckThreshold(c.Threshold); err != nil {
		bad("threshold", "%v", err)
	}
	if strings.TrimSpace(c.Output.Dir) == "" {
		bad("output.dir", "is required")
	} else {
		checkFolder(bad, "output.dir", c.Output.Dir)
	}
	c.checkStorePath(bad)
	if c.Output.BaseURL != "" {
		checkURL(bad, "output.base_url", c.Output.BaseURL)
	}
	if c.Output.MaxPerTopic < 1 || c.Output.MaxPerTopic > 1000 {
		bad("output.max_per_topic", "invalid value %d: must be between 1 and 1000 (the rest of a topic is folded under \"N more\")", c.Output.MaxPerTopic)
	}
	if _, err := time.LoadLocation(c.Schedule.Timezone); err != nil || c.Schedule.Timezone == "" {
		bad("schedule.timezone", "unknown time zone %q (want an IANA name like America/New_York)", c.Schedule.Timezone)
	}
	var cronErr *daemon.CronError
	if err := daemon.ValidateCron(c.Schedule.Cron); errors.As(err, &cronErr) {
		bad("schedule.cron", "invalid value %q: %s", c.Schedule.Cron, cronErr.Reason)
	} else if err != nil {
		bad("schedule.cron", "invalid value %q: %v", c.Schedule.Cron, err)
	}
	if c.Schedule.Retries < 0 {
		bad("schedule.retries", "invalid value %d: must not be negative", c.Schedule.Retries)
	}
	if c.Schedule.RetryBackoff < Duration(time.Second) {
		bad("schedule.retry_backoff", "invalid value %s: must be at least 1s, each retry fetches the feed again", c.Schedule.RetryBackoff.D())
	}
	if c.TLDR.Enabled {
		switch lang := strings.TrimSpace(c.TLDR.Language); {
		case lang == "":
			bad("tldr.language", "is empty: name a language, e.g. English, Chinese or German")
		case len(lang) > 40 || strings.ContainsAny(lang, "\n\r\t{}<>\""):
			bad("tldr.language", "%q does not look like a language name (e.g. English, Chinese, German)", lang)
		}
		if c.TLDR.MaxWords < 5 || c.TLDR.MaxWords > 200 {
			bad("tldr.max_words", "invalid value %d: must be between 5 and 200", c.TLDR.MaxWords)
		}
	}
	c.validateDelivery(bad)
	if err := CheckAddr(c.Serve.Addr); err != nil {
		bad("serve.addr", "%v", err)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "invalid value %q: want text or json", c.Log.Format)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "invalid value %q: want debug, info, warn or error", c.Log.Level)
	}
	return errors.Join(errs...)
}

// validateFilter checks every phrase and author of the filter section.
func (c *Config) validateFilter(bad func(string, string, ...any)) {
	for _, set := range []struct {
		key     string
		phrases []string
	}{{"filter.include", c.Filter.Include}, {"filter.exclude", c.Filter.Exclude}, {"filter.authors", c.Filter.Authors}} {
		seen := map[string]bool{}
		for i, s := range set.phrases {
			key := fmt.Sprintf("%s[%d]", set.key, i)
			if _, err := filter.Compile(s); err != nil {
				bad(key, "%v", err)
				continue
			}
			if n := strings.ToLower(model.NormalizeSpace(s)); seen[n] {
				bad(key, "%q is listed twice", s)
			} else {
				seen[n] = true
			}
		}
	}
}

// CheckThreshold reports whether x can be a relevance threshold: a number
// from 0 to 1 (not NaN). It is the rule for the threshold key and for any
// command-line flag that overrides it.
func CheckThreshold(x float64) error {
	if !(x >= 0 && x <= 1) {
		return fmt.Errorf("invalid value %g: must be between 0 and 1", x)
	}
	return nil
}

// checkFolder reports a folder path that is a file, or inside one.
func checkFolder(bad func(string, string, ...any), key, dir string) {
	switch f := fileOnPath(dir); f {
	case "":
	case dir:
		bad(key, "%s is a file, not a folder", dir)
	default:
		bad(key, "%s is inside %s, which is a file, not a folder", dir, f)
	}
}

// checkStorePath reports a database path that is a folder, or inside a
// file.
func (c *Config) checkStorePath(bad func(string, string, ...any)) {
	path := c.StorePath()
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		if c.Store.Path == "" {
			bad("store.path", "%s (the default, in output.dir) is a folder; set store.path to the database file", path)
			return
		}
		bad("store.path", "%s is a folder; name the database file, e.g. %s", path, filepath.Join(path, "arxiv-digest.db"))
		return
	}
	if c.Store.Path != "" { // the default is in output.dir, checked already
		if f := fileOnPath(filepath.Dir(path)); f != "" {
			bad("store.path", "%s is inside %s, which is a file, not a folder", path, f)
		}
	}
}

// fileOnPath returns path, or the nearest of its parents that exists, if
// that is a file rather than a folder; "" otherwise.
func fileOnPath(path string) string {
	for {
		fi, err := os.Stat(path)
		if err == nil {
			if fi.IsDir() {
				return ""
			}
			return path
		}
		parent := filepath.Dir(path)
		if parent == path {
			return ""
		}
		path = parent
	}
}

func checkURL(bad func(string, string, ...any), key, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad(key, "invalid URL %q (want http:// or https://)", raw)
	}
}

func announceTypeList() string {
	var names []string
	for _, t := range model.AnnounceTypes {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

// failedAt reports whether the value of key, or of a key above it, could
// not be decoded (and so has been reported already).
func (c *Config) failedAt(key string) bool {
	_, ok := nearest(c.failed, key)
	return ok
}

// line is the line where key (or, failing that, its nearest parent) was
// written, or 0 when it came from the defaults.
func (c *Config) line(key string) int {
	n, _ := nearest(c.lines, key)
	return n
}

// nearest looks key up in m, and failing that its parents: topics[2].name,
// topics[2], topics.
func nearest[V any](m map[string]V, key string) (V, bool) {
	for key != "" {
		if v, ok := m[key]; ok {
			return v, true
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	var zero V
	return zero, false
}

// validateBatch checks llm.mode and the keys of batch mode.
func (c *Config) validateBatch(bad func(string, string, ...any)) {
	l := c.LLM
	switch l.Mode {
	case ModeLive, ModeBatch:
	default:
		bad("llm.mode", "invalid value %q: want live (a request per paper, answered at once) or batch (OpenAI's Batch API: half the price, answers within 24h)", l.Mode)
	}
	switch l.BatchFallback {
	case ModeLive, ModeBatch:
	default:
		bad("llm.batch_fallback", "invalid value %q: want batch (a follow-up batch) or live (ask those papers live)", l.BatchFallback)
	}
	if l.BatchPollMax < Duration(time.Second) {
		bad("llm.batch_poll_max", "invalid value %s: must be at least 1s", l.BatchPollMax.D())
	}
	if l.BatchMaxWait < 0 {
		bad("llm.batch_max_wait", "invalid value %s: must not be negative (0: submit and exit, like run --no-wait)", l.BatchMaxWait.D())
	}
}
