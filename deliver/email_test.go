package deliver

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/smtptest"
	"github.com/arxiv-digest/arxiv-digest/store"
)

const (
	testUser     = "me@example.org"
	testPassword = "app-password-9f8e7d6c"
)

func testMailer(srv *smtptest.Server, security string) *Mailer {
	return &Mailer{
		SMTP: SMTP{Host: srv.Host, Port: srv.Port, Security: security, Username: testUser, Password: testPassword,
			TLS: &tls.Config{RootCAs: srv.RootCAs}, Timeout: 5 * time.Second},
		From: "arXiv digest <digest@example.org>", Subject: "arXiv digest {date}: {selected} papers", MaxPapers: 5,
	}
}

func testDeliverer(t *testing.T, targets []Target) (*Deliverer, *sleeps) {
	sl := &sleeps{}
	return &Deliverer{Targets: targets, Store: openStore(t), Stream: ".", Domain: "example.org",
		Retry: Retry{Attempts: 3, Backoff: time.Second}, Sleep: sl.sleep}, sl
}

// TestEmailArrives sends through a real SMTP server in each security mode
// and reads what arrived as a mail reader would.
func TestEmailArrives(t *testing.T) {
	for _, security := range []string{smtptest.StartTLS, smtptest.TLS, smtptest.None} {
		t.Run(security, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{Security: security, User: testUser, Password: testPassword})
			m := testMailer(srv, security)
			dl, _ := testDeliverer(t, m.Targets([]string{"me@example.org", "Lab <lab@example.org>"}))
			day := testDay(30)
			report := dl.Deliver(context.Background(), day, false)
			if err := report.Err(); err != nil {
				t.Fatal(err)
			}
			msgs := srv.Messages()
			if len(msgs) != 2 {
				t.Fatalf("%d messages arrived, want 2 (one per recipient)", len(msgs))
			}
			for i, want := range []string{"me@example.org", "lab@example.org"} {
				msg := msgs[i]
				if len(msg.To) != 1 || msg.To[0] != want || msg.From != "digest@example.org" || msg.User != testUser {
					t.Errorf("envelope %d: from %q to %v as %q", i, msg.From, msg.To, msg.User)
				}
				if msg.TLS != (security != smtptest.None) {
					t.Errorf("message %d over TLS: %v, security %s", i, msg.TLS, security)
				}
				checkMail(t, msg.Data, day)
			}
			if report[0].State != Sent || !strings.HasSuffix(report[0].MessageID, "@example.org") {
				t.Errorf("report: %+v", report)
			}
		})
	}
}

