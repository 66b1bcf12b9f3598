package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/lock"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// mcpSession connects the go-sdk client to the server of cfg's store over
// an in-memory transport.
func mcpSession(t *testing.T, cfgPath string) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(cfgPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := openReadOnly(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	serverT, clientT := mcp.NewInMemoryTransports()
	ss, err := newMCPServer(cfg, st, slog.New(slog.DiscardHandler)).Connect(ctx, serverT, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, clientT, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// call calls a tool and decodes its structured output into out; it fails
// the test on a tool error.
func call(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any, out any) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s %v: %v", tool, args, err)
	}
	if res.IsError {
		t.Fatalf("%s %v: tool error %s", tool, args, toolText(res))
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, b)
	}
}

// callError calls a tool that must fail and returns its message.
func callError(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) string {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s %v: protocol error %v, want a tool error", tool, args, err)
	}
	if !res.IsError {
		t.Fatalf("%s %v: no error", tool, args)
	}
	return toolText(res)
}

func toolText(res *mcp.CallToolResult) string {
	var s []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			s = append(s, tc.Text)
		}
	}
	return strings.Join(s, "\n")
}

func TestMCPTools(t *testing.T) {
	_, cfg, d := judgedDay(t)
	cs := mcpSession(t, cfg)
	ctx := context.Background()

	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
		if tool.InputSchema == nil || tool.OutputSchema == nil || tool.Description == "" || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s: input %v, output %v, annotations %+v", tool.Name, tool.InputSchema, tool.OutputSchema, tool.Annotations)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"get_digest", "get_paper", "list_digests", "search_papers"}) {
		t.Errorf("tools %v", names)
	}

	t.Run("list_digests", func(t *testing.T) {
		var out listDigestsOut
		call(t, cs, "list_digests", map[string]any{}, &out)
		if out.Total != 1 || len(out.Days) != 1 {
			t.Fatalf("%+v", out)
		}
		day := out.Days[0]
		if day.Date != "2025-04-28" || day.Status != "complete" || day.Papers != 81 || day.Judged != d.Stats.Judged ||
			day.Selected != d.Stats.Selected || day.Failed != 0 || !strings.HasPrefix(day.Health, "complete: all 81 papers judged") ||
			!slices.Equal(day.Topics, []string{"Entanglement", "Error correction"}) || day.Threshold != 0.7 {
			t.Errorf("%+v; digest stats %+v", day, d.Stats)
		}
		for _, bad := range []map[string]any{{"limit": 10000}, {"limit": -1}, {"limit": "ten"}} {
			if msg := callError(t, cs, "list_digests", bad); msg == "" {
				t.Errorf("%v: empty error", bad)
			}
		}
	})

	t.Run("get_digest", func(t *testing.T) {
		var out getDigestOut
		call(t, cs, "get_digest", map[string]any{"date": "2025-04-28", "limit": 100}, &out)
		if out.Total != d.Stats.Selected || len(out.Papers) != d.Stats.Selected || out.Threshold != 0.7 || out.Status != "complete" {
			t.Fatalf("total %d, %d papers, want %d selected: %+v", out.Total, len(out.Papers), d.Stats.Selected, out)
		}
		for i, p := range out.Papers {
			e := d.Papers[slices.IndexFunc(d.Papers, func(e model.Entry) bool { return e.ID == p.ID })]
			if !slices.Equal(p.SelectedTopics, e.SelectedTopics) || !equalScores(p.Scores, e.Scores) || p.AbsURL != e.AbsURL ||
				p.Title != e.Title || p.Scores[0].Reason == "" {
				t.Errorf("%s: %+v; digest %+v", p.ID, p, e)
			}
			if best := func(p digestPaper) float64 { s, _ := scoreOf(p.Scores, p.SelectedTopics[0]); return s }; i > 0 && best(p) > best(out.Papers[i-1]) {
				t.Errorf("%s before %s: not best first", out.Papers[i-1].ID, p.ID)
			}
		}
		var top getDigestOut
		call(t, cs, "get_digest", map[string]any{"date": "2025-04-28", "topic": "Error correction"}, &top)
		for _, p := range top.Papers {
			if !slices.Contains(p.SelectedTopics, "Error correction") {
				t.Errorf("topic Error correction: %+v", p)
			}
		}
		var low getDigestOut
		call(t, cs, "get_digest", map[string]any{"date": "2025-04-28", "min_relevance": 0}, &low)
		if low.Total != 81 || len(low.Papers) != store.DefaultSearchLimit || low.Threshold != 0 {
			t.Errorf("min_relevance 0: total %d, %d papers, threshold %v", low.Total, len(low.Papers), low.Threshold)
		}
		for _, tc := range []struct {
			args map[string]any
			want string
		}{
			{map[string]any{"date": "28/04/2025"}, `date "28/04/2025" is not a date: write it YYYY-MM-DD`},
			{map[string]any{"date": "2025-04-29"}, "no digest for 2025-04-29; the store has 1 day: 2025-04-28"},
			{map[string]any{"date": "2025-04-28", "topic": "Cooking"}, `unknown topic "Cooking": the stored days' topics are "Entanglement", "Error correction"`},
			{map[string]any{"date": "2025-04-28", "min_relevance": 1.5}, "min_relevance 1.5: give a number from 0 to 1"},
			{map[string]any{"date": "2025-04-28", "limit": 10000}, "limit 10000: give 1 to 100"},
			{map[string]any{}, "date"},
		} {
			if msg := callError(t, cs, "get_digest", tc.args); !strings.Contains(msg, tc.want) {
				t.Errorf("%v: %q, want %q", tc.args, msg, tc.want)
			}
		}
	})

	t.Run("search_papers", func(t *testing.T) {
		var out searchPapersOut
		call(t, cs, "search_papers", map[string]any{"query": "Schrodinger"}, &out)
		if ids := hitIDsOf(out.Hits); !slices.Contains(ids, "2504.18372") || !slices.Contains(ids, "2504.18477") || len(ids) != 2 {
			t.Errorf("Schrodinger: %v", ids)
		}
		checkHitsAgainstDigest(t, out.Hits, d)
		call(t, cs, "search_papers", map[string]any{"query": "quantum", "selected_only": true, "topic": "Entanglement", "since": "2025-04-28", "until": "2025-04-28", "limit": 100}, &out)
		if len(out.Hits) == 0 {
			t.Error("no selected Entanglement papers")
		}
		for _, h := range out.Hits {
			if !h.Selected || h.Topic != "Entanglement" || *h.Relevance < 0.7 {
				t.Errorf("selected_only topic Entanglement: %+v", h)
			}
		}
		call(t, cs, "search_papers", map[string]any{"query": "quantum"}, &out)
		if len(out.Hits) != store.DefaultSearchLimit {
			t.Errorf("default limit: %d hits", len(out.Hits))
		}
		for _, tc := range []struct {
			args map[string]any
			want string
		}{
			{map[string]any{"query": `"sparse attention`}, "malformed search query: unbalanced quote at column 1"},
			{map[string]any{"query": `*`}, "a bare * at column 1"},
			{map[string]any{"query": "x", "limit": 10000}, "limit 10000: give 1 to 100"},
			{map[string]any{"query": "x", "since": "yesterday"}, `since "yesterday" is not a date`},
			{map[string]any{"query": "x", "topic": "Cooking"}, `unknown topic "Cooking"`},
			{map[string]any{}, "query"},
		} {
			if msg := callError(t, cs, "search_papers", tc.args); !strings.Contains(msg, tc.want) {
				t.Errorf("%v: %q, want %q", tc.args, msg, tc.want)
			}
		}
	})

	t.Run("get_paper", func(t *testing.T) {
		for _, id := range []string{"2504.18372", "2504.18372v1", "arXiv:2504.18372", "https://arxiv.org/abs/2504.18372v1"} {
			var out getPaperOut
			call(t, cs, "get_paper", map[string]any{"id": id}, &out)
			e := d.Papers[slices.IndexFunc(d.Papers, func(e model.Entry) bool { return e.ID == "2504.18372" })]
			if out.ID != "2504.18372" || out.Abstract != e.Abstract || len(out.Judgements) != 2 || len(out.Days) != 1 ||
				out.Days[0].Date != "2025-04-28" || out.Days[0].Status != "judged" || len(out.Days[0].Scores) != 2 ||
				out.Days[0].Selected != (len(e.SelectedTopics) > 0) || out.Judgements[0].Reason == "" || out.Judgements[0].Model != "gpt-5-mini" {
				t.Errorf("%s: %+v", id, out)
			}
			for _, j := range out.Judgements {
				if s, _ := e.Score(j.Topic); s.Relevance != j.Relevance || s.Reason != j.Reason {
					t.Errorf("judgement %+v, digest's %+v", j, s)
				}
			}
		}
		for _, tc := range []struct{ id, want string }{
			{"2504.99999", "no stored paper 2504.99999"},
			{"not an id", `id "not an id" is not an arXiv id`},
		} {
			if msg := callError(t, cs, "get_paper", map[string]any{"id": tc.id}); !strings.Contains(msg, tc.want) {
				t.Errorf("%s: %q, want %q", tc.id, msg, tc.want)
			}
		}
	})
}

