package serve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/render"
)

// Media types of the files served. Every text file render writes is UTF-8.
const (
	htmlType     = "text/html; charset=utf-8"
	feedType     = "application/atom+xml; charset=utf-8"
	jsonType     = "application/json; charset=utf-8"
	markdownType = "text/markdown; charset=utf-8"
)

// dayFiles are the files of a day's folder that are served, with their
// media types: the digest in its three forms. summary.json and entry.html
// are what the history is rebuilt from, not pages: they stay private.
var dayFiles = map[string]string{
	render.HTMLFile:     htmlType,
	render.MarkdownFile: markdownType,
	render.JSONFile:     jsonType,
}

// securityHeaders go on every response. The page's own <meta> policy is
// sent as a header too, where it also forbids framing, which a <meta>
// policy cannot.
var securityHeaders = map[string]string{
	"Content-Security-Policy": render.ContentSecurityPolicy + "; frame-ancestors 'none'",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
}

// Handler serves an output folder: the index at /, feed.xml, each day's
// page at /<date>/ and its digest.html, digest.md and digest.json, and
// /healthz. Every other path is 404, and methods other than GET and HEAD
// are 405. Close it when done.
type Handler struct {
	root   *os.Root
	log    *slog.Logger
	mux    *http.ServeMux
	search Searcher // nil: no search page (see WithSearch)
}

// New returns a Handler for dir, which must exist. log (nil discards)
// reports files that exist but cannot be read.
func New(dir string, log *slog.Logger) (*Handler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("serve: output folder: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{root: root, log: log, mux: http.NewServeMux()}
	// The patterns take every method: what is not there is 404 whatever
	// the method, and what is there answers only GET and HEAD (see allow).
	h.mux.HandleFunc("/{$}", h.index)
	h.mux.HandleFunc("/"+render.IndexFile, h.index)
	h.mux.HandleFunc("/"+render.FeedFile, func(w http.ResponseWriter, r *http.Request) {
		h.serveFile(w, r, render.FeedFile, feedType)
	})
	h.mux.HandleFunc("/healthz", h.health)
	h.mux.HandleFunc("/{date}", h.dayFolder)
	h.mux.HandleFunc("/{date}/{$}", h.day)
	h.mux.HandleFunc("/{date}/{file}", h.day)
	return h, nil
}

// Close releases the output folder.
func (h *Handler) Close() error { return h.root.Close() }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	h.mux.ServeHTTP(w, r)
}

// allow reports whether r's method is GET or HEAD, and answers 405 when
// not: nothing here changes.
func allow(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "405 method not allowed: these pages are read-only", http.StatusMethodNotAllowed)
	return false
}

func (h *Handler) index(w http.ResponseWriter, r *http.Request) {
	if _, err := h.root.Lstat(render.IndexFile); errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "No digest yet: `arxiv-digest run` writes the first one here.", http.StatusNotFound)
		return
	}
	// The index may send its search form to this server.
	w.Header().Set("Content-Security-Policy", render.IndexContentSecurityPolicy+"; frame-ancestors 'none'")
	if h.search == nil {
		h.serveFile(w, r, render.IndexFile, htmlType)
		return
	}
	f, st, ok := h.open(w, r, render.IndexFile)
	if !ok {
		return
	}
	defer f.Close()
	page, err := io.ReadAll(io.LimitReader(f, st.Size()+1))
	if err != nil {
		h.missing(w, r, render.IndexFile, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", htmlType)
	hd.Set("ETag", strings.TrimSuffix(etag(st), `"`)+`-search"`)
	hd.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, render.IndexFile, st.ModTime(), bytes.NewReader(withSearchBox(page)))
}

// dayFolder sends /<date> on to /<date>/, where the day's page is, with a
// relative Location so that it holds behind a proxy that adds a prefix.
func (h *Handler) dayFolder(w http.ResponseWriter, r *http.Request) {
	date := r.PathValue("date")
	if !model.ValidDate(date) {
		http.NotFound(w, r)
		return
	}
	if fi, err := h.root.Lstat(date); err != nil || !fi.IsDir() {
		http.NotFound(w, r)
		return
	}
	if !allow(w, r) {
		return
	}
	w.Header().Set("Location", date+"/")
	w.WriteHeader(http.StatusMovedPermanently)
}

// day serves /<date>/ (the day's page) and /<date>/<file>.
func (h *Handler) day(w http.ResponseWriter, r *http.Request) {
	date, file := r.PathValue("date"), r.PathValue("file")
	if file == "" {
		file = render.HTMLFile
	}
	ctype, ok := dayFiles[file]
	if !model.ValidDate(date) || !ok {
		http.NotFound(w, r)
		return
	}
	h.serveFile(w, r, path.Join(date, file), ctype)
}

// serveFile serves name, a path inside the output folder, when open may.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, name, ctype string) {
	f, st, ok := h.open(w, r, name)
	if !ok {
		return
	}
	defer f.Close()
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("ETag", etag(st))
	// A day's pages change when it is run again, and the index and feed
	// with every run: clients keep them but ask each time (a 304 is cheap).
	hd.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, st.ModTime(), f)
}

// open opens name, a path inside the output folder, when it is a regular
// file: not a symlink (render never writes one) nor anything else, and
// answers 404 (or 405 for a method other than GET and HEAD) when it may
// not be served. The os.Root refuses any path that leaves the folder; the
// file opened must be the one looked at, so a file swapped for a symlink
// between the two is refused too.
func (h *Handler) open(w http.ResponseWriter, r *http.Request, name string) (*os.File, os.FileInfo, bool) {
	fi, err := h.root.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() {
		h.missing(w, r, name, err)
		return nil, nil, false
	}
	f, err := h.root.Open(name)
	if err != nil {
		h.missing(w, r, name, err)
		return nil, nil, false
	}
	st, err := f.Stat()
	if err != nil || !os.SameFile(fi, st) {
		f.Close()
		h.missing(w, r, name, err)
		return nil, nil, false
	}
	if !allow(w, r) {
		f.Close()
		return nil, nil, false
	}
	return f, st, true
}

// missing answers for a file that is not there or may not be served: 404,
// and a log line when it exists but could not be read.
func (h *Handler) missing(w http.ResponseWriter, r *http.Request, name string, err error) {
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		h.log.Warn("cannot serve file", "path", name, "error", err)
	}
	http.NotFound(w, r)
}

// etag names a version of a file by its size and modification time. render
// replaces a file by renaming a new one over it, and leaves a file whose
// content did not change alone, so a new version has a new time and an
// unchanged one keeps its tag.
func etag(fi os.FileInfo) string {
	return fmt.Sprintf(`"%x-%x"`, fi.Size(), fi.ModTime().UnixNano())
}
