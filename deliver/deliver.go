package deliver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// Day is what is delivered: a day's digest and where its page is.
type Day struct {
	Digest model.Digest
	// PageURL is the day's page where output.dir is published
	// (output.base_url); "" when it is not.
	PageURL string
}

// Empty reports whether the day has nothing to read: no announcements, or
// nothing selected.
func (d Day) Empty() bool { return d.Digest.NoAnnouncements || d.Digest.Stats.Selected == 0 }

// Target is one place a day's digest goes.
type Target interface {
	// ID names the target in the store's records; it must stay the same
	// from run to run: "email:me@example.org", "slack:SLACK_WEBHOOK_URL".
	ID() string
	// SendsEmpty reports whether the target hears of days with nothing to
	// read.
	SendsEmpty() bool
	// Send delivers day once. messageID identifies the message (an
	// email's Message-ID, without angle brackets). A failure that retrying
	// will not fix is a *PermanentError; a server's request to wait is a
	// *RetryAfterError.
	Send(ctx context.Context, day Day, messageID string) error
}

// PermanentError is a failure that retrying will not fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// RetryAfterError is a temporary failure whose server said when to come
// back.
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// Recorder keeps the delivery records: *store.Store.
type Recorder interface {
	Deliveries(ctx context.Context, date string) (map[string]store.Delivery, error)
	RecordDelivery(ctx context.Context, d store.Delivery) error
}

// Retry is how a delivery retries temporary failures within one run.
type Retry struct {
	Attempts int           // tries in all; default 4
	Backoff  time.Duration // first wait, doubled after each try; default 2s
	// MaxWait is the longest wait a server may ask for; a longer one fails
	// the delivery for this run (the next run tries again). Default 2m.
	MaxWait time.Duration
}

func (r Retry) withDefaults() Retry {
	if r.Attempts < 1 {
		r.Attempts = 4
	}
	if r.Backoff <= 0 {
		r.Backoff = 2 * time.Second
	}
	if r.MaxWait <= 0 {
		r.MaxWait = 2 * time.Minute
	}
	return r
}

