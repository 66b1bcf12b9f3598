package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/filter"
	"github.com/arxiv-digest/arxiv-digest/model"
)

func newFetchCmd(e *env) *cobra.Command {
	var (
		f        configFlags
		date     string
		format   string
		estimate bool
	)
	c := &cobra.Command{
		Use:   "fetch",
		Short: "List the papers a run would judge, without calling the model",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageError(fmt.Errorf("--format %q: want table or json", format))
			}
			if date != "" {
				if err := fetch.CheckDate(date, time.Now()); err != nil {
					return usageError(fmt.Errorf("--date: %w", err))
				}
			}
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			fc := a.fetcher()
			ctx := c.Context()
			var day *fetch.Day
			if date == "" {
				day, err = fc.Latest(ctx, a.cfg.Arxiv.Categories)
			} else {
				day, err = fc.Day(ctx, a.cfg.Arxiv.Categories, date)
			}
			if err != nil {
				return withCode(exitFailed, err)
			}
			papers, _ := day.Keep(a.cfg.Arxiv.AnnounceTypes)
			flt, err := a.cfg.PaperFilter()
			if err != nil {
				return usageError(err)
			}
			listed := make([]fetchedPaper, len(papers))
			toJudge := 0
			for i, p := range papers {
				listed[i] = fetchedPaper{Paper: p, decision: flt.Decide(p)}
				listed[i].Filter, listed[i].FilterRule = listed[i].verdict()
				if !listed[i].decision.Filtered {
					toJudge++
				}
			}
			if format == "json" {
				out := struct {
					Date            string         `json:"date"`
					Source          string         `json:"source"`
					NoAnnouncements bool           `json:"no_announcements"`
					Papers          []fetchedPaper `json:"papers"`
				}{day.Date, day.Source, day.NoAnnouncements, listed}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			fmt.Fprintf(e.stdout, "%s: %d papers to judge (%d announced; keeping %s)\n", day.Date, toJudge, len(day.Papers), joinTypes(a.cfg.Arxiv.AnnounceTypes))
			if !flt.Empty() {
				writeFilterSummary(e.stdout, a.cfg.Filter, listed)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			if flt.Empty() {
				fmt.Fprintln(tw, "ID\tTYPE\tCATEGORIES\tTITLE")
			} else {
				fmt.Fprintln(tw, "ID\tTYPE\tCATEGORIES\tFILTER\tTITLE")
			}
			for _, p := range listed {
				if flt.Empty() {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, p.AnnounceType, strings.Join(p.Categories, ","), clip(p.Title, 90))
				} else {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.AnnounceType, strings.Join(p.Categories, ","), p.column(), clip(p.Title, 90))
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if !estimate {
				return nil
			}
			done, err := a.openStoreReadOnly(ctx)
			if err != nil {
				return err
			}
			defer done()
			est, err := a.runner(nil).EstimateDay(ctx, day.Date, papers)
			if err != nil {
				return withCode(exitFailed, err)
			}
			fmt.Fprintln(e.stdout)
			a.printEstimate(est)
			return nil
		},
	}
	f.register(c)
	c.Flags().StringVar(&date, "date", "", "a past announcement day (YYYY-MM-DD), from the arXiv API")
	c.Flags().StringVar(&format, "format", "table", "table or json")
	c.Flags().BoolVar(&estimate, "estimate", false, "also print the requests, tokens and cost a run of the day would spend (as run --dry-run)")
	return c
}

// fetchedPaper is a fetched paper with what the config's filter makes of
// it: "judge" (no filter rule applies), "keep" (an include phrase matched:
// FilterRule), "follow" (a followed author: FilterRule) or "drop" (left
// out: FilterRule says by which rule).
type fetchedPaper struct {
	model.Paper
	Filter     string `json:"filter"`
	FilterRule string `json:"filter_rule,omitempty"`
	decision   filter.Decision
}

func (p fetchedPaper) verdict() (string, string) {
	d := p.decision
	switch {
	case d.Followed != "":
		return "follow", d.Followed
	case d.Filtered:
		return "drop", d.Reason
	case d.Kept != "":
		return "keep", fmt.Sprintf("include %q", d.Kept)
	}
	return "judge", ""
}

// column is the table's FILTER column: the verdict and its rule.
func (p fetchedPaper) column() string {
	if p.FilterRule == "" {
		return p.Filter
	}
	return clip(p.Filter+": "+p.FilterRule, 40)
}

// writeFilterSummary says what each phrase and author of the filter did:
// how many papers each include phrase kept, each exclude phrase dropped,
// each followed author brought in, and how many no include phrase matched.
func writeFilterSummary(w io.Writer, f config.Filter, papers []fetchedPaper) {
	count := map[string]int{}
	for _, p := range papers {
		count[p.Filter+"\x00"+p.FilterRule]++
	}
	for _, s := range f.Include {
		fmt.Fprintf(w, "  include %q keeps %d\n", s, count["keep\x00"+fmt.Sprintf("include %q", model.NormalizeSpace(s))])
	}
	if len(f.Include) > 0 {
		fmt.Fprintf(w, "  no include phrase matches: %d dropped\n", count["drop\x00no include matches"])
	}
	for _, s := range f.Exclude {
		fmt.Fprintf(w, "  exclude %q drops %d\n", s, count["drop\x00"+fmt.Sprintf("exclude %q", model.NormalizeSpace(s))])
	}
	if len(f.Authors) > 0 {
		n := 0
		for _, p := range papers {
			if p.Filter == "follow" {
				n++
			}
		}
		fmt.Fprintf(w, "  followed authors (%s): %d papers, always judged\n", strings.Join(f.Authors, ", "), n)
	}
}

func joinTypes(ts []model.AnnounceType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
