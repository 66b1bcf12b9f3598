package fetch

import (
	"testing"
	"time"
)

func TestLatestAnnouncement(t *testing.T) {
	et, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2025, 4, 27, 19, 59, 0, 0, et), "2025-04-25"}, // Sunday before the announcement: Friday's
		{time.Date(2025, 4, 27, 20, 0, 0, 0, et), "2025-04-28"},  // Sunday 20:00: Monday's
		{time.Date(2025, 4, 28, 10, 0, 0, 0, et), "2025-04-28"},  // Monday morning
		{time.Date(2025, 4, 29, 21, 0, 0, 0, et), "2025-04-30"},  // Tuesday evening: Wednesday's
		{time.Date(2025, 5, 1, 20, 30, 0, 0, et), "2025-05-02"},  // Thursday evening: Friday's
		{time.Date(2025, 5, 2, 22, 0, 0, 0, et), "2025-05-02"},   // Friday evening: no announcement
		{time.Date(2025, 5, 3, 12, 0, 0, 0, et), "2025-05-02"},   // Saturday
		// The same instant seen from Tokyo (Monday 09:30 there) is still Sunday 20:30 in New York.
		{time.Date(2025, 4, 28, 9, 30, 0, 0, time.FixedZone("JST", 9*3600)), "2025-04-28"},
		// 01:30 UTC on Monday 3 Nov 2025 is 20:30 EST on Sunday, after the DST change.
		{time.Date(2025, 11, 3, 1, 30, 0, 0, time.UTC), "2025-11-03"},
	}
	for _, tt := range tests {
		if got := LatestAnnouncement(tt.now); got != tt.want {
			t.Errorf("LatestAnnouncement(%s) = %s, want %s", tt.now.Format(time.RFC3339), got, tt.want)
		}
	}
}

func TestCheckDate(t *testing.T) {
	et, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 11, 30, 21, 0, 0, 0, et) // Monday evening: Tuesday's is out
	for _, tt := range []struct {
		date, want string // want "" = valid
	}{
		{"2026-12-01", ""},
		{"2026-11-27", ""},
		{"2024-11-28", ""}, // Thanksgiving: arXiv's holidays are not known here
		{"2026-12-02", "2026-12-02 is in the future: the newest announcement is 2026-12-01"},
		{"2030-01-07", "2030-01-07 is in the future: the newest announcement is 2026-12-01"},
		{"2026-11-28", "arXiv makes no announcement dated a Saturday (2026-11-28)"},
		{"2026-11-29", "arXiv makes no announcement dated a Sunday (2026-11-29)"},
		{"28-11-2024", `"28-11-2024" is not a date: write it YYYY-MM-DD, e.g. 2026-12-01`},
		{"2026-02-30", `"2026-02-30" is not a date: write it YYYY-MM-DD, e.g. 2026-12-01`},
		{"2026-1-5", `"2026-1-5" is not a date: write it YYYY-MM-DD, e.g. 2026-12-01`},
		{"", `"" is not a date: write it YYYY-MM-DD, e.g. 2026-12-01`},
	} {
		err := CheckDate(tt.date, now)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckDate(%q) = %q, want %q", tt.date, got, tt.want)
		}
	}
}

// TestCalendarAgrees: at every hour of four weeks, across the change from
// daylight saving time, the newest announcement is a date CheckDate takes,
// and the submission window of that date closed before it was announced.
func TestCalendarAgrees(t *testing.T) {
	start := time.Date(2025, 10, 20, 0, 0, 0, 0, eastern)
	for now := start; now.Before(start.AddDate(0, 0, 28)); now = now.Add(time.Hour) {
		date := LatestAnnouncement(now)
		if err := CheckDate(date, now); err != nil {
			t.Fatalf("at %s: CheckDate(LatestAnnouncement) = %v", now, err)
		}
		_, to, err := AnnouncementWindow(date)
		if err != nil {
			t.Fatalf("at %s: AnnouncementWindow(%s) = %v", now, date, err)
		}
		if !to.Before(now) {
			t.Fatalf("at %s: the newest announcement %s covers submissions until %s", now, date, to)
		}
	}
}
