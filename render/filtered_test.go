package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// filterDigest is the sample day with two papers filtered and one
// followed author's paper that no topic selected.
func filterDigest() model.Digest {
	d := sampleDigest()
	var papers []model.Paper
	outcomes := map[string]model.Outcome{}
	for _, e := range d.Papers {
		papers = append(papers, e.Paper)
		o := model.Outcome{Status: e.Status, Error: e.Error, Scores: e.Scores}
		if e.Status == model.StatusSkipped {
			o = model.Outcome{Status: model.StatusFiltered, Error: `exclude "never"`}
		}
		outcomes[e.ID] = o
	}
	papers = append(papers, model.Paper{ID: "2504.17099", Version: 1, AnnounceType: model.New, Title: "A survey of everything"})
	outcomes["2504.17099"] = model.Outcome{Status: model.StatusFiltered, Error: `exclude "survey"`}
	o := outcomes["2504.17005"] // judged, selected for nothing
	o.Followed = "Dana Scully"
	outcomes["2504.17005"] = o
	tldrs := map[string]string{}
	for _, e := range d.Papers {
		tldrs[e.ID] = e.TLDR
	}
	out := model.Build(model.Digest{Date: d.Date, Categories: d.Categories, Topics: d.Topics, Model: d.Model,
		Threshold: d.Threshold, Source: d.Source, GeneratedAt: d.GeneratedAt}, papers, outcomes)
	for i := range out.Papers {
		out.Papers[i].TLDR = tldrs[out.Papers[i].ID]
	}
	return out
}

func TestFollowedAndFiltered(t *testing.T) {
	d := filterDigest()
	if d.Stats.Filtered != 2 || d.Stats.Skipped != 0 || d.Stats.Followed != 1 {
		t.Fatalf("fixture stats %+v", d.Stats)
	}
	page, err := HTML(d)
	if err != nil {
		t.Fatal(err)
	}
	rep := inspectHTML(t, page, nil)
	followed := strings.Index(rep.text, followedHeading)
	// The first paper shown after the header: the top picks.
	firstTopic := strings.Index(rep.text, topPicksHeading)
	filtered := strings.Index(rep.text, filteredHeading)
	footer := strings.Index(rep.text, "Generated")
	if followed < 0 || firstTopic < 0 || filtered < 0 || !(followed < firstTopic && filtered > firstTopic && filtered < footer) {
		t.Errorf("followed at %d, first topic at %d, filtered at %d, footer at %d: want followed first and filtered last", followed, firstTopic, filtered, footer)
	}
	for _, want := range []string{
		"Unrelated: superconducting resonators arXiv:2504.17005v3 by Dana Scully · relevance 0.20 for Quantum sensing & metrology",
		"A survey of everything exclude \"survey\"",
		"2 papers were left out by the filter (listed at the end).",
	} {
		if !strings.Contains(rep.text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(rep.text, "skipped, never sent") {
		t.Error("filtered papers counted as skipped")
	}
	// The filtered list is folded: inside <details>, after its <summary>.
	i := bytes.Index(page, []byte(`<section class="filtered"`))
	if i < 0 || !bytes.HasPrefix(bytes.TrimSpace(page[i+len(`<section class="filtered" id="filtered">`):]), []byte("<details>\n<summary>")) {
		t.Errorf("filtered list not folded")
	}

	md := string(Markdown(d))
	mf, mt, mx := strings.Index(md, "## "+followedHeading), strings.Index(md, "## Quantum error correction"), strings.Index(md, "## "+filteredHeading)
	if mf < 0 || mt < 0 || mx < 0 || !(mf < mt && mt < mx) {
		t.Errorf("markdown: followed at %d, topic at %d, filtered at %d", mf, mt, mx)
	}
	if !strings.Contains(md, "| filtered |") && !strings.Contains(md, "| filtered") {
		t.Error("markdown counts table lacks the filtered column")
	}
	if !strings.Contains(md, `- A survey of everything · exclude "survey"`) && !strings.Contains(md, `[A survey of everything](https://arxiv.org/abs/2504.17099) · exclude "survey"`) {
		t.Errorf("markdown lacks the filtered paper:\n%s", md[mx:])
	}

	// No filter: neither list, and the golden pages (TestGolden) stay as they were.
	plain, err := HTML(sampleDigest())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain, []byte(`class="followed"`)) || bytes.Contains(plain, []byte(`class="filtered"`)) {
		t.Error("lists drawn without a filter")
	}
}
