package pipeline

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // arXiv's calendar is US Eastern wherever we run

	"github.com/arxiv-digest/arxiv-digest/fetch"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// eastern is arXiv's time zone.
var eastern = mustLoad("America/New_York")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // embedded by time/tzdata: cannot fail
	}
	return loc
}

// LatestAnnouncement is the date (YYYY-MM-DD, US Eastern) of the newest
// announcement arXiv should have made by now. arXiv announces at 20:00 US
// Eastern, Sunday to Thursday, and its feeds date each announcement the
// following day (Monday to Friday), so at 21:00 on a Tuesday the newest is
// Wednesday's, and all weekend it is Friday's. Holidays are not known here.
func LatestAnnouncement(now time.Time) string {
	t := now.In(eastern)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, eastern)
	if t.Hour() < 20 {
		day = day.AddDate(0, 0, -1) // today's announcement has not happened yet
	}
	for day.Weekday() == time.Friday || day.Weekday() == time.Saturday {
		day = day.AddDate(0, 0, -1)
	}
	return day.AddDate(0, 0, 1).Format(time.DateOnly)
}

// CheckDate checks a date asked for on the command line as an arXiv
// announcement date: written YYYY-MM-DD, a weekday (arXiv dates no
// announcement a Saturday or a Sunday), and not after the newest
// announcement arXiv has made by now.
func CheckDate(date string, now time.Time) error {
	if !model.ValidDate(date) {
		return fmt.Errorf("%q is not a date: write it YYYY-MM-DD, e.g. %s", date, LatestAnnouncement(now))
	}
	if _, _, err := fetch.AnnouncementWindow(date); errors.Is(err, fetch.ErrNoAnnouncementDay) {
		t, _ := time.Parse(time.DateOnly, date)
		return fmt.Errorf("arXiv makes no announcement dated a %s (%s)", t.Weekday(), date)
	} else if err != nil {
		return err
	}
	if latest := LatestAnnouncement(now); date > latest {
		return fmt.Errorf("%s is in the future: the newest announcement is %s", date, latest)
	}
	return nil
}
