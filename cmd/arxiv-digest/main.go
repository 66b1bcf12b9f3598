// Command arxiv-digest turns each day's arXiv announcements into a digest of
// the papers that matter to you, judged by an LLM against your topics.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	ctx := context.Background()
	err := run(ctx, os.Args[1:], newEnv())
	if code := exitCode(err); code != 0 {
		if msg := errorText(err); msg != "" {
			fmt.Fprintln(os.Stderr, "arxiv-digest: "+msg)
		}
		os.Exit(code)
	}
}
