package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// CheckAddr reports whether s can be an address to serve on: host:port
// with a numeric port, such as 127.0.0.1:8080, [::1]:8080, localhost:8080
// or :8080 (every interface). Port 0 means any free port (the server logs
// the one it got). It is the rule for serve.addr and for the --addr flag.
func CheckAddr(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("invalid value %q: want host:port, e.g. %s", s, DefaultServeAddr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("invalid value %q: the port must be a number from 0 to 65535, e.g. %s", s, DefaultServeAddr)
	}
	if strings.ContainsAny(host, " /\\") {
		return fmt.Errorf("invalid value %q: %q is not a host name or IP address", s, host)
	}
	return nil
}
