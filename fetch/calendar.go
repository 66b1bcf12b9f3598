package fetch

import (
	"fmt"
	"time"
	_ "time/tzdata" // arXiv's calendar is US Eastern wherever we run

	"github.com/arxiv-digest/arxiv-digest/model"
)

// arXiv's calendar, in one place: announcements at 20:00 US Eastern, Sunday
// to Thursday, dated the following day (Monday to Friday); submissions
// close at 14:00 on weekdays (see AnnouncementWindow). Holidays are not
// known here.

// eastern is arXiv's time zone.
var eastern = mustLoad("America/New_York")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // embedded by time/tzdata: cannot fail
	}
	return loc
}

// announceHour is when arXiv announces, 20:00 US Eastern.
const announceHour = 20

// weekday reports whether d is a Monday to Friday: the days announcements
// are dated and submissions close.
func weekday(d time.Time) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// LatestAnnouncement is the date (YYYY-MM-DD, US Eastern) of the newest
// announcement arXiv should have made by now. arXiv announces at 20:00 US
// Eastern, Sunday to Thursday, and its feeds date each announcement the
// following day (Monday to Friday), so at 21:00 on a Tuesday the newest is
// Wednesday's, and all weekend it is Friday's. Holidays are not known here.
func LatestAnnouncement(now time.Time) string {
	t := now.In(eastern)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, eastern)
	if t.Hour() < announceHour {
		day = day.AddDate(0, 0, -1) // today's announcement has not happened yet
	}
	date := day.AddDate(0, 0, 1) // what the announcement made that evening is dated
	for !weekday(date) {
		date = date.AddDate(0, 0, -1)
	}
	return date.Format(time.DateOnly)
}

// CheckDate checks a date asked for on the command line as an arXiv
// announcement date: written YYYY-MM-DD, a weekday (arXiv dates no
// announcement a Saturday or a Sunday), and not after the newest
// announcement arXiv has made by now.
func CheckDate(date string, now time.Time) error {
	if !model.ValidDate(date) {
		return fmt.Errorf("%q is not a date: write it YYYY-MM-DD, e.g. %s", date, LatestAnnouncement(now))
	}
	if t, _ := time.Parse(time.DateOnly, date); !weekday(t) {
		return fmt.Errorf("arXiv makes no announcement dated a %s (%s)", t.Weekday(), date)
	}
	if latest := LatestAnnouncement(now); date > latest {
		return fmt.Errorf("%s is in the future: the newest announcement is %s", date, latest)
	}
	return nil
}
