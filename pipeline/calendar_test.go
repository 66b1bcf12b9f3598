package pipeline

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
