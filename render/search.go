package render

import (
	"fmt"
	"html/template"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// SearchSlot is where the index page takes a search box when it is served:
// the server (package serve) puts SearchForm there. Opened from the disk,
// the index shows nothing in its place, since a search needs the server.
const SearchSlot = "<!--arxiv-digest:search-->"

// indexCSP is csp for the index and the search page: as strict, but their
// search form may be sent to the server that served them.
const indexCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'"

// IndexContentSecurityPolicy is the policy of the index and search pages.
const IndexContentSecurityPolicy = indexCSP

// SearchPath is the address of the search page, relative to the index.
const SearchPath = "search"

// SearchForm is the search box, showing query: a plain form, no script.
func SearchForm(query string) string {
	return fmt.Sprintf(`<form class="search" role="search" action="%s" method="get">`+
		`<label class="search-label" for="q">Search every paper you were shown</label>`+
		`<span class="search-row"><input id="q" type="search" name="q" value="%s" placeholder="&quot;sparse attention&quot;, transform*, Müller" maxlength="500">`+
		`<button type="submit">Search</button></span></form>`,
		SearchPath, template.HTMLEscapeString(query))
}

// SearchResult is one paper a search found, as the search page shows it.
type SearchResult struct {
	Date  string // the day it was shown
	ID    string
	Title string // as stored: TeX and all
	// Topic and Relevance are its best score that day ("" and nil when it
	// was not judged); Selected whether the day selected it.
	Topic     string
	Relevance *float64
	Selected  bool
}

// searchView is what the search page template reads.
type searchView struct {
	Query   string
	Form    template.HTML
	Error   string
	Results []searchRow
	Limit   int
}

type searchRow struct {
	R       SearchResult
	DayHref string // the paper on its day's page
	AbsURL  string
	Rel     string
	Class   string
}

// SearchPage renders the results of query (or, with a non-empty problem,
// why it could not be answered): titles and TeX as the day pages show
// them, each linked to its entry on its day's page and to arXiv. limit is
// the most results a search returns, to say when there may be more.
func SearchPage(query string, results []SearchResult, problem string, limit int) ([]byte, error) {
	r, err := newHTMLRenderer()
	if err != nil {
		return nil, err
	}
	v := searchView{Query: query, Form: template.HTML(SearchForm(query)), Error: problem, Limit: limit}
	for _, res := range results {
		row := searchRow{R: res, DayHref: DayURL("", res.Date)}
		if id := paperID(&model.Entry{Paper: model.Paper{ID: res.ID}}); id != "" {
			row.DayHref += "#" + id
			row.AbsURL = model.Paper{ID: res.ID}.AbsURL()
		}
		if res.Relevance != nil {
			row.Rel, row.Class = relText(*res.Relevance), relClass(*res.Relevance)
		}
		v.Results = append(v.Results, row)
	}
	return r.exec("search", v, 4096+400*len(results))
}
