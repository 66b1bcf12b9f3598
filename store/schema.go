package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; PRAGMA user_version counts how many a
// database has. Never edit one that has shipped: append a new one.
var migrations = []string{
	// 1: papers, paid judgements, runs and each run's paper list.
	`
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
`,
	// 2: runs belong to a stream (one config's series of digests), so that
	// configs sharing a store keep their own days; a run records what it
	// fetched (announce types kept, the feed's counts before filtering) and
	// the feed's cache validators for conditional GETs. Rows written before
	// get stream '' (claimed by the first stream that opens the store) and
	// '' for what was not recorded then.
	`
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
`,
	// 3: the answers of model tasks other than relevance (a TL;DR), stored
	// like judgements under their task's cache key and shared by every
	// stream; and, per day, the papers a task could not answer (why, and
	// in how many runs), so a digest can say so and a rerun retries them.
	`
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
`,
	// 4: what was delivered (or is being, or failed) for each day of a
	// stream, to each target (an email address, a webhook). No foreign key
	// to runs: a rebuilt day (--force) must still know it was sent.
	`
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
`,
}

// migrate brings the schema up to date in one transaction. BEGIN IMMEDIATE
// makes two processes opening a new file at once take turns: the second
// sees the first's user_version and has nothing to do.
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
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migrate: to version %d: %w", i+1, err)
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
