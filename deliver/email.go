package deliver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/arxiv-digest/arxiv-digest/config"
	"github.com/arxiv-digest/arxiv-digest/internal/redact"
)

// SMTP is how mail leaves: the server, its security and the login.
type SMTP struct {
	Host     string
	Port     int
	Security string // config.SecurityStartTLS, SecurityTLS or SecurityNone
	Username string
	Password string
	// TLS, when set, is the TLS configuration (tests trust their own
	// certificate with it); ServerName defaults to Host.
	TLS *tls.Config
	// Timeout bounds connecting and each command. Default 30s.
	Timeout time.Duration
}

// Mailer sends the digest mail through one SMTP server.
type Mailer struct {
	SMTP      SMTP
	From      string
	Subject   string // a template with config.SubjectFields
	MaxPapers int
	SendEmpty bool
}

// NewMailer builds the mailer of cfg.Email with its password.
func NewMailer(e *config.Email, password string) *Mailer {
	return &Mailer{
		SMTP: SMTP{Host: e.SMTP.Host, Port: e.SMTP.Port, Security: e.SMTP.Security,
			Username: e.SMTP.Username, Password: password},
		From: e.From, Subject: e.Subject, MaxPapers: e.MaxPapers, SendEmpty: e.SendEmpty,
	}
}

// Domain is the sender's domain, for message ids.
func (m *Mailer) Domain() string {
	if a, err := mail.ParseAddress(m.From); err == nil {
		if _, domain, ok := strings.Cut(a.Address, "@"); ok {
			return domain
		}
	}
	return ""
}

// Targets returns one target per recipient: each address gets its own
// message and its own record, so that adding an address to email.to sends
// it the next day without sending the others anything twice.
func (m *Mailer) Targets(to []string) []Target {
	var out []Target
	for _, addr := range to {
		out = append(out, &emailTarget{m: m, to: addr})
	}
	return out
}

type emailTarget struct {
	m  *Mailer
	to string
}

func (t *emailTarget) ID() string {
	addr := t.to
	if a, err := mail.ParseAddress(t.to); err == nil {
		addr = a.Address
	}
	return "email:" + strings.ToLower(addr)
}

func (t *emailTarget) SendsEmpty() bool { return t.m.SendEmpty }

func (t *emailTarget) Send(ctx context.Context, day Day, messageID string) error {
	msg, err := t.m.message(day, t.to, messageID)
	if err != nil {
		return &PermanentError{err}
	}
	c, err := t.m.client()
	if err != nil {
		return &PermanentError{err}
	}
	return t.m.explain(c.DialAndSendWithContext(ctx, msg))
}

// Check connects to the server and logs in, sending nothing (check --online).
func (m *Mailer) Check(ctx context.Context) error {
	c, err := m.client()
	if err != nil {
		return err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return m.explain(err)
	}
	return m.explain(c.Close())
}

// message builds the multipart/alternative mail of day for one recipient.
func (m *Mailer) message(day Day, to, messageID string) (*gomail.Msg, error) {
	text, html, err := renderMail(day, m.MaxPapers)
	if err != nil {
		return nil, err
	}
	msg := gomail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("email.from: %w", err)
	}
	if err := msg.To(to); err != nil {
		return nil, fmt.Errorf("email.to %s: %w", to, err)
	}
	msg.Subject(subject(m.Subject, day.Digest))
	msg.SetMessageIDWithValue(messageID)
	msg.SetDate()
	// An automated mail: auto-responders (out of office) stay quiet.
	msg.SetBulk()
	msg.SetBodyString(gomail.TypeTextPlain, text)
	msg.AddAlternativeString(gomail.TypeTextHTML, html)
	return msg, nil
}

func (m *Mailer) client() (*gomail.Client, error) {
	s := m.SMTP
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	tlsConf := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.TLS != nil {
		tlsConf = s.TLS.Clone()
		if tlsConf.ServerName == "" {
			tlsConf.ServerName = s.Host
		}
	}
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(timeout), gomail.WithTLSConfig(tlsConf)}
	switch s.Security {
	case config.SecurityTLS:
		opts = append(opts, gomail.WithSSL())
	case config.SecurityNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default: // STARTTLS is required: never fall back to plain text
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if s.Security == config.SecurityNone {
			// Only ever to this machine (config refuses others): PLAIN
			// without TLS, which autodiscovery rightly will not pick.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp %s: %w", m.where(), err)
	}
	return c, nil
}

func (m *Mailer) where() string { return fmt.Sprintf("%s:%d", m.SMTP.Host, m.SMTP.Port) }

// explain turns an SMTP failure into one line naming the server and its
// reply, marked permanent when retrying will not help, with the password
// (and its base64 forms, as AUTH sends it) redacted.
func (m *Mailer) explain(err error) error {
	if err == nil {
		return nil
	}
	s := m.SMTP
	r := redact.New(s.Password, base64.StdEncoding.EncodeToString([]byte(s.Password)),
		base64.StdEncoding.EncodeToString([]byte("\x00"+s.Username+"\x00"+s.Password)))
	out := fmt.Errorf("smtp %s (%s): %s", m.where(), s.Security, r.String(err.Error()))
	if permanentSMTP(err) {
		return &PermanentError{out}
	}
	return out
}

// permanentSMTP reports whether an SMTP failure will not go away by
// retrying: a 5xx reply (a refused login, a rejected address), or a
// certificate the server's name does not match. Refused connections,
// timeouts and 4xx replies are temporary.
func permanentSMTP(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return !se.IsTemp()
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code >= 500
	}
	var (
		unknownCA *x509.UnknownAuthorityError
		hostname  x509.HostnameError
		verify    *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &verify)
}
