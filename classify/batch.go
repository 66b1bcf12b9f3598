package classify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/openai/openai-go/v3"
)

// The Batch API (llm.mode batch): a task's requests go in one JSONL file,
// each line the very body a live request would send, under a custom_id
// that the caller chooses and stores; the answers come back, within 24
// hours and at half the price, in an output file (and an error file) whose
// lines are matched to requests by custom_id, never by order, and read by
// the same code as live answers.

// ErrBatchUnsupported is why batch mode cannot work with a server that
// answers 404 on /v1/batches (Ollama, vLLM, most proxies).
var ErrBatchUnsupported = errors.New("the server has no Batch API (404 on /v1/batches): set llm.mode: live, or use a server that has one (api.openai.com)")

// batchEndpoint is the endpoint of every line and batch.
const batchEndpoint = "/v1/chat/completions"

// batchFileCap caps the size of a batch's output or error file. Its lines
// are read one at a time, each under Options.MaxResponseBytes.
const batchFileCap = 1 << 30

// BatchLine is the JSONL input line of in's request under customID: the
// body is exactly what a live request for in would send.
func BatchLine[In, Out any](e *Engine, task Task[In, Out], customID string, in In) ([]byte, error) {
	req, err := task.Request(in)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", task.Name(), req.ID, err)
	}
	params, _ := e.chatParams(task.Name(), req)
	line, err := json.Marshal(struct {
		CustomID string                         `json:"custom_id"`
		Method   string                         `json:"method"`
		URL      string                         `json:"url"`
		Body     openai.ChatCompletionNewParams `json:"body"`
	}{customID, http.MethodPost, batchEndpoint, params})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", task.Name(), req.ID, err)
	}
	return line, nil
}

// Batch is a batch as the API last showed it.
type Batch struct {
	ID, InputFileID string
	// Status is the API's: validating, in_progress, finalizing,
	// completed, failed, expired, cancelling, cancelled.
	Status                    string
	Total, Completed, Failed  int64
	OutputFileID, ErrorFileID string
	// Errors is why a failed batch failed (redacted), "" otherwise.
	Errors string
}

// Ended reports whether the batch will change no more.
func (b Batch) Ended() bool {
	switch b.Status {
	case "completed", "failed", "expired", "cancelled":
		return true
	}
	return false
}

func (e *Engine) batchOf(b *openai.Batch) Batch {
	out := Batch{ID: b.ID, InputFileID: b.InputFileID, Status: string(b.Status),
		Total: b.RequestCounts.Total, Completed: b.RequestCounts.Completed, Failed: b.RequestCounts.Failed,
		OutputFileID: b.OutputFileID, ErrorFileID: b.ErrorFileID}
	var msgs []string
	for _, d := range b.Errors.Data {
		m := d.Code + ": " + d.Message
		if d.Line > 0 {
			m = fmt.Sprintf("line %d: %s", d.Line, m)
		}
		msgs = append(msgs, m)
		if len(msgs) == 3 {
			msgs = append(msgs, fmt.Sprintf("(%d errors in all)", len(b.Errors.Data)))
			break
		}
	}
	out.Errors = truncate(e.red.String(model.NormalizeSpace(strings.Join(msgs, "; "))), 500)
	return out
}

// CheckBatchAPI makes sure the server has a Batch API, with a request
// that sends no paper (listing one batch); ErrBatchUnsupported when it
// answers 404.
func (e *Engine) CheckBatchAPI(ctx context.Context) error {
	_, err := e.ListBatches(ctx, 1)
	return err
}

// ListBatches lists the account's newest batches (at most limit, up to
// 100), newest first.
func (e *Engine) ListBatches(ctx context.Context, limit int64) ([]Batch, error) {
	page, err := e.client.Batches.List(ctx, openai.BatchListParams{Limit: openai.Int(limit)})
	if err != nil {
		return nil, e.batchErr("list batches", err)
	}
	out := make([]Batch, len(page.Data))
	for i := range page.Data {
		out[i] = e.batchOf(&page.Data[i])
	}
	return out, nil
}

// UploadBatch uploads a batch's JSONL input (purpose batch) and returns
// its file id.
func (e *Engine) UploadBatch(ctx context.Context, name string, jsonl []byte) (string, error) {
	f, err := e.client.Files.New(ctx, openai.FileNewParams{
		File:    openai.File(bytes.NewReader(jsonl), name, "application/jsonl"),
		Purpose: openai.FilePurposeBatch,
	})
	if err != nil {
		return "", e.batchErr("upload the batch file", err)
	}
	return f.ID, nil
}

