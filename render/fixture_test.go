package render

import (
	"fmt"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// sampleDigest is a realistic day: several topics, a paper selected for two
// topics, a failed and a skipped paper, a 250-author paper, accented names,
// LaTeX math in titles, an old-style id.
func sampleDigest() model.Digest {
	cost := 0.0421
	d := model.Digest{
		Date:       "2025-04-28",
		Categories: []string{"quant-ph", "cs.ET"},
		Topics: []model.Topic{
			{Name: "Quantum error correction", Description: "Codes, decoders and fault-tolerance thresholds."},
			{Name: "Variational algorithms", Description: "VQE, QAOA and trainability (barren plateaus)."},
			{Name: "Quantum sensing & metrology", Description: ""},
			{Name: "Quantum gravity", Description: "Holography and AdS/CFT."},
		},
		Model:       "gpt-4.1-mini",
		Threshold:   0.7,
		Source:      "rss",
		GeneratedAt: "2025-04-28T06:15:02Z",
	}
	many := make([]string, 250)
	for i := range many {
		many[i] = fmt.Sprintf("Author %03d", i+1)
	}
	many[0], many[1], many[2] = "Rémy Dupont", "Przemysław Nowak", "Jana Hajdušek"
	papers := []model.Paper{
		{ID: "2504.16424", Version: 2, AnnounceType: model.ReplaceCross,
			Title:      "Fault-tolerant $A_n$ codes with SU($N_c$) symmetry",
			Abstract:   "We construct codes for \\(T_w\\) gates. The map $x -> y$ holds when n < 5 & k > 2; the threshold rises from 0.5% to 1%.",
			Authors:    []string{"Rémy Dupont", "Zoë Müller", "Łukasz Gödel"},
			Categories: []string{"quant-ph", "hep-th"}},
		{ID: "2504.17001", Version: 1, AnnounceType: model.New,
			Title:      "A 250-author surface-code experiment",
			Abstract:   "Logical error rates below threshold on a 105-qubit processor.",
			Authors:    many,
			Categories: []string{"quant-ph"}},
		{ID: "2504.17002", Version: 1, AnnounceType: model.Cross,
			Title:      "Heisenberg-limited magnetometry with NV centres",
			Abstract:   "Sensitivity scales as 1/N.",
			Authors:    []string{"Ana Silva", "Søren Kierkegaard"},
			Categories: []string{"physics.atom-ph", "quant-ph"}},
		{ID: "2504.17003", Version: 1, AnnounceType: model.New,
			Title:      "A paper the model could not judge",
			Abstract:   "Something.",
			Authors:    []string{"Bo Li"},
			Categories: []string{"quant-ph"}},
		{ID: "2504.17004", Version: 1, AnnounceType: model.New,
			Title:      "A paper never tried",
			Authors:    []string{"Chen Wei"},
			Categories: []string{"quant-ph"}},
		{ID: "2504.17005", Version: 3, AnnounceType: model.Replace,
			Title:      "Unrelated: superconducting resonators",
			Abstract:   "Not about any topic.",
			Authors:    []string{"Dana Scully"},
			Categories: []string{"quant-ph", "cond-mat.supr-con"}},
		{ID: "2504.17006", Version: 1, AnnounceType: model.New,
			Title:      "Barren plateaus are avoidable in QAOA with warm starts",
			Abstract:   "We show gradients scale as $\\Omega(1/\\mathrm{poly}(n))$.",
			Authors:    []string{"Eve Adams", "Frank Ocean", "Grace Hopper", "Hedy Lamarr"},
			Categories: []string{"quant-ph", "cs.LG"}},
		{ID: "cs/9909009", Version: 1, AnnounceType: model.Cross,
			Title:      "An old-style identifier on quantum metrology",
			Abstract:   "Old ids still link.",
			Authors:    []string{"Ida Noddack"},
			Categories: []string{"cs.ET", "quant-ph"}},
	}
	score := func(qec, va, qs, qg float64, why string) []model.Score {
		return []model.Score{
			{Topic: "Quantum error correction", Relevance: qec, Reason: why},
			{Topic: "Variational algorithms", Relevance: va, Reason: why},
			{Topic: "Quantum sensing & metrology", Relevance: qs, Reason: why},
			{Topic: "Quantum gravity", Relevance: qg, Reason: why},
		}
	}
	outcomes := map[string]model.Outcome{
		"2504.16424": {Status: model.StatusJudged, Scores: score(0.92, 0.81, 0.1, 0.3, "New fault-tolerant code family; the variational decoder is relevant too.")},
		"2504.17001": {Status: model.StatusJudged, Scores: score(0.75, 0.1, 0.1, 0, "Surface-code experiment below threshold.")},
		"2504.17002": {Status: model.StatusJudged, Scores: score(0.2, 0, 0.88, 0, "NV-centre magnetometry at the Heisenberg limit.")},
		"2504.17003": {Status: model.StatusFailed, Error: "classify 2504.17003: openai: 500 Internal Server Error: upstream timeout"},
		"2504.17005": {Status: model.StatusJudged, Scores: score(0.1, 0.1, 0.2, 0, "Hardware paper, no topic match.")},
		"2504.17006": {Status: model.StatusJudged, Scores: score(0.05, 0.95, 0, 0, "Directly about barren plateaus in QAOA.")},
		"cs/9909009": {Status: model.StatusJudged, Scores: score(0, 0, 0.7, 0, "Metrology, borderline.")},
	}
	d = model.Build(d, papers, outcomes)
	d.Stats.Tokens = model.Usage{Prompt: 95210, Cached: 81920, Completion: 4410, Requests: 7}
	d.Stats.CostUSD = &cost
	// TL;DRs of the selected papers, but one that could not be written.
	tldrs := map[string]string{
		"2504.16424": "Builds fault-tolerant A_n codes whose threshold rises from 0.5% to 1%, with a variational decoder.",
		"2504.17001": "A 105-qubit surface-code experiment shows logical errors falling below threshold.",
		"2504.17006": "Warm starts keep QAOA gradients polynomial, avoiding barren plateaus.",
		"cs/9909009": "An old metrology paper, listed to show old-style ids still link.",
	}
	for i := range d.Papers {
		d.Papers[i].TLDR = tldrs[d.Papers[i].ID]
	}
	d.Stats.TLDRFailed = 1 // 2504.17002
	return d
}

// emptyDay is a day without announcements.
func emptyDay() model.Digest {
	d := model.Digest{
		Date: "2026-03-29", Categories: []string{"cs"}, Model: "gpt-4.1-mini", Threshold: 0.7,
		Topics: []model.Topic{{Name: "LLM agents"}}, Source: "rss", GeneratedAt: "2026-03-29T06:00:00Z",
		NoAnnouncements: true,
	}
	return model.Build(d, nil, nil)
}

// The hostile strings: every one must show as text and do nothing.
const (
	hScript  = "<script>alert(1)</script>"
	hImg     = "<img src=x onerror=alert(1)>"
	hLink    = "[click](javascript:alert(1))"
	hDetails = "</details><script>alert(2)</script>"
	hEntity  = "&lt;b&gt;"
)

// hostileDigest holds markup, Markdown syntax and entities in every text
// field that comes from the feed or the model.
func hostileDigest() model.Digest {
	evil := func(prefix string) string {
		return prefix + " " + hScript + " " + hImg + " " + hLink + " " + hDetails + " " + hEntity +
			" *bold* _x_ | table | `code` $A_n$ ->"
	}
	topicA := "<script>alert(1)</script> Topic *A*"
	topicB := "# heading | B [x](javascript:alert(3))"
	d := model.Digest{
		Date:       "2025-04-29",
		Categories: []string{"quant-ph", "<b>cs</b>"},
		Topics: []model.Topic{
			{Name: topicA, Description: evil("desc")},
			{Name: topicB, Description: "1. list\n# heading"},
		},
		Model: "<img src=x onerror=alert(1)>", Threshold: 0.5, Source: "rss<script>",
		GeneratedAt: "2025-04-29T06:00:00Z", Incomplete: true, RunError: evil("run error"),
	}
	papers := []model.Paper{
		{ID: "2504.20001", Version: 1, AnnounceType: model.New, Title: evil("# heading\n1. list"),
			Abstract: evil("abstract") + "\n\n</details>\n\n# not a heading\n\n    indented code\n- item",
			Authors:  []string{hScript, hImg, hLink, hDetails, "Ren\u202eé", "*bold*"}, Categories: []string{"quant-ph", "<i>x</i>"}},
		{ID: "2504.20002", Version: 1, AnnounceType: model.Cross, Title: "1. list\n- item\n> quote " + hEntity,
			Abstract: hEntity + " a &amp; b -> c", Authors: []string{"Plain Author"}, Categories: []string{"cs.CR"}},
		{ID: "javascript:alert(1)", Version: 1, AnnounceType: "evil<type>", Title: "Odd id " + hLink,
			Abstract: "x", Authors: []string{"Odd"}, Categories: []string{"quant-ph"}},
		{ID: "2504.20004", Version: 1, AnnounceType: model.New, Title: evil("failed"), Authors: []string{"F"}},
		{ID: "2504.20005", Version: 1, AnnounceType: model.New, Title: "skipped", Authors: []string{"S"}},
	}
	sc := func(a, b float64) []model.Score {
		return []model.Score{{Topic: topicA, Relevance: a, Reason: evil("reason")}, {Topic: topicB, Relevance: b, Reason: evil("reason b")}}
	}
	outcomes := map[string]model.Outcome{
		"2504.20001":          {Status: model.StatusJudged, Scores: sc(0.9, 0.8)},
		"2504.20002":          {Status: model.StatusJudged, Scores: sc(0.2, 0.6)},
		"javascript:alert(1)": {Status: model.StatusJudged, Scores: sc(0.7, 0)},
		"2504.20004":          {Status: model.StatusFailed, Error: evil("error")},
		"2504.20005":          {Status: model.StatusSkipped, Error: evil("budget")},
	}
	d = model.Build(d, papers, outcomes)
	for i := range d.Papers {
		if d.Papers[i].Status == model.StatusJudged {
			d.Papers[i].TLDR = evil("tl;dr")
		}
	}
	return d
}

// boundedDigest is a day with more papers in a topic than it shows open
// (MaxPerTopic 3), near misses, and TeX in titles: accents, $...$ math, a
// superscript. Its papers are the best-first ids 2505.000NN.
func boundedDigest() model.Digest {
	d := model.Digest{
		Date: "2025-05-01", Categories: []string{"quant-ph"}, Model: "gpt-5-mini", Threshold: 0.7, MaxPerTopic: 3,
		Topics: []model.Topic{
			{Name: "Quantum optics", Description: "Cat states, squeezing, photonic sources."},
			{Name: "Quantum metrology", Description: "Cramér-Rao bounds and sensing."},
		},
		Source: "rss", GeneratedAt: "2025-05-01T06:00:00Z",
	}
	titles := []string{
		`Optical Schr\"odinger cat states from $x^2$ nonlinearities`,
		`Cram\'er-Rao bounds for SU($N_c$) interferometers`,
		`$k$-cubic phase gates with squeezed light`,
		"Photon-number-resolving detectors at 1550 nm",
		"Squeezing below the shot-noise limit in a chip",
		`Heralded sources with $\eta > 0.9$ efficiency`,
		"A near miss on cat-state tomography",
		"Another near miss: squeezed-state metrology",
		"Far from both topics",
	}
	rel := [][2]float64{{0.96, 0.74}, {0.5, 0.93}, {0.9, 0.2}, {0.84, 0.1}, {0.78, 0.3}, {0.71, 0.62}, {0.66, 0.1}, {0.58, 0.69}, {0.1, 0.2}}
	var papers []model.Paper
	outcomes := map[string]model.Outcome{}
	for i, title := range titles {
		id := fmt.Sprintf("2505.%05d", i+1)
		papers = append(papers, model.Paper{ID: id, Version: 1, AnnounceType: model.New, Title: title,
			Abstract: "We study $x^2$ terms in the Schr\\\"odinger equation.", Authors: []string{"Ana Silva"}, Categories: []string{"quant-ph"}})
		outcomes[id] = model.Outcome{Status: model.StatusJudged, Scores: []model.Score{
			{Topic: "Quantum optics", Relevance: rel[i][0], Reason: fmt.Sprintf("Optics reason %d.", i+1)},
			{Topic: "Quantum metrology", Relevance: rel[i][1], Reason: fmt.Sprintf("Metrology reason %d.", i+1)},
		}}
	}
	d = model.Build(d, papers, outcomes)
	for i := range d.Papers {
		if len(d.Papers[i].SelectedTopics) > 0 {
			d.Papers[i].TLDR = fmt.Sprintf("What paper %d finds, in a sentence.", i+1)
		}
	}
	return d
}
