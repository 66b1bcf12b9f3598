// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp)
// on loopback for tests: STARTTLS, implicit TLS or plain, with a
// self-signed certificate the client is told to trust, PLAIN login, the
// messages it accepted, and replies to fail with on purpose.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security modes, as config.Email's.
const (
	StartTLS = "starttls"
	TLS      = "tls"
	None     = "none"
)

// Options configure Start.
type Options struct {
	Security string // StartTLS (default), TLS or None
	// User and Password, when set, are the only login accepted; the
	// server then requires one before MAIL.
	User, Password string
}

// Server is a running SMTP server.
type Server struct {
	Host string
	Port int
	// RootCAs trusts the server's certificate (for the client's tls.Config).
	RootCAs *x509.CertPool

	opts Options
	srv  *smtp.Server

	mu       sync.Mutex
	messages []Message
	failures []error // returned in turn by DATA
	sessions int
}

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // it came over TLS
	User string // who logged in
}

// Start starts a server on 127.0.0.1 and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Security == "" {
		opts.Security = StartTLS
	}
	cert, pool := selfSigned(t)
	s := &Server{Host: "127.0.0.1", RootCAs: pool, opts: opts}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{s: s, conn: c}, nil
	}))
	s.srv.Domain = "smtptest.localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.MaxMessageBytes = 10 << 20
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch opts.Security {
	case StartTLS:
		s.srv.TLSConfig = tlsConf
	case TLS:
		l = tls.NewListener(l, tlsConf)
	case None:
		s.srv.AllowInsecureAuth = true
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	go s.srv.Serve(l)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Fail makes the next DATA commands fail with errs in turn, such as
// &smtp.SMTPError{Code: 451, ...} (temporary) or Code 554 (permanent).
func (s *Server) Fail(errs ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, errs...)
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Sessions counts the SMTP sessions begun (a STARTTLS begins a second).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Temporary and Permanent are replies for Fail.
func Temporary(msg string) error {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: msg}
}

func Permanent(msg string) error {
	return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: msg}
}

type session struct {
	s    *Server
	conn *smtp.Conn
	user string
	msg  Message
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, password string) error {
		if user != ss.s.opts.User || password != ss.s.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Username and Password not accepted"}
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.User != "" && ss.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.msg = Message{From: from, TLS: isTLS, User: ss.user}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if len(ss.s.failures) > 0 {
		err := ss.s.failures[0]
		ss.s.failures = ss.s.failures[1:]
		return err
	}
	ss.msg.Data = data
	ss.s.messages = append(ss.s.messages, ss.msg)
	return nil
}

func (ss *session) Reset()        { ss.msg = Message{} }
func (ss *session) Logout() error { return nil }

// Parsed is a message read as a mail reader reads it.
type Parsed struct {
	Header mail.Header
	// Parts maps each part's media type (text/plain, text/html) to its
	// decoded body.
	Parts map[string]string
}

// Parse reads a multipart/alternative message (or a single part one).
func Parse(data []byte) (*Parsed, error) {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	p := &Parsed{Header: m.Header, Parts: map[string]string{}}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		body, err := decode(m.Body, m.Header.Get("Content-Transfer-Encoding"))
		p.Parts[mt] = body
		return p, err
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return p, nil
		}
		if err != nil {
			return nil, err
		}
		pt, _, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			return nil, err
		}
		// multipart.Reader already undoes quoted-printable.
		body, err := decode(part, part.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return nil, err
		}
		p.Parts[pt] = body
	}
}

func decode(r io.Reader, encoding string) (string, error) {
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		data, err := io.ReadAll(r)
		if err != nil {
			return "", err
		}
		dec, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(data), nil)))
		return string(dec), err
	}
	data, err := io.ReadAll(r)
	return string(data), err
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and a pool
// that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtptest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
