package fakeopenai

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// BatchConfig configures the Batch API (/v1/files and /v1/batches), which
// works like OpenAI's: a JSONL file uploaded with purpose "batch", a batch
// created from it that goes validating -> in_progress -> finalizing ->
// completed (or failed, expired, cancelling -> cancelled) as it is polled,
// request_counts, an output file of the answered lines and an error file
// of the failed ones, matched by custom_id.
type BatchConfig struct {
	// Off makes /v1/files and /v1/batches answer 404, as servers without
	// the Batch API (Ollama, vLLM, most proxies) do.
	Off bool
	// Steps is how many polls (GET /v1/batches/{id}) after the first
	// answer the lines, an equal share each (default 1). The first poll
	// finds the batch in_progress; after the last step it is finalizing,
	// and the poll after that finds it completed: at least three polls.
	Steps int
	// ExpireAfter, when more than 0, makes every batch expire once it has
	// answered this many lines: the rest go to the error file with the code
	// batch_expired, as when a real batch outlives its 24h window.
	ExpireAfter int
	// Line, when set, decides how a line is answered (by its custom_id).
	Line func(customID string) LineFault
}

// LineFault is how one batch line is answered.
type LineFault int

// Line faults.
const (
	LineOK            LineFault = iota // answered as a live request would be
	LineServerError                    // 500 server_error, in the error file
	LineContextLength                  // 400 context_length_exceeded, in the error file
	LineInvalidJSON                    // 200 whose content is not JSON
	LineMissingTopic                   // 200 whose answer omits the last topic
)

// batchObject is a batch as the API shows it.
type batchObject struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Endpoint         string            `json:"endpoint"`
	Errors           *batchErrors      `json:"errors"`
	InputFileID      string            `json:"input_file_id"`
	CompletionWindow string            `json:"completion_window"`
	Status           string            `json:"status"`
	OutputFileID     *string           `json:"output_file_id"`
	ErrorFileID      *string           `json:"error_file_id"`
	CreatedAt        int64             `json:"created_at"`
	InProgressAt     *int64            `json:"in_progress_at"`
	ExpiresAt        int64             `json:"expires_at"`
	FinalizingAt     *int64            `json:"finalizing_at"`
	CompletedAt      *int64            `json:"completed_at"`
	FailedAt         *int64            `json:"failed_at"`
	ExpiredAt        *int64            `json:"expired_at"`
	CancellingAt     *int64            `json:"cancelling_at"`
	CancelledAt      *int64            `json:"cancelled_at"`
	RequestCounts    requestCounts     `json:"request_counts"`
	Metadata         map[string]string `json:"metadata"`
}

