package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// Batch mode (llm.mode batch). A day is asked in passes, each one batch:
// the relevance of every paper the store does not know yet, then, once
// every judgement is in, the TL;DRs of the selected papers (a TL;DR needs
// its paper's scores, so it cannot go in the first batch). Each batch is
// recorded in the store, with its lines' custom_ids, before it is created,
// and answers are committed as its output is read, so nothing is
// submitted twice and nothing paid for is lost: a run that stops while a
// batch is open (--no-wait, llm.batch_max_wait, a signal, a kill) leaves
// it to the next run or the daemon, which polls it on.
//
// Lines that failed, or never ran (a batch that expired or was cancelled),
// are asked again in a follow-up batch (or live, with llm.batch_fallback
// live): an invalid answer once, a transient failure up to
// llm.max_retries times; an error about the request's own text, or one
// past those limits, fails the paper with its reason.

// PendingBatch is a batch a run left open: it is still being answered.
type PendingBatch struct {
	ID, Date, Task, Status   string
	Total, Completed, Failed int64
	// Waited is true when the run waited llm.batch_max_wait for it.
	Waited bool
}

// ErrBatchFailed is wrapped when the API failed a whole batch (it did not
// accept its input).
var ErrBatchFailed = errors.New("batch failed")

// batchDay is one run's batch work on a day.
type batchDay struct {
	r      *Runner
	engine func() (*classify.Engine, error)
	date   string
	papers map[string]model.Paper
	list   []model.Paper
	topics []model.Topic
	opts   Options
	res    *Result
	log    *slog.Logger

	checked   bool
	attempts  map[string]int  // custom_id -> tries that failed, in this run
	gaveUp    map[string]bool // task + "\x00" + paper id
	collected map[string]bool // tasks of which this run collected a batch
	cancelled bool            // this run cancelled its batch: ask nothing more
}

// batchPasses does a day's model work in batch mode. It returns the batch
// left open when the run stops before the day's work is done (no wait, the
// wait's end, ctx's end: then with ctx's error).
func (r *Runner) batchPasses(ctx context.Context, engine func() (*classify.Engine, error), date string, papers []model.Paper, topics []model.Topic, opts Options, res *Result) (*PendingBatch, error) {
	d := &batchDay{r: r, engine: engine, date: date, papers: make(map[string]model.Paper, len(papers)), list: papers,
		topics: topics, opts: opts, res: res, log: r.logger().With("date", date, "mode", "batch"),
		attempts: map[string]int{}, gaveUp: map[string]bool{}, collected: map[string]bool{}}
	for _, p := range papers {
		d.papers[p.ID] = p
	}
	for {
		open, err := d.openBatches(ctx)
		if err != nil {
			return nil, err
		}
		if len(open) > 0 {
			cb, sb, pending, err := d.await(ctx, open[0])
			if err != nil || pending != nil {
				return pending, err
			}
			if err := d.collect(ctx, sb, cb); err != nil {
				return nil, err
			}
			continue
		}
		if d.cancelled || opts.CancelBatch {
			return nil, nil
		}
		submitted, err := d.next(ctx)
		if err != nil || !submitted {
			return nil, err
		}
	}
}

