package render

import (
	"fmt"
	"time"
)

// Failure is a run that wrote no digest (the feed could not be fetched),
// as the store recorded it: the history page says so, instead of silently
// showing an older day as the newest, until a later day is written.
type Failure struct {
	At       time.Time
	Expected string // the announcement date the run was after, if known
	Error    string
}

func (f *Failure) health() health {
	detail := cleanText(f.Error)
	if f.Expected != "" {
		detail = fmt.Sprintf("No digest for %s yet: %s", f.Expected, detail)
	}
	return health{healthFetchFailed, "⛔", "Fetch failed at " + f.At.Format("2006-01-02 15:04 -07:00") + ".", detail}
}

// oldFailureFile is where versions before the store recorded failures kept
// the last one; WriteHistory removes it.
const oldFailureFile = "last-failure.json"
