package main

import (
	"errors"
	"strings"
)

// Exit codes: a contract with cron, systemd and scripts (see README).
const (
	exitOK         = 0
	exitFailed     = 1   // the run failed: nothing fetched, or the model API refused the run as a whole
	exitUsage      = 2   // usage or configuration error, including a missing API key
	exitIncomplete = 3   // digest written, but some papers could not be judged
	exitLocked     = 4   // another run holds the lock
	exitInterrupt  = 130 // stopped by SIGINT/SIGTERM; the digest was written with the rest skipped
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

// errorText is the message main prints: one clear line per problem.
func errorText(err error) string {
	return strings.TrimSpace(err.Error())
}
