package atomicfile

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name   string
		before []byte // nil: no file before
		data   []byte
		perm   os.FileMode
	}{
		{name: "new file", data: []byte("hello\n"), perm: 0o644},
		{name: "replaces longer file whole", before: bytes.Repeat([]byte("x"), 10000), data: []byte("short"), perm: 0o644},
		{name: "replaces shorter file", before: []byte("a"), data: []byte("a much longer body"), perm: 0o600},
		{name: "empty data", before: []byte("old"), data: []byte{}, perm: 0o640},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sub", "dir") // parents are created
			path := filepath.Join(dir, "digest.md")
			if tt.before != nil {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, tt.before, 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := Write(path, tt.data, tt.perm); err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("content = %q, want %q", got, tt.data)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != tt.perm {
				t.Errorf("perm = %v, want %v", st.Mode().Perm(), tt.perm)
			}
			assertOnly(t, dir, "digest.md")
		})
	}
}

func TestWriteFailureLeavesNoTemp(t *testing.T) {
	t.Run("target is a folder", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "digest.md")
		if err := os.Mkdir(target, 0o755); err != nil {
			t.Fatal(err)
		}
		// A non-empty folder cannot be replaced by a file: the rename fails.
		if err := os.WriteFile(filepath.Join(target, "keep"), []byte("k"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := Write(target, []byte("data"), 0o644)
		if err == nil {
			t.Fatal("Write over a folder: want an error")
		}
		if !strings.HasPrefix(err.Error(), "atomicfile: ") {
			t.Errorf("error %q lacks the op prefix", err)
		}
		assertOnly(t, dir, "digest.md")
	})
	t.Run("parent is a file", func(t *testing.T) {
		dir := t.TempDir()
		parent := filepath.Join(dir, "file")
		if err := os.WriteFile(parent, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Write(filepath.Join(parent, "digest.md"), []byte("data"), 0o644); err == nil {
			t.Fatal("Write under a file: want an error")
		}
		assertOnly(t, dir, "file")
	})
}

// assertOnly fails unless dir holds exactly the named entries.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %q, want %q (a temp file was left behind?)", dir, got, names)
	}
}

func TestUpdateWritesOnlyChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.html")
	for i, tt := range []struct {
		data  string
		wrote bool
	}{
		{"one", true},  // new file
		{"one", false}, // same content: untouched
		{"two", true},  // changed
	} {
		wrote, err := Update(path, []byte(tt.data), 0o644)
		if err != nil || wrote != tt.wrote {
			t.Fatalf("step %d: Update = %v, %v; want %v", i, wrote, err, tt.wrote)
		}
		if got, _ := os.ReadFile(path); string(got) != tt.data {
			t.Fatalf("step %d: file holds %q", i, got)
		}
	}
}

func TestWriteWithFailureKeepsTheOldFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "digest.json")
	if err := Write(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("render failed half-way")
	err := WriteWith(path, 0o644, func(w *bufio.Writer) error {
		w.WriteString("half a new file")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WriteWith = %v, want the writer's error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("file holds %q after a failed write", got)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("%d entries left in the folder, want the file alone", len(ents))
	}
	if err := WriteWith(path, 0o644, func(w *bufio.Writer) error { _, err := w.WriteString("new"); return err }); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("file holds %q", got)
	}
}
