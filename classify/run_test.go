package classify

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestInFlightNeverExceedsConcurrency(t *testing.T) {
	const concurrency = 8
	f := newFakeAPI(t, func(r *apiReq) reply {
		return func(w http.ResponseWriter, r *apiReq) {
			time.Sleep(5 * time.Millisecond)
			switch r.N % 10 {
			case 3:
				writeError(w, 500, "server_error", "", "The server had an error while processing your request.", nil)
			case 6:
				writeError(w, 429, "requests", "rate_limit_exceeded", "Rate limit reached.", map[string]string{"retry-after-ms": "5"})
			default:
				answerWith(0.3)(w, r)
			}
		}
	})
	e := newTestEngine(t, f, func(o *Options) { o.Concurrency = concurrency; o.MaxRetries = 10 })
	got, err := runAll(t, context.Background(), e, testJobs(200))
	if err != nil {
		t.Fatal(err)
	}
	for id, r := range got {
		if r.Status != model.StatusJudged {
			t.Errorf("%s: %s %v", id, r.Status, r.Err)
		}
	}
	if m := f.maxInFlight(); m > concurrency || m < 2 {
		t.Errorf("server saw %d in flight, want 2..%d", m, concurrency)
	}
	if m := e.MaxInFlight(); m > concurrency || m < 2 {
		t.Errorf("engine had %d in flight, want 2..%d", m, concurrency)
	}
	if n := len(f.requests()); n <= 200 {
		t.Errorf("%d requests: the retries were not exercised", n)
	}
}

// blockingAPI holds every request until release is closed and signals
// each arrival.
func blockingAPI(t *testing.T, then reply) (f *fakeAPI, arrived chan int, release chan struct{}) {
	arrived, release = make(chan int, 100), make(chan struct{})
	f = newFakeAPI(t, func(r *apiReq) reply {
		return func(w http.ResponseWriter, r *apiReq) {
			arrived <- r.N
			select {
			case <-release:
			case <-r.ctx.Done():
				return
			}
			then(w, r)
		}
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return f, arrived, release
}

func TestCancelFinishesInFlightAndSkipsTheRest(t *testing.T) {
	tests := []struct {
		name       string
		then       reply
		wantStatus model.Status
	}{
		{"in-flight answers are kept", answerWith(0.8), model.StatusJudged},
		// The in-flight attempts fail; no retry may start after cancellation.
		{"no retry after cancel", errorReply(500, "server_error", "", "boom", nil), model.StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, arrived, release := blockingAPI(t, tt.then)
			e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 2; o.slowStart = -1 })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				<-arrived
				<-arrived
				cancel()
				close(release)
			}()
			jobs := testJobs(20)
			got, err := runAll(t, ctx, e, jobs)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run: %v, want context.Canceled", err)
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("%d requests, want the 2 in flight only", n)
			}
			tried, skipped := 0, 0
			for id, r := range got {
				switch {
				case r.Attempts == 1 && r.Status == tt.wantStatus:
					tried++
					if r.Status == model.StatusFailed && !errors.Is(r.Err, context.Canceled) {
						t.Errorf("%s: err %v, want it to say the run was cancelled", id, r.Err)
					}
				case r.Attempts == 0 && r.Status == model.StatusSkipped && errors.Is(r.Err, context.Canceled):
					skipped++
				default:
					t.Errorf("%s: %s attempts %d err %v", id, r.Status, r.Attempts, r.Err)
				}
			}
			if tried != 2 || skipped != 18 {
				t.Errorf("tried %d skipped %d, want 2 and 18", tried, skipped)
			}
		})
	}
}

func TestGraceBoundsInFlightAfterCancel(t *testing.T) {
	f, arrived, _ := blockingAPI(t, answerWith(0.8)) // never released
	e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 2; o.slowStart = -1; o.Grace = 50 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		<-arrived
		cancel()
	}()
	got, err := runAll(t, ctx, e, testJobs(5))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	failed := 0
	for id, r := range got {
		if r.Attempts == 1 {
			failed++
			if r.Status != model.StatusFailed || !errors.Is(r.Err, context.Canceled) {
				t.Errorf("%s: %s %v, want failed: cancelled", id, r.Status, r.Err)
			}
		} else if r.Status != model.StatusSkipped {
			t.Errorf("%s: %s", id, r.Status)
		}
	}
	if failed != 2 {
		t.Errorf("%d abandoned in flight, want 2", failed)
	}
}

func TestCancelledBeforeStartSkipsAll(t *testing.T) {
	f := newFakeAPI(t, nil)
	e := newTestEngine(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := runAll(t, ctx, e, testJobs(7))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	for id, r := range got {
		if r.Status != model.StatusSkipped || r.Attempts != 0 || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%s: %s %d %v", id, r.Status, r.Attempts, r.Err)
		}
	}
	if len(f.requests()) != 0 {
		t.Errorf("requests sent after cancellation")
	}
}

