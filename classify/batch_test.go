package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/model"
)

// submitJobs writes jobs as one batch (custom_id = paper id), uploads it
// and creates the batch.
func submitJobs(t *testing.T, e *Engine, jobs []Judgement) Batch {
	t.Helper()
	var in bytes.Buffer
	for _, j := range jobs {
		line, err := BatchLine(e, NewRelevance(), j.Paper.ID, j)
		if err != nil {
			t.Fatal(err)
		}
		in.Write(line)
		in.WriteByte('\n')
	}
	ctx := context.Background()
	if err := e.CheckBatchAPI(ctx); err != nil {
		t.Fatalf("check: %v", err)
	}
	file, err := e.UploadBatch(ctx, "test.jsonl", in.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.CreateBatch(ctx, file, map[string]string{"test": "yes"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBatchLineIsTheLiveBody: a batch line's body is the very request the
// live engine sends for the same job.
func TestBatchLineIsTheLiveBody(t *testing.T) {
	var mu sync.Mutex
	var live []byte
	srv := fakeopenai.NewT(t, fakeopenai.Config{Handler: func(w http.ResponseWriter, r *http.Request, n int) bool {
		if r.URL.Path == "/v1/chat/completions" {
			data, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(data))
			mu.Lock()
			live = data
			mu.Unlock()
		}
		return false
	}})
	e := fakeEngine(t, srv, func(o *Options) { o.Model, o.ReasoningEffort = "gpt-5-mini", "low" })
	job := testJobs(1)[0]
	if _, err := runAll(t, context.Background(), e, []Judgement{job}); err != nil {
		t.Fatal(err)
	}
	line, err := BatchLine(e, NewRelevance(), "relevance:x", job)
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		CustomID string `json:"custom_id"`
		Method   string `json:"method"`
		URL      string `json:"url"`
		Body     any    `json:"body"`
	}
	if err := json.Unmarshal(line, &l); err != nil {
		t.Fatal(err)
	}
	if l.CustomID != "relevance:x" || l.Method != "POST" || l.URL != "/v1/chat/completions" {
		t.Errorf("line = %+v", l)
	}
	var want any
	mu.Lock()
	if err := json.Unmarshal(live, &want); err != nil {
		t.Fatal(err)
	}
	mu.Unlock()
	if !reflect.DeepEqual(l.Body, want) {
		t.Errorf("batch body differs from the live request:\nbatch %v\nlive  %v", l.Body, want)
	}
}

// TestBatchRoundTrip: answers come back by custom_id and are read like
// live ones: valid, invalid (asked again once), transient, rejected; the
// usage is batch usage, priced at half.
func TestBatchRoundTrip(t *testing.T) {
	jobs := testJobs(5)
	faults := map[string]fakeopenai.LineFault{
		jobs[1].Paper.ID: fakeopenai.LineInvalidJSON,
		jobs[2].Paper.ID: fakeopenai.LineServerError,
		jobs[3].Paper.ID: fakeopenai.LineContextLength,
		jobs[4].Paper.ID: fakeopenai.LineMissingTopic,
	}
	srv := fakeopenai.NewT(t, fakeopenai.Config{Batch: fakeopenai.BatchConfig{Steps: 2,
		Line: func(id string) fakeopenai.LineFault { return faults[id] }}})
	var polls []Batch
	e := fakeEngine(t, srv, func(o *Options) { o.BatchPollMin, o.BatchPollMax = time.Millisecond, 4*time.Millisecond })
	b := submitJobs(t, e, jobs)
	done, err := e.WaitBatch(context.Background(), b.ID, time.Time{}, func(b Batch) { polls = append(polls, b) })
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "completed" || done.Total != 5 || done.Completed != 3 || done.Failed != 2 || len(polls) < 3 {
		t.Fatalf("batch = %+v after %d polls", done, len(polls))
	}
	byID := map[string]Judgement{}
	for _, j := range jobs {
		byID[j.Paper.ID] = j
	}
	got := map[string]LineVerdict{}
	var usage model.Usage
	err = e.BatchOutput(context.Background(), done, func(l BatchOutputLine) error {
		res, v := ReadBatchLine(e, NewRelevance(), byID[l.CustomID], l)
		got[l.CustomID] = v
		usage.Add(res.Usage)
		if v == LineAnswered && (res.Status != model.StatusJudged || len(res.Value) != len(testTopics)) {
			t.Errorf("%s: answered but %+v", l.CustomID, res)
		}
		if v != LineAnswered && res.Err == nil {
			t.Errorf("%s: verdict %d without a reason", l.CustomID, v)
		}
		if v == LineInvalid && !errors.Is(res.Err, ErrInvalidAnswer) {
			t.Errorf("%s: invalid, but the reason is %v", l.CustomID, res.Err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]LineVerdict{jobs[0].Paper.ID: LineAnswered, jobs[1].Paper.ID: LineInvalid,
		jobs[2].Paper.ID: LineTransient, jobs[3].Paper.ID: LineRejected, jobs[4].Paper.ID: LineInvalid}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("verdicts = %v, want %v", got, want)
	}
	if usage.Requests != 3 || usage.Batch.Requests != 3 || usage.Prompt == 0 || usage.Batch.Prompt != usage.Prompt {
		t.Errorf("usage = %+v, want 3 batch requests", usage)
	}
	p, _ := LookupPrice("gpt-4o-mini")
	live := usage
	live.Batch = model.BatchUsage{}
	if got, want := p.Cost(usage), p.Cost(live)/2; got <= 0 || got-want > 1e-12 || want-got > 1e-12 {
		t.Errorf("batch cost %v, want half of live %v", got, p.Cost(live))
	}
	if st := srv.Stats(); st.Chat != 0 {
		t.Errorf("%d live requests in batch mode", st.Chat)
	}
}

func TestBatchExpiredLinesAreTransient(t *testing.T) {
	srv := fakeopenai.NewT(t, fakeopenai.Config{Batch: fakeopenai.BatchConfig{ExpireAfter: 1}})
	e := fakeEngine(t, srv, func(o *Options) { o.BatchPollMin = time.Millisecond })
	jobs := testJobs(3)
	done, err := e.WaitBatch(context.Background(), submitJobs(t, e, jobs).ID, time.Time{}, func(Batch) {})
	if err != nil || done.Status != "expired" {
		t.Fatalf("batch = %+v, %v; want expired", done, err)
	}
	n := map[LineVerdict]int{}
	err = e.BatchOutput(context.Background(), done, func(l BatchOutputLine) error {
		res, v := ReadBatchLine(e, NewRelevance(), jobs[0], l)
		n[v]++
		if v == LineTransient && (res.Status != model.StatusSkipped || !strings.Contains(res.Err.Error(), "batch_expired")) {
			t.Errorf("expired line: %+v", res)
		}
		return nil
	})
	if err != nil || n[LineAnswered] != 1 || n[LineTransient] != 2 {
		t.Errorf("verdicts %v, %v; want 1 answered, 2 transient", n, err)
	}
}

func TestBatchUnsupported(t *testing.T) {
	srv := fakeopenai.NewT(t, fakeopenai.Config{Batch: fakeopenai.BatchConfig{Off: true}})
	e := fakeEngine(t, srv, nil)
	err := e.CheckBatchAPI(context.Background())
	if !errors.Is(err, ErrBatchUnsupported) || !strings.Contains(err.Error(), "llm.mode") {
		t.Errorf("check = %v, want ErrBatchUnsupported naming llm.mode", err)
	}
	if st := srv.Stats(); st.Papers != nil && len(st.Papers) > 0 {
		t.Errorf("papers sent: %v", st.Papers)
	}
}

func TestBatchBadKeyIsFatal(t *testing.T) {
	srv := fakeopenai.NewT(t, fakeopenai.Config{APIKey: "sk-the-right-key-123456"})
	e := fakeEngine(t, srv, nil)
	var fe *FatalError
	if err := e.CheckBatchAPI(context.Background()); !errors.As(err, &fe) || fe.StatusCode != 401 {
		t.Errorf("check with a bad key = %v, want a fatal 401", err)
	}
}

func TestWaitBatchDeadline(t *testing.T) {
	srv := fakeopenai.NewT(t, fakeopenai.Config{})
	srv.HoldBatches(true)
	e := fakeEngine(t, srv, func(o *Options) { o.BatchPollMin, o.BatchPollMax = time.Millisecond, 2*time.Millisecond })
	b := submitJobs(t, e, testJobs(2))
	last, err := e.WaitBatch(context.Background(), b.ID, time.Now().Add(30*time.Millisecond), func(Batch) {})
	if !errors.Is(err, ErrBatchWait) || last.Status != "in_progress" {
		t.Errorf("wait = %+v, %v; want ErrBatchWait in_progress", last, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.WaitBatch(ctx, b.ID, time.Time{}, func(Batch) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("wait with a cancelled context = %v", err)
	}
	found, ok, err := e.FindBatch(context.Background(), b.InputFileID)
	if err != nil || !ok || found.ID != b.ID {
		t.Errorf("FindBatch = %+v, %v, %v", found, ok, err)
	}
}