// CreateBatch creates the batch of an uploaded input file: every line to
// /v1/chat/completions, within 24 hours.
func (e *Engine) CreateBatch(ctx context.Context, inputFileID string, metadata map[string]string) (Batch, error) {
	b, err := e.client.Batches.New(ctx, openai.BatchNewParams{
		InputFileID:      inputFileID,
		Endpoint:         openai.BatchNewParamsEndpointV1ChatCompletions,
		CompletionWindow: openai.BatchNewParamsCompletionWindow24h,
		Metadata:         metadata,
	})
	if err != nil {
		return Batch{}, e.batchErr("create the batch", err)
	}
	return e.batchOf(b), nil
}

// FindBatch looks among the newest 100 batches for the one made from
// inputFileID: a process killed after creating a batch and before
// recording its id finds it here rather than paying for it twice.
func (e *Engine) FindBatch(ctx context.Context, inputFileID string) (Batch, bool, error) {
	list, err := e.ListBatches(ctx, 100)
	if err != nil {
		return Batch{}, false, err
	}
	for _, b := range list {
		if b.InputFileID == inputFileID {
			return b, true, nil
		}
	}
	return Batch{}, false, nil
}

// GetBatch polls a batch.
func (e *Engine) GetBatch(ctx context.Context, id string) (Batch, error) {
	b, err := e.client.Batches.Get(ctx, id)
	if err != nil {
		return Batch{}, e.batchErr("poll batch "+id, err)
	}
	return e.batchOf(b), nil
}

// CancelBatch asks the server to cancel a batch; it goes through
// cancelling to cancelled, keeping what was answered.
func (e *Engine) CancelBatch(ctx context.Context, id string) (Batch, error) {
	b, err := e.client.Batches.Cancel(ctx, id)
	if err != nil {
		return Batch{}, e.batchErr("cancel batch "+id, err)
	}
	return e.batchOf(b), nil
}

// WaitBatch polls batch id until it ends, ctx ends or deadline passes
// (zero: no deadline), with backoff from Options.BatchPollMin doubling up
// to Options.BatchPollMax, calling onPoll with every state seen. Errors
// that may pass (5xx, 429, a dropped connection) are logged and polled
// again; others are returned. On ctx's end or the deadline it returns the
// last state seen with ctx.Err() or ErrBatchWait.
func (e *Engine) WaitBatch(ctx context.Context, id string, deadline time.Time, onPoll func(Batch)) (Batch, error) {
	delay := e.opts.BatchPollMin
	var last Batch
	for {
		b, err := e.GetBatch(ctx, id)
		var se *StatusError
		switch {
		case err == nil:
			last = b
			onPoll(b)
			if b.Ended() {
				return b, nil
			}
		case ctx.Err() != nil:
			return last, ctx.Err()
		case errors.As(err, &se), !isFatal(err):
			e.log.Warn("poll batch", "batch", id, "err", err)
		default:
			return last, err
		}
		if !deadline.IsZero() && !time.Now().Add(delay).Before(deadline) {
			if wait := time.Until(deadline); wait > 0 {
				if err := e.opts.sleep(ctx, wait); err != nil {
					return last, err
				}
			}
			return last, fmt.Errorf("%w: batch %s is %s", ErrBatchWait, id, last.Status)
		}
		if err := e.opts.sleep(ctx, delay); err != nil {
			return last, err
		}
		delay = min(2*delay, e.opts.BatchPollMax)
	}
}

// ErrBatchWait is why WaitBatch returned before its batch ended: the
// deadline passed.
var ErrBatchWait = errors.New("the batch did not end in time")

func isFatal(err error) bool {
	var fe *FatalError
	return errors.As(err, &fe) || errors.Is(err, ErrBatchUnsupported)
}

// batchErr classifies an error of the Files or Batches API like a live
// request's: a *FatalError (bad key, no quota ...), ErrBatchUnsupported
// for a 404 about the URL, a *StatusError for what may pass, or a
// transport error; everything the server said is redacted.
func (e *Engine) batchErr(op string, err error) error {
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("%s: %s", op, e.red.String(err.Error()))
	}
	f := apiFailure{status: apiErr.StatusCode, code: apiErr.Code, typ: apiErr.Type, param: apiErr.Param, msg: apiErr.Message}
	if apiErr.Response != nil {
		f.header = apiErr.Response.Header
		if f.msg == "" {
			f = otherErrorBody(f, apiErr.Response.Body)
		}
	}
	out := classifyStatus(outcome{}, f, e.red)
	var fe *FatalError
	if apiErr.StatusCode == http.StatusNotFound && errors.As(out.err, &fe) && (fe.Hint != "" || f.msg == "") {
		return fmt.Errorf("%s: %w", op, ErrBatchUnsupported)
	}
	return fmt.Errorf("%s: %w", op, out.err)
}

