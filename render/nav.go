package render

import (
	"os"
	"slices"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// dayNav is a day page's way to the index and to the days before and
// after it, as relative links from <dir>/<date>/digest.html.
//
// A page learns its neighbours from the day folders in the output folder
// when it is written, and is not rewritten when a neighbour appears later:
// rewriting yesterday's page would mean reading its whole digest.json and
// rendering it again on every run, which would double the time a run
// spends writing. So the links are made to stay true instead: "earlier"
// links to the newest day written before (days are written in order, so it
// is there already), and "newer" links to the next day when it exists and
// otherwise to the index, whose first row is the newest day. A day written
// out of order (a backfill) gets both neighbours right; its neighbours keep
// links that still work and skip it, and `arxiv-digest render --all`, which
// writes each day again with all the others in place, makes every link
// exact.
type dayNav struct {
	Index              string // "../index.html"
	Prev, Next         string // the neighbours' pages; "" when there is none
	PrevDate, NextDate string
}

// neighbours finds date's neighbours among the finished days in dir: day
// folders that hold a digest.json.
func neighbours(dir, date string) *dayNav {
	nav := &dayNav{Index: "../" + IndexFile}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nav // a first day: nothing to link to but the index it gets
	}
	var days []string
	for _, e := range ents {
		if e.IsDir() && e.Name() != date && model.ValidDate(e.Name()) {
			days = append(days, e.Name())
		}
	}
	slices.Sort(days)
	at, _ := slices.BinarySearch(days, date)
	done := func(day string) bool { return dayExists(dir, day, JSONFile) }
	for i := at - 1; i >= 0; i-- {
		if done(days[i]) {
			nav.PrevDate, nav.Prev = days[i], "../"+days[i]+"/"+HTMLFile
			break
		}
	}
	for i := at; i < len(days); i++ {
		if done(days[i]) {
			nav.NextDate, nav.Next = days[i], "../"+days[i]+"/"+HTMLFile
			break
		}
	}
	return nav
}

// shortDate shows 2025-04-28 as "Mon 28 Apr".
func shortDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return cleanText(s)
	}
	return t.Format("Mon 2 Jan")
}
