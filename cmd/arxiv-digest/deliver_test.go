package main

// Tests of delivery through the commands: a real SMTP server (go-smtp on
// loopback, STARTTLS with a self-signed certificate) and a JSON webhook.

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/arxiv-digest/arxiv-digest/internal/fakeopenai"
	"github.com/arxiv-digest/arxiv-digest/internal/smtptest"
)

const (
	smtpUser     = "digest@example.org"
	smtpPassword = "smtp-app-password-4711"
)

// deliveryEnv is the environment of a config written by deliveryConfig.
func deliveryEnv(hookURL string) map[string]string {
	return map[string]string{"SMTP_PASSWORD": smtpPassword, "DIGEST_HOOK": hookURL}
}

// deliveryConfig is the email and notify sections for srv and a JSON hook.
func deliveryConfig(srv *smtptest.Server, security string) string {
	return fmt.Sprintf(`email:
  to: [me@example.org, "Lab <lab@example.org>"]
  from: "arXiv digest <digest@example.org>"
  smtp:
    host: %s
    port: %d
    security: %s
    username: %s
    password_env: SMTP_PASSWORD
notify:
  - {type: json, url_env: DIGEST_HOOK}
`, srv.Host, srv.Port, security, smtpUser)
}

// trustSMTP makes the commands trust srv's certificate for the test.
func trustSMTP(t *testing.T, srv *smtptest.Server) {
	smtpTLS = &tls.Config{RootCAs: srv.RootCAs}
	t.Cleanup(func() { smtpTLS = nil })
}

// jsonHook counts the posts it accepted; fail answers the first ones.
type jsonHook struct {
	*httptest.Server
	mu    sync.Mutex
	posts []string
	fail  int // answer this many posts with 404 first
}

func newJSONHook(t testing.TB, fail int) *jsonHook {
	h := &jsonHook{fail: fail}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.fail > 0 {
			h.fail--
			http.Error(w, "no such hook", http.StatusNotFound)
			return
		}
		h.posts = append(h.posts, string(body))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *jsonHook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.posts)
}

// TestRunDeliversOnce: a run mails each recipient and posts the webhook
// once; a rerun, --force and render send nothing more; send sends again on
// purpose.
func TestRunDeliversOnce(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	srv := smtptest.Start(t, smtptest.Options{Security: smtptest.StartTLS, User: smtpUser, Password: smtpPassword})
	trustSMTP(t, srv)
	hook := newJSONHook(t, 0)
	// (testConfig's extra text follows output.dir.)
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "  base_url: https://digest.example.org/\n"+deliveryConfig(srv, "starttls"))
	env := deliveryEnv(hook.URL)

	res := runCLIEnv(t, env, "run", "--config", cfg)
	if res.code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"delivered: email:me@example.org", "delivered: email:lab@example.org", "delivered: json:DIGEST_HOOK"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || hook.count() != 1 {
		t.Fatalf("%d mails and %d posts, want 2 and 1", len(msgs), hook.count())
	}
	d := readDigest(t, dir, "2025-04-28")
	p, err := smtptest.Parse(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Header.Get("Subject"), fmt.Sprintf("arXiv digest 2025-04-28: %d papers", d.Stats.Selected); got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	for _, part := range []string{"text/plain", "text/html"} {
		body := p.Parts[part]
		if !strings.Contains(body, "https://digest.example.org/2025-04-28/digest.html") || !strings.Contains(body, d.Ranked()[0].AbsURL) {
			t.Errorf("the %s part lacks the page or the best paper's link", part)
		}
	}
	if !msgs[0].TLS || msgs[0].User != smtpUser {
		t.Errorf("mail sent without TLS or login: %+v", msgs[0])
	}

	// Nothing is sent twice: a rerun, --force, render.
	for _, args := range [][]string{{"run"}, {"run", "--force"}, {"render"}} {
		res := runCLIEnv(t, env, append(args, "--config", cfg)...)
		if res.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, res.code, res.stderr)
		}
	}
	if n := len(srv.Messages()); n != 2 || hook.count() != 1 {
		t.Errorf("after a rerun, --force and render: %d mails and %d posts, want 2 and 1", n, hook.count())
	}

	// send: again, on purpose; --to: to that address only.
	if res := runCLIEnv(t, env, "send", "--config", cfg, "--date", "2025-04-28"); res.code != 0 {
		t.Fatalf("send: exit %d\n%s", res.code, res.stderr)
	}
	if n := len(srv.Messages()); n != 4 || hook.count() != 2 {
		t.Errorf("after send: %d mails and %d posts, want 4 and 2", n, hook.count())
	}
	if res := runCLIEnv(t, env, "send", "--config", cfg, "--to", "colleague@example.org"); res.code != 0 {
		t.Fatalf("send --to: exit %d\n%s", res.code, res.stderr)
	}
	msgs = srv.Messages()
	if len(msgs) != 5 || msgs[4].To[0] != "colleague@example.org" || hook.count() != 2 {
		t.Errorf("after send --to: %d mails (last to %v), %d posts", len(msgs), msgs[len(msgs)-1].To, hook.count())
	}
	if res := runCLIEnv(t, env, "send", "--config", cfg, "--date", "2025-04-29"); res.code != 2 || !strings.Contains(res.stderr, "no digest for 2025-04-29") {
		t.Errorf("send of a day not stored: exit %d\n%s", res.code, res.stderr)
	}
	for _, m := range srv.Messages() {
		if strings.Contains(string(m.Data), smtpPassword) {
			t.Error("a mail carries the SMTP password")
		}
	}
}

