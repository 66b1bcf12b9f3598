package config

import (
	"path/filepath"
	"testing"
)

func TestStreamAndLock(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name      string
		out, db   string
		stream    string
		lockInDir string
	}{
		{"default store inside output.dir", filepath.Join(dir, "digests"), "", ".", filepath.Join(dir, "digests")},
		{"shared store beside two folders", filepath.Join(dir, "ml"), filepath.Join(dir, "shared", "a.db"), "../ml", filepath.Join(dir, "shared")},
		{"store in a subfolder", filepath.Join(dir, "out"), filepath.Join(dir, "out", "db", "a.db"), "..", filepath.Join(dir, "out", "db")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Output.Dir, c.Store.Path = tt.out, tt.db
			got, err := c.Stream()
			if err != nil || got != tt.stream {
				t.Errorf("Stream() = %q, %v; want %q", got, err, tt.stream)
			}
			if lock := c.LockPath(); filepath.Dir(lock) != tt.lockInDir || lock != c.StorePath()+".lock" {
				t.Errorf("LockPath() = %s, want %s.lock in %s", lock, c.StorePath(), tt.lockInDir)
			}
		})
	}
}
