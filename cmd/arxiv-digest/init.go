package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	arxivdigest "github.com/arxiv-digest/arxiv-digest"
)

func newInitCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "init [PATH]",
		Short: "Write a commented starter config (default ./config.yaml); never overwrites",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			path := "config.yaml"
			if len(args) == 1 {
				path = args[0]
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return withCode(exitFailed, err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return usageError(fmt.Errorf("init: %s already exists; not overwriting it", path))
			} else if err != nil {
				return withCode(exitFailed, fmt.Errorf("init: %w", err))
			}
			if _, err := f.Write(arxivdigest.ExampleConfig); err != nil {
				f.Close()
				return withCode(exitFailed, fmt.Errorf("init: %w", err))
			}
			if err := f.Close(); err != nil {
				return withCode(exitFailed, fmt.Errorf("init: %w", err))
			}
			fmt.Fprintf(e.stdout, "wrote %s: edit the categories and topics, set OPENAI_API_KEY, then run `arxiv-digest check --online`\n", path)
			return nil
		},
	}
}