// TestDeliveryFailure: a refused mail exits 5 with one line naming the
// server and its reply, keeps the digest whole, and says "not delivered"
// on the page; the next run delivers it without a model request.
func TestDeliveryFailure(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	srv := smtptest.Start(t, smtptest.Options{Security: smtptest.StartTLS, User: smtpUser, Password: smtpPassword})
	trustSMTP(t, srv)
	srv.Fail(smtptest.Permanent("Message rejected by policy"))
	hook := newJSONHook(t, 0)
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, deliveryConfig(srv, "starttls"))
	setConfig(t, cfg, `to: [me@example.org, "Lab <lab@example.org>"]`, "to: [me@example.org]")
	env := deliveryEnv(hook.URL)

	res := runCLIEnv(t, env, "run", "--config", cfg)
	if res.code != 5 {
		t.Fatalf("run with a refused mail: exit %d, want 5\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"email:me@example.org: not delivered", "smtp " + srv.Addr(), "554", "Message rejected by policy"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	if strings.Contains(res.stdout+res.stderr, smtpPassword) {
		t.Error("the output carries the SMTP password")
	}
	d := readDigest(t, dir, "2025-04-28")
	if d.Stats.Judged != 81 || d.Incomplete || len(d.Undelivered) != 1 || d.Undelivered[0].Target != "email:me@example.org" {
		t.Errorf("digest after a failed delivery: judged %d, incomplete %v, undelivered %+v", d.Stats.Judged, d.Incomplete, d.Undelivered)
	}
	page := readFile(t, filepath.Join(dir, "digests", "2025-04-28", "digest.html"))
	if !strings.Contains(page, "Not delivered to email:me@example.org") {
		t.Error("the page's health line does not say the mail was not delivered")
	}
	if hook.count() != 1 {
		t.Errorf("the webhook got %d posts, want 1 (its delivery did not fail)", hook.count())
	}
	requests := llm.Stats().Requests

	res = runCLIEnv(t, env, "run", "--config", cfg)
	if res.code != 0 || !strings.Contains(res.stdout, "delivered: email:me@example.org") {
		t.Fatalf("rerun: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if n := len(srv.Messages()); n != 1 || hook.count() != 1 || llm.Stats().Requests != requests {
		t.Errorf("rerun: %d mails, %d posts, %d model requests (want 1, 1, %d)", n, hook.count(), llm.Stats().Requests, requests)
	}
	if d := readDigest(t, dir, "2025-04-28"); len(d.Undelivered) != 0 || d.Stats.Judged != 81 {
		t.Errorf("after delivery: undelivered %+v, judged %d", d.Undelivered, d.Stats.Judged)
	}
	if page := readFile(t, filepath.Join(dir, "digests", "2025-04-28", "digest.html")); strings.Contains(page, "Not delivered") {
		t.Error("the page still says not delivered")
	}
	assertNoSecret(t, dir, smtpPassword)
}

// TestDeliverySecretMissing: a password variable that is not set is a
// config error before any request.
func TestDeliverySecretMissing(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	srv := smtptest.Start(t, smtptest.Options{})
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, deliveryConfig(srv, "starttls"))
	res := runCLIEnv(t, map[string]string{"DIGEST_HOOK": "http://127.0.0.1:1/"}, "run", "--config", cfg)
	if res.code != 2 || !strings.Contains(res.stderr, "email.smtp.password_env: secret not set: environment variable SMTP_PASSWORD is not set") {
		t.Errorf("exit %d\n%s", res.code, res.stderr)
	}
	if arxiv.hits.Load() != 0 || llm.Stats().Requests != 0 {
		t.Errorf("requests were made before the config error")
	}
}

