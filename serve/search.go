package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/render"
	"github.com/arxiv-digest/arxiv-digest/store"
)

// Searcher answers searches of the store: *store.Store.Search, or the
// command's lazily opened reader.
type Searcher func(ctx context.Context, q store.SearchQuery) ([]store.SearchHit, error)

// ErrNoStore is what a Searcher returns while there is no store to search
// (no run has written one yet).
var ErrNoStore = errors.New("no store to search yet")

// WithSearch gives the handler a search page at /search and a search box
// on the index. Call it before serving.
func (h *Handler) WithSearch(s Searcher) *Handler {
	h.search = s
	h.mux.HandleFunc("/"+render.SearchPath, h.searchPage)
	return h
}

// searchPage answers /search?q=...[&selected=1], rendered on the server.
// A query that cannot be read is 400, with the reason on the page.
func (h *Handler) searchPage(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r) {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	sq := store.SearchQuery{Text: q, Selected: r.URL.Query().Get("selected") == "1"}
	var (
		results []render.SearchResult
		problem string
		status  = http.StatusOK
	)
	if len(q) > 500 {
		q = q[:500]
		problem, status = "The query is too long: at most 500 characters.", http.StatusBadRequest
	}
	if q != "" && problem == "" {
		hits, err := h.search(r.Context(), sq)
		switch {
		case errors.Is(err, store.ErrBadQuery):
			problem, status = queryProblem(err), http.StatusBadRequest
		case errors.Is(err, store.ErrSchemaTooOld):
			problem, status = "The store was written by an older version of arxiv-digest: the next run, or `arxiv-digest search` once, upgrades it.", http.StatusServiceUnavailable
		case errors.Is(err, ErrNoStore):
			problem, status = "There is nothing to search yet: no digest has been stored.", http.StatusServiceUnavailable
		case err != nil:
			h.log.Error("search", "query", q, "error", err)
			problem, status = "The search failed; the server's log says why.", http.StatusInternalServerError
		}
		for _, hit := range hits {
			results = append(results, render.SearchResult{Date: hit.Date, ID: hit.ID, Title: hit.Title,
				Topic: hit.Topic, Relevance: hit.Relevance, Selected: hit.Selected})
		}
	}
	page, err := render.SearchPage(q, results, problem, store.DefaultSearchLimit)
	if err != nil {
		h.log.Error("search page", "error", err)
		http.Error(w, "the search page could not be rendered", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", htmlType)
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Security-Policy", render.IndexContentSecurityPolicy+"; frame-ancestors 'none'")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(page)
	}
}

// queryProblem is the reader's version of a malformed query's error: the
// store's message without its package prefix.
func queryProblem(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, store.ErrBadQuery.Error()); i >= 0 {
		msg = msg[i:]
	}
	return fmt.Sprintf("That query cannot be searched: %s.", strings.TrimSuffix(msg, "."))
}

// withSearchBox is the index with the search box in its SearchSlot.
func withSearchBox(page []byte) []byte {
	return bytes.Replace(page, []byte(render.SearchSlot), []byte(render.SearchForm("")), 1)
}
