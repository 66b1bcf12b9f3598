package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
)

var (
	tldrLine = regexp.MustCompile(`TL;DRs: ([\d,]+) requests, ([\d,]+) input tokens, ([\d,]+) output tokens`)
	costLine = regexp.MustCompile(`cost: about \$([\d.,]+) live, \$([\d.,]+) with the Batch API`)
	outLine  = regexp.MustCompile(`judging: [\d,]+ requests, [\d,]+ input tokens, ([\d,]+) output tokens`)
)

// exampleConfig is the repository's config.yaml reading the fake feed of
// the quant-ph day, with llmModel, writing into dir.
func exampleConfig(b *testing.B, dir, rssURL, llmURL, llmModel string) string {
	data, err := os.ReadFile("../../config.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s := strings.Replace(string(data), "categories: [cs.CL, cs.LG]", "categories: [quant-ph]", 1)
	s = strings.Replace(s, "  # rss_url: https://rss.arxiv.org/rss/", "  rss_url: "+rssURL+"/rss/", 1)
	s = strings.Replace(s, "base_url: https://api.openai.com/v1", "base_url: "+llmURL, 1)
	s = strings.Replace(s, "api_key_env: OPENAI_API_KEY", "api_key_env: TEST_LLM_KEY", 1)
	s = strings.Replace(s, "model: gpt-5-mini", "model: "+llmModel, 1)
	if !classify.IsReasoningModel(llmModel) {
		s = strings.Replace(s, "  reasoning_effort: low\n", "", 1) // as the example says for models that do not reason
	}
	s = strings.Replace(s, "  dir: digests", "  dir: "+filepath.Join(dir, "digests"), 1)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkExampleTokens: the example config (config.yaml: two topics,
// TL;DRs on, new and cross announcements) on the shared quant-ph day,
// counted by run --dry-run with the model's real tokenizer, and the cost
// of a 1,000-paper day at that rate, live and with the Batch API, for
// gpt-5-mini, gpt-5-nano and gpt-4.1-mini. Output tokens are the dry
// run's stated defaults (a fresh store has no history). Then the real run
// of gpt-5-mini against the fake API: the input tokens of the judging
// prompts it sent, counted with the same tokenizer from the request
// bodies received, beside the dry run's count.
//
//	go test -run '^$' -bench BenchmarkExampleTokens -benchtime 1x ./cmd/arxiv-digest
func BenchmarkExampleTokens(b *testing.B) {
	for range b.N {
		for _, m := range []string{"gpt-5-mini", "gpt-5-nano", "gpt-4.1-mini"} {
			dir := b.TempDir()
			arxiv := newFakeArxiv(b, readFixture(b, "rss2_quant-ph_2025-04-28.xml"))
			var mu sync.Mutex
			var judged, tldrs []string
			llm := fakeopenai.NewT(b, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
				body := peekBody(r)
				mu.Lock()
				defer mu.Unlock()
				if strings.Contains(body, `"paper_tldr"`) {
					tldrs = append(tldrs, body)
				} else {
					judged = append(judged, body)
				}
				return false
			}})
			cfg := exampleConfig(b, dir, arxiv.URL, llm.URL, m)
			res := runCLI(b, "run", "--config", cfg, "--dry-run")
			if res.code != 0 {
				b.Fatalf("%s: exit %d: %s", m, res.code, res.stderr)
			}
			reqs := numberB(b, judgingLine, res.stdout, 1)
			in := numberB(b, judgingLine, res.stdout, 2)
			out := numberB(b, outLine, res.stdout, 1)
			tr, tin := numberB(b, tldrLine, res.stdout, 1), numberB(b, tldrLine, res.stdout, 2)
			live, batch := floatB(b, costLine, res.stdout, 1), floatB(b, costLine, res.stdout, 2)
			scale := 1000 / float64(reqs)
			b.ReportMetric(float64(reqs), m+"_papers")
			b.ReportMetric(float64(in)/float64(reqs), m+"_input_tokens/judged_paper")
			b.ReportMetric(float64(out)/float64(reqs), m+"_output_tokens/judged_paper")
			if tr > 0 {
				b.ReportMetric(float64(tin)/float64(tr), m+"_input_tokens/TLDR")
			}
			b.ReportMetric(live*scale, m+"_USD/1000_papers_live")
			b.ReportMetric(batch*scale, m+"_USD/1000_papers_batch")
			if m != "gpt-5-mini" {
				continue
			}
			if res := runCLI(b, "run", "--config", cfg); res.code != 0 {
				b.Fatalf("run: exit %d: %s", res.code, res.stderr)
			}
			tk := classify.NewTokenizer(m)
			sent := 0
			for _, body := range judged {
				n, err := tk.BodyTokens([]byte(body))
				if err != nil {
					b.Fatal(err)
				}
				sent += n
			}
			b.ReportMetric(float64(in), "dry_run_judging_input_tokens")
			b.ReportMetric(float64(sent), "sent_judging_input_tokens")
			b.ReportMetric(float64(len(judged)), "sent_judging_requests")
			b.ReportMetric(float64(len(tldrs)), "sent_TLDR_requests")
			b.Logf("%s dry run:\n%s", m, res.stdout)
		}
	}
}

func numberB(b *testing.B, re *regexp.Regexp, out string, group int) int {
	m := re.FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("no %s in:\n%s", re, out)
	}
	n := 0
	for _, c := range strings.ReplaceAll(m[group], ",", "") {
		n = 10*n + int(c-'0')
	}
	return n
}

func floatB(b *testing.B, re *regexp.Regexp, out string, group int) float64 {
	m := re.FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("no %s in:\n%s", re, out)
	}
	var f float64
	if _, err := fmt.Sscan(strings.ReplaceAll(m[group], ",", ""), &f); err != nil {
		b.Fatal(err)
	}
	return f
}