type requestCounts struct {
	Total     int `json:"total"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
}

type batchErrors struct {
	Object string       `json:"object"`
	Data   []batchError `json:"data"`
}

type batchError struct {
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Param   *string `json:"param"`
	Line    *int    `json:"line"`
}

// fileObject is an uploaded or generated file.
type fileObject struct {
	ID        string `json:"id"`
	Object    string `json:"object"`
	Bytes     int    `json:"bytes"`
	CreatedAt int64  `json:"created_at"`
	Filename  string `json:"filename"`
	Purpose   string `json:"purpose"`
	Status    string `json:"status"`

	data []byte
}

// batchLine is one request of a batch's input file.
type batchLine struct {
	CustomID string          `json:"custom_id"`
	Method   string          `json:"method"`
	URL      string          `json:"url"`
	Body     json.RawMessage `json:"body"`
}

// batchState is a batch and what the server still has to do for it.
type batchState struct {
	obj     batchObject
	lines   []batchLine
	next    int // lines answered so far
	invalid []batchError
	output  bytes.Buffer
	errs    bytes.Buffer
	polls   int
}

// batches holds the Batch API's files and batches.
type batches struct {
	mu      sync.Mutex
	files   map[string]*fileObject
	batches map[string]*batchState
	order   []string // batch ids, oldest first
	hold    bool
}

func (b *batches) init() {
	b.files = map[string]*fileObject{}
	b.batches = map[string]*batchState{}
}

// HoldBatches stops (true) or resumes (false) the progress of every batch:
// while held, a batch in progress answers no line when polled, as a real
// one may take hours.
func (s *Server) HoldBatches(hold bool) {
	s.batch.mu.Lock()
	s.batch.hold = hold
	s.batch.mu.Unlock()
}

// isBatchAPI reports whether path is under the Batch API's endpoints.
func isBatchAPI(path string) bool {
	return path == "/v1/files" || strings.HasPrefix(path, "/v1/files/") ||
		path == "/v1/batches" || strings.HasPrefix(path, "/v1/batches/")
}

// serveBatchAPI routes /v1/files and /v1/batches.
func (s *Server) serveBatchAPI(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Batch.Off {
		writeNotFound(w, r)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")
	switch {
	case parts[0] == "files" && len(parts) == 1 && r.Method == http.MethodPost:
		s.uploadFile(w, r)
	case parts[0] == "files" && len(parts) == 2 && r.Method == http.MethodGet:
		s.getFile(w, parts[1], false)
	case parts[0] == "files" && len(parts) == 3 && parts[2] == "content" && r.Method == http.MethodGet:
		s.getFile(w, parts[1], true)
	case parts[0] == "batches" && len(parts) == 1 && r.Method == http.MethodPost:
		s.createBatch(w, r)
	case parts[0] == "batches" && len(parts) == 1 && r.Method == http.MethodGet:
		s.listBatches(w)
	case parts[0] == "batches" && len(parts) == 2 && r.Method == http.MethodGet:
		s.pollBatch(w, parts[1])
	case parts[0] == "batches" && len(parts) == 3 && parts[2] == "cancel" && r.Method == http.MethodPost:
		s.cancelBatch(w, parts[1])
	default:
		writeNotFound(w, r)
	}
}

func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 200<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeError(w, http.StatusBadRequest, invalidRequest("", "", "Could not parse multipart form: %v", err))
		return
	}
	purpose := r.FormValue("purpose")
	if purpose == "" {
		writeError(w, http.StatusBadRequest, invalidRequest("purpose", "missing_required_parameter", "Missing required parameter: 'purpose'."))
		return
	}
	if purpose != "batch" {
		writeError(w, http.StatusBadRequest, invalidRequest("purpose", "invalid_value", "Invalid value for 'purpose': this fake knows only 'batch'."))
		return
	}
	f, h, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusBadRequest, invalidRequest("file", "missing_required_parameter", "Missing required parameter: 'file'."))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		writeError(w, http.StatusBadRequest, invalidRequest("file", "", "Could not read the file: %v", err))
		return
	}
	obj := s.addFile(h.Filename, purpose, data)
	writeJSON(w, obj)
}

func (s *Server) addFile(name, purpose string, data []byte) *fileObject {
	obj := &fileObject{ID: fmt.Sprintf("file-%016x", rand.Uint64()), Object: "file", Bytes: len(data),
		CreatedAt: time.Now().Unix(), Filename: name, Purpose: purpose, Status: "processed", data: data}
	s.batch.mu.Lock()
	s.batch.files[obj.ID] = obj
	s.batch.mu.Unlock()
	return obj
}

func (s *Server) getFile(w http.ResponseWriter, id string, content bool) {
	s.batch.mu.Lock()
	f, ok := s.batch.files[id]
	s.batch.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, invalidRequest("", "", "No such File object: %s", id))
		return
	}
	if !content {
		writeJSON(w, f)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(f.data)
}

func (s *Server) createBatch(w http.ResponseWriter, r *http.Request) {
	var req struct {
		InputFileID      string            `json:"input_file_id"`
		Endpoint         string            `json:"endpoint"`
		CompletionWindow string            `json:"completion_window"`
		Metadata         map[string]string `json:"metadata"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, invalidRequest("", "", "We could not parse the JSON body of your request."))
		return
	}
	switch {
	case req.Endpoint != chatPath:
		writeError(w, http.StatusBadRequest, invalidRequest("endpoint", "invalid_value", "Invalid value for 'endpoint': this fake serves only '%s'.", chatPath))
		return
	case req.CompletionWindow != "24h":
		writeError(w, http.StatusBadRequest, invalidRequest("completion_window", "invalid_value", "Invalid value for 'completion_window': only '24h' is supported."))
		return
	}
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	f, ok := s.batch.files[req.InputFileID]
	if !ok {
		writeError(w, http.StatusNotFound, invalidRequest("input_file_id", "", "No such File object: %s", req.InputFileID))
		return
	}
	now := time.Now().Unix()
	b := &batchState{obj: batchObject{
		ID: fmt.Sprintf("batch_%016x", rand.Uint64()), Object: "batch", Endpoint: req.Endpoint,
		InputFileID: req.InputFileID, CompletionWindow: "24h", Status: "validating", CreatedAt: now,
		ExpiresAt: now + 24*3600, Metadata: req.Metadata,
	}}
	b.lines, b.invalid = s.readInput(f.data)
	for _, l := range b.lines {
		s.stats.submitted(l.CustomID)
	}
	s.batch.batches[b.obj.ID] = b
	s.batch.order = append(s.batch.order, b.obj.ID)
	s.stats.batches.Add(1)
	writeJSON(w, b.obj)
}

