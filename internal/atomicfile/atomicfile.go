// Package atomicfile writes files that readers never see half-written: the
// data goes to a temporary file in the same folder, which is synced and then
// renamed over the target.
package atomicfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Write writes data to path atomically with permissions perm. It creates the
// parent folder when needed. On any error the temporary file is removed and
// an existing file at path is left untouched.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteWith(path, perm, func(w *bufio.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteWith writes path atomically, as Write does, with what write writes
// to the buffered writer it is given (its errors come out of the final
// flush, which WriteWith checks): a large file is written as it is made
// rather than made in memory first. An error from write leaves an
// existing file at path untouched.
func WriteWith(path string, perm os.FileMode, write func(*bufio.Writer) error) error {
	p, err := Prepare(path, perm, write)
	if err != nil {
		return err
	}
	return p.Commit()
}

// Pending is a file written and synced under a temporary name, waiting to
// replace its target: Commit it, or Abort it.
type Pending struct {
	path, tmp string
}

// Prepare does all of WriteWith but the rename: the new content is
// written, synced and given perm under a temporary name in path's folder.
// Files prepared side by side can then be committed in the order readers
// rely on (the one whose presence says the others are complete, last).
func Prepare(path string, perm os.FileMode, write func(*bufio.Writer) error) (_ *Pending, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close() // may already be closed; the error is not news
			_ = os.Remove(tmp)
			err = fmt.Errorf("atomicfile: write %s: %w", path, err)
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err = write(bw); err != nil {
		return nil, err
	}
	if err = bw.Flush(); err != nil {
		return nil, err
	}
	if err = f.Sync(); err != nil {
		return nil, err
	}
	if err = f.Close(); err != nil {
		return nil, err
	}
	if err = os.Chmod(tmp, perm); err != nil {
		return nil, err
	}
	return &Pending{path: path, tmp: tmp}, nil
}

// Commit renames the prepared file over its target and syncs the folder.
// On error the temporary file is removed.
func (p *Pending) Commit() error {
	if err := os.Rename(p.tmp, p.path); err != nil {
		_ = os.Remove(p.tmp)
		return fmt.Errorf("atomicfile: write %s: %w", p.path, err)
	}
	if err := syncDir(filepath.Dir(p.path)); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", p.path, err)
	}
	return nil
}

// Abort removes the prepared file; the target is untouched.
func (p *Pending) Abort() { _ = os.Remove(p.tmp) }

// Update writes data to path atomically, as Write does, unless path already
// holds exactly data: a page rebuilt every few seconds by a fast cron is then
// not rewritten (and its modification time not touched) when nothing
// changed. It reports whether it wrote.
func Update(path string, data []byte, perm os.FileMode) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	return true, Write(path, data, perm)
}

// syncDir makes the rename durable. Some systems cannot fsync a folder; that
// is not worth failing a write the rename already made visible.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}
