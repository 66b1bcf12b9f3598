package store

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestBatches: a batch is recorded with its requests before it exists,
// updated as the API reports it, found open by a later process (on the
// same file), and closed once collected; its usage is counted apart.
func TestBatches(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	r := testRun("2025-04-23")
	papers := testPapers(2)
	if err := s.BeginRun(ctx, r, papers, nil); err != nil {
		t.Fatal(err)
	}
	reqs := []BatchRequest{
		{CustomID: "relevance:2504.00000:aa", PaperID: papers[0].ID, Task: "relevance", Keys: []string{testKey(papers[0], testTopics[0], testModel, testPrompt)}, Topics: testTopics[:1]},
		{CustomID: "relevance:2504.00001:bb", PaperID: papers[1].ID, Task: "relevance", Keys: []string{"k1", "k2"}, Topics: testTopics},
	}
	if err := s.RecordBatch(ctx, Batch{InputFileID: "file-1", Date: r.Date, Task: "relevance"}, reqs); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordBatch(ctx, Batch{InputFileID: "file-1", Date: r.Date, Task: "relevance"}, reqs); err == nil {
		t.Error("the same input file recorded twice")
	}
	if err := s.RecordBatch(ctx, Batch{InputFileID: "file-2", Date: "someday", Task: "relevance"}, nil); err == nil {
		t.Error("a batch without a valid date was recorded")
	}

	other, err := Open(ctx, path) // a later process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	open, err := other.OpenBatches(ctx)
	if err != nil || len(open) != 1 || open[0].State != BatchSubmitting || open[0].ID != "" || open[0].Total != 2 {
		t.Fatalf("open batches = %+v, %v", open, err)
	}
	got, err := other.BatchRequests(ctx, "file-1")
	if err != nil || len(got) != 2 || !reflect.DeepEqual(got[reqs[1].CustomID], reqs[1]) || !reflect.DeepEqual(got[reqs[0].CustomID], reqs[0]) {
		t.Errorf("requests = %+v, %v", got, err)
	}

	b := open[0]
	b.ID, b.State, b.Completed = "batch_1", "in_progress", 1
	if err := s.UpdateBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateBatch(ctx, Batch{InputFileID: "file-9"}); !errors.Is(err, ErrNoBatch) {
		t.Errorf("update of an unknown batch: %v", err)
	}
	if open, _ := s.OpenBatches(ctx); len(open) != 1 || open[0].ID != "batch_1" || open[0].State != "in_progress" || open[0].Completed != 1 {
		t.Errorf("after update: %+v", open)
	}
	u := model.Usage{Prompt: 100, Cached: 10, Completion: 20, Requests: 1}.Batched()
	if err := s.AddUsage(ctx, r.Date, u); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUsage(ctx, r.Date, model.Usage{Prompt: 5, Requests: 1}); err != nil {
		t.Fatal(err)
	}
	run, _, err := s.Run(ctx, r.Date)
	if err != nil || run.Usage.Requests != 2 || run.Usage.Prompt != 105 || run.Usage.Batch != u.Batch {
		t.Errorf("run usage = %+v, %v", run.Usage, err)
	}
	if err := s.CollectBatch(ctx, "file-1"); err != nil {
		t.Fatal(err)
	}
	if open, _ := other.OpenBatches(ctx); len(open) != 0 {
		t.Errorf("a collected batch is still open: %+v", open)
	}
	// Another stream does not see the batch.
	if err := s.RecordBatch(ctx, Batch{InputFileID: "file-3", Date: r.Date, Task: "tldr"}, nil); err != nil {
		t.Fatal(err)
	}
	st, err := Open(ctx, path, WithStream("elsewhere"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if open, _ := st.OpenBatches(ctx); len(open) != 0 {
		t.Errorf("another stream sees %+v", open)
	}
}
