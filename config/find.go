package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotFound is returned by Find when no config file exists anywhere it
// looks.
var ErrNotFound = errors.New("no config file found")

// Find returns the config file to use, in this order: the --config flag,
// $ARXIV_DIGEST_CONFIG, ./config.yaml, $XDG_CONFIG_HOME/arxiv-digest/config.yaml
// (XDG_CONFIG_HOME defaulting to ~/.config). A path given explicitly (flag or
// variable) is used even if missing, so that the error names it.
func Find(flag string, getenv func(string) string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if p := getenv("ARXIV_DIGEST_CONFIG"); p != "" {
		return p, nil
	}
	candidates := []string{"config.yaml"}
	xdg := getenv("XDG_CONFIG_HOME")
	if xdg == "" {
		if home := getenv("HOME"); home != "" {
			xdg = filepath.Join(home, ".config")
		}
	}
	if xdg != "" {
		candidates = append(candidates, filepath.Join(xdg, "arxiv-digest", "config.yaml"))
	}
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("config: %w", err)
		}
	}
	return "", fmt.Errorf("config: %w (looked in %v; create one with `arxiv-digest init`)", ErrNotFound, candidates)
}
