package fetch

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAnnouncementWindow(t *testing.T) {
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, date string
		from, to   string // UTC
	}{
		{"monday covers thursday to friday", "2026-02-09", "2026-02-05 19:00", "2026-02-06 19:00"},
		{"tuesday covers friday to monday", "2026-02-10", "2026-02-06 19:00", "2026-02-09 19:00"},
		{"wednesday", "2026-02-11", "2026-02-09 19:00", "2026-02-10 19:00"},
		{"thursday", "2026-02-12", "2026-02-10 19:00", "2026-02-11 19:00"},
		{"friday", "2026-02-06", "2026-02-04 19:00", "2026-02-05 19:00"},
		{"summer time", "2025-04-28", "2025-04-24 18:00", "2025-04-25 18:00"},
		// Daylight saving starts Sunday 2026-03-08: Friday is EST, Monday EDT.
		{"across spring forward", "2026-03-10", "2026-03-06 19:00", "2026-03-09 18:00"},
		// Daylight saving ends Sunday 2026-11-01: Friday is EDT, Monday EST.
		{"across fall back", "2026-11-03", "2026-10-30 18:00", "2026-11-02 19:00"},
		{"across a year", "2026-01-05", "2026-01-01 19:00", "2026-01-02 19:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, err := AnnouncementWindow(tt.date)
			if err != nil {
				t.Fatalf("AnnouncementWindow(%s): %v", tt.date, err)
			}
			if !from.Equal(utc(tt.from)) || !to.Equal(utc(tt.to)) {
				t.Errorf("window %s .. %s, want %s .. %s UTC", from.UTC(), to.UTC(), tt.from, tt.to)
			}
			if from.Location().String() != "America/New_York" || from.Hour() != 14 || to.Hour() != 14 {
				t.Errorf("window not at 14:00 New York time: %s .. %s", from, to)
			}
		})
	}
}

func TestAnnouncementWindowRejects(t *testing.T) {
	tests := []struct {
		date, want string
		weekend    bool
	}{
		{"2026-03-28", "arXiv announces nothing on Saturday", true},
		{"2026-03-29", "arXiv announces nothing on Sunday", true},
		{"2026-3-2", "not YYYY-MM-DD", false},
		{"2026-02-30", "not YYYY-MM-DD", false},
		{"", "not YYYY-MM-DD", false},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			_, _, err := AnnouncementWindow(tt.date)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if errors.Is(err, ErrNoAnnouncementDay) != tt.weekend {
				t.Errorf("errors.Is(err, ErrNoAnnouncementDay) = %v, want %v", !tt.weekend, tt.weekend)
			}
		})
	}
}
