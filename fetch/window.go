package fetch

import (
	"fmt"
	"time"
)

// deadlineHour is arXiv's daily submission deadline, 14:00 US Eastern.
const deadlineHour = 14

// AnnouncementWindow returns the submission window of the announcement day
// date (YYYY-MM-DD, Monday to Friday, US Eastern): from the deadline
// (14:00 ET) on the weekday two weekdays before date up to the deadline on
// the weekday before it. Monday's announcement covers Thursday 14:00 to
// Friday 14:00; Tuesday's Friday 14:00 to Monday 14:00. Both times are in
// America/New_York, so daylight saving is accounted for. Holidays are not:
// arXiv moves its schedule around them and the API cannot see that.
// Saturdays and Sundays give an error wrapping ErrNoAnnouncementDay.
func AnnouncementWindow(date string) (from, to time.Time, err error) {
	loc := eastern
	d, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("announcement window: date %q is not YYYY-MM-DD: %w", date, err)
	}
	if !weekday(d) {
		return time.Time{}, time.Time{}, fmt.Errorf("announcement window: arXiv announces nothing on %s (%s): %w", d.Weekday(), date, ErrNoAnnouncementDay)
	}
	end := previousWeekday(d)
	start := previousWeekday(end)
	from = time.Date(start.Year(), start.Month(), start.Day(), deadlineHour, 0, 0, 0, loc)
	to = time.Date(end.Year(), end.Month(), end.Day(), deadlineHour, 0, 0, 0, loc)
	return from, to, nil
}

// previousWeekday is the Monday..Friday day before d.
func previousWeekday(d time.Time) time.Time {
	for {
		d = time.Date(d.Year(), d.Month(), d.Day()-1, 0, 0, 0, 0, d.Location())
		if weekday(d) {
			return d
		}
	}
}
