package daemon

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateCron(t *testing.T) {
	tests := []struct {
		expr        string
		ok          bool
		withSeconds bool
		reason      string // part of the error when !ok
	}{
		{expr: DefaultCron, ok: true},
		{expr: "*/1 * * * * *", ok: true, withSeconds: true},
		{expr: "0 30 20 * * 1-5", ok: true, withSeconds: true},
		{expr: "@daily", ok: true},
		{expr: "CRON_TZ=Europe/Berlin 30 20 * * 0-4", ok: true},
		{expr: "TZ=Asia/Tokyo 0 30 20 * * *", ok: true, withSeconds: true},
		{expr: "", reason: "empty"},
		{expr: "   ", reason: "empty"},
		{expr: "30 20 * *", reason: "4 fields"},
		{expr: "0 0 30 20 * * 0-4", reason: "7 fields"},
		{expr: "61 20 * * *", reason: "61"},
		{expr: "30 20 * * mon-fry", reason: "mon-fry"},
		{expr: "0 0 30 2 *", reason: "never fires"},
		{expr: "@fortnightly", reason: "fortnightly"},
		{expr: "CRON_TZ=Nowhere/Special 30 20 * * *", reason: "Nowhere/Special"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			err := ValidateCron(tt.expr)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidateCron(%q) = %v, want nil", tt.expr, err)
				}
				spec, _ := parseCron(tt.expr)
				if spec.withSeconds != tt.withSeconds {
					t.Errorf("withSeconds = %v, want %v", spec.withSeconds, tt.withSeconds)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateCron(%q) = nil, want an error", tt.expr)
			}
			if !errors.Is(err, ErrInvalidCron) {
				t.Errorf("err %v is not ErrInvalidCron", err)
			}
			var ce *CronError
			if !errors.As(err, &ce) || ce.Expr != tt.expr {
				t.Errorf("err %v does not carry the expression %q", err, tt.expr)
			}
			if !strings.Contains(err.Error(), `"`+tt.expr+`"`) {
				t.Errorf("message %q does not quote the expression", err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("message %q does not contain %q", err, tt.reason)
			}
		})
	}
}

func FuzzValidateCron(f *testing.F) {
	for _, s := range []string{DefaultCron, "*/1 * * * * *", "@every 1h", "TZ=UTC 0 0 * * *", "CRON_TZ= * * * * *", "1-0/0 * * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		err := ValidateCron(expr) // must not panic
		if err != nil && !errors.Is(err, ErrInvalidCron) {
			t.Fatalf("error %v is not ErrInvalidCron", err)
		}
	})
}
