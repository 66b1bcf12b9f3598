package store

import (
	"context"
	"database/sql"
	"fmt"
)

// A migration is one step of the schema: its SQL, then, when the step
// needs what SQL cannot do (TeX-decoding every stored paper to index it),
// a Go function run in the same transaction.
type migration struct {
	sql string
	fn  func(ctx context.Context, tx *sql.Tx, progress Progress) error
}

// migrations are applied in order; PRAGMA user_version counts how many a
// database has. Never edit one that has shipped: append a new one.
var migrations = []migration{
	// 1: papers, paid judgements, runs and each run's paper list.
	{sql: `
CREATE TABLE papers (
	id         TEXT PRIMARY KEY,
	version    INTEGER NOT NULL,
	title      TEXT NOT NULL,
	abstract   TEXT NOT NULL,
	authors    TEXT NOT NULL, -- JSON array
	categories TEXT NOT NULL, -- JSON array, primary first
	updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE judgements (
	key            TEXT PRIMARY KEY, -- store.Key
	paper_id       TEXT NOT NULL,
	topic          TEXT NOT NULL,
	relevance      REAL NOT NULL,
	reason         TEXT NOT NULL,
	model          TEXT NOT NULL,
	prompt_version TEXT NOT NULL,
	created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX judgements_paper ON judgements (paper_id);

CREATE TABLE runs (
	date              TEXT PRIMARY KEY, -- YYYY-MM-DD
	source            TEXT NOT NULL,
	categories        TEXT NOT NULL, -- JSON array
	topics            TEXT NOT NULL, -- JSON array of model.Topic
	model             TEXT NOT NULL,
	prompt_version    TEXT NOT NULL,
	threshold         REAL NOT NULL,
	status            TEXT NOT NULL,
	error             TEXT NOT NULL,
	no_announcements  INTEGER NOT NULL,
	prompt_tokens     INTEGER NOT NULL DEFAULT 0,
	cached_tokens     INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	requests          INTEGER NOT NULL DEFAULT 0,
	cost_usd          REAL,
	started_at        TEXT NOT NULL,
	finished_at       TEXT NOT NULL,
	pid               INTEGER NOT NULL
) STRICT;

CREATE TABLE run_papers (
	date          TEXT NOT NULL REFERENCES runs (date) ON DELETE CASCADE,
	paper_id      TEXT NOT NULL REFERENCES papers (id),
	position      INTEGER NOT NULL,
	announce_type TEXT NOT NULL,
	version       INTEGER NOT NULL,
	status        TEXT NOT NULL, -- '' (not tried yet), judged, failed, skipped
	error         TEXT NOT NULL,
	PRIMARY KEY (date, paper_id)
) STRICT;
CREATE INDEX run_papers_paper ON run_papers (paper_id);
`},
	// 2: runs belong to a stream (one config's series of digests), so that
	// configs sharing a store keep their own days; a run records what it
	// fetched (announce types kept, the feed's counts before filtering) and
	// the feed's cache validators for conditional GETs. Rows written before
	// get stream '' (claimed by the first stream that opens the store) and
	// '' for what was not recorded then.
	{sql: `
CREATE TABLE runs2 (
	stream            TEXT NOT NULL,
	date              TEXT NOT NULL, -- YYYY-MM-DD
	source            TEXT NOT NULL,
	categories        TEXT NOT NULL, -- JSON array
	announce_types    TEXT NOT NULL, -- JSON array of the types kept; '' = not recorded
	announced         TEXT NOT NULL, -- JSON object: the feed's papers by announce type; '' = not recorded
	topics            TEXT NOT NULL, -- JSON array of model.Topic
	model             TEXT NOT NULL,
	prompt_version    TEXT NOT NULL,
	threshold         REAL NOT NULL,
	status            TEXT NOT NULL,
	error             TEXT NOT NULL,
	no_announcements  INTEGER NOT NULL,
	prompt_tokens     INTEGER NOT NULL DEFAULT 0,
	cached_tokens     INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	requests          INTEGER NOT NULL DEFAULT 0,
	cost_usd          REAL,
	started_at        TEXT NOT NULL,
	finished_at       TEXT NOT NULL,
	pid               INTEGER NOT NULL,
	feed_url          TEXT NOT NULL DEFAULT '', -- the RSS document fetched ('' for the API)
	etag              TEXT NOT NULL DEFAULT '',
	last_modified     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (stream, date)
) STRICT;
INSERT INTO runs2 (stream, date, source, categories, announce_types, announced, topics, model, prompt_version,
	threshold, status, error, no_announcements, prompt_tokens, cached_tokens, completion_tokens, requests,
	cost_usd, started_at, finished_at, pid)
SELECT '', date, source, categories, '', '', topics, model, prompt_version,
	threshold, status, error, no_announcements, prompt_tokens, cached_tokens, completion_tokens, requests,
	cost_usd, started_at, finished_at, pid
FROM runs;

CREATE TABLE run_papers2 (
	stream        TEXT NOT NULL,
	date          TEXT NOT NULL,
	paper_id      TEXT NOT NULL REFERENCES papers (id),
	position      INTEGER NOT NULL,
	announce_type TEXT NOT NULL,
	version       INTEGER NOT NULL,
	status        TEXT NOT NULL, -- '' (not tried yet), judged, failed, skipped
	error         TEXT NOT NULL,
	PRIMARY KEY (stream, date, paper_id),
	FOREIGN KEY (stream, date) REFERENCES runs2 (stream, date) ON DELETE CASCADE ON UPDATE CASCADE
) STRICT;
INSERT INTO run_papers2 (stream, date, paper_id, position, announce_type, version, status, error)
SELECT '', date, paper_id, position, announce_type, version, status, error FROM run_papers;

DROP TABLE run_papers;
DROP TABLE runs;
ALTER TABLE runs2 RENAME TO runs;
ALTER TABLE run_papers2 RENAME TO run_papers;
CREATE INDEX run_papers_paper ON run_papers (paper_id);
`},
	// 3: the answers of model tasks other than relevance (a TL;DR), stored
	// like judgements under their task's cache key and shared by every
	// stream; and, per day, the papers a task could not answer (why, and
	// in how many runs), so a digest can say so and a rerun retries them.
	{sql: `
CREATE TABLE answers (
	key        TEXT PRIMARY KEY, -- the task's cache key (classify.TLDRKey)
	task       TEXT NOT NULL,
	paper_id   TEXT NOT NULL,
	value      TEXT NOT NULL,
	model      TEXT NOT NULL,
	created_at TEXT NOT NULL
) STRICT;
CREATE INDEX answers_paper ON answers (paper_id);

CREATE TABLE answer_failures (
	stream   TEXT NOT NULL,
	date     TEXT NOT NULL,
	paper_id TEXT NOT NULL,
	task     TEXT NOT NULL,
	reason   TEXT NOT NULL,
	runs     INTEGER NOT NULL, -- runs in which the task failed for the paper
	PRIMARY KEY (stream, date, paper_id, task),
	FOREIGN KEY (stream, date) REFERENCES runs (stream, date) ON DELETE CASCADE ON UPDATE CASCADE
) STRICT;
`},
	// 4: search. papers_fts indexes every paper's title, abstract and
	// authors, TeX-decoded (searchText), by the paper's rowid; it keeps no
	// copy of the text (contentless), the papers table has it. day_scores
	// is each day's scores of each of its papers, the ones its digest
	// showed, so that a search can rank and filter by them. Both are kept
	// up to date as papers and judgements are recorded; fillSearch builds
	// them for what an older version stored.
	{sql: `
CREATE VIRTUAL TABLE papers_fts USING fts5 (
	title, abstract, authors,
	content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE day_scores (
	stream    TEXT NOT NULL,
	date      TEXT NOT NULL,
	paper_id  TEXT NOT NULL,
	topic     TEXT NOT NULL,
	relevance REAL NOT NULL,
	PRIMARY KEY (stream, date, paper_id, topic),
	FOREIGN KEY (stream, date) REFERENCES runs (stream, date) ON DELETE CASCADE ON UPDATE CASCADE
) STRICT, WITHOUT ROWID;
`, fn: fillSearch},
	// 5: what was delivered (or is being, or failed) for each day of a
	// stream, to each target (an email address, a webhook). No foreign key
	// to runs: a rebuilt day (--force) must still know it was sent.
	{sql: `
CREATE TABLE deliveries (
	stream     TEXT NOT NULL,
	date       TEXT NOT NULL,
	target     TEXT NOT NULL, -- deliver.Target.ID: "email:me@example.org", "slack:SLACK_WEBHOOK_URL"
	state      TEXT NOT NULL, -- sending, sent, failed
	message_id TEXT NOT NULL,
	error      TEXT NOT NULL,
	attempts   INTEGER NOT NULL, -- deliveries tried for the day (runs, not retries within one)
	updated_at TEXT NOT NULL,
	PRIMARY KEY (stream, date, target)
) STRICT;
`},
	// 6: batch mode. A batch is recorded under its input file's id before
	// it is created (so a process killed in between finds it by that id
	// and never creates a second one), with each line's custom_id and what
	// its answer is stored under; its state follows the API's until it is
	// collected. The runs count the part of their usage that went through
	// the Batch API, which is priced at the batch rate.
	{sql: `
CREATE TABLE batches (
	input_file_id TEXT PRIMARY KEY,
	batch_id      TEXT NOT NULL, -- '' until the batch is created
	stream        TEXT NOT NULL,
	date          TEXT NOT NULL,
	task          TEXT NOT NULL, -- relevance, tldr
	state         TEXT NOT NULL, -- submitting, the API's status, collected
	total         INTEGER NOT NULL DEFAULT 0,
	completed     INTEGER NOT NULL DEFAULT 0,
	failed        INTEGER NOT NULL DEFAULT 0,
	error         TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX batches_open ON batches (stream, state);

CREATE TABLE batch_requests (
	input_file_id TEXT NOT NULL REFERENCES batches (input_file_id) ON DELETE CASCADE,
	custom_id     TEXT NOT NULL,
	paper_id      TEXT NOT NULL,
	task          TEXT NOT NULL,
	keys          TEXT NOT NULL, -- JSON array: the cache keys its answer is stored under
	topics        TEXT NOT NULL, -- JSON array of model.Topic asked about ([] for other tasks)
	PRIMARY KEY (input_file_id, custom_id)
) STRICT;

ALTER TABLE runs ADD COLUMN batch_prompt_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN batch_cached_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN batch_completion_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN batch_requests INTEGER NOT NULL DEFAULT 0;
`},
	// 7: search tiers. Each paper is indexed for search in the tier of its
	// best score (searchtier.go), which search_tier records; fillTiers
	// moves the papers scored before.
	{sql: `
ALTER TABLE papers ADD COLUMN search_tier INTEGER NOT NULL DEFAULT 0;
`, fn: fillTiers},
}

// migrate brings the schema up to date in one transaction, Go steps
// included: a migration that fails half-way leaves the file as it was.
// BEGIN IMMEDIATE makes two processes opening a new file at once take
// turns: the second sees the first's user_version and has nothing to do.
func (s *Store) migrate(ctx context.Context) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var version int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return fmt.Errorf("migrate: read user_version: %w", err)
		}
		if version > len(migrations) {
			return fmt.Errorf("migrate: schema version %d, known %d: %w", version, len(migrations), ErrSchemaTooNew)
		}
		for i := version; i < len(migrations); i++ {
			if _, err := tx.ExecContext(ctx, migrations[i].sql); err != nil {
				return fmt.Errorf("migrate: to version %d: %w", i+1, err)
			}
			if fn := migrations[i].fn; fn != nil {
				if err := fn(ctx, tx, s.progress); err != nil {
					return fmt.Errorf("migrate: to version %d: %w", i+1, err)
				}
			}
		}
		if version == len(migrations) {
			return nil
		}
		// PRAGMA takes no bound parameters; the value is an int we own.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
			return fmt.Errorf("migrate: set user_version: %w", err)
		}
		return nil
	})
}
