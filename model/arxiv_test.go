package model

import (
	"regexp"
	"testing"
)

func TestValidCategory(t *testing.T) {
	for _, c := range []string{
		"cs", "cs.CL", "quant-ph", "math.AG", "astro-ph.CO", "cond-mat.stat-mech", "cond-mat.mes-hall",
		"q-bio.NC", "physics.acc-ph", "physics.atom-ph", "physics.optics", "nlin.CD", "q-fin.CP", "stat.ML",
		"eess.AS", "econ.EM", "hep-th", "gr-qc", "math-ph", "nucl-ex", "cond-mat", "physics",
	} {
		if !ValidCategory(c) {
			t.Errorf("ValidCategory(%q) = false, want true", c)
		}
	}
	for _, c := range []string{
		"CS.CL", "cs.", ".CL", "cs..CL", "cs/CL", "cs CL", "cs.CL+cs.LG", "", "cs.CL ", " cs.CL", "cs.CL\n",
		// The config's and fetch's rules disagreed on these: a trailing or
		// doubled hyphen passed fetch's, a capital after a hyphen the config's.
		"cond-mat-", "hep--th", "a-b-c", "cond-mat.stat-", "cs.A-B", "-cs",
		// Subject classes are two capitals or lower case, never mixed.
		"cs.Cl", "cs.CLX", "math.A",
		"cs.CL,cs.LG", "cs.CL/x", "cs.CL%20OR", "../cs", "cs?x=1", "cs.CL#x", "cs.C1",
	} {
		if ValidCategory(c) {
			t.Errorf("ValidCategory(%q) = true, want false", c)
		}
	}
}

func TestValidID(t *testing.T) {
	for _, id := range []string{
		"2504.16424", "0704.0001", "1501.00001", "2412.9999", "cs/9909009", "math.GT/0309136", "hep-th/9901001",
		"cond-mat/0408190", "quant-ph/0101001", "q-bio/0401001", "solv-int/9901001", "physics/0101001",
	} {
		if !ValidID(id) {
			t.Errorf("ValidID(%q) = false, want true", id)
		}
	}
	for _, id := range []string{
		"", "2504.16424v2", "cs/9909009v1", "javascript:alert(1)", "../../etc/passwd", "2504.16424/../x", "2504.16424\n",
		" 2504.16424", "https://evil.example/2504.16424", "arXiv:2504.16424",
		"2504.164", "2504.164241", "25044.16424", "250.16424", "2504-16424", "cs/990909", "cs/99090091", "CS/9909009",
		// fetch's search accepted these, render's check did not: a subject
		// class in lower or mixed case, a trailing or doubled hyphen.
		"math.Gt/0309136", "math.gt/0309136", "cond-mat-/0102536", "hep--th/9901001", "a-b-c/1234567",
		"averyveryveryveryverylongarchivename/0101001",
	} {
		if ValidID(id) {
			t.Errorf("ValidID(%q) = true, want false", id)
		}
	}
}

// TestIDPatternSearch: IDPattern finds an id in text, as fetch uses it.
func TestIDPatternSearch(t *testing.T) {
	re := regexp.MustCompile(`(` + IDPattern + `)(?:v(\d+))?`)
	for _, tt := range []struct{ in, id, version string }{
		{"oai:arXiv.org:2504.16424v2", "2504.16424", "2"},
		{"arXiv:0704.0001v1 Announce Type: new", "0704.0001", "1"},
		{"http://arxiv.org/abs/math.GT/0309136v3", "math.GT/0309136", "3"},
		{"hep-th/9901001", "hep-th/9901001", ""},
		{"no id here", "", ""},
	} {
		m := re.FindStringSubmatch(tt.in)
		var id, version string
		if m != nil {
			id, version = m[1], m[2]
		}
		if id != tt.id || version != tt.version {
			t.Errorf("search %q = %q, %q; want %q, %q", tt.in, id, version, tt.id, tt.version)
		}
	}
}
