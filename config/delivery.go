package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strings"
)

// Email says where and how each day's digest is mailed. Like the API key,
// the SMTP password is read from the environment only when it is needed.
type Email struct {
	To      []string `yaml:"to"`
	From    string   `yaml:"from"`
	Subject string   `yaml:"subject"` // with {date}, {selected}, {judged}, {fetched}
	SMTP    SMTP     `yaml:"smtp"`
	// SendEmpty mails days with no announcements or nothing selected too.
	SendEmpty bool `yaml:"send_empty"`
	// MaxPapers bounds a mail: the best this many selected papers, then a
	// line saying how many more the page has.
	MaxPapers int `yaml:"max_papers"`
}

// SMTP is the mail server that sends the digest.
type SMTP struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"` // default: 587 for starttls, 465 for tls, 25 for none
	Security string `yaml:"security"`
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable holding the password.
	PasswordEnv string `yaml:"password_env" echo:"never"`
}

// SMTP security modes.
const (
	SecurityStartTLS = "starttls" // plain connection upgraded with STARTTLS, which is required
	SecurityTLS      = "tls"      // implicit TLS from the first byte (port 465)
	SecurityNone     = "none"     // no encryption: only to a server on this machine
)

// Notify is one chat or HTTP webhook that hears of each day's digest. Its
// URL is a secret (whoever has it can post), so it is read from the
// environment.
type Notify struct {
	Type   string `yaml:"type"` // slack, discord or json
	URLEnv string `yaml:"url_env" echo:"never"`
}

// Webhook types.
const (
	NotifySlack   = "slack"
	NotifyDiscord = "discord"
	NotifyJSON    = "json"
)

// DefaultSubject is the subject of a digest mail when email.subject is not set.
const DefaultSubject = "arXiv digest {date}: {selected} papers"

// SubjectFields are the placeholders email.subject may use.
var SubjectFields = []string{"date", "selected", "judged", "fetched"}

var placeholder = regexp.MustCompile(`\{([^{}]*)\}`)

// validateDelivery checks email and notify, and fills in their defaults.
func (c *Config) validateDelivery(bad func(key, format string, args ...any)) {
	if e := c.Email; e != nil {
		if e.Subject == "" {
			e.Subject = DefaultSubject
		}
		if e.SMTP.Security == "" {
			e.SMTP.Security = SecurityStartTLS
			if e.SMTP.Port == 465 {
				e.SMTP.Security = SecurityTLS
			}
		}
		if e.SMTP.Port == 0 {
			e.SMTP.Port = map[string]int{SecurityStartTLS: 587, SecurityTLS: 465, SecurityNone: 25}[e.SMTP.Security]
		}
		if e.MaxPapers == 0 {
			e.MaxPapers = 50
		}
		if len(e.To) == 0 {
			bad("email.to", "is required: list the addresses that get the digest, e.g. [me@example.org]")
		}
		seen := map[string]bool{}
		for i, to := range e.To {
			key := fmt.Sprintf("email.to[%d]", i)
			a, err := mail.ParseAddress(to)
			switch {
			case err != nil:
				bad(key, "%q is not an email address (want a form like me@example.org)", to)
			case seen[strings.ToLower(a.Address)]:
				bad(key, "%s is listed twice", a.Address)
			default:
				seen[strings.ToLower(a.Address)] = true
			}
		}
		if e.From == "" {
			bad("email.from", `is required: the sender, e.g. "arXiv digest <digest@example.org>"`)
		} else if _, err := mail.ParseAddress(e.From); err != nil {
			bad("email.from", `%q is not an email address (want a form like digest@example.org or "arXiv digest <digest@example.org>")`, e.From)
		}
		if strings.ContainsAny(e.Subject, "\r\n") {
			bad("email.subject", "must be one line")
		}
		for _, m := range placeholder.FindAllStringSubmatch(e.Subject, -1) {
			if !slices.Contains(SubjectFields, m[1]) {
				bad("email.subject", "unknown placeholder {%s} (want {%s})", m[1], strings.Join(SubjectFields, "}, {"))
			}
		}
		if e.MaxPapers < 1 || e.MaxPapers > 500 {
			bad("email.max_papers", "invalid value %d: must be between 1 and 500", e.MaxPapers)
		}
		c.validateSMTP(bad, &e.SMTP)
	}
	for i, n := range c.Notify {
		key := fmt.Sprintf("notify[%d]", i)
		switch n.Type {
		case NotifySlack, NotifyDiscord, NotifyJSON:
		case "":
			bad(key+".type", "is required: slack, discord or json")
		default:
			bad(key+".type", "unknown type %q (want slack, discord or json)", n.Type)
		}
		checkEnvName(bad, key+".url_env", n.URLEnv, "SLACK_WEBHOOK_URL", "a webhook URL")
		for j := range i {
			if c.Notify[j].URLEnv == n.URLEnv && n.URLEnv != "" {
				bad(key+".url_env", "is used by notify[%d] too: each webhook posts once a day", j)
			}
		}
	}
}