func checkMail(t *testing.T, data []byte, day Day) {
	t.Helper()
	if strings.Contains(string(data), testPassword) {
		t.Error("the message carries the SMTP password")
	}
	p, err := smtptest.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Header.Get("Subject"); got != "arXiv digest 2025-04-28: 10 papers" {
		t.Errorf("subject %q", got)
	}
	if p.Header.Get("Message-Id") == "" || p.Header.Get("Date") == "" || p.Header.Get("Precedence") != "bulk" {
		t.Errorf("headers: %v", p.Header)
	}
	text, html := p.Parts["text/plain"], p.Parts["text/html"]
	if text == "" || html == "" {
		t.Fatalf("parts: %v", keys(p.Parts))
	}
	best := day.Digest.Ranked()[0]
	for part, body := range map[string]string{"text": text, "html": html} {
		for _, want := range []string{best.AbsURL, day.PageURL, "Optical Schrödinger cat states with x² scaling",
			"Cat states of light, made with a new trick.", "…and 5 more selected papers"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s part lacks %q", part, want)
			}
		}
		if strings.Contains(body, "An abstract that the mail must not carry") {
			t.Errorf("%s part carries an abstract", part)
		}
	}
	// Text is text: no Markdown escapes, no tags.
	if strings.Contains(text, `\`) || strings.Contains(text, "<a ") {
		t.Errorf("text part is not plain text:\n%s", text)
	}
	// The hostile title is text in both parts, never markup.
	if strings.Contains(html, "<script") || !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("the hostile title was not escaped in the HTML part")
	}
	for _, bad := range []string{"<script", "src=", "http://", "<img", "<link", "javascript:"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML part holds %q (no scripts or external resources)", bad)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestEmailTemporaryFailureIsRetried: a 451 then success sends one mail,
// after one backoff.
func TestEmailTemporaryFailureIsRetried(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: testUser, Password: testPassword})
	srv.Fail(smtptest.Temporary("Greylisted, try again"))
	dl, sl := testDeliverer(t, testMailer(srv, smtptest.StartTLS).Targets([]string{"me@example.org"}))
	report := dl.Deliver(context.Background(), testDay(9), false)
	if err := report.Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages arrived, want 1", n)
	}
	if got := sl.got(); len(got) != 1 || got[0] != time.Second {
		t.Errorf("waits %v, want one of 1s", got)
	}
}

// TestEmailPermanentFailure: a 5xx is reported in one line naming the
// server and its reply, is not retried, and is recorded as failed; the
// next delivery tries again.
func TestEmailPermanentFailure(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: testUser, Password: testPassword})
	srv.Fail(smtptest.Permanent("Message rejected as spam"))
	m := testMailer(srv, smtptest.StartTLS)
	dl, sl := testDeliverer(t, m.Targets([]string{"me@example.org"}))
	report := dl.Deliver(context.Background(), testDay(9), false)
	err := report.Err()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"email:me@example.org: not delivered", "smtp " + srv.Addr(), "554", "Message rejected as spam"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, testPassword) {
		t.Errorf("error %q: not one line, or carries the password", msg)
	}
	if len(sl.got()) != 0 {
		t.Errorf("a permanent failure was retried: waits %v", sl.got())
	}
	recs, _ := dl.Store.Deliveries(context.Background(), "2025-04-28")
	if r := recs["email:me@example.org"]; r.State != store.DeliveryFailed || !strings.Contains(r.Error, "554") {
		t.Errorf("record %+v", r)
	}
	// The next run tries again, and the mail arrives.
	if err := dl.Deliver(context.Background(), testDay(9), false).Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages arrived, want 1", n)
	}
}

// TestEmailBadLogin: a refused password is permanent, and neither the
// password nor its base64 form appears in the error.
func TestEmailBadLogin(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: testUser, Password: "the-right-one-123"})
	m := testMailer(srv, smtptest.StartTLS)
	err := m.Check(context.Background())
	var perm *PermanentError
	if !errors.As(err, &perm) {
		t.Fatalf("Check with a wrong password: %v (want permanent)", err)
	}
	if !strings.Contains(err.Error(), "535") || strings.Contains(err.Error(), testPassword) {
		t.Errorf("error %q", err)
	}
	if err := testMailer(smtptest.Start(t, smtptest.Options{User: testUser, Password: testPassword}), smtptest.StartTLS).Check(context.Background()); err != nil {
		t.Errorf("Check with the right password: %v", err)
	}
}

// TestEmailUntrustedCertificate: a certificate that does not verify is a
// permanent failure, and STARTTLS never falls back to plain text.
func TestEmailUntrustedCertificate(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: testUser, Password: testPassword})
	m := testMailer(srv, smtptest.StartTLS)
	m.SMTP.TLS = nil // the system's roots: the self-signed certificate is not trusted
	err := m.Check(context.Background())
	var perm *PermanentError
	if !errors.As(err, &perm) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Check against an untrusted certificate: %v", err)
	}
	// A server without STARTTLS is refused, not spoken to in plain text.
	plain := smtptest.Start(t, smtptest.Options{Security: smtptest.None})
	m = testMailer(plain, smtptest.StartTLS)
	m.SMTP.Username = ""
	dl, _ := testDeliverer(t, m.Targets([]string{"me@example.org"}))
	if err := dl.Deliver(context.Background(), testDay(3), false).Err(); err == nil || len(plain.Messages()) != 0 {
		t.Errorf("sent in plain text though starttls is required: %v", err)
	}
}

// TestEmailConnectionRefused: a server that is down is temporary: retried,
// then reported.
func TestEmailConnectionRefused(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	m := testMailer(srv, smtptest.StartTLS)
	m.SMTP.Port = closedPort(t)
	dl, sl := testDeliverer(t, m.Targets([]string{"me@example.org"}))
	err := dl.Deliver(context.Background(), testDay(3), false).Err()
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v", err)
	}
	if got := sl.got(); len(got) != 2 || got[1] != 2*time.Second {
		t.Errorf("waits %v, want 1s then 2s", got)
	}
}