// Deliverer delivers days to its targets, exactly once each.
type Deliverer struct {
	Targets []Target
	Store   Recorder
	// Stream names the config's series of digests (config.Stream); with
	// the day and the target it makes the message id.
	Stream string
	// Domain is the right-hand side of message ids (the sender's domain).
	Domain string
	Retry  Retry
	Log    *slog.Logger
	// Sleep waits d or until ctx ends; tests replace it. Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// State is what became of one target's delivery in this run.
type State string

const (
	Sent    State = "sent"    // sent now
	Failed  State = "failed"  // tried now and failed: Err says why
	Already State = "already" // sent before, not again
	Unknown State = "unknown" // a run died while sending: not sent again on its own
	Empty   State = "empty"   // nothing to read, and the target does not hear of such days
)

// Outcome is one target's delivery in a run.
type Outcome struct {
	Target    string
	State     State
	MessageID string
	Err       error
}

// Report is a run's outcomes, one per target.
type Report []Outcome

// Failed returns the outcomes that failed.
func (r Report) Failed() []Outcome {
	var out []Outcome
	for _, o := range r {
		if o.State == Failed {
			out = append(out, o)
		}
	}
	return out
}

// Err joins the failures, one line each; nil when none failed.
func (r Report) Err() error {
	var errs []error
	for _, o := range r.Failed() {
		errs = append(errs, fmt.Errorf("%s: not delivered: %w", o.Target, o.Err))
	}
	return errors.Join(errs...)
}

// Deliverable reports whether a day's digest may be delivered, and why not.
// A run that stopped early (interrupted, refused, over budget) is not: the
// next run completes the day and delivers it. A day with some papers that
// could not be judged is: its digest says so, and waiting for a run that
// may never judge them would lose the day.
func Deliverable(d model.Digest) (bool, string) {
	switch {
	case d.Incomplete:
		return false, "the run stopped before every paper was tried; the next run delivers the day"
	case d.ThresholdPreview:
		return false, "a threshold preview is not delivered"
	}
	return true, ""
}

// Settled reports whether every target has a record for date that keeps
// it from being sent again (sent, or left sending), so that a caller can
// skip building the day's digest.
func (dl *Deliverer) Settled(ctx context.Context, date string) (bool, error) {
	records, err := dl.Store.Deliveries(ctx, date)
	if err != nil {
		return false, err
	}
	for _, t := range dl.Targets {
		if r, ok := records[t.ID()]; !ok || r.State == store.DeliveryFailed {
			return false, nil
		}
	}
	return true, nil
}

// Deliver sends day to every target not yet sent it. With again, targets
// are sent whatever the records say (the `send` command). It never fails
// as a whole: each target's outcome is in the report, and each is recorded.
func (dl *Deliverer) Deliver(ctx context.Context, day Day, again bool) Report {
	date := day.Digest.Date
	log := dl.logger().With("date", date)
	records, err := dl.Store.Deliveries(ctx, date)
	if err != nil {
		// Without the records exactly once cannot be kept: send nothing.
		var report Report
		for _, t := range dl.Targets {
			report = append(report, Outcome{Target: t.ID(), State: Failed, Err: err})
		}
		return report
	}
	var report Report
	for _, t := range dl.Targets {
		id := t.ID()
		rec, seen := records[id]
		switch {
		case !again && seen && rec.State == store.DeliverySent:
			report = append(report, Outcome{Target: id, State: Already, MessageID: rec.MessageID})
			continue
		case !again && seen && rec.State == store.DeliverySending:
			log.Warn("a run stopped while sending this day; it may have arrived, so it is not sent again (use `arxiv-digest send` to send it)",
				"target", id, "since", rec.UpdatedAt)
			report = append(report, Outcome{Target: id, State: Unknown, MessageID: rec.MessageID})
			continue
		case day.Empty() && !t.SendsEmpty() && !again:
			report = append(report, Outcome{Target: id, State: Empty})
			continue
		}
		report = append(report, dl.send(ctx, log, t, day, again))
	}
	return report
}

// send delivers day to t, recording it before and after.
func (dl *Deliverer) send(ctx context.Context, log *slog.Logger, t Target, day Day, again bool) Outcome {
	id := t.ID()
	msgID := dl.messageID(day.Digest.Date, id, again)
	o := Outcome{Target: id, MessageID: msgID}
	rec := store.Delivery{Date: day.Digest.Date, Target: id, MessageID: msgID}
	rec.State = store.DeliverySending
	if err := dl.Store.RecordDelivery(ctx, rec); err != nil {
		o.State, o.Err = Failed, err
		return o
	}
	err := dl.withRetry(ctx, log, t, day, msgID)
	// The record is written even when ctx has ended: a message that left
	// must be known as sent.
	saveCtx := context.WithoutCancel(ctx)
	if err != nil {
		rec.State, rec.Error = store.DeliveryFailed, err.Error()
		o.State, o.Err = Failed, err
		log.Error("delivery failed", "target", id, "err", err)
	} else {
		rec.State = store.DeliverySent
		o.State = Sent
		log.Info("delivered", "target", id, "message_id", msgID)
	}
	if rerr := dl.Store.RecordDelivery(saveCtx, rec); rerr != nil {
		log.Error("record delivery", "target", id, "err", rerr)
		if o.Err == nil {
			o.State, o.Err = Failed, fmt.Errorf("sent, but not recorded (the next run may send it again): %w", rerr)
		}
	}
	return o
}

// withRetry sends, retrying temporary failures with backoff.
func (dl *Deliverer) withRetry(ctx context.Context, log *slog.Logger, t Target, day Day, msgID string) error {
	r := dl.Retry.withDefaults()
	wait := r.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		err = t.Send(ctx, day, msgID)
		var perm *PermanentError
		if err == nil || errors.As(err, &perm) || attempt >= r.Attempts || ctx.Err() != nil {
			return err
		}
		d := wait
		var ra *RetryAfterError
		if errors.As(err, &ra) && ra.After > 0 {
			if ra.After > r.MaxWait {
				return fmt.Errorf("%w (the server asked to wait %s, longer than %s; the next run tries again)", err, ra.After, r.MaxWait)
			}
			d = ra.After
		}
		log.Warn("delivery failed; retrying", "target", t.ID(), "attempt", attempt, "wait", d, "err", err)
		if serr := dl.sleep(ctx, d); serr != nil {
			return err
		}
		wait *= 2
	}
}

// messageID makes a day's message id for a target: the same in every run,
// so that a receiving server can recognise a duplicate, but new for a
// delivery sent again on purpose.
func (dl *Deliverer) messageID(date, target string, again bool) string {
	h := sha256.Sum256([]byte(dl.Stream + "\x00" + target))
	id := "arxiv-digest." + date + "." + hex.EncodeToString(h[:6])
	if again {
		id += "." + fmt.Sprint(time.Now().UnixNano())
	}
	domain := dl.Domain
	if domain == "" {
		domain = "arxiv-digest.localhost"
	}
	return id + "@" + domain
}

func (dl *Deliverer) sleep(ctx context.Context, d time.Duration) error {
	if dl.Sleep != nil {
		return dl.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (dl *Deliverer) logger() *slog.Logger {
	if dl.Log != nil {
		return dl.Log
	}
	return slog.New(slog.DiscardHandler)
}

// subject fills in a subject template's placeholders (config.SubjectFields).
func subject(template string, d model.Digest) string {
	return strings.NewReplacer(
		"{date}", d.Date,
		"{selected}", fmt.Sprint(d.Stats.Selected),
		"{judged}", fmt.Sprint(d.Stats.Judged),
		"{fetched}", fmt.Sprint(d.Stats.Fetched),
	).Replace(template)
}
