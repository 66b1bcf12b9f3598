package serve

import (
	"encoding/json"
	"net/http"
	"path"

	"github.com/arxiv-digest/arxiv-digest/model"
	"github.com/arxiv-digest/arxiv-digest/render"
)

// healthReport is what /healthz answers. It names no path: the server may
// be reachable beyond this machine.
type healthReport struct {
	OK bool `json:"ok"`
	// Days counts the days with a digest; Latest is the newest of them.
	Days   int    `json:"days"`
	Latest string `json:"latest,omitempty"`
	Error  string `json:"error,omitempty"`
}

// health answers 200 when the output folder can be read, 503 when not, with
// the number of days that have a digest and the newest of them. It is never
// cached.
func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	if !allow(w, r) {
		return
	}
	rep := h.check()
	w.Header().Set("Content-Type", jsonType)
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusOK
	if !rep.OK {
		status = http.StatusServiceUnavailable
	}
	b, _ := json.Marshal(rep) // a struct of strings, ints and a bool
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (h *Handler) check() healthReport {
	f, err := h.root.Open(".")
	if err == nil {
		defer f.Close()
	}
	var ents []string
	if err == nil {
		ents, err = f.Readdirnames(-1)
	}
	if err != nil {
		h.log.Warn("health check: output folder unreadable", "error", err)
		return healthReport{Error: "the output folder cannot be read"}
	}
	rep := healthReport{OK: true}
	for _, name := range ents {
		if !model.ValidDate(name) {
			continue
		}
		// digest.json is the last of a day's files to be written.
		if fi, err := h.root.Lstat(path.Join(name, render.JSONFile)); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		rep.Days++
		if name > rep.Latest {
			rep.Latest = name
		}
	}
	return rep
}
