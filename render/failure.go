package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/atomicfile"
)

// FailureFile, in the output folder, records a run that failed before it
// could write a digest (the feed could not be fetched), so that the history
// page says so instead of silently showing yesterday as the newest day.
const FailureFile = "last-failure.json"

// Failure is a run that wrote no digest.
type Failure struct {
	At       time.Time `json:"at"`
	Expected string    `json:"expected,omitempty"` // the announcement date it was after, if known
	Error    string    `json:"error"`
}

func (f *Failure) health() health {
	detail := cleanText(f.Error)
	if f.Expected != "" {
		detail = fmt.Sprintf("No digest for %s yet: %s", f.Expected, detail)
	}
	return health{healthFetchFailed, "⛔", "Fetch failed at " + f.At.Format("2006-01-02 15:04 -07:00") + ".", detail}
}

// WriteFailure records f in dir; WriteHistory then shows it on the index
// page until ClearFailure. No digest is touched.
func WriteFailure(dir string, f Failure) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("render: failure: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, FailureFile), b, filePerm); err != nil {
		return fmt.Errorf("render: failure: %w", err)
	}
	return nil
}

// ClearFailure forgets the recorded failure, if any.
func ClearFailure(dir string) error {
	if err := os.Remove(filepath.Join(dir, FailureFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("render: failure: %w", err)
	}
	return nil
}

func readFailure(dir string) (*Failure, error) {
	b, err := os.ReadFile(filepath.Join(dir, FailureFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var f Failure
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", FailureFile, err)
	}
	return &f, nil
}
