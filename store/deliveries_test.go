package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestDeliveries(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	fixedClock(s, time.Date(2025, 4, 28, 0, 30, 0, 0, time.UTC))
	r := testRun("2025-04-28")
	papers := testPapers(3)
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	const target = "email:me@example.org"
	for _, d := range []Delivery{
		{Date: r.Date, Target: target, State: DeliverySending, MessageID: "<a@x>"},
		{Date: r.Date, Target: target, State: DeliveryFailed, MessageID: "<a@x>", Error: "451 try later"},
		{Date: r.Date, Target: target, State: DeliverySending, MessageID: "<a@x>"},
		{Date: r.Date, Target: target, State: DeliverySent, MessageID: "<a@x>"},
		{Date: r.Date, Target: "slack:HOOK", State: DeliveryFailed, Error: "404"},
	} {
		if err := s.RecordDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	// A rebuilt day (--force) still knows what was sent.
	if err := s.BeginRun(ctx, r, papers, knownFor(s, r, papers)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Deliveries(ctx, r.Date)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d records, want 2: %+v", len(got), got)
	}
	d := got[target]
	if d.State != DeliverySent || d.MessageID != "<a@x>" || d.Error != "" || d.Attempts != 2 || d.UpdatedAt.IsZero() {
		t.Errorf("email record: %+v (want sent, 2 attempts, no error)", d)
	}
	if h := got["slack:HOOK"]; h.State != DeliveryFailed || h.Error != "404" || h.Attempts != 0 {
		t.Errorf("webhook record: %+v", h)
	}
	if other, err := s.Deliveries(ctx, "2025-04-29"); err != nil || len(other) != 0 {
		t.Errorf("another day: %v %v", other, err)
	}
	if err := s.RecordDelivery(ctx, Delivery{Date: r.Date, Target: target, State: "delivered"}); err == nil {
		t.Error("an unknown state was recorded")
	}
	if err := s.RecordDelivery(ctx, Delivery{Date: r.Date, State: DeliverySent}); err == nil {
		t.Error("a record without a target was accepted")
	}
}

func TestDeliveriesBelongToTheirStream(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "digest.db")
	a, err := Open(ctx, path, WithStream("a"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path, WithStream("b"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.RecordDelivery(ctx, Delivery{Date: "2025-04-28", Target: "email:x@y.z", State: DeliverySent}); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Deliveries(ctx, "2025-04-28"); len(got) != 0 {
		t.Errorf("stream b sees stream a's deliveries: %+v", got)
	}
	if got, _ := a.Deliveries(ctx, "2025-04-28"); got["email:x@y.z"].State != DeliverySent {
		t.Errorf("stream a lost its delivery: %+v", got)
	}
}
