package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/arxiv-digest/arxiv-digest/classify"
	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/model"
)

func newCheckCmd(e *env) *cobra.Command {
	var (
		f      configFlags
		online bool
	)
	c := &cobra.Command{
		Use:   "check",
		Short: "Validate the config and show the effective values; --online also tests the API key, model and feed",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			a, err := loadApp(e, f)
			if err != nil {
				return err
			}
			out, err := yaml.Marshal(a.cfg)
			if err != nil {
				return withCode(exitFailed, err)
			}
			fmt.Fprintf(e.stdout, "# %s is valid. Effective configuration (defaults included):\n%s", a.cfg.Path, out)
			key, keyErr := a.cfg.APIKey(e.getenv)
			switch {
			case errors.Is(keyErr, config.ErrBadAPIKey):
				fmt.Fprintf(e.stdout, "# API key: UNUSABLE (%v)\n", keyErr)
			case keyErr != nil:
				fmt.Fprintf(e.stdout, "# API key: NOT SET (%v)\n", keyErr)
			default:
				fmt.Fprintf(e.stdout, "# API key: %s (from %s)\n", config.Mask(key), keySource(a.cfg))
			}
			fmt.Fprintf(e.stdout, "# store: %s\n", a.cfg.StorePath())
			if !online {
				if keyErr != nil {
					return usageError(keyErr)
				}
				return nil
			}
			if keyErr != nil {
				return usageError(keyErr)
			}
			a.apiKey = key
			if err := a.requireDelivery(); err != nil {
				return err
			}
			return a.checkOnline(c.Context())
		},
	}
	f.register(c)
	c.Flags().BoolVar(&online, "online", false, "make one feed request and one tiny model request")
	return c
}

func keySource(c *config.Config) string {
	if c.LLM.APIKeyFile != "" {
		return "file " + c.LLM.APIKeyFile
	}
	return "$" + c.LLM.APIKeyEnv
}

// checkOnline proves the categories, key and model work with one feed
// request and one tiny structured-output request. Both are tried, whatever
// the first gives, and both are reported.
func (a *app) checkOnline(ctx context.Context) error {
	w := a.env.stdout
	feedErr := a.checkFeed(ctx)
	if feedErr != nil {
		fmt.Fprintf(w, "feed FAILED: %v\n", feedErr)
	}
	modelErr := a.checkModel(ctx)
	if modelErr != nil {
		fmt.Fprintf(w, "model FAILED: %v\n", modelErr)
	}
	var smtpErr error
	if a.mailer != nil {
		// Connects and logs in; sends nothing.
		if smtpErr = a.mailer.Check(ctx); smtpErr != nil {
			fmt.Fprintf(w, "smtp FAILED: %v\n", smtpErr)
		} else {
			s := a.mailer.SMTP
			login := "without a login"
			if s.Username != "" {
				login = "logged in as " + s.Username
			}
			fmt.Fprintf(w, "smtp ok: %s:%d (%s), %s; nothing was sent\n", s.Host, s.Port, s.Security, login)
		}
	}
	switch {
	case feedErr != nil && modelErr != nil:
		return withCode(exitFailed, fmt.Errorf("the feed and the model both failed (see above)"))
	case feedErr != nil && smtpErr != nil, modelErr != nil && smtpErr != nil:
		return withCode(exitFailed, fmt.Errorf("more than one check failed (see above)"))
	case feedErr != nil:
		return withCode(exitFailed, fmt.Errorf("feed: %w", feedErr))
	case modelErr != nil:
		return withCode(exitFailed, fmt.Errorf("model: %w", modelErr))
	case smtpErr != nil:
		return withCode(exitFailed, fmt.Errorf("smtp: %w", smtpErr))
	}
	return nil
}

func (a *app) checkFeed(ctx context.Context) error {
	day, err := a.fetcher().Latest(ctx, a.cfg.Arxiv.Categories)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.env.stdout, "feed ok: %s, %d announcements for %s\n", day.Date, len(day.Papers), strings.Join(a.cfg.Arxiv.Categories, "+"))
	return nil
}

func (a *app) checkModel(ctx context.Context) error {
	opts := a.engineOptions()
	opts.Concurrency, opts.MaxRetries = 1, 1
	eng, err := classify.New(opts)
	if err != nil {
		return err
	}
	topic := a.cfg.ModelTopics()[0]
	probe := classify.Judgement{
		Paper:  model.Paper{ID: "0000.00000", Version: 1, Title: "A test of the arxiv-digest configuration", Abstract: "This is not a paper; it checks that the model answers in the required JSON format."},
		Topics: []model.Topic{topic},
	}
	var res classify.Result[classify.Judgement, []model.Score]
	if err := classify.Run(ctx, eng, classify.NewRelevance(), []classify.Judgement{probe}, func(r classify.Result[classify.Judgement, []model.Score]) { res = r }); err != nil {
		return err
	}
	if res.Status != model.StatusJudged {
		return fmt.Errorf("%s answered, but not usably: %v", a.cfg.LLM.Model, res.Err)
	}
	fmt.Fprintf(a.env.stdout, "model ok: %s at %s answered with relevance %.2f for %q (%d tokens)\n",
		a.cfg.LLM.Model, a.cfg.LLM.BaseURL, res.Value[0].Relevance, topic.Name, res.Usage.Prompt+res.Usage.Completion)
	return nil
}