func hitIDsOf(hits []store.SearchHit) []string {
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func scoreOf(scores []model.Score, topic string) (float64, bool) {
	for _, s := range scores {
		if s.Topic == topic {
			return s.Relevance, true
		}
	}
	return 0, false
}

// TestMCPOverStdio runs the built binary as an MCP client does: it starts
// `arxiv-digest mcp` and speaks the protocol over its stdin and stdout
// (initialize, tools/list, tools/call), while a run holds the store's lock
// and a writer holds SQLite's write lock: the server is not blocked by
// them, and answers at once.
func TestMCPOverStdio(t *testing.T) {
	bin := binary(t)
	dir, cfg, _ := judgedDay(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// A run in progress: the lock held, and a write transaction open.
	l, err := lock.TryAcquire(dir+"/digests/arxiv-digest.db.lock", lock.Holder{PID: os.Getpid(), Command: "arxiv-digest run"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	db, err := sql.Open("sqlite", dir+"/digests/arxiv-digest.db?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `UPDATE runs SET error = 'in progress'`); err != nil {
		t.Fatal(err)
	}

	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "mcp", "--config", cfg)
	cmd.Env = append(os.Environ(), "ARXIV_DIGEST_CONFIG=") // nothing from the environment but the flag
	cmd.Stderr = &stderr
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, nil).
		Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("initialize: %v\nstderr: %s", err, stderr.String())
	}
	if info := cs.InitializeResult().ServerInfo; info.Name != "arxiv-digest" || info.Version != version {
		t.Errorf("server info %+v", info)
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil || len(tools.Tools) != 4 {
		t.Fatalf("tools/list: %v, %v", tools, err)
	}
	start := time.Now()
	var out searchPapersOut
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "search_papers", Arguments: map[string]any{"query": `"cat states"`}})
	if err != nil || res.IsError {
		t.Fatalf("tools/call: %v, %+v", err, res)
	}
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil || len(out.Hits) != 1 || out.Hits[0].ID != "2504.18372" {
		t.Errorf("search over stdio: %s, %v", b, err)
	}
	// The text content carries the same JSON, for clients that read only text.
	if txt := toolText(res); !strings.Contains(txt, `"2504.18372"`) {
		t.Errorf("text content %q", txt)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("the call took %s beside a writer", waited)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_digest", Arguments: map[string]any{"date": "2025-04-28"}})
	if err != nil || res.IsError {
		t.Errorf("get_digest beside the writer: %v, %s", err, toolText(res))
	}
	// The writer commits while the server is open; the server sees it.
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		t.Fatalf("the writer could not commit beside the server: %v", err)
	}
	var days listDigestsOut
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_digests"})
	if err != nil || res.IsError {
		t.Fatalf("list_digests: %v", err)
	}
	b, _ = json.Marshal(res.StructuredContent)
	json.Unmarshal(b, &days)
	if len(days.Days) != 1 || days.Days[0].Error != "in progress" {
		t.Errorf("after the commit: %s", b)
	}
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if !strings.Contains(stderr.String(), "mcp server ready") {
		t.Errorf("stderr: %s", stderr.String())
	}
}