// openBatches is the store's open batches of the day.
func (d *batchDay) openBatches(ctx context.Context) ([]store.Batch, error) {
	all, err := d.r.Store.OpenBatches(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.Batch
	for _, b := range all {
		if b.Date == d.date {
			out = append(out, b)
		}
	}
	return out, nil
}

// next submits the day's next batch: the judgements still missing, else
// the TL;DRs; false when there is nothing left to ask. Follow-ups go live
// with llm.batch_fallback live.
func (d *batchDay) next(ctx context.Context) (bool, error) {
	r := d.r
	live := r.Config.LLM.BatchFallback == config.ModeLive
	papers := d.remaining(relevanceTask)
	known, err := r.known(ctx, papers, d.topics)
	if err != nil {
		return false, err
	}
	var jobs []classify.Judgement
	for _, p := range papers {
		if missing := known.Missing(p.ID, d.topics); len(missing) > 0 {
			jobs = append(jobs, classify.Judgement{Paper: p, Topics: missing})
		}
	}
	if len(jobs) > 0 {
		if live && d.collected[relevanceTask] {
			d.log.Info("asking live what the batch did not answer", "task", relevanceTask, "papers", len(jobs))
			return true, d.doneLive(r.judge(ctx, d.engine, func() error { return nil }, d.date, papers, d.topics, known, d.res))
		}
		return true, d.submitRelevance(ctx, jobs)
	}
	if !r.Config.TLDR.Enabled {
		return false, nil
	}
	papers = d.remaining(tldrTask)
	known, err = r.known(ctx, papers, r.Config.ModelTopics())
	if err != nil {
		return false, err
	}
	st, err := r.tldrs(ctx, d.date, r.Config.LLM.Model, papers)
	if err != nil {
		return false, err
	}
	tjobs := r.needsTLDR(st, papers, known, d.opts.Force)
	if len(tjobs) == 0 {
		return false, nil
	}
	if live && d.collected[tldrTask] {
		d.log.Info("asking live what the batch did not answer", "task", tldrTask, "papers", len(tjobs))
		return true, d.doneLive(r.writeTLDRs(ctx, d.engine, d.date, tjobs, d.opts.Force, d.res))
	}
	return true, d.submitTLDRs(ctx, tjobs)
}

// doneLive ends a live follow-up: whatever it could not do is failed or
// skipped in the store, and is not asked again by this run.
func (d *batchDay) doneLive(err error) error {
	if err != nil {
		return err
	}
	for _, p := range d.list {
		d.gaveUp[giveUpKey(relevanceTask, p.ID)] = true
		d.gaveUp[giveUpKey(tldrTask, p.ID)] = d.collected[tldrTask]
	}
	return nil
}

const relevanceTask = "relevance"

func giveUpKey(task, id string) string { return task + "\x00" + id }

// remaining is the day's papers this run has not given up on for task.
func (d *batchDay) remaining(task string) []model.Paper {
	out := make([]model.Paper, 0, len(d.list))
	for _, p := range d.list {
		if !d.gaveUp[giveUpKey(task, p.ID)] {
			out = append(out, p)
		}
	}
	return out
}

// customID names a line: the task, the paper, and the head of the cache
// key its answer is stored under (of all its keys, for relevance).
func customID(task, paperID string, keys []string) string {
	key := keys[0]
	if len(keys) > 1 {
		key = classify.KeyOf(keys...)
	}
	return task + ":" + paperID + ":" + key[:16]
}

func (d *batchDay) submitRelevance(ctx context.Context, jobs []classify.Judgement) error {
	eng, err := d.ready(ctx)
	if err != nil {
		return err
	}
	keysOf := relevanceKeys(d.r.Config.LLM.Model)
	task := classify.NewRelevance()
	var jsonl []byte
	reqs := make([]store.BatchRequest, 0, len(jobs))
	for _, j := range jobs {
		keys := keysOf(j.Paper, j.Topics)
		id := customID(relevanceTask, j.Paper.ID, keys)
		line, err := classify.BatchLine(eng, task, id, j)
		if err != nil {
			return err
		}
		jsonl = append(append(jsonl, line...), '\n')
		reqs = append(reqs, store.BatchRequest{CustomID: id, PaperID: j.Paper.ID, Task: relevanceTask, Keys: keys, Topics: j.Topics})
	}
	return d.submit(ctx, eng, relevanceTask, jsonl, reqs)
}

func (d *batchDay) submitTLDRs(ctx context.Context, papers []model.Paper) error {
	eng, err := d.ready(ctx)
	if err != nil {
		return err
	}
	task := d.r.tldrTaskOf()
	var jsonl []byte
	reqs := make([]store.BatchRequest, 0, len(papers))
	for _, p := range papers {
		keys := []string{d.r.tldrKey(p, d.r.Config.LLM.Model)}
		id := customID(tldrTask, p.ID, keys)
		line, err := classify.BatchLine(eng, task, id, p)
		if err != nil {
			return err
		}
		jsonl = append(append(jsonl, line...), '\n')
		reqs = append(reqs, store.BatchRequest{CustomID: id, PaperID: p.ID, Task: tldrTask, Keys: keys, Topics: []model.Topic{}})
	}
	return d.submit(ctx, eng, tldrTask, jsonl, reqs)
}

// ready returns the engine once the server is known to have a Batch API
// (asked before the first paper is sent).
func (d *batchDay) ready(ctx context.Context) (*classify.Engine, error) {
	eng, err := d.engine()
	if err != nil {
		return nil, err
	}
	if !d.checked {
		if err := eng.CheckBatchAPI(ctx); err != nil {
			return nil, err
		}
		d.checked = true
	}
	return eng, nil
}

// submit uploads a batch's lines, records the batch in the store, then
// creates it: a process killed between the two finds it by its input file.
func (d *batchDay) submit(ctx context.Context, eng *classify.Engine, task string, jsonl []byte, reqs []store.BatchRequest) error {
	name := fmt.Sprintf("arxiv-digest-%s-%s.jsonl", d.date, task)
	file, err := eng.UploadBatch(ctx, name, jsonl)
	if err != nil {
		return err
	}
	if err := d.r.Store.RecordBatch(context.WithoutCancel(ctx), store.Batch{InputFileID: file, Date: d.date, Task: task}, reqs); err != nil {
		return err
	}
	_, err = d.create(ctx, eng, store.Batch{InputFileID: file, Date: d.date, Task: task, State: store.BatchSubmitting, Total: int64(len(reqs))})
	if err == nil {
		d.log.Info("batch submitted", "task", task, "requests", len(reqs), "input_file", file)
	}
	return err
}

// create creates the batch of a recorded input file, unless the API
// already has it (a process killed after creating it), and records its id.
func (d *batchDay) create(ctx context.Context, eng *classify.Engine, sb store.Batch) (store.Batch, error) {
	b, found, err := eng.FindBatch(ctx, sb.InputFileID)
	if err != nil {
		return sb, err
	}
	if found {
		d.log.Info("found the batch a stopped run created", "batch", b.ID)
	} else if b, err = eng.CreateBatch(ctx, sb.InputFileID, map[string]string{"arxiv_digest_date": d.date, "arxiv_digest_task": sb.Task}); err != nil {
		return sb, err
	}
	sb = storeBatch(sb, b)
	return sb, d.r.Store.UpdateBatch(context.WithoutCancel(ctx), sb)
}

func storeBatch(sb store.Batch, b classify.Batch) store.Batch {
	sb.ID, sb.State, sb.Total, sb.Completed, sb.Failed, sb.Error = b.ID, b.Status, b.Total, b.Completed, b.Failed, b.Errors
	return sb
}

// await polls an open batch until it ends, or until this run stops
// waiting: then it returns the batch as pending, and ctx's error if ctx
// ended. --cancel-batch cancels it first.
func (d *batchDay) await(ctx context.Context, sb store.Batch) (classify.Batch, store.Batch, *PendingBatch, error) {
	eng, err := d.engine()
	if err != nil {
		return classify.Batch{}, sb, nil, err
	}
	if sb.ID == "" {
		if sb, err = d.create(ctx, eng, sb); err != nil {
			return classify.Batch{}, sb, nil, err
		}
	}
	if d.opts.CancelBatch && !d.cancelled {
		b, err := eng.CancelBatch(ctx, sb.ID)
		if err != nil {
			return classify.Batch{}, sb, nil, err
		}
		d.cancelled = true
		d.log.Warn("batch cancelled on request; what it answered is kept", "batch", sb.ID, "status", b.Status)
	}
	pending := func(waited bool) *PendingBatch {
		return &PendingBatch{ID: sb.ID, Date: sb.Date, Task: sb.Task, Status: sb.State, Total: sb.Total,
			Completed: sb.Completed, Failed: sb.Failed, Waited: waited}
	}
	var deadline time.Time
	maxWait := d.r.Config.LLM.BatchMaxWait.D()
	switch {
	case d.opts.NoWait && !d.opts.CancelBatch, maxWait == 0 && !d.opts.CancelBatch:
		deadline = time.Now()
	case maxWait > 0 && !d.opts.CancelBatch:
		deadline = time.Now().Add(maxWait)
	}
	prog := d.r.Progress
	if prog != nil && !deadline.Equal(time.Time{}) && !d.opts.NoWait {
		prog.Start("batch "+sb.Task, int(sb.Total))
		defer prog.Finish()
	} else if d.opts.NoWait {
		prog = nil
	}
	shown := int64(0)
	b, err := eng.WaitBatch(ctx, sb.ID, deadline, func(b classify.Batch) {
		sb = storeBatch(sb, b)
		if err := d.r.Store.UpdateBatch(context.WithoutCancel(ctx), sb); err != nil {
			d.log.Error("record the batch's state", "batch", sb.ID, "err", err)
		}
		d.log.Info("batch progress", "batch", b.ID, "task", sb.Task, "status", b.Status, "completed", b.Completed,
			"failed", b.Failed, "total", b.Total)
		if prog != nil {
			for ; shown < b.Completed+b.Failed; shown++ {
				st := model.StatusJudged
				if shown >= b.Completed {
					st = model.StatusFailed
				}
				prog.Done(st)
			}
		}
	})
	switch {
	case err == nil:
		return b, sb, nil, nil
	case errors.Is(err, classify.ErrBatchWait):
		return b, sb, pending(!d.opts.NoWait), nil
	case ctx.Err() != nil:
		return b, sb, pending(false), fmt.Errorf("%w: %w", ErrInterrupted, ctx.Err())
	}
	return b, sb, nil, err
}

// collect reads an ended batch's output and error files and commits each
// answer as it is read, matched to its request by custom_id. Lines not
// answered stay missing in the store, to be asked again (or are failed,
// when this run gives up on them).
func (d *batchDay) collect(ctx context.Context, sb store.Batch, cb classify.Batch) error {
	r := d.r
	eng, err := d.engine()
	if err != nil {
		return err
	}
	reqs, err := r.Store.BatchRequests(ctx, sb.InputFileID)
	if err != nil {
		return err
	}
	saveCtx := context.WithoutCancel(ctx)
	sv := newSaver(saveCtx, r.Store, len(reqs)+1, func() error { return nil }, func(error) {})
	var fatal error
	seen := make(map[string]bool, len(reqs))
	counts := map[classify.LineVerdict]int{}
	rel, tl := classify.NewRelevance(), r.tldrTaskOf()
	err = eng.BatchOutput(ctx, cb, func(l classify.BatchOutputLine) error {
		req, ok := reqs[l.CustomID]
		if !ok || seen[l.CustomID] {
			d.log.Warn("batch output line for no request of the batch", "batch", cb.ID, "custom_id", l.CustomID)
			return nil
		}
		seen[l.CustomID] = true
		p, ok := d.papers[req.PaperID]
		if !ok {
			d.log.Warn("batch answer for a paper no longer in the day's list", "batch", cb.ID, "paper", req.PaperID)
			return nil
		}
		if done, err := d.stored(ctx, req); err != nil || done {
			return err // collected before (a run killed while collecting)
		}
		var (
			verdict classify.LineVerdict
			status  model.Status
			usage   model.Usage
			why     error
			write   func() store.Write
		)
		switch req.Task {
		case relevanceTask:
			res, v := classify.ReadBatchLine(eng, rel, classify.Judgement{Paper: p, Topics: req.Topics}, l)
			verdict, status, usage, why = v, res.Status, res.Usage, res.Err
			write = func() store.Write {
				scores := make(map[string]model.Score, len(res.Value))
				for i, s := range res.Value {
					scores[req.Keys[i]] = s
				}
				// The request asked about every topic the paper was
				// missing, as a live one does: it is judged now.
				return r.Store.Judged(d.date, p.ID, scores, true, res.Usage)
			}
		case tldrTask:
			res, v := classify.ReadBatchLine(eng, tl, p, l)
			verdict, status, usage, why = v, res.Status, res.Usage, res.Err
			write = func() store.Write {
				return r.Store.Answer(d.date, p.ID, tldrTask, req.Keys[0], res.Value, res.Usage)
			}
		default:
			return nil
		}
		counts[verdict]++
		d.res.Usage.Add(usage)
		d.res.Requests += usage.Requests
		if verdict == classify.LineAnswered {
			sv.add(write())
			return nil
		}
		if verdict == classify.LineFatal && fatal == nil {
			fatal = why
		}
		sv.add(d.failed(req, verdict, status, why, usage))
		return nil
	})
	for id, req := range reqs {
		if !seen[id] && err == nil {
			counts[classify.LineTransient]++
			why := fmt.Errorf("not in the output of batch %s (%s)", cb.ID, cb.Status)
			if cb.Status == "failed" {
				why = fmt.Errorf("%w: %s %s", ErrBatchFailed, cb.ID, cb.Errors)
			}
			sv.add(d.failed(req, classify.LineTransient, model.StatusSkipped, why, model.Usage{}))
		}
	}
	if serr := sv.close(); serr != nil {
		return errors.Join(err, fmt.Errorf("save batch answers: %w", serr))
	}
	if err != nil {
		return err
	}
	d.collected[sb.Task] = true
	if err := r.Store.CollectBatch(saveCtx, sb.InputFileID); err != nil {
		return err
	}
	d.log.Info("batch collected", "batch", cb.ID, "task", sb.Task, "status", cb.Status, "answered", counts[classify.LineAnswered],
		"invalid", counts[classify.LineInvalid], "to_ask_again", counts[classify.LineTransient], "rejected", counts[classify.LineRejected])
	switch {
	case fatal != nil:
		return fatal
	case cb.Status == "failed":
		return fmt.Errorf("%w: %s: %s", ErrBatchFailed, cb.ID, cb.Errors)
	}
	return nil
}

// stored reports whether req's answer is in the store already.
func (d *batchDay) stored(ctx context.Context, req store.BatchRequest) (bool, error) {
	if req.Task == tldrTask {
		got, err := d.r.Store.Answers(ctx, req.Keys)
		return len(got) == len(req.Keys), err
	}
	p := d.papers[req.PaperID]
	known, err := d.r.Store.Known(ctx, []model.Paper{p}, req.Topics, func(model.Paper, []model.Topic) []string { return req.Keys })
	return err == nil && known.Complete(p.ID, req.Topics), err
}

// failed is the write of a line without an answer: its usage alone when
// it will be asked again, else the paper's failure with the reason (its
// TL;DR's, for the TL;DR task).
func (d *batchDay) failed(req store.BatchRequest, verdict classify.LineVerdict, status model.Status, why error, usage model.Usage) store.Write {
	r := d.r
	reason := "not answered"
	if why != nil {
		reason = why.Error()
	}
	d.attempts[req.CustomID]++
	var again bool
	switch verdict {
	case classify.LineInvalid: // like live: asked again once
		again = d.attempts[req.CustomID] <= 1
	case classify.LineTransient:
		again = d.attempts[req.CustomID] <= r.Config.LLM.MaxRetries && !errors.Is(why, ErrBatchFailed)
	}
	if again && !d.cancelled {
		return r.Store.Usage(d.date, usage)
	}
	d.gaveUp[giveUpKey(req.Task, req.PaperID)] = true
	if d.cancelled && status == model.StatusSkipped {
		reason = "the batch was cancelled before it answered (run again to ask again): " + reason
	}
	if req.Task == tldrTask {
		return r.Store.AnswerFailure(d.date, req.PaperID, tldrTask, reason, usage)
	}
	if status != model.StatusSkipped {
		status = model.StatusFailed
	}
	return r.Store.Outcome(d.date, req.PaperID, status, reason, usage)
}

// earlierBatches finishes (or, without waiting, polls) the open batches of
// days before date first: a run submitted with --no-wait yesterday is
// collected and its digest written by today's run.
func (r *Runner) earlierBatches(ctx context.Context, date string, opts Options, res *Result) error {
	open, err := r.Store.OpenBatches(ctx)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, b := range open {
		if b.Date >= date || done[b.Date] {
			continue
		}
		done[b.Date] = true
		r.logger().Info("an earlier day has an open batch; collecting it first", "date", b.Date, "batch", b.ID)
		er, err := r.Run(ctx, Options{Date: b.Date, NoWait: opts.NoWait, CancelBatch: opts.CancelBatch})
		if er != nil {
			res.Earlier = append(res.Earlier, er)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", b.Date, err)
		}
	}
	return nil
}
