package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// env is everything a command takes from the process, so that tests can
// run commands in-process with their own.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// stderrTTY is true when stderr is a terminal (progress bar, text logs).
	stderrTTY bool
	// signals lets tests replace the process's SIGINT/SIGTERM.
	signals func() (<-chan os.Signal, func())
}

func newEnv() *env {
	return &env{
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		getenv:    os.Getenv,
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		signals:   notifySignals,
	}
}

// run runs the command line args. Errors carry their exit code.
func run(ctx context.Context, args []string, e *env) error {
	root := newRoot(e)
	root.SetArgs(args)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	var ee *exitError
	if err != nil && !errors.As(err, &ee) {
		// Whatever a command did not mark is cobra's: an unknown command,
		// a bad flag, a wrong number of arguments.
		return usageError(err)
	}
	return err
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "arxiv-digest",
		Short: "A daily digest of the arXiv papers that matter to you",
		Long: `arxiv-digest fetches each day's arXiv announcements for your categories, has an
LLM judge every paper against your topics, and writes the relevant ones as a
Markdown, HTML and JSON digest. Run it once with "run", or let "daemon" run it
on arXiv's schedule.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError(err) })
	root.AddCommand(
		newRunCmd(e),
		newRenderCmd(e),
		newFetchCmd(e),
		newDaemonCmd(e),
		newServeCmd(e),
		newInitCmd(e),
		newCheckCmd(e),
		newSendCmd(e),
		newVersionCmd(e),
	)
	return root
}

// configFlags are the flags every command that reads the config shares.
type configFlags struct {
	path    string
	verbose bool
}

func (f *configFlags) register(c *cobra.Command) {
	c.Flags().StringVarP(&f.path, "config", "c", "", "config file (default: $ARXIV_DIGEST_CONFIG, ./config.yaml, $XDG_CONFIG_HOME/arxiv-digest/config.yaml)")
	c.Flags().BoolVarP(&f.verbose, "verbose", "v", false, "log debug messages")
}