// readInput validates an input file as the API does: each line a JSON
// request to the batch's endpoint with a unique custom_id.
func (s *Server) readInput(data []byte) ([]batchLine, []batchError) {
	var lines []batchLine
	var errs []batchError
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxBodyBytes)
	n := 0
	for sc.Scan() {
		n++
		line := n
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l batchLine
		switch err := json.Unmarshal(sc.Bytes(), &l); {
		case err != nil:
			errs = append(errs, batchError{Code: "invalid_json_line", Message: "This line is not parseable as valid JSON.", Line: &line})
		case l.CustomID == "":
			errs = append(errs, batchError{Code: "missing_required_parameter", Message: "Missing required parameter: 'custom_id'.", Line: &line})
		case seen[l.CustomID]:
			errs = append(errs, batchError{Code: "duplicate_custom_id", Message: "The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.", Line: &line})
		case l.Method != http.MethodPost || l.URL != chatPath:
			errs = append(errs, batchError{Code: "invalid_url", Message: fmt.Sprintf("The URL provided for this request does not match the batch endpoint %s.", chatPath), Line: &line})
		default:
			seen[l.CustomID] = true
			lines = append(lines, l)
		}
	}
	if sc.Err() != nil || n == 0 {
		errs = append(errs, batchError{Code: "empty_file", Message: "The batch input file is empty or could not be read."})
	}
	return lines, errs
}

func (s *Server) listBatches(w http.ResponseWriter) {
	s.batch.mu.Lock()
	data := make([]batchObject, 0, len(s.batch.order))
	for _, id := range slices.Backward(s.batch.order) {
		data = append(data, s.batch.batches[id].obj)
	}
	s.batch.mu.Unlock()
	first, last := "", ""
	if len(data) > 0 {
		first, last = data[0].ID, data[len(data)-1].ID
	}
	writeJSON(w, map[string]any{"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": false})
}

// pollBatch answers GET /v1/batches/{id}, moving the batch one step on.
func (s *Server) pollBatch(w http.ResponseWriter, id string) {
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	b, ok := s.batch.batches[id]
	if !ok {
		writeError(w, http.StatusNotFound, invalidRequest("", "", "No such Batch object: %s", id))
		return
	}
	s.advance(b)
	writeJSON(w, b.obj)
}

// advance moves b one step along its life.
func (s *Server) advance(b *batchState) {
	now := time.Now().Unix()
	o := &b.obj
	switch o.Status {
	case "validating":
		if len(b.invalid) > 0 {
			o.Status, o.FailedAt = "failed", &now
			o.Errors = &batchErrors{Object: "list", Data: b.invalid}
			return
		}
		o.Status, o.InProgressAt = "in_progress", &now
		o.RequestCounts.Total = len(b.lines)
	case "in_progress":
		if s.batch.hold {
			return
		}
		steps := max(s.cfg.Batch.Steps, 1)
		share := (len(b.lines) + steps - 1) / steps
		for range share {
			if b.next >= len(b.lines) {
				break
			}
			if e := s.cfg.Batch.ExpireAfter; e > 0 && b.next >= e {
				s.end(b, "expired", "batch_expired", "This request could not be executed before the completion window expired.")
				return
			}
			s.answerLine(b, b.lines[b.next])
			b.next++
		}
		if b.next >= len(b.lines) {
			o.Status, o.FinalizingAt = "finalizing", &now
		}
	case "finalizing":
		s.writeFiles(b)
		o.Status, o.CompletedAt = "completed", &now
	case "cancelling":
		s.end(b, "cancelled", "batch_cancelled", "This request was not executed because the batch was cancelled.")
	}
}

// end ends b with status, the lines not answered yet going to the error
// file with code.
func (s *Server) end(b *batchState, status, code, msg string) {
	for _, l := range b.lines[b.next:] {
		s.writeLine(&b.errs, l.CustomID, nil, &batchError{Code: code, Message: msg})
		b.obj.RequestCounts.Failed++
	}
	b.next = len(b.lines)
	s.writeFiles(b)
	now := time.Now().Unix()
	b.obj.Status = status
	if status == "expired" {
		b.obj.ExpiredAt = &now
	} else {
		b.obj.CancelledAt = &now
	}
}

// writeFiles makes the output and error files (each only when it has a
// line, as the API does).
func (s *Server) writeFiles(b *batchState) {
	if b.output.Len() > 0 && b.obj.OutputFileID == nil {
		id := s.addFileLocked(b.obj.ID+"_output.jsonl", "batch_output", b.output.Bytes()).ID
		b.obj.OutputFileID = &id
	}
	if b.errs.Len() > 0 && b.obj.ErrorFileID == nil {
		id := s.addFileLocked(b.obj.ID+"_error.jsonl", "batch_output", b.errs.Bytes()).ID
		b.obj.ErrorFileID = &id
	}
}

