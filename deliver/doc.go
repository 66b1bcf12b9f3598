// Package deliver brings a finished digest to its reader: by email (SMTP)
// and to chat and HTTP webhooks (Slack, Discord, any JSON endpoint).
//
// Exactly once. A Deliverer records, in the store, each day's delivery to
// each target (one email address, one webhook) before and after sending:
// "sending", then "sent" or "failed". A target marked sent is never sent
// the day again by a rerun, a --force rebuild or a daemon retry; a failed
// one is tried again by the next run. A target left "sending" means the
// process died while the message was leaving: it may or may not have
// arrived, so it is not sent again on its own (a duplicate is what the
// reader was promised never to get); `arxiv-digest send` sends on purpose.
//
// Within one delivery, temporary failures (an SMTP 4xx reply, a refused
// connection, an HTTP 429 or 5xx) are retried with backoff, honouring a
// webhook's retry-after; permanent ones (an SMTP 5xx reply, a failed login,
// an HTTP 4xx) are not. No error text carries a password or a webhook URL.
package deliver