// BatchOutputLine is one line of a batch's output or error file.
type BatchOutputLine struct {
	CustomID string
	// StatusCode and Body are the line's response: the status and body a
	// live request would have got (0 and nil when the line never ran).
	StatusCode int
	Body       json.RawMessage
	// ErrCode and ErrMessage are the line's error, when it never ran
	// (batch_expired, batch_cancelled ...).
	ErrCode, ErrMessage string
}

// BatchOutput reads the lines of batch b's output and error files, in
// file order, calling fn with each; fn's error stops the reading.
func (e *Engine) BatchOutput(ctx context.Context, b Batch, fn func(BatchOutputLine) error) error {
	for _, id := range []string{b.OutputFileID, b.ErrorFileID} {
		if id == "" {
			continue
		}
		if err := e.readBatchFile(ctx, id, fn); err != nil {
			return fmt.Errorf("batch %s: file %s: %w", b.ID, id, err)
		}
	}
	return nil
}

func (e *Engine) readBatchFile(ctx context.Context, id string, fn func(BatchOutputLine) error) error {
	resp, err := e.files.Files.Content(ctx, id)
	if err != nil {
		return e.batchErr("read", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), int(e.opts.MaxResponseBytes)+64<<10)
	n := 0
	for sc.Scan() {
		n++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var raw struct {
			CustomID string `json:"custom_id"`
			Response *struct {
				StatusCode int             `json:"status_code"`
				Body       json.RawMessage `json:"body"`
			} `json:"response"`
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			return fmt.Errorf("line %d is not a batch output line: %v", n, err)
		}
		l := BatchOutputLine{CustomID: raw.CustomID}
		if raw.Response != nil {
			l.StatusCode, l.Body = raw.Response.StatusCode, raw.Response.Body
		}
		if raw.Error != nil {
			l.ErrCode = e.red.String(raw.Error.Code)
			l.ErrMessage = truncate(e.red.String(model.NormalizeSpace(raw.Error.Message)), 300)
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return errTooLarge(e.opts.MaxResponseBytes)
		}
		return fmt.Errorf("read: %s", e.red.String(err.Error()))
	}
	return nil
}

// LineVerdict is what became of a batch line, which decides what the
// caller does next.
type LineVerdict int

const (
	// LineAnswered: a valid answer (Result.Status judged).
	LineAnswered LineVerdict = iota
	// LineInvalid: an answer that is not valid (as a live one would be
	// rejected); it is asked again once.
	LineInvalid
	// LineTransient: the line did not run or failed in a way that may
	// pass (5xx, 429, expired or cancelled before it ran); ask again.
	LineTransient
	// LineRejected: an error about this request's own text; asking again
	// would not help.
	LineRejected
	// LineFatal: an error every request would get (Result.Err is a
	// *FatalError): stop.
	LineFatal
)

// ReadBatchLine reads a batch output line as the answer to in's request,
// with the same code that reads a live answer: usage, content, redaction,
// the task's Parse. The Result's Usage is counted as Batch usage.
func ReadBatchLine[In, Out any](e *Engine, task Task[In, Out], in In, l BatchOutputLine) (Result[In, Out], LineVerdict) {
	res := Result[In, Out]{Input: in, Status: model.StatusFailed, Attempts: 1}
	switch {
	case l.StatusCode == 0:
		why := l.ErrCode
		if l.ErrMessage != "" {
			why += ": " + l.ErrMessage
		}
		res.Status, res.Attempts = model.StatusSkipped, 0
		res.Err = fmt.Errorf("not run by the batch: %s", why)
		return res, LineTransient
	case l.StatusCode >= 200 && l.StatusCode < 300:
		out := e.answer(outcome{usage: model.Usage{Requests: 1}}, l.Body, func(content string) (any, error) { return task.Parse(in, content) })
		res.Usage = out.usage.Batched()
		if out.kind != kindOK {
			res.Err = out.err
			return res, LineInvalid
		}
		res.Status, res.Value = model.StatusJudged, out.value.(Out)
		return res, LineAnswered
	}
	f := otherErrorBody(apiFailure{status: l.StatusCode, msg: http.StatusText(l.StatusCode)}, bytes.NewReader(l.Body))
	var body struct {
		Error *struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Param   string `json:"param"`
			Code    string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(l.Body, &body) == nil && body.Error != nil {
		f = apiFailure{status: l.StatusCode, code: body.Error.Code, typ: body.Error.Type, param: body.Error.Param, msg: body.Error.Message}
	}
	out := classifyStatus(outcome{}, f, e.red)
	res.Err = out.err
	switch out.kind {
	case kindFatal:
		return res, LineFatal
	case kindReject:
		return res, LineRejected
	}
	return res, LineTransient
}
