// Package store is arxiv-digest's embedded SQLite database: the paid
// judgements (so that money is never spent twice on the same one) and the
// record of every day's run (so that a day of work is never lost).
//
// One Store owns the database file. Every write is one short transaction
// that begins with BEGIN IMMEDIATE, so several processes (a daemon and a
// manual run) can share the file: they queue on SQLite's write lock for up
// to the busy timeout instead of failing with SQLITE_BUSY.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, no cgo)
)

// Sentinel errors that callers inspect with errors.Is.
var (
	// ErrNoRun: there is no run for the date (the error names the date).
	ErrNoRun = errors.New("no run for that date")
	// ErrUnknownPaper: the paper is not in the date's paper list (BeginRun
	// was not called with it).
	ErrUnknownPaper = errors.New("paper not in the day's list")
	// ErrSchemaTooNew: the file was written by a newer arxiv-digest whose
	// schema this one does not know.
	ErrSchemaTooNew = errors.New("database schema is newer than this program")
	// ErrSchemaTooOld: OpenReadOnly found a file written by an older
	// arxiv-digest; any command that opens it for writing (search, run,
	// render) upgrades it.
	ErrSchemaTooOld = errors.New("database was written by an older arxiv-digest: run `arxiv-digest search` on it once to upgrade it")
)

// busyTimeout is how long a write waits for another connection or process
// holding the write lock. Write transactions here last milliseconds, so ten
// seconds only runs out when something is badly stuck.
const busyTimeout = 10 * time.Second

// Store owns the database. Its methods are safe for concurrent use.
//
// Runs and their paper lists belong to the Store's stream (see WithStream);
// papers and judgements are shared by every stream, so configs that share
// a database never pay twice for one judgement and never see each other's
// days.
type Store struct {
	db       *sql.DB
	stream   string
	now      func() time.Time // the clock; UTC is applied by callers of now
	progress Progress         // told how a long migration goes; nil: nobody
}

// Option configures Open.
type Option func(*Store)

// WithStream scopes the store's runs to stream: one series of digests, as
// one config writes them to one output folder (config.Config.Stream names
// it). Without it the stream is "". On open, runs written before streams
// existed (stream "") are claimed by the stream, unless it already has a
// run of the same date.
func WithStream(stream string) Option { return func(s *Store) { s.stream = stream } }

// Progress is told how a long step of opening goes (indexing an older
// store's papers for search): Start with the number of items, Add as they
// are done, Finish at the end. Open tells it only of steps over a few
// thousand items.
type Progress interface {
	Start(what string, total int)
	Add(n int)
	Finish()
}

// WithProgress has Open report long migrations to p.
func WithProgress(p Progress) Option { return func(s *Store) { s.progress = p } }

// Stream is the stream the store's runs belong to.
func (s *Store) Stream() string { return s.stream }

// Open opens (creating it and its folder when missing) the database at path
// and brings its schema up to date.
//
// Durability choice: journal_mode=WAL with synchronous=FULL. WAL lets
// readers (a digest being rendered) run while a writer commits and keeps
// commits cheap. With WAL, synchronous=NORMAL already survives kill -9 (a
// committed transaction is in the WAL in the OS page cache), but a power cut
// or kernel crash can roll back the last commits, and each of those commits
// holds judgements that were paid for. FULL fsyncs the WAL at every commit;
// that costs about a millisecond against the seconds of the model request
// each commit records, so the money-safe setting is also the cheap one here.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: open: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	for _, step := range []func(context.Context) error{s.migrate, s.claimLegacy} {
		if err := step(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	return s, nil
}

// OpenReadOnly opens the database at path for reading only, for a reader
// that runs beside a daemon or a run (the MCP server): it never writes, so
// it takes no write lock and never makes a writer wait, and in WAL mode a
// writer never makes it wait either (each read sees the last commit). It
// migrates nothing: a file written by an older version, whose schema lacks
// what this one reads, is an error saying how to upgrade it (ErrSchemaTooOld).
func OpenReadOnly(ctx context.Context, path string, opts ...Option) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// query_only refuses every write. The file is not opened with
	// mode=ro: a read-only connection could not remove the -wal and -shm
	// files that reading a WAL database makes, and a dry run would leave
	// them behind; the last connection to close removes them, as a
	// writer's does.
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "query_only(1)")
	// A reader that answers searches reads pages all over the file: a
	// 64 MiB cache keeps the hot ones, and reading through a memory map
	// spares a system call per page (the map is of the file, shared with
	// the page cache; memory is used only for the pages touched).
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_pragma", "mmap_size(1073741824)")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	switch {
	case version > len(migrations):
		err = fmt.Errorf("schema version %d, known %d: %w", version, len(migrations), ErrSchemaTooNew)
	case version < len(migrations):
		err = fmt.Errorf("schema version %d, this program reads %d: %w", version, len(migrations), ErrSchemaTooOld)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return s, nil
}

// claimLegacy moves the runs of stream "" (written before streams existed)
// to the store's stream; a date the stream already has stays where it is.
// Their paper lists follow (ON UPDATE CASCADE).
func (s *Store) claimLegacy(ctx context.Context) error {
	if s.stream == "" {
		return nil
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
UPDATE runs SET stream = ? WHERE stream = '' AND date NOT IN (SELECT date FROM runs WHERE stream = ?)`, s.stream, s.stream)
		if err != nil {
			return fmt.Errorf("claim runs of an older version: %w", err)
		}
		return nil
	})
}

// dsn builds a modernc.org/sqlite data source name. The path goes in as a
// file: URI so that a '?' or '#' in a folder name cannot be taken for the
// start of the parameters. Every pooled connection runs the pragmas.
func dsn(abs string) string {
	return dsnWith(abs, fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()), "foreign_keys(1)",
		"journal_mode(WAL)", "synchronous(FULL)", "cache_size(-512)")
}

// dsnWith is the data source name of abs with these pragmas.
func dsnWith(abs string, pragmas ...string) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	// BEGIN IMMEDIATE for read-write transactions: the write lock is taken
	// (waiting up to busy_timeout) before the first read, so a transaction
	// never fails half-way with SQLITE_BUSY when upgrading from reading to
	// writing. Read-only transactions (sql.TxOptions{ReadOnly: true}) stay
	// deferred and never block writers.
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Close closes the database. Committed data is already on disk.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// timestamp formats t as RFC 3339 UTC text, the form of every stored time.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// parseTimestamp reads a stored time; "" is the zero time.
func parseTimestamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// withTx runs fn in a read-write (BEGIN IMMEDIATE) transaction and commits
// it, or rolls it back when fn or the commit fails.
func (s *Store) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
