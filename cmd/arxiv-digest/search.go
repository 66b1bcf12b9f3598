package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

func newSearchCmd(e *env) *cobra.Command {
	var (
		f      configFlags
		q      store.SearchQuery
		format string
	)
	c := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search every stored paper's title, abstract and authors",
		Long: `Search the title, abstract and authors of every paper the store holds, in any
case and with or without accents ("Schrodinger" finds Schr\"odinger, "Muller"
finds Müller). Words are all looked for; "a phrase" in quotes as written; a
word ending in * is a prefix (transform*); OR looks for either side
(llm OR "language model"); title:, abstract: or author: before a word looks
in that field only.

Each paper is shown once, as on its newest day within --since/--until: the
day, its id, its best topic and score that day (or --topic's), whether that
day selected it, and its title. The best text matches come first; of equal
matches, the more relevant. The store is only read.`,
		Example: `  arxiv-digest search '"sparse attention"' --since 2026-03-01
  arxiv-digest search 'author:muller transform*' --selected
  arxiv-digest search hallucination --topic "LLM hallucination" --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			q.Text = strings.Join(args, " ")
			if format != "table" && format != "json" {
				return usageError(fmt.Errorf("--format %q: want table or json", format))
			}
			if err := checkSearch(q); err != nil {
				return usageError(err)
			}
			// The query is read before anything is opened: a malformed
			// one is exit 2 even without a store.
			if _, err := store.ParseQuery(q.Text); err != nil {
				return usageError(fmt.Errorf("search: %w", err))
			}
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			ctx := c.Context()
			// Opened as every command opens it, which upgrades a store
			// written by an older version (indexing it for search), then
			// read as the MCP server reads it.
			if err := a.openStore(ctx); err != nil {
				return err
			}
			a.close()
			st, err := openReadOnly(ctx, a.cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			hits, err := search(ctx, st, q)
			if err != nil {
				return err
			}
			if format == "json" {
				if hits == nil {
					hits = []store.SearchHit{}
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Query string            `json:"query"`
					Hits  []store.SearchHit `json:"hits"`
				}{q.Text, hits})
			}
			if len(hits) == 0 {
				fmt.Fprintln(e.stdout, "No stored paper matches.")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DATE\tID\tSCORE\tTOPIC\tSELECTED\tTITLE")
			for _, h := range hits {
				score, selected := "-", ""
				if h.Relevance != nil {
					score = fmt.Sprintf("%.2f", *h.Relevance)
				}
				if h.Selected {
					selected = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", h.Date, h.ID, score, clip(h.Topic, 30), selected, clip(model.NormalizeSpace(h.Title), 90))
			}
			return tw.Flush()
		},
	}
	f.register(c)
	c.Flags().StringVar(&q.Since, "since", "", "only days on or after this one (YYYY-MM-DD)")
	c.Flags().StringVar(&q.Until, "until", "", "only days on or before this one (YYYY-MM-DD)")
	c.Flags().StringVar(&q.Topic, "topic", "", "rank and filter by this topic's score (a topic of the stored days)")
	c.Flags().BoolVar(&q.Selected, "selected", false, "only papers their day selected (for --topic, when given)")
	c.Flags().IntVar(&q.Limit, "limit", store.DefaultSearchLimit, fmt.Sprintf("at most this many papers (1 to %d)", store.MaxSearchLimit))
	c.Flags().StringVar(&format, "format", "table", "table or json")
	return c
}

// checkSearch checks what can be checked of a search without the store:
// its dates and limit. The MCP server's search_papers checks the same.
func checkSearch(q store.SearchQuery) error {
	for _, d := range []struct{ flag, value string }{{"since", q.Since}, {"until", q.Until}} {
		if d.value != "" && !model.ValidDate(d.value) {
			return fmt.Errorf("%s %q is not a date: write it YYYY-MM-DD", d.flag, d.value)
		}
	}
	if q.Since != "" && q.Until != "" && q.Since > q.Until {
		return fmt.Errorf("since %s is after until %s", q.Since, q.Until)
	}
	if q.Limit < 1 || q.Limit > store.MaxSearchLimit {
		return fmt.Errorf("limit %d: give 1 to %d", q.Limit, store.MaxSearchLimit)
	}
	return nil
}

// search runs q on st after checking its topic against the stored days'.
// An error the user must fix (a malformed query, an unknown topic) is a
// usage error.
func search(ctx context.Context, st *store.Store, q store.SearchQuery) ([]store.SearchHit, error) {
	if q.Topic != "" {
		topics, err := st.Topics(ctx)
		if err != nil {
			return nil, withCode(exitFailed, err)
		}
		if !slices.Contains(topics, q.Topic) {
			return nil, usageError(unknownTopic(q.Topic, topics))
		}
	}
	hits, err := st.Search(ctx, q)
	if errors.Is(err, store.ErrBadQuery) {
		return nil, usageError(fmt.Errorf("search: %w", err))
	}
	if err != nil {
		return nil, withCode(exitFailed, err)
	}
	return hits, nil
}

// unknownTopic says that topic is none of topics, and which they are.
func unknownTopic(topic string, topics []string) error {
	if len(topics) == 0 {
		return fmt.Errorf("unknown topic %q: the store has no judged days yet", topic)
	}
	quoted := make([]string, len(topics))
	for i, t := range topics {
		quoted[i] = fmt.Sprintf("%q", t)
	}
	return fmt.Errorf("unknown topic %q: the stored days' topics are %s", topic, strings.Join(quoted, ", "))
}
