package main

import (
	"errors"
	"fmt"
	"net/mail"

	"github.com/spf13/cobra"

	"github.com/arxiv-digest/arxiv-digest/deliver"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/store"
)

func newSendCmd(e *env) *cobra.Command {
	var (
		f    configFlags
		date string
		to   []string
	)
	c := &cobra.Command{
		Use:   "send",
		Short: "Send a stored day's digest again, on purpose, by email and to the webhooks",
		Long: `Send a stored day's digest (the newest, or --date) to every configured email
recipient and webhook, whether or not it was sent before: runs deliver each day
once on their own, and this is the way to send one again. With --to, only email
goes out, to these addresses (through email.smtp). Nothing is asked of the model.

Exit codes: 0 sent, 1 failed, 2 usage or config error (no email or notify
configured, a bad address, a day not in the store), 5 a delivery failed.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if date != "" && !model.ValidDate(date) {
				return usageError(fmt.Errorf("--date %q is not a date: write it YYYY-MM-DD", date))
			}
			for _, addr := range to {
				if _, err := mail.ParseAddress(addr); err != nil {
					return usageError(fmt.Errorf("--to %q is not an email address", addr))
				}
			}
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			if len(to) > 0 && a.cfg.Email == nil {
				return usageError(fmt.Errorf("--to needs the email section of the config (email.smtp and email.from)"))
			}
			if err := a.requireDelivery(); err != nil {
				return err
			}
			if a.deliv == nil {
				return usageError(fmt.Errorf("nothing to send to: the config has no email or notify section"))
			}
			if len(to) > 0 {
				a.deliv.Targets = a.mailer.Targets(to)
			}
			ctx := c.Context()
			if err := a.openStore(ctx); err != nil {
				return err
			}
			defer a.close()
			if date == "" {
				runs, err := a.store.Runs(ctx)
				if err != nil {
					return withCode(exitFailed, err)
				}
				for _, r := range runs {
					if r.Status != store.RunFailed {
						date = r.Date
						break
					}
				}
				if date == "" {
					return usageError(fmt.Errorf("send: the store %s has no days yet; run `arxiv-digest run` first", a.cfg.StorePath()))
				}
			}
			r := a.runner(nil)
			d, err := r.Digest(ctx, date, nil)
			if errors.Is(err, store.ErrNoRun) {
				return usageError(fmt.Errorf("send: the store has no digest for %s", date))
			}
			if err != nil {
				return withCode(exitFailed, err)
			}
			if ok, why := deliver.Deliverable(d); !ok {
				a.log.Warn("sending a day that is not finished", "date", date, "why", why)
			}
			a.deliv.Store = a.store
			report := a.deliv.Deliver(ctx, a.day(date, d), true)
			fmt.Fprintf(e.stdout, "%s:\n", date)
			a.printDelivery(date, report)
			if err := report.Err(); err != nil {
				return withCode(exitUndelivered, err)
			}
			return nil
		},
	}
	f.register(c)
	c.Flags().StringVar(&date, "date", "", "the day to send (YYYY-MM-DD); default: the newest stored day")
	c.Flags().StringArrayVar(&to, "to", nil, "send by email to this address only (repeatable)")
	return c
}
