package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DeliveryState is where a day's delivery to one target stands.
type DeliveryState string

const (
	// DeliverySending is recorded before a message leaves. Found later, it
	// means the process died while sending: the message may or may not
	// have arrived, so it is not sent again on its own (exactly once is
	// kept by sending at most once; `send` sends again on purpose).
	DeliverySending DeliveryState = "sending"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed" // the next run tries again
)

// Delivery is the record of one day's delivery to one target.
type Delivery struct {
	Date      string
	Target    string // e.g. "email:me@example.org"
	State     DeliveryState
	MessageID string // the email's Message-ID; "" for webhooks
	Error     string // why it failed (already redacted by the sender)
	Attempts  int    // how many runs tried it
	UpdatedAt time.Time
}

// Deliveries returns the stream's delivery records for date, by target.
func (s *Store) Deliveries(ctx context.Context, date string) (map[string]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT target, state, message_id, error, attempts, updated_at FROM deliveries WHERE stream = ? AND date = ?`, s.stream, date)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries of %s: %w", date, err)
	}
	defer rows.Close()
	out := map[string]Delivery{}
	for rows.Next() {
		d := Delivery{Date: date}
		var state, updated string
		if err := rows.Scan(&d.Target, &state, &d.MessageID, &d.Error, &d.Attempts, &updated); err != nil {
			return nil, fmt.Errorf("store: deliveries of %s: %w", date, err)
		}
		d.State = DeliveryState(state)
		if d.UpdatedAt, err = parseTimestamp(updated); err != nil {
			return nil, fmt.Errorf("store: deliveries of %s: %s: %w", date, d.Target, err)
		}
		out[d.Target] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: deliveries of %s: %w", date, err)
	}
	return out, nil
}

// RecordDelivery writes d's state for its date and target, replacing the
// earlier record. Going to DeliverySending counts an attempt.
func (s *Store) RecordDelivery(ctx context.Context, d Delivery) error {
	switch {
	case d.Date == "" || d.Target == "":
		return errors.New("store: record delivery: empty date or target")
	case d.State != DeliverySending && d.State != DeliverySent && d.State != DeliveryFailed:
		return fmt.Errorf("store: record delivery: unknown state %q", d.State)
	}
	attempt := 0
	if d.State == DeliverySending {
		attempt = 1
	}
	_, err := s.db.ExecContext(ctx, `
INSERT INTO deliveries (stream, date, target, state, message_id, error, attempts, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (stream, date, target) DO UPDATE SET state = excluded.state, message_id = excluded.message_id,
	error = excluded.error, attempts = deliveries.attempts + ?, updated_at = excluded.updated_at`,
		s.stream, d.Date, d.Target, string(d.State), d.MessageID, d.Error, attempt, timestamp(s.now()), attempt)
	if err != nil {
		return fmt.Errorf("store: record delivery %s %s: %w", d.Date, d.Target, err)
	}
	return nil
}