func (s *Server) addFileLocked(name, purpose string, data []byte) *fileObject {
	obj := &fileObject{ID: fmt.Sprintf("file-%016x", rand.Uint64()), Object: "file", Bytes: len(data),
		CreatedAt: time.Now().Unix(), Filename: name, Purpose: purpose, Status: "processed", data: data}
	s.batch.files[obj.ID] = obj
	return obj
}

// answerLine answers one line into the output or the error file, billing
// it like a live answer.
func (s *Server) answerLine(b *batchState, l batchLine) {
	p, apiErr := parseRequest(l.Body)
	if apiErr == nil && s.cfg.Model != "" && p.model != s.cfg.Model {
		e := invalidRequest("", "model_not_found", "The model `%s` does not exist or you do not have access to it.", p.model)
		apiErr = &e
	}
	fault := LineOK
	if s.cfg.Batch.Line != nil {
		fault = s.cfg.Batch.Line(l.CustomID)
	}
	switch {
	case apiErr != nil:
		s.writeLine(&b.errs, l.CustomID, &lineResponse{status: http.StatusBadRequest, body: errorJSON(*apiErr)}, nil)
		b.obj.RequestCounts.Failed++
		return
	case fault == LineServerError:
		s.writeLine(&b.errs, l.CustomID, &lineResponse{status: http.StatusInternalServerError, body: errorJSON(apiError{
			Message: "The server had an error while processing your request. Sorry about that!", Type: "server_error"})}, nil)
		b.obj.RequestCounts.Failed++
		return
	case fault == LineContextLength:
		s.writeLine(&b.errs, l.CustomID, &lineResponse{status: http.StatusBadRequest, body: errorJSON(invalidRequest("messages", "context_length_exceeded",
			"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens."))}, nil)
		b.obj.RequestCounts.Failed++
		return
	}
	kind := answerNormal
	switch fault {
	case LineInvalidJSON:
		kind = answerInvalidJSON
	case LineMissingTopic:
		kind = answerMissingTopic
	}
	c := s.buildCompletion(p, kind)
	body, err := json.Marshal(c)
	if err != nil { // plain structs
		panic(err)
	}
	s.writeLine(&b.output, l.CustomID, &lineResponse{status: http.StatusOK, body: body}, nil)
	b.obj.RequestCounts.Completed++
	s.stats.billed(p.task, p.paperKey(), c.Usage)
	s.stats.batchLines.Add(1)
}

type lineResponse struct {
	status int
	body   []byte
}

// writeLine writes one line of an output or error file.
func (s *Server) writeLine(buf *bytes.Buffer, customID string, resp *lineResponse, e *batchError) {
	type response struct {
		StatusCode int             `json:"status_code"`
		RequestID  string          `json:"request_id"`
		Body       json.RawMessage `json:"body"`
	}
	line := struct {
		ID       string      `json:"id"`
		CustomID string      `json:"custom_id"`
		Response *response   `json:"response"`
		Error    *batchError `json:"error"`
	}{ID: fmt.Sprintf("batch_req_%016x", rand.Uint64()), CustomID: customID, Error: e}
	if resp != nil {
		line.Response = &response{StatusCode: resp.status, RequestID: newRequestID(), Body: resp.body}
	}
	data, err := json.Marshal(line)
	if err != nil {
		panic(err)
	}
	buf.Write(data)
	buf.WriteByte('\n')
}

func errorJSON(e apiError) []byte {
	data, err := json.Marshal(struct {
		Error apiError `json:"error"`
	}{e})
	if err != nil {
		panic(err)
	}
	return data
}

func (s *Server) cancelBatch(w http.ResponseWriter, id string) {
	s.batch.mu.Lock()
	defer s.batch.mu.Unlock()
	b, ok := s.batch.batches[id]
	if !ok {
		writeError(w, http.StatusNotFound, invalidRequest("", "", "No such Batch object: %s", id))
		return
	}
	switch b.obj.Status {
	case "validating", "in_progress", "finalizing":
		now := time.Now().Unix()
		b.obj.Status, b.obj.CancellingAt = "cancelling", &now
	case "cancelling", "cancelled":
	default:
		writeError(w, http.StatusConflict, invalidRequest("", "", "Cannot cancel a batch with status '%s'.", b.obj.Status))
		return
	}
	s.stats.cancelled.Add(1)
	writeJSON(w, b.obj)
}

func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(data, '\n'))
}
