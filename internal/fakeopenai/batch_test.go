package fakeopenai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
)

// batchInput is a JSONL input file of n relevance requests, custom_ids
// "req-0" ... as classify writes them.
func batchInput(t testing.TB, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	for i := range n {
		line, err := json.Marshal(map[string]any{
			"custom_id": fmt.Sprintf("req-%d", i), "method": "POST", "url": "/v1/chat/completions",
			"body": contractParams("gpt-5-mini", "judge", fmt.Sprintf("arXiv paper 2501.%05d\n<paper>Title: T%d</paper>", i, i), "Hallucination"),
		})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// submit uploads input and creates its batch.
func submit(t testing.TB, c *openai.Client, input []byte) *openai.Batch {
	t.Helper()
	ctx := context.Background()
	f, err := c.Files.New(ctx, openai.FileNewParams{File: openai.File(bytes.NewReader(input), "in.jsonl", "application/jsonl"), Purpose: openai.FilePurposeBatch})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if f.Purpose != "batch" || f.Bytes != int64(len(input)) {
		t.Errorf("file = %+v", f)
	}
	b, err := c.Batches.New(ctx, openai.BatchNewParams{InputFileID: f.ID, Endpoint: openai.BatchNewParamsEndpointV1ChatCompletions,
		CompletionWindow: openai.BatchNewParamsCompletionWindow24h, Metadata: map[string]string{"date": "2025-01-06"}})
	if err != nil {
		t.Fatalf("create batch: %v", err)
	}
	if b.Status != openai.BatchStatusValidating || b.InputFileID != f.ID || b.Metadata["date"] != "2025-01-06" {
		t.Errorf("new batch = %+v", b)
	}
	return b
}

// pollUntil polls b until it is in a final state, returning the statuses
// seen.
func pollUntil(t testing.TB, c *openai.Client, id string) (*openai.Batch, []openai.BatchStatus) {
	t.Helper()
	var seen []openai.BatchStatus
	for range 50 {
		b, err := c.Batches.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		seen = append(seen, b.Status)
		switch b.Status {
		case openai.BatchStatusCompleted, openai.BatchStatusFailed, openai.BatchStatusExpired, openai.BatchStatusCancelled:
			return b, seen
		}
	}
	t.Fatalf("batch %s never ended: %v", id, seen)
	return nil, nil
}

type outLine struct {
	CustomID string `json:"custom_id"`
	Response *struct {
		StatusCode int             `json:"status_code"`
		RequestID  string          `json:"request_id"`
		Body       json.RawMessage `json:"body"`
	} `json:"response"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// fileLines reads a file's JSONL lines by custom_id ("" file id: none).
func fileLines(t testing.TB, c *openai.Client, id string) map[string]outLine {
	t.Helper()
	out := map[string]outLine{}
	if id == "" {
		return out
	}
	resp, err := c.Files.Content(context.Background(), id)
	if err != nil {
		t.Fatalf("file %s: %v", id, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l outLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out[l.CustomID] = l
	}
	return out
}

func TestBatchCompletes(t *testing.T) {
	s := NewT(t, Config{Batch: BatchConfig{Steps: 2, Line: func(id string) LineFault {
		if id == "req-3" {
			return LineServerError
		}
		return LineOK
	}}})
	c := newClient(s, testKey)
	b := submit(t, c, batchInput(t, 5))
	done, seen := pollUntil(t, c, b.ID)
	want := []openai.BatchStatus{"in_progress", "in_progress", "finalizing", "completed"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("statuses = %v, want %v", seen, want)
	}
	if rc := done.RequestCounts; rc.Total != 5 || rc.Completed != 4 || rc.Failed != 1 {
		t.Errorf("request_counts = %+v, want 5 total, 4 completed, 1 failed", rc)
	}
	out, errs := fileLines(t, c, done.OutputFileID), fileLines(t, c, done.ErrorFileID)
	if len(out) != 4 || len(errs) != 1 {
		t.Fatalf("output %d lines, error %d lines; want 4 and 1", len(out), len(errs))
	}
	if e := errs["req-3"]; e.Response == nil || e.Response.StatusCode != 500 {
		t.Errorf("error line = %+v, want a 500 response", e)
	}
	var comp struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	l := out["req-1"]
	if l.Response == nil || l.Response.StatusCode != 200 || !strings.HasPrefix(l.Response.RequestID, "req_") {
		t.Fatalf("output line = %+v", l)
	}
	if err := json.Unmarshal(l.Response.Body, &comp); err != nil || len(comp.Choices) != 1 {
		t.Fatalf("body %s: %v", l.Response.Body, err)
	}
	if got := parseAnswer(t, comp.Choices[0].Message.Content); len(got) != 1 {
		t.Errorf("answer = %v", got)
	}
	st := s.Stats()
	if st.Chat != 0 || st.Batches != 1 || st.BatchLines != 4 || st.Papers["arXiv paper 2501.00001"] != 1 || st.Submitted["req-0"] != 1 {
		t.Errorf("stats = chat %d, batches %d, lines %d, papers %v, submitted %v", st.Chat, st.Batches, st.BatchLines, st.Papers, st.Submitted)
	}
	list, err := c.Batches.List(context.Background(), openai.BatchListParams{})
	if err != nil || len(list.Data) != 1 || list.Data[0].ID != b.ID {
		t.Errorf("list = %+v, %v", list, err)
	}
}

func TestBatchExpiresWithPartialOutput(t *testing.T) {
	s := NewT(t, Config{Batch: BatchConfig{ExpireAfter: 2}})
	c := newClient(s, testKey)
	b := submit(t, c, batchInput(t, 5))
	done, _ := pollUntil(t, c, b.ID)
	if done.Status != openai.BatchStatusExpired {
		t.Fatalf("status = %s, want expired", done.Status)
	}
	out, errs := fileLines(t, c, done.OutputFileID), fileLines(t, c, done.ErrorFileID)
	if len(out) != 2 || len(errs) != 3 {
		t.Fatalf("output %d, errors %d; want 2 and 3", len(out), len(errs))
	}
	if e := errs["req-4"]; e.Error == nil || e.Error.Code != "batch_expired" || e.Response != nil {
		t.Errorf("expired line = %+v", e)
	}
}

func TestBatchCancel(t *testing.T) {
	s := NewT(t, Config{Batch: BatchConfig{Steps: 5}})
	c := newClient(s, testKey)
	b := submit(t, c, batchInput(t, 5))
	for range 2 { // in_progress, then one line answered
		if _, err := c.Batches.Get(context.Background(), b.ID); err != nil {
			t.Fatal(err)
		}
	}
	cb, err := c.Batches.Cancel(context.Background(), b.ID)
	if err != nil || cb.Status != openai.BatchStatusCancelling {
		t.Fatalf("cancel = %+v, %v", cb, err)
	}
	done, _ := pollUntil(t, c, b.ID)
	if done.Status != openai.BatchStatusCancelled {
		t.Fatalf("status = %s, want cancelled", done.Status)
	}
	out, errs := fileLines(t, c, done.OutputFileID), fileLines(t, c, done.ErrorFileID)
	if len(out) != 1 || len(errs) != 4 || errs["req-1"].Error.Code != "batch_cancelled" {
		t.Errorf("output %v, errors %v", out, errs)
	}
	if _, err := c.Batches.Cancel(context.Background(), b.ID); err != nil {
		t.Errorf("cancelling a cancelled batch again: %v", err)
	}
}

func TestBatchInvalidInputFails(t *testing.T) {
	s := NewT(t, Config{})
	c := newClient(s, testKey)
	in := append(batchInput(t, 2), []byte(`{"custom_id":"req-0","method":"POST","url":"/v1/chat/completions","body":{}}`+"\n")...)
	done, _ := pollUntil(t, c, submit(t, c, in).ID)
	if done.Status != openai.BatchStatusFailed || len(done.Errors.Data) != 1 || done.Errors.Data[0].Code != "duplicate_custom_id" {
		t.Errorf("batch = %s %+v, want failed with duplicate_custom_id", done.Status, done.Errors)
	}
}

func TestBatchHold(t *testing.T) {
	s := NewT(t, Config{})
	s.HoldBatches(true)
	c := newClient(s, testKey)
	b := submit(t, c, batchInput(t, 2))
	for range 5 {
		got, err := c.Batches.Get(context.Background(), b.ID)
		if err != nil || got.Status != openai.BatchStatusInProgress || got.RequestCounts.Completed != 0 {
			t.Fatalf("held batch = %+v, %v", got, err)
		}
	}
	s.HoldBatches(false)
	if done, _ := pollUntil(t, c, b.ID); done.Status != openai.BatchStatusCompleted {
		t.Errorf("status = %s", done.Status)
	}
}

func TestBatchAPIOff(t *testing.T) {
	s := NewT(t, Config{Batch: BatchConfig{Off: true}})
	c := newClient(s, testKey)
	_, err := c.Batches.New(context.Background(), openai.BatchNewParams{InputFileID: "file-x", Endpoint: openai.BatchNewParamsEndpointV1ChatCompletions, CompletionWindow: "24h"})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("create batch on a server without the Batch API: %v, want 404", err)
	}
}