func (c *Config) validateSMTP(bad func(key, format string, args ...any), s *SMTP) {
	host := strings.TrimSpace(s.Host)
	switch {
	case host == "":
		bad("email.smtp.host", "is required: the mail server, e.g. smtp.gmail.com")
	case strings.ContainsAny(host, "/: ") && net.ParseIP(host) == nil:
		bad("email.smtp.host", "%q is not a host name (write the name alone, e.g. smtp.gmail.com, and the port in email.smtp.port)", host)
	}
	s.Host = host
	if s.Port < 1 || s.Port > 65535 {
		bad("email.smtp.port", "invalid value %d: must be between 1 and 65535", s.Port)
	}
	switch s.Security {
	case SecurityStartTLS, SecurityTLS:
	case SecurityNone:
		if host != "" && !isLoopback(host) {
			bad("email.smtp.security", "none sends the password and the mail unencrypted: only for a server on this machine (localhost), not %s; use starttls (port 587) or tls (port 465)", host)
		}
	default:
		bad("email.smtp.security", "invalid value %q: want starttls (port 587), tls (port 465) or none (localhost only)", s.Security)
	}
	if s.Security == SecurityStartTLS && s.Port == 465 {
		bad("email.smtp.security", "starttls on port 465 will not work: port 465 speaks TLS from the start; use security: tls")
	}
	if s.Security == SecurityTLS && s.Port == 587 {
		bad("email.smtp.security", "tls on port 587 will not work: port 587 expects STARTTLS; use security: starttls")
	}
	if s.Username != "" || s.PasswordEnv != "" {
		if s.Username == "" {
			bad("email.smtp.username", "is required with email.smtp.password_env")
		}
		checkEnvName(bad, "email.smtp.password_env", s.PasswordEnv, "SMTP_PASSWORD", "a password")
	}
}

// checkEnvName reports a key that must name an environment variable
// holding a secret. Like llm.api_key_env, it never repeats the value: a
// secret pasted there must not be printed.
func checkEnvName(bad func(key, format string, args ...any), key, name, example, what string) {
	switch {
	case name == "":
		bad(key, "is required: name the environment variable that holds %s, e.g. %s", what, example)
	case !envName.MatchString(name):
		bad(key, "must name an environment variable (letters, digits and _), e.g. %s; it looks like %s was pasted here", example, what)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrNoSecret is returned when a delivery secret is not set.
var ErrNoSecret = errors.New("secret not set")

// SMTPPassword returns the SMTP password from the environment variable named
// by email.smtp.password_env, "" when no login is configured.
func (c *Config) SMTPPassword(getenv func(string) string) (string, error) {
	if c.Email == nil || c.Email.SMTP.PasswordEnv == "" {
		return "", nil
	}
	p := strings.TrimSpace(getenv(c.Email.SMTP.PasswordEnv))
	if p == "" {
		return "", fmt.Errorf("email.smtp.password_env: %w: environment variable %s is not set", ErrNoSecret, c.Email.SMTP.PasswordEnv)
	}
	return p, nil
}

// WebhookURL returns notify[i]'s URL from its environment variable. The
// error never repeats the value.
func (c *Config) WebhookURL(i int, getenv func(string) string) (string, error) {
	n := c.Notify[i]
	key := fmt.Sprintf("notify[%d].url_env", i)
	raw := strings.TrimSpace(getenv(n.URLEnv))
	if raw == "" {
		return "", fmt.Errorf("%s: %w: environment variable %s is not set", key, ErrNoSecret, n.URLEnv)
	}
	if !strings.HasPrefix(raw, "https://") && !strings.HasPrefix(raw, "http://") {
		return "", fmt.Errorf("%s: the value of $%s is not an http(s) URL", key, n.URLEnv)
	}
	return raw, nil
}
