package config

import (
	"errors"
	"strings"
	"testing"
)

const withEmail = minimal + `email:
  to: [me@example.org, "Lab <lab@example.org>"]
  from: "arXiv digest <digest@example.org>"
  smtp:
    host: smtp.example.org
    username: me@example.org
    password_env: SMTP_PASSWORD
notify:
  - {type: slack, url_env: SLACK_WEBHOOK_URL}
  - {type: json, url_env: DIGEST_HOOK}
`

func TestEmailDefaults(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(withEmail), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.Email
	if e == nil || e.Subject != DefaultSubject || e.SMTP.Port != 587 || e.SMTP.Security != SecurityStartTLS || e.SendEmpty || e.MaxPapers != 50 {
		t.Errorf("email = %+v", e)
	}
	if len(cfg.Notify) != 2 || cfg.Notify[1].Type != NotifyJSON {
		t.Errorf("notify = %+v", cfg.Notify)
	}
	// Port 465 means implicit TLS; security: tls means port 465.
	for _, smtp := range []string{"port: 465", "security: tls"} {
		cfg, err := Parse("c.yaml", []byte(minimal+"email:\n  to: me@example.org\n  from: d@example.org\n  smtp:\n    host: smtp.example.org\n    "+smtp+"\n"), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Email.SMTP.Port != 465 || cfg.Email.SMTP.Security != SecurityTLS {
			t.Errorf("%s: smtp = %+v", smtp, cfg.Email.SMTP)
		}
	}
	if cfg, _ := Parse("c.yaml", []byte(minimal), noEnv); cfg.Email != nil || cfg.Notify != nil {
		t.Errorf("no email configured: %+v %+v", cfg.Email, cfg.Notify)
	}
}

func TestDeliveryErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"no recipients", "email:\n  from: d@example.org\n  smtp: {host: smtp.example.org}\n",
			[]string{"line 7: email.to: is required"}},
		{"bad address", "email:\n  to: [me@example.org, not an address]\n  from: d@example.org\n  smtp: {host: smtp.example.org}\n",
			[]string{`line 7: email.to[1]: "not an address" is not an email address`}},
		{"twice", "email:\n  to: [me@example.org, ME@example.org]\n  from: d@example.org\n  smtp: {host: smtp.example.org}\n",
			[]string{"email.to[1]: ME@example.org is listed twice"}},
		{"no from", "email:\n  to: me@example.org\n  smtp: {host: smtp.example.org}\n",
			[]string{"email.from: is required"}},
		{"placeholder", "email:\n  to: me@example.org\n  from: d@example.org\n  subject: \"{date}: {count}\"\n  smtp: {host: smtp.example.org}\n",
			[]string{"line 9: email.subject: unknown placeholder {count} (want {date}, {selected}, {judged}, {fetched})"}},
		{"host with port", "email:\n  to: me@example.org\n  from: d@example.org\n  smtp: {host: \"smtp.example.org:587\"}\n",
			[]string{`email.smtp.host: "smtp.example.org:587" is not a host name`}},
		{"none to a remote server", "email:\n  to: me@example.org\n  from: d@example.org\n  smtp: {host: smtp.example.org, security: none}\n",
			[]string{"email.smtp.security: none sends the password and the mail unencrypted: only for a server on this machine"}},
		{"starttls on 465", "email:\n  to: me@example.org\n  from: d@example.org\n  smtp: {host: smtp.example.org, port: 465, security: starttls}\n",
			[]string{"port 465 speaks TLS from the start; use security: tls"}},
		{"unknown security", "email:\n  to: me@example.org\n  from: d@example.org\n  smtp: {host: smtp.example.org, security: ssl}\n",
			[]string{`email.smtp.security: invalid value "ssl"`}},
		{"password without user", "email:\n  to: me@example.org\n  from: d@example.org\n  smtp: {host: smtp.example.org, password_env: SMTP_PASSWORD}\n",
			[]string{"email.smtp.username: is required with email.smtp.password_env"}},
		{"unknown key", "email:\n  to: me@example.org\n  from: d@example.org\n  smtp: {host: smtp.example.org, pasword_env: X}\n",
			[]string{"unknown key `pasword_env`", "did you mean `password_env`?"}},
		{"webhook type", "notify:\n  - {type: teams, url_env: HOOK}\n",
			[]string{`line 7: notify[0].type: unknown type "teams" (want slack, discord or json)`}},
		{"webhook twice", "notify:\n  - {type: slack, url_env: HOOK}\n  - {type: json, url_env: HOOK}\n",
			[]string{"notify[1].url_env: is used by notify[0] too"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(minimal+tc.yaml), noEnv)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

// TestDeliverySecretsAreNeverRepeated: a password or a webhook URL pasted
// where a variable's name belongs is not printed back.
func TestDeliverySecretsAreNeverRepeated(t *testing.T) {
	const hook = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"
	const password = "hunter2-very-secret"
	y := minimal + "email:\n  to: me@example.org\n  from: d@example.org\n  smtp: {host: smtp.example.org, username: me, password_env: \"" + password + "\"}\n" +
		"notify:\n  - {type: slack, url_env: \"" + hook + "\"}\n"
	_, err := Parse("c.yaml", []byte(y), noEnv)
	if err == nil {
		t.Fatal("no error")
	}
	for _, secret := range []string{hook, "XXXXSECRETXXXX", password} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error repeats a secret:\n%v", err)
		}
	}
	for _, w := range []string{"line 9: email.smtp.password_env: must name an environment variable", "line 11: notify[0].url_env: must name an environment variable"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err, w)
		}
	}
}

func TestDeliverySecrets(t *testing.T) {
	cfg, err := Parse("c.yaml", []byte(withEmail), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SMTP_PASSWORD": " app-password\r\n", "SLACK_WEBHOOK_URL": "https://hooks.example/x", "DIGEST_HOOK": "ftp://x"}
	getenv := func(k string) string { return env[k] }
	if p, err := cfg.SMTPPassword(getenv); p != "app-password" || err != nil {
		t.Errorf("SMTPPassword = %q, %v", p, err)
	}
	if _, err := cfg.SMTPPassword(noEnv); !errors.Is(err, ErrNoSecret) || !strings.Contains(err.Error(), "SMTP_PASSWORD is not set") {
		t.Errorf("SMTPPassword without the variable: %v", err)
	}
	if u, err := cfg.WebhookURL(0, getenv); u != "https://hooks.example/x" || err != nil {
		t.Errorf("WebhookURL(0) = %q, %v", u, err)
	}
	if _, err := cfg.WebhookURL(1, getenv); err == nil || strings.Contains(err.Error(), "ftp://x") {
		t.Errorf("WebhookURL(1) with a non-http value: %v", err)
	}
}
