// Package config reads and validates arxiv-digest's YAML configuration.
//
// Defaults come first; the file is decoded over them strictly (an unknown
// key is an error with its line number), ${VAR} references are expanded,
// and Validate checks every value. Secrets never live in the file: the API
// key is read from the environment variable named by llm.api_key_env (or
// the file named by llm.api_key_file) only when it is needed.
package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/arxiv-digest/arxiv-digest/filter"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// Config is the whole configuration. The YAML key names are a user-facing
// contract.
type Config struct {
	Arxiv     Arxiv    `yaml:"arxiv"`
	Topics    []Topic  `yaml:"topics"`
	Filter    Filter   `yaml:"filter"`
	LLM       LLM      `yaml:"llm"`
	TLDR      TLDR     `yaml:"tldr"`
	Threshold float64  `yaml:"threshold"`
	Output    Output   `yaml:"output"`
	Store     Store    `yaml:"store"`
	Schedule  Schedule `yaml:"schedule"`
	Serve     Serve    `yaml:"serve"`
	Log       Log      `yaml:"log"`
	// Email, when set, mails each day's digest (see delivery.go).
	Email *Email `yaml:"email"`
	// Notify posts each day's digest to chat webhooks.
	Notify []Notify `yaml:"notify"`

	// Path is the file the config was read from ("" for defaults).
	Path string `yaml:"-"`
	// lines maps each key path written in the file to its line, so that
	// validation errors can point at it.
	lines map[string]int
	// failed holds the key paths whose value could not be decoded (already
	// reported); Validate is silent about them and the keys under them.
	failed map[string]bool
	// expanded maps the key paths whose value used ${VAR} to the text
	// written in the file.
	expanded map[string]string
}

// Arxiv says what to fetch.
type Arxiv struct {
	Categories    []string             `yaml:"categories"`
	AnnounceTypes []model.AnnounceType `yaml:"announce_types"`
	RSSURL        string               `yaml:"rss_url"`
	APIURL        string               `yaml:"api_url"`
}

// Topic is one interest, judged for every paper.
type Topic struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// Filter says which papers are judged at all (package filter: whole words
// and phrases, case and accents folded). Papers it leaves out cost nothing
// and are listed as filtered.
type Filter struct {
	// Include, when set, keeps only the papers whose title or abstract
	// matches one of these phrases.
	Include []string `yaml:"include"`
	// Exclude leaves out the papers whose title or abstract matches one.
	Exclude []string `yaml:"exclude"`
	// Authors are followed: their papers are always judged and shown first.
	Authors []string `yaml:"authors"`
}

// LLM says which model judges the papers and how hard to push the server.
type LLM struct {
	BaseURL string `yaml:"base_url"`
	// A key pasted where a name belongs must never be printed back, so no
	// error repeats what is written in these two keys (echo:"never").
	APIKeyEnv         string   `yaml:"api_key_env" echo:"never"`
	APIKeyFile        string   `yaml:"api_key_file" echo:"never"`
	Model             string   `yaml:"model"`
	Temperature       *float64 `yaml:"temperature"`
	ReasoningEffort   string   `yaml:"reasoning_effort"`
	Concurrency       int      `yaml:"concurrency"`
	Timeout           Duration `yaml:"timeout"`
	MaxRetries        int      `yaml:"max_retries"`
	MaxRateLimitWait  Duration `yaml:"max_rate_limit_wait"`
	RequestsPerMinute int      `yaml:"requests_per_minute"`
	TokensPerMinute   int      `yaml:"tokens_per_minute"`
	MaxCostUSD        float64  `yaml:"max_cost_usd"`
	Grace             Duration `yaml:"grace"`
	// PromptCacheKey says whether requests carry prompt_cache_key; nil
	// means only to api.openai.com (see SendPromptCacheKey).
	PromptCacheKey *bool `yaml:"prompt_cache_key"`

	// PricePerMillion is the model's price; nil means the built-in table's.
	PricePerMillion *model.Price `yaml:"price_per_million"`

	// Mode is how the model is asked: ModeLive (one request per paper,
	// answered at once) or ModeBatch (OpenAI's Batch API: one upload, the
	// answers within 24 hours, at half the price).
	Mode string `yaml:"mode"`
	// BatchPollMax caps the backoff between two polls of an open batch.
	BatchPollMax Duration `yaml:"batch_poll_max"`
	// BatchMaxWait is how long `run` waits for its batch to end.
	BatchMaxWait Duration `yaml:"batch_max_wait"`
	// BatchFallback is how the lines a batch could not answer are asked
	// again: ModeBatch (a follow-up batch) or ModeLive.
	BatchFallback string `yaml:"batch_fallback"`
}

// The values of llm.mode and llm.batch_fallback.
const (
	ModeLive  = "live"
	ModeBatch = "batch"
)

// TLDR says whether and how selected papers get a TL;DR.
type TLDR struct {
	Enabled  bool   `yaml:"enabled"`
	Language string `yaml:"language"` // any language name the model understands
	MaxWords int    `yaml:"max_words"`
}

// Output says where digests go.
type Output struct {
	Dir string `yaml:"dir"`
	// BaseURL is where output.dir is published, if anywhere; it makes the
	// Atom feed's links absolute.
	BaseURL string `yaml:"base_url"`
	// MaxPerTopic is how many papers each topic shows before the rest are
	// folded into an "N more" list (and how many the feed entry lists).
	MaxPerTopic int `yaml:"max_per_topic"`
}