func TestBudgetStopsStartingRequests(t *testing.T) {
	price := Price{Input: 1, CachedInput: 0.5, Output: 10}
	const budget = 0.01
	f := newFakeAPI(t, nil)
	e := newTestEngine(t, f, func(o *Options) { o.Concurrency = 1; o.Price = &price; o.MaxCostUSD = budget })
	got, err := runAll(t, context.Background(), e, testJobs(50))
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("Run: %v, want ErrBudget", err)
	}
	var total model.Usage
	judged, skipped := 0, 0
	for id, r := range got {
		total.Add(r.Usage)
		switch {
		case r.Status == model.StatusJudged:
			judged++
		case r.Status == model.StatusSkipped && r.Attempts == 0 && errors.Is(r.Err, ErrBudget):
			skipped++
		default:
			t.Errorf("%s: %s %d %v", id, r.Status, r.Attempts, r.Err)
		}
	}
	cost, known := e.Cost(total)
	if !known || cost > budget {
		t.Errorf("spent %v (known %v), budget %v", cost, known, budget)
	}
	if judged < 3 || skipped == 0 || judged+skipped != 50 {
		t.Errorf("judged %d skipped %d", judged, skipped)
	}
	if len(f.requests()) != judged {
		t.Errorf("%d requests for %d judged", len(f.requests()), judged)
	}
}

func TestBudgetNeedsAPrice(t *testing.T) {
	o := testOptions("http://127.0.0.1:1/v1")
	o.Model, o.MaxCostUSD = "llama3.1:8b", 1
	if _, err := New(o); err == nil {
		t.Fatal("New accepted a budget for a model without a price")
	}
	o.Price = &Price{Input: 0.1, Output: 0.2}
	if _, err := New(o); err != nil {
		t.Fatalf("New with an explicit price: %v", err)
	}
}

// TestOptionsAreLiteral: the engine takes the values it is given (the
// config owns the defaults), and refuses only what it cannot work with.
func TestOptionsAreLiteral(t *testing.T) {
	for name, change := range map[string]func(*Options){
		"no model":          func(o *Options) { o.Model = "" },
		"no base URL":       func(o *Options) { o.BaseURL = "" },
		"ftp base URL":      func(o *Options) { o.BaseURL = "ftp://x" },
		"zero concurrency":  func(o *Options) { o.Concurrency = 0 },
		"zero timeout":      func(o *Options) { o.Timeout = 0 },
		"negative budget":   func(o *Options) { o.MaxCostUSD = -1 },
		"negative grace":    func(o *Options) { o.Grace = -time.Second },
		"negative retries":  func(o *Options) { o.MaxRetries = -1 },
		"negative body cap": func(o *Options) { o.MaxResponseBytes = -1 },
	} {
		o := testOptions("http://127.0.0.1:1/v1")
		change(&o)
		if _, err := New(o); err == nil {
			t.Errorf("%s: New(%+v) accepted", name, o)
		}
	}
	o := testOptions("http://127.0.0.1:1/v1")
	o.MaxRetries, o.Grace, o.MaxRateLimitWait = 0, 0, 0
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	o = e.opts
	if o.MaxRetries != 0 || o.Grace != 0 || o.MaxRateLimitWait != 0 || o.MaxResponseBytes != DefaultMaxResponseBytes {
		t.Errorf("zero values were not taken as they are: %+v", o)
	}
	tr, ok := o.HTTPClient.Transport.(*http.Transport)
	if !ok || tr.MaxIdleConnsPerHost < o.Concurrency {
		t.Errorf("default transport keeps too few idle connections: %+v", o.HTTPClient.Transport)
	}
}

// TestJobsThatCannotBeAsked: a task that cannot build a request for an
// input fails it without a request.
func TestJobsThatCannotBeAsked(t *testing.T) {
	f := newFakeAPI(t, nil)
	e := newTestEngine(t, f, nil)
	jobs := []Judgement{
		{Paper: model.Paper{ID: "a"}, Topics: nil},
		{Paper: model.Paper{ID: "b"}, Topics: []model.Topic{{Name: "x"}, {Name: "x"}}},
		{Paper: model.Paper{ID: "c"}, Topics: []model.Topic{{Name: ""}}},
	}
	got, err := runAll(t, context.Background(), e, jobs)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if r := got[id]; r.Status != model.StatusFailed || r.Err == nil || r.Attempts != 0 {
			t.Errorf("%s: %+v", id, r)
		}
	}
	if len(f.requests()) != 0 {
		t.Errorf("requests sent for jobs that need none")
	}
	if err := Run(context.Background(), e, Relevance{}, nil, func(relResult) { t.Error("callback for no jobs") }); err != nil {
		t.Errorf("Run(nil): %v", err)
	}
}
