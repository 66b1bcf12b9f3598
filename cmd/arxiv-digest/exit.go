package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes: a contract with cron, systemd and scripts (see README).
const (
	exitOK         = 0
	exitFailed     = 1 // the run failed: nothing fetched, or the model API refused the run as a whole
	exitUsage      = 2 // usage or configuration error, including a missing API key
	exitIncomplete = 3 // digest written, but some papers could not be judged
	exitLocked     = 4 // another run holds the lock
	// exitUndelivered: the digest is complete and written, but an email or
	// webhook delivery failed; the next run (or daemon retry) tries again.
	exitUndelivered = 5
	exitInterrupt   = 130 // stopped by SIGINT/SIGTERM; the digest was written with the rest skipped
)

// exitError carries the exit code a failure should end the process with.
type exitError struct {
	code int
	err  error // nil: exit quietly (the command already said everything)
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &exitError{code: code, err: err} }

func usageError(err error) error { return withCode(exitUsage, err) }

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitFailed
}

// report prints err to w as main does and returns the exit code for it.
// Tests call it too, so that what they check is what a user sees.
func report(w io.Writer, err error) int {
	code := exitCode(err)
	if code != exitOK {
		if msg := errorText(err); msg != "" {
			fmt.Fprintln(w, msg)
		}
	}
	return code
}

// errorText is the message main prints: one clear line per problem (joined
// errors, such as a config's, have several), each starting with the
// program's name so that every line in a cron mail or a journal says where
// it came from.
func errorText(err error) string {
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, "arxiv-digest: "+line)
		}
	}
	return strings.Join(lines, "\n")
}