// Store says where the SQLite database lives.
type Store struct {
	Path string `yaml:"path"` // default: <output.dir>/arxiv-digest.db
}

// Schedule says when the daemon runs.
type Schedule struct {
	Cron     string `yaml:"cron"`
	Timezone string `yaml:"timezone"`
	// Retries is how often a failed scheduled run is retried; arXiv's
	// feeds are sometimes late, so the default backoff (10m, 20m, 40m, then
	// hourly) keeps trying for about four hours.
	Retries      int      `yaml:"retries"`
	RetryBackoff Duration `yaml:"retry_backoff"`
}

// Serve says where `arxiv-digest serve` (and the daemon, when Enabled)
// serves output.dir over HTTP.
type Serve struct {
	// Addr is host:port to listen on; the default is this machine only.
	Addr string `yaml:"addr"`
	// Enabled makes the daemon serve output.dir too, so one process runs
	// the schedule and the pages.
	Enabled bool `yaml:"enabled"`
}

// DefaultServeAddr is where output.dir is served unless serve.addr or
// --addr says otherwise: loopback, so that nothing beyond this machine sees
// the digests unless asked.
const DefaultServeAddr = "127.0.0.1:8080"

// Log says how the program logs.
type Log struct {
	Format string `yaml:"format"` // text or json
	Level  string `yaml:"level"`  // debug, info, warn, error
}

// Default returns the configuration every file is decoded over.
func Default() Config {
	return Config{
		Arxiv: Arxiv{
			AnnounceTypes: []model.AnnounceType{model.New, model.Cross},
			RSSURL:        "https://rss.arxiv.org/rss/",
			APIURL:        "https://export.arxiv.org/api/query",
		},
		LLM: LLM{
			BaseURL:          "https://api.openai.com/v1",
			APIKeyEnv:        "OPENAI_API_KEY",
			Model:            "gpt-5-mini",
			Concurrency:      16,
			Timeout:          Duration(60 * time.Second),
			MaxRetries:       4,
			MaxRateLimitWait: Duration(15 * time.Minute),
			Grace:            Duration(10 * time.Second),
			Mode:             ModeLive,
			BatchPollMax:     Duration(5 * time.Minute),
			BatchMaxWait:     Duration(24 * time.Hour),
			BatchFallback:    ModeBatch,
		},
		TLDR:      TLDR{Enabled: true, Language: "English", MaxWords: 40},
		Threshold: 0.7,
		Output:    Output{Dir: "digests", MaxPerTopic: model.DefaultMaxPerTopic},
		Schedule: Schedule{Cron: "30 20 * * 0-4", Timezone: "America/New_York",
			Retries: 6, RetryBackoff: Duration(10 * time.Minute)},
		Serve: Serve{Addr: DefaultServeAddr},
		Log:   Log{Format: "text", Level: "info"},
	}
}

// StorePath is the database path: store.path, or arxiv-digest.db in output.dir.
func (c *Config) StorePath() string {
	if c.Store.Path != "" {
		return c.Store.Path
	}
	return filepath.Join(c.Output.Dir, "arxiv-digest.db")
}

// LockPath is the file that keeps two runs from working on the store at
// once: next to the database, so that every config sharing a store shares
// its lock (a lock per output folder let two configs pay twice).
func (c *Config) LockPath() string {
	return c.StorePath() + ".lock"
}

// Stream names this config's series of digests in the store: output.dir
// as seen from the store's folder ("." with the default store inside it).
// Configs sharing a store but writing to different folders keep their own
// days, and moving the folders together keeps the name.
func (c *Config) Stream() (string, error) {
	out, err := filepath.Abs(c.Output.Dir)
	if err != nil {
		return "", fmt.Errorf("output.dir: %w", err)
	}
	db, err := filepath.Abs(c.StorePath())
	if err != nil {
		return "", fmt.Errorf("store.path: %w", err)
	}
	rel, err := filepath.Rel(filepath.Dir(db), out)
	if err != nil {
		return "", fmt.Errorf("output.dir relative to store.path: %w", err)
	}
	return filepath.ToSlash(rel), nil
}

// SendPromptCacheKey reports whether requests carry prompt_cache_key:
// llm.prompt_cache_key when set, else only when llm.base_url is OpenAI's
// own API (other OpenAI-compatible servers may reject an unknown field
// with a 400, which would stop every run).
func (c *Config) SendPromptCacheKey() bool {
	if c.LLM.PromptCacheKey != nil {
		return *c.LLM.PromptCacheKey
	}
	u, err := url.Parse(c.LLM.BaseURL)
	return err == nil && strings.EqualFold(u.Hostname(), "api.openai.com")
}

// PaperFilter compiles the filter section (Validate has checked it).
func (c *Config) PaperFilter() (*filter.Filter, error) {
	return filter.New(c.Filter.Include, c.Filter.Exclude, c.Filter.Authors)
}

// ModelTopics returns the topics as the model package's type.
func (c *Config) ModelTopics() []model.Topic {
	out := make([]model.Topic, len(c.Topics))
	for i, t := range c.Topics {
		out[i] = model.Topic{Name: t.Name, Description: t.Description}
	}
	return out
}
