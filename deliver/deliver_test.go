package deliver

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/store"
)

// countingTarget counts its sends and fails when told to.
type countingTarget struct {
	id    string
	empty bool
	mu    sync.Mutex
	sent  []string // message ids
	fail  []error
}

func (c *countingTarget) ID() string       { return c.id }
func (c *countingTarget) SendsEmpty() bool { return c.empty }
func (c *countingTarget) Send(_ context.Context, _ Day, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.fail) > 0 {
		err := c.fail[0]
		c.fail = c.fail[1:]
		return err
	}
	c.sent = append(c.sent, id)
	return nil
}

func (c *countingTarget) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sent)
}

func TestExactlyOnce(t *testing.T) {
	ctx := context.Background()
	a, b := &countingTarget{id: "email:a@x.org"}, &countingTarget{id: "slack:HOOK"}
	dl, _ := testDeliverer(t, []Target{a, b})
	b.fail = []error{&PermanentError{errors.New("404 no_service")}}
	day := testDay(6)

	r1 := dl.Deliver(ctx, day, false)
	if r1[0].State != Sent || r1[1].State != Failed {
		t.Fatalf("first delivery: %+v", r1)
	}
	// The rerun sends the failed target only.
	r2 := dl.Deliver(ctx, day, false)
	if r2[0].State != Already || r2[1].State != Sent {
		t.Fatalf("second delivery: %+v", r2)
	}
	// And a third sends nothing.
	r3 := dl.Deliver(ctx, day, false)
	if r3[0].State != Already || r3[1].State != Already || r3.Err() != nil {
		t.Fatalf("third delivery: %+v", r3)
	}
	if a.count() != 1 || b.count() != 1 {
		t.Errorf("sent %d and %d times, want once each", a.count(), b.count())
	}
	recs, _ := dl.Store.Deliveries(ctx, day.Digest.Date)
	if recs["slack:HOOK"].Attempts != 2 || recs["email:a@x.org"].Attempts != 1 {
		t.Errorf("attempts: %+v", recs)
	}
	// The same id in every run: a receiving server can spot a duplicate.
	if r1[0].MessageID != dl.messageID(day.Digest.Date, "email:a@x.org", false) {
		t.Errorf("message id %q is not the day's", r1[0].MessageID)
	}
	// Sent again on purpose: a new message.
	r4 := dl.Deliver(ctx, day, true)
	if r4[0].State != Sent || a.count() != 2 || r4[0].MessageID == r1[0].MessageID {
		t.Errorf("send again: %+v, %d sends", r4, a.count())
	}
}

// TestDiedWhileSending: a record left "sending" (the process died with the
// message leaving) is not sent again on its own.
func TestDiedWhileSending(t *testing.T) {
	ctx := context.Background()
	a := &countingTarget{id: "email:a@x.org"}
	dl, _ := testDeliverer(t, []Target{a})
	day := testDay(3)
	if err := dl.Store.RecordDelivery(ctx, store.Delivery{Date: day.Digest.Date, Target: a.id, State: store.DeliverySending}); err != nil {
		t.Fatal(err)
	}
	r := dl.Deliver(ctx, day, false)
	if r[0].State != Unknown || a.count() != 0 || r.Err() != nil {
		t.Errorf("delivery after a death while sending: %+v, %d sends", r, a.count())
	}
	if r := dl.Deliver(ctx, day, true); r[0].State != Sent || a.count() != 1 {
		t.Errorf("send again: %+v", r)
	}
}

func TestEmptyDays(t *testing.T) {
	ctx := context.Background()
	quiet, loud := &countingTarget{id: "email:a@x.org"}, &countingTarget{id: "json:HOOK", empty: true}
	dl, _ := testDeliverer(t, []Target{quiet, loud})
	day := testDay(2)
	day.Digest.Stats.Selected = 0
	r := dl.Deliver(ctx, day, false)
	if r[0].State != Empty || r[1].State != Sent || quiet.count() != 0 {
		t.Errorf("empty day: %+v", r)
	}
	// An empty day is not recorded for the quiet target: if a rebuild
	// selects papers, they are sent.
	day.Digest.Stats.Selected = 1
	if r := dl.Deliver(ctx, day, false); r[0].State != Sent || r[1].State != Already {
		t.Errorf("the day rebuilt with a paper: %+v", r)
	}
}

func TestDeliverable(t *testing.T) {
	d := testDay(3).Digest
	if ok, _ := Deliverable(d); !ok {
		t.Error("a complete day is not deliverable")
	}
	d.Stats.Failed = 2
	if ok, _ := Deliverable(d); !ok {
		t.Error("a day with failed papers is not deliverable")
	}
	d.Incomplete = true
	if ok, why := Deliverable(d); ok || why == "" {
		t.Error("a run stopped early is deliverable")
	}
}
