package daemon

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// maxRetryBackoff caps the doubling backoff: waiting longer than this is
// better left to the next scheduled run.
const maxRetryBackoff = time.Hour

// backoff is the delay before retry number n (1-based): first, doubling,
// capped at maxRetryBackoff.
func backoff(first time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n && d < maxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, maxRetryBackoff)
}

// permanentError marks a failure that a retry cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying (a rejected API key, a broken
// configuration): Run logs it and waits for the next scheduled run instead of
// retrying. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// PanicError is a job panic turned into a failure.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("job panicked: %v", e.Value) }

// callJob runs job, turning a panic into a *PanicError.
func callJob(job func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return job()
}
