package daemon

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultCron runs at 20:30 (America/New_York by default) Sunday to Thursday:
// shortly after arXiv's announcement at 20:00 ET on the evenings before the
// weekdays it mails.
const DefaultCron = "30 20 * * 0-4"

// ErrInvalidCron is what a *CronError is; config validation tests for it with
// errors.Is.
var ErrInvalidCron = errors.New("invalid cron expression")

// CronError names the cron expression that cannot be used and why.
type CronError struct {
	Expr   string
	Reason string
}

func (e *CronError) Error() string {
	return fmt.Sprintf("invalid cron expression %q: %s", e.Expr, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidCron) true for a *CronError.
func (e *CronError) Is(target error) bool { return target == ErrInvalidCron }

// ValidateCron checks a cron expression the way Run will use it: 5 fields
// (minute hour day-of-month month day-of-week), or 6 with seconds first, or a
// descriptor such as "@daily"; an optional leading "CRON_TZ=Zone" (or
// "TZ=Zone") overrides Options.Location. An expression that never fires (such
// as February 30) is invalid too. The error is a *CronError.
func ValidateCron(expr string) error {
	_, err := parseCron(expr)
	return err
}

// cronSpec is a parsed expression and how gocron must be told to read it.
type cronSpec struct {
	withSeconds bool
	schedule    cron.Schedule
}

// parseCron parses expr with the same robfig/cron parser options gocron uses
// for CronJob(expr, withSeconds), choosing withSeconds by field count.
func parseCron(expr string) (spec cronSpec, err error) {
	fields := strings.Fields(expr)
	body := fields
	if len(body) > 0 && (strings.HasPrefix(body[0], "TZ=") || strings.HasPrefix(body[0], "CRON_TZ=")) {
		body = body[1:]
	}
	switch {
	case len(body) == 0:
		return spec, &CronError{Expr: expr, Reason: "empty; want 5 fields (minute hour day-of-month month day-of-week), e.g. " + DefaultCron}
	case len(body) == 1 && strings.HasPrefix(body[0], "@"), len(body) == 5:
		spec.withSeconds = false
	case len(body) == 6:
		spec.withSeconds = true
	default:
		return spec, &CronError{Expr: expr, Reason: fmt.Sprintf(
			"%d fields; want 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)", len(body))}
	}

	// robfig/cron has panicked on odd input before; a config value must
	// never crash the program.
	defer func() {
		if r := recover(); r != nil {
			err = &CronError{Expr: expr, Reason: fmt.Sprint(r)}
		}
	}()
	if spec.withSeconds {
		p := cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
		spec.schedule, err = p.Parse(expr)
	} else {
		spec.schedule, err = cron.ParseStandard(expr)
	}
	if err != nil {
		return cronSpec{}, &CronError{Expr: expr, Reason: err.Error()}
	}
	if spec.schedule.Next(time.Now()).IsZero() {
		return cronSpec{}, &CronError{Expr: expr, Reason: "it never fires"}
	}
	return spec, nil
}