// TestCheckOnlineSMTP: check --online logs in to the SMTP server and sends
// nothing; a wrong password fails it.
func TestCheckOnlineSMTP(t *testing.T) {
	dir := t.TempDir()
	arxiv := newFakeArxiv(t, readFixture(t, "rss2_quant-ph_2025-04-28.xml"))
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	srv := smtptest.Start(t, smtptest.Options{Security: smtptest.StartTLS, User: smtpUser, Password: smtpPassword})
	trustSMTP(t, srv)
	hook := newJSONHook(t, 0)
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, deliveryConfig(srv, "starttls"))
	res := runCLIEnv(t, deliveryEnv(hook.URL), "check", "--online", "--config", cfg)
	if res.code != 0 || !strings.Contains(res.stdout, fmt.Sprintf("smtp ok: %s (starttls), logged in as %s; nothing was sent", srv.Addr(), smtpUser)) {
		t.Errorf("check --online: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if len(srv.Messages()) != 0 || srv.Sessions() == 0 || hook.count() != 0 {
		t.Errorf("check sent something: %d mails, %d sessions, %d posts", len(srv.Messages()), srv.Sessions(), hook.count())
	}
	env := deliveryEnv(hook.URL)
	env["SMTP_PASSWORD"] = "wrong-password-123"
	res = runCLIEnv(t, env, "check", "--online", "--config", cfg)
	if res.code != 1 || !strings.Contains(res.stdout, "smtp FAILED") || !strings.Contains(res.stderr, "535") || strings.Contains(res.stdout+res.stderr, "wrong-password-123") {
		t.Errorf("check --online with a wrong password: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}

// TestDaemonRetriesDelivery runs the real daemon: the webhook refuses the
// first post, the daemon's retry finds the day complete and delivers it,
// with no second model request for any paper.
func TestDaemonRetriesDelivery(t *testing.T) {
	dir := t.TempDir()
	today, feed := todaysFeed(t)
	arxiv := newFakeArxiv(t, feed)
	llm := fakeopenai.NewT(t, fakeopenai.Config{})
	hook := newJSONHook(t, 1)
	cfg := testConfig(t, dir, arxiv.URL, llm.URL, "schedule:\n  cron: \"0 0 1 1 *\"\n  retries: 2\n  retry_backoff: 1s\nnotify:\n  - {type: json, url_env: DIGEST_HOOK}\n")
	d := startEnv(t, map[string]string{"DIGEST_HOOK": hook.URL}, "daemon", "--config", cfg)
	waitFor(t, 30*time.Second, "the delivery on the daemon's retry", func() bool { return hook.count() == 1 })
	requests := llm.Stats().Requests
	// The retry must not post again or ask the model anything.
	time.Sleep(1500 * time.Millisecond)
	d.cmd.Process.Signal(syscall.SIGTERM)
	if code := d.wait(t, 10*time.Second); code != 0 {
		t.Errorf("daemon exit %d after SIGTERM\n%s", code, d.stderr.String())
	}
	logs := d.stderr.String()
	if !strings.Contains(logs, "delivery failed") || !strings.Contains(logs, "404") {
		t.Errorf("the daemon did not log the failed delivery:\n%s", logs)
	}
	if hook.count() != 1 || llm.Stats().Requests != requests || llm.Stats().Completed != 81 {
		t.Errorf("%d posts, %d answers (want 1 post, 81 answers)", hook.count(), llm.Stats().Completed)
	}
	if d := readDigest(t, dir, today); len(d.Undelivered) != 0 {
		t.Errorf("the day is still undelivered: %+v", d.Undelivered)
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// assertNoSecret fails when secret is in any file under dir but the config.
func assertNoSecret(t testing.TB, dir, secret string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Base(path) == "config.yaml" {
			return err
		}
		if data, _ := os.ReadFile(path); strings.Contains(string(data), secret) {
			t.Errorf("the secret appears in %s", path)
		}
		return nil
	})
}
