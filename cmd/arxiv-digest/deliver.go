package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/deliver"
	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/pipeline"
	"github.com/arxiv-digest/arxiv-digest/render"
)

// smtpTLS, when set, is the TLS configuration of SMTP connections: tests
// trust their server's certificate with it.
var smtpTLS *tls.Config

// requireDelivery builds the deliverer from the config, reading its
// secrets: a missing one is a usage error (exit 2) found before any work.
// Nothing configured leaves a.deliv nil.
func (a *app) requireDelivery() error {
	var (
		targets []deliver.Target
		domain  string
	)
	if e := a.cfg.Email; e != nil {
		password, err := a.cfg.SMTPPassword(a.env.getenv)
		if err != nil {
			return usageError(err)
		}
		m := deliver.NewMailer(e, password)
		m.SMTP.TLS = smtpTLS
		a.mailer, domain = m, m.Domain()
		targets = append(targets, m.Targets(e.To)...)
	}
	for i, n := range a.cfg.Notify {
		url, err := a.cfg.WebhookURL(i, a.env.getenv)
		if err != nil {
			return usageError(err)
		}
		targets = append(targets, &deliver.Webhook{Type: n.Type, Env: n.URLEnv, URL: url})
	}
	if len(targets) == 0 {
		return nil
	}
	stream, err := a.cfg.Stream()
	if err != nil {
		return usageError(err)
	}
	a.deliv = &deliver.Deliverer{Targets: targets, Stream: stream, Domain: domain,
		Log: a.log.With("component", "deliver")}
	return nil
}

// deliverDay delivers a run's day to the targets that have not had it,
// when the day may be delivered (deliver.Deliverable), and says how it
// went. The page's health line says which deliveries failed until a later
// run delivers them, so the day's files are rewritten when that changes.
// The error joins the failed deliveries.
func (a *app) deliverDay(ctx context.Context, r *pipeline.Runner, res *pipeline.Result) error {
	if a.deliv == nil || res == nil {
		return nil
	}
	a.deliv.Store = a.store
	date := res.Digest.Date
	if settled, err := a.deliv.Settled(ctx, date); err != nil {
		return err
	} else if settled {
		return nil
	}
	// A day already complete was read back from its files; the mail is
	// built from the store, the source of truth.
	d, err := r.Digest(ctx, date, nil)
	if err != nil {
		return err
	}
	if ok, why := deliver.Deliverable(d); !ok {
		a.log.Info("not delivered yet", "date", date, "why", why)
		return nil
	}
	report := a.deliv.Deliver(ctx, a.day(d.Date, d), false)
	a.printDelivery(date, report)
	before := undeliveredTargets(d.Undelivered)
	after := []string{}
	for _, t := range before {
		// A target no longer configured stays as it was.
		if !slices.ContainsFunc(report, func(o deliver.Outcome) bool { return o.Target == t }) {
			after = append(after, t)
		}
	}
	for _, o := range report.Failed() {
		after = append(after, o.Target)
	}
	slices.Sort(after)
	if !slices.Equal(before, after) {
		if _, err := r.Rerender(context.WithoutCancel(ctx), date, nil); err != nil {
			a.log.Error("rewrite the day's health line after delivery", "date", date, "err", err)
		}
	}
	return report.Err()
}

func undeliveredTargets(u []model.Undelivered) []string {
	out := []string{}
	for _, x := range u {
		out = append(out, x.Target)
	}
	slices.Sort(out)
	return out
}

// day is what is delivered of d: the digest and its page's address.
func (a *app) day(date string, d model.Digest) deliver.Day {
	day := deliver.Day{Digest: d}
	if base := a.cfg.Output.BaseURL; base != "" {
		day.PageURL = render.DayURL(base, date)
	}
	return day
}

// printDelivery says, under the run's summary, what was delivered.
func (a *app) printDelivery(date string, report deliver.Report) {
	w := a.env.stdout
	for _, o := range report {
		switch o.State {
		case deliver.Sent:
			fmt.Fprintf(w, "  delivered: %s\n", o.Target)
		case deliver.Failed:
			fmt.Fprintf(w, "  NOT delivered: %s: %v\n", o.Target, o.Err)
		case deliver.Unknown:
			fmt.Fprintf(w, "  maybe delivered: %s (a run stopped while sending it; `arxiv-digest send --date %s` sends it again)\n", o.Target, date)
		case deliver.Empty:
			fmt.Fprintf(w, "  not sent: %s (nothing selected; see email.send_empty)\n", o.Target)
		}
	}
}

// deliveryExit adds a failed delivery to a run's exit: exit 5 when the run
// itself succeeded; a run that failed keeps its own code, and the delivery
// failure is in the output above.
func deliveryExit(runErr, deliverErr error) error {
	if deliverErr == nil {
		return runErr
	}
	if runErr != nil {
		return runErr
	}
	lines := strings.Split(deliverErr.Error(), "\n")
	return withCode(exitUndelivered, fmt.Errorf("the digest was written but %s not delivered; the next run tries again:\n%s",
		render.Plural(len(lines), "delivery was", "deliveries were"), deliverErr))
}
