package model

import "testing"

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
