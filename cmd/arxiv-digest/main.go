// Command arxiv-digest turns each day's arXiv announcements into a digest of
// the papers that matter to you, judged by an LLM against your topics.
package main

import (
	"context"
	"os"
)

func main() {
	ctx := context.Background()
	err := run(ctx, os.Args[1:], newEnv())
	if code := report(os.Stderr, err); code != exitOK {
		os.Exit(code)
	}
}
